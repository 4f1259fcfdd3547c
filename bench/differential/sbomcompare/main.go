// Command sbomcompare compares the packages Bulwark, Syft and Trivy find in
// the same image: per package type, how many (name, version) pairs each
// lists and which pairs only one of them has.
//
//	sbomcompare -bulwark bw.json [-syft syft.json] [-trivy trivy.json] [-types deb,pypi]
//
// Inputs are Bulwark's JSON report (docs/json.md), `syft -o json` and
// `trivy image --format json --list-all-pkgs`. Each tool's package types
// are mapped onto purl-like names (deb, apk, rpm, golang, npm, pypi, gem,
// maven, cargo, composer, nuget); a type with no counterpart keeps the
// tool's own name (Syft's "binary"). Pairs one tool lacks are listed
// against Bulwark; pairs that differ only in spelling (case, PyPI name
// normalisation, a Maven group, a leading "v", an epoch) are listed apart
// as "spelled differently", so the lists hold what was really missed.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
)

// pkg is one (name, version) pair of one type.
type pkg struct{ typ, name, version string }

func main() {
	bw := flag.String("bulwark", "", "Bulwark JSON report (required)")
	syft := flag.String("syft", "", "syft -o json output")
	trivy := flag.String("trivy", "", "trivy --format json --list-all-pkgs output")
	types := flag.String("types", "", "comma-separated types to print (default all)")
	flag.Parse()
	if *bw == "" {
		fmt.Fprintln(os.Stderr, "sbomcompare: -bulwark is required")
		os.Exit(2)
	}
	tools := []tool{{"bulwark", *bw, readBulwark}, {"syft", *syft, readSyft}, {"trivy", *trivy, readTrivy}}
	var sets []set
	for _, t := range tools {
		if t.path == "" {
			continue
		}
		s, err := t.load()
		if err != nil {
			fmt.Fprintf(os.Stderr, "sbomcompare: %s: %v\n", t.name, err)
			os.Exit(1)
		}
		sets = append(sets, s)
	}
	var only []string
	if *types != "" {
		only = strings.Split(*types, ",")
	}
	report(os.Stdout, sets, only)
}

type tool struct {
	name, path string
	read       func([]byte) ([]pkg, error)
}

// set is one tool's packages: type → "name@version" present.
type set struct {
	tool string
	pkgs map[string]map[string]bool
}

func (t tool) load() (set, error) {
	data, err := os.ReadFile(t.path)
	if err != nil {
		return set{}, err
	}
	pkgs, err := t.read(data)
	if err != nil {
		return set{}, fmt.Errorf("%s: %w", t.path, err)
	}
	s := set{tool: t.name, pkgs: map[string]map[string]bool{}}
	for _, p := range pkgs {
		if s.pkgs[p.typ] == nil {
			s.pkgs[p.typ] = map[string]bool{}
		}
		s.pkgs[p.typ][p.name+"@"+p.version] = true
	}
	return s, nil
}

func readBulwark(data []byte) ([]pkg, error) {
	var r struct {
		Inventory struct {
			Packages []struct{ Type, Name, Version string }
		}
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	var out []pkg
	for _, p := range r.Inventory.Packages {
		out = append(out, pkg{p.Type, p.Name, p.Version})
	}
	return out, nil
}

// syftTypes maps Syft's package types onto purl types.
var syftTypes = map[string]string{
	"go-module": "golang", "python": "pypi", "rust-crate": "cargo",
	"java-archive": "maven", "jenkins-plugin": "maven", "graalvm-native-image": "maven",
	"php-composer": "composer", "php-pecl": "composer", "dotnet": "nuget",
	"deb": "deb", "apk": "apk", "rpm": "rpm", "npm": "npm", "gem": "gem",
}

// common is the purl type a tool's package type maps to, or the tool's
// own name where none does.
func common(types map[string]string, typ string) string {
	if t, ok := types[typ]; ok {
		return t
	}
	return typ
}

func readSyft(data []byte) ([]pkg, error) {
	var r struct {
		Artifacts []struct{ Type, Name, Version, PURL string }
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	var out []pkg
	for _, a := range r.Artifacts {
		typ := common(syftTypes, a.Type)
		name := a.Name
		// Syft names a Java archive by its artifact; the purl holds the group.
		if typ == "maven" {
			if g, art, ok := mavenPURL(a.PURL); ok {
				name = g + ":" + art
			}
		}
		out = append(out, pkg{typ, name, a.Version})
	}
	return out, nil
}

func mavenPURL(purl string) (group, artifact string, ok bool) {
	rest, found := strings.CutPrefix(purl, "pkg:maven/")
	if !found {
		return "", "", false
	}
	rest, _, _ = strings.Cut(rest, "@")
	group, artifact, ok = strings.Cut(rest, "/")
	return group, artifact, ok && group != ""
}

// trivyTypes maps Trivy's result types onto purl types.
var trivyTypes = map[string]string{
	"debian": "deb", "ubuntu": "deb",
	"alpine": "apk", "wolfi": "apk", "chainguard": "apk",
	"redhat": "rpm", "centos": "rpm", "rocky": "rpm", "alma": "rpm", "amazon": "rpm", "fedora": "rpm",
	"oracle": "rpm", "photon": "rpm", "suse linux enterprise server": "rpm", "opensuse.leap": "rpm", "azurelinux": "rpm", "cbl-mariner": "rpm",
	"gobinary": "golang", "gomod": "golang",
	"python-pkg": "pypi", "pip": "pypi", "pipenv": "pypi", "poetry": "pypi", "uv": "pypi",
	"cargo": "cargo", "rustbinary": "cargo",
	"jar": "maven", "pom": "maven", "gradle": "maven", "sbt": "maven",
	"node-pkg": "npm", "npm": "npm", "yarn": "npm", "pnpm": "npm", "bun": "npm",
	"gemspec": "gem", "bundler": "gem",
	"composer": "composer", "composer-vendor": "composer",
	"nuget": "nuget", "dotnet-core": "nuget", "packages-props": "nuget",
}

func readTrivy(data []byte) ([]pkg, error) {
	var r struct {
		Results []struct {
			Class, Type string
			Packages    []struct {
				Name, Version, Release string
				Epoch                  int
			}
		}
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	var out []pkg
	for _, res := range r.Results {
		typ := common(trivyTypes, res.Type)
		for _, p := range res.Packages {
			if p.Name == "" {
				// The nameless root Trivy gives a lock file it did not
				// resolve (Cargo.lock in an image).
				continue
			}
			// OS packages come split; rejoin them as the package database
			// writes them: [epoch:]version[-release].
			v := p.Version
			if p.Release != "" {
				v += "-" + p.Release
			}
			if p.Epoch != 0 {
				v = fmt.Sprintf("%d:%s", p.Epoch, v)
			}
			out = append(out, pkg{typ, p.Name, v})
		}
	}
	return out, nil
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// loose is the key two spellings of one package share: names lowercased
// (PyPI's normalised), a Maven name reduced to its artifact, versions
// without a leading "v" or an epoch.
func loose(typ, key string) string {
	i := strings.LastIndex(key, "@")
	name, version := key[:i], key[i+1:]
	name = strings.ToLower(name)
	switch typ {
	case "pypi":
		name = pep503.ReplaceAllString(name, "-")
	case "maven":
		name = name[strings.LastIndex(name, ":")+1:]
	}
	version = strings.TrimPrefix(version, "v")
	if typ == "golang" && name == "stdlib" {
		version = strings.TrimPrefix(version, "go")
	}
	if i := strings.Index(version, ":"); i > 0 && (typ == "deb" || typ == "rpm" || typ == "apk") {
		version = version[i+1:]
	}
	return name + "@" + version
}

func report(w io.Writer, sets []set, only []string) {
	var types []string
	for _, s := range sets {
		for t := range s.pkgs {
			if !slices.Contains(types, t) && (only == nil || slices.Contains(only, t)) {
				types = append(types, t)
			}
		}
	}
	slices.Sort(types)
	fmt.Fprintf(w, "%-10s", "type")
	for _, s := range sets {
		fmt.Fprintf(w, " %8s", s.tool)
	}
	for _, s := range sets[1:] {
		fmt.Fprintf(w, " %14s", "same as "+s.tool)
	}
	fmt.Fprintln(w)
	for _, t := range types {
		fmt.Fprintf(w, "%-10s", t)
		for _, s := range sets {
			fmt.Fprintf(w, " %8d", len(s.pkgs[t]))
		}
		for _, s := range sets[1:] {
			n := 0
			for k := range s.pkgs[t] {
				if sets[0].pkgs[t][k] {
					n++
				}
			}
			fmt.Fprintf(w, " %14d", n)
		}
		fmt.Fprintln(w)
	}
	for _, t := range types {
		for _, s := range sets[1:] {
			ours, theirs := minus(sets[0].pkgs[t], s.pkgs[t]), minus(s.pkgs[t], sets[0].pkgs[t])
			if len(ours) == 0 && len(theirs) == 0 {
				continue
			}
			fmt.Fprintf(w, "\n== %s: %s vs %s\n", t, sets[0].tool, s.tool)
			if len(s.pkgs[t]) == 0 || len(sets[0].pkgs[t]) == 0 {
				fmt.Fprintf(w, "  only %s lists %s packages (%d)\n", cond(len(s.pkgs[t]) == 0, sets[0].tool, s.tool), t, len(ours)+len(theirs))
				continue
			}
			spelled := map[string]string{}
			for _, o := range ours {
				for _, th := range theirs {
					if loose(t, o) == loose(t, th) {
						spelled[o], spelled[th] = th, o
					}
				}
			}
			list(w, "only "+sets[0].tool, ours, spelled)
			list(w, "only "+s.tool, theirs, spelled)
			for _, o := range ours {
				if th, ok := spelled[o]; ok {
					fmt.Fprintf(w, "  spelled differently: %s | %s\n", o, th)
				}
			}
		}
	}
}

func list(w io.Writer, label string, keys []string, skip map[string]string) {
	n := 0
	for _, k := range keys {
		if _, ok := skip[k]; !ok {
			fmt.Fprintf(w, "  %s: %s\n", label, k)
			n++
		}
	}
	if n > 0 {
		fmt.Fprintf(w, "  (%d %s)\n", n, label)
	}
}

func minus(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func cond(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

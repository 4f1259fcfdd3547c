package ruby

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// LockExtractor reads Bundler's lockfiles, Gemfile.lock and gems.locked.
type LockExtractor struct{}

// Name implements extract.Extractor.
func (LockExtractor) Name() string { return "gemfile-lock" }

// Version implements extract.Extractor.
func (LockExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. A large Rails application locks a
// few hundred gems in some tens of kilobytes.
func (LockExtractor) MaxSize() int64 { return 16 << 20 }

// Required implements extract.Extractor. Lockfiles inside an installed
// gem's directory (<gem home>/gems/<name>-<version>/Gemfile.lock, or a git
// checkout in bundler/gems/) are left out: they record the gem author's
// development environment, not anything installed in the image.
func (LockExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() {
		return false
	}
	switch baseName(f.Path) {
	case "Gemfile.lock", "gems.locked":
		return !grandparentIs(f.Path, "gems")
	}
	return false
}

// Extract implements extract.Extractor.
func (LockExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "gemfile-lock", ParseLock)
}

// ParseLock returns the gems a Bundler lockfile pins: the specs of its GEM,
// GIT, PATH and PLUGIN SOURCE sections, in file order. When the lockfile has
// a DEPENDENCIES section, the gems it names are direct dependencies and the
// rest transitive.
//
// A spec written for a platform, "nokogiri (1.15.4-x86_64-linux)", has
// version 1.15.4 and the platform as Arch; Bundler splits at the first "-"
// the same way, as gem versions cannot contain one in a lockfile. A gem
// locked for several platforms at the same version is one package, with
// Arch left empty.
func ParseLock(data []byte) ([]inventory.Package, error) {
	type key struct{ name, version string }
	var (
		out      []inventory.Package
		index    = map[key]int{} // into out
		direct   = map[string]bool{}
		section  string // the current top-level heading
		inSpecs  bool   // below "  specs:" in a source section
		haveDeps bool
		known    bool // any heading Bundler writes was seen
	)
	for n, s := 1, string(data); s != ""; n++ {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		line = strings.TrimSuffix(line, "\r")
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case strings.TrimSpace(line) == "":
			continue
		case strings.HasPrefix(line, "<<<<<<<") || strings.HasPrefix(line, ">>>>>>>"):
			return nil, fmt.Errorf("line %d: merge conflict marker", n)
		case indent == 0:
			section, inSpecs = line, false
			switch section {
			case "GEM", "GIT", "PATH", "PLUGIN SOURCE":
				known = true
			case "DEPENDENCIES":
				known, haveDeps = true, true
			case "PLATFORMS", "RUBY VERSION", "BUNDLED WITH", "CHECKSUMS":
				known = true
			}
			continue
		}
		switch section {
		case "GEM", "GIT", "PATH", "PLUGIN SOURCE":
			switch {
			case indent == 2:
				inSpecs = line == "  specs:"
			case indent == 4 && inSpecs:
				name, version, platform, err := specLine(line[4:])
				if err != nil {
					return nil, fmt.Errorf("line %d: %w", n, err)
				}
				k := key{name, version}
				if i, ok := index[k]; ok {
					if out[i].Arch != platform {
						out[i].Arch = "" // locked for several platforms
					}
					continue
				}
				index[k] = len(out)
				out = append(out, inventory.Package{
					Type: inventory.TypeGem, Name: name, Version: version, Arch: platform, Layer: -1,
				})
			}
			// Deeper lines are each spec's own requirements.
		case "DEPENDENCIES":
			if indent != 2 {
				continue
			}
			// "  rails (~> 7.0.8)", "  devise!" (a git or path source),
			// "  foo (~> 1.0)!".
			name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			direct[strings.TrimSuffix(name, "!")] = true
		}
	}
	if !known {
		return nil, errors.New("not a Bundler lockfile: no GEM, GIT, PATH or DEPENDENCIES section")
	}
	if haveDeps {
		for i := range out {
			out[i].Dependency = inventory.DependencyTransitive
			if direct[out[i].Name] {
				out[i].Dependency = inventory.DependencyDirect
			}
		}
	}
	return out, nil
}

// specLine splits "name (version)" or "name (version-platform)".
func specLine(s string) (name, version, platform string, err error) {
	name, rest, ok := strings.Cut(s, " (")
	if !ok || !strings.HasSuffix(rest, ")") {
		return "", "", "", fmt.Errorf("spec %q: want \"name (version)\"", s)
	}
	version, platform, _ = strings.Cut(strings.TrimSuffix(rest, ")"), "-")
	if platform == "ruby" {
		platform = ""
	}
	switch {
	case !validName(name):
		return "", "", "", fmt.Errorf("spec %q: invalid gem name", s)
	case !validVersion(version):
		return "", "", "", fmt.Errorf("spec %q: invalid version", s)
	}
	return name, version, platform, nil
}

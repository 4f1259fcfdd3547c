// Package scan runs a whole scan of one opened source: it walks the layers,
// merges them, and assembles the report's inventory (packages with their
// introducing layer and package URL, and the operating system).
package scan

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/extract/apk"
	"github.com/bulwark-sec/bulwark/extract/dotnet"
	"github.com/bulwark-sec/bulwark/extract/dpkg"
	"github.com/bulwark-sec/bulwark/extract/gobinary"
	"github.com/bulwark-sec/bulwark/extract/gomod"
	"github.com/bulwark-sec/bulwark/extract/java"
	"github.com/bulwark-sec/bulwark/extract/npm"
	"github.com/bulwark-sec/bulwark/extract/osrelease"
	"github.com/bulwark-sec/bulwark/extract/php"
	"github.com/bulwark-sec/bulwark/extract/pnpm"
	"github.com/bulwark-sec/bulwark/extract/python"
	"github.com/bulwark-sec/bulwark/extract/rpm"
	"github.com/bulwark-sec/bulwark/extract/ruby"
	"github.com/bulwark-sec/bulwark/extract/rust"
	"github.com/bulwark-sec/bulwark/extract/yarn"
	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/imageconfig"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/secret"
)

// Extractors returns the extractors a default scan runs: those of
// operating-system packages and of language packages. Adding an ecosystem
// means a row in the ecosystem table and its extractor in one of those
// lists.
func Extractors() []extract.Extractor {
	return append(OSExtractors(), LanguageExtractors()...)
}

// OSExtractors read the operating system's release and package databases.
func OSExtractors() []extract.Extractor {
	return []extract.Extractor{
		osrelease.Extractor{},
		dpkg.Extractor{},
		dpkg.Copyright{},
		apk.Extractor{},
		rpm.Extractor{},
	}
}

// LanguageExtractors read application dependencies: installed language
// packages, lockfiles and manifests, and the build information in
// binaries.
func LanguageExtractors() []extract.Extractor {
	return []extract.Extractor{
		gobinary.Extractor{},
		gomod.Extractor{},
		java.ArchiveExtractor{},
		java.PomExtractor{},
		java.GradleLockExtractor{},
		npm.LockExtractor{},
		npm.InstalledExtractor{},
		yarn.Extractor{},
		pnpm.Extractor{},
		ruby.GemspecExtractor{},
		ruby.LockExtractor{},
		php.LockExtractor{},
		php.InstalledExtractor{},
		python.DistExtractor{},
		python.RequirementsExtractor{},
		python.PoetryExtractor{},
		python.PipenvExtractor{},
		python.UVExtractor{},
		python.PylockExtractor{},
		rust.LockExtractor{},
		rust.BinaryExtractor{},
		dotnet.DepsExtractor{},
		dotnet.LockExtractor{},
		dotnet.ProjectExtractor{},
	}
}

// Options control a scan.
type Options struct {
	// Extractors default to Extractors().
	Extractors []extract.Extractor
	Parallel   int
	Cache      layerfs.Cache
	TempDir    string
	Progress   func(layerfs.ProgressEvent)
	// Secrets, when set, turns on secret reporting: findings of the
	// secret extractor (which the caller adds to Extractors) in every
	// layer, and this engine run over the image configuration.
	Secrets *secret.Engine
	// ImageConfig turns on the audit of the image's configuration and
	// files (misconfig/imageconfig).
	ImageConfig bool
}

// Result is what one scan of one source found: the inventory, and the
// secrets and image misconfigurations when they were asked for.
type Result struct {
	Artifact  result.Artifact
	Inventory inventory.Inventory
	// Secrets is nil when secret scanning was not asked for.
	Secrets []result.Secret
	// Misconfigurations is nil when the image audit was not asked for.
	Misconfigurations []misconfig.Finding
	Warnings          []result.Warning
	// ConfigFiles are the configuration files visible in the image that
	// an extractor kept (extract/configfiles), in path order.
	ConfigFiles []ConfigFile
}

// ConfigFile is a Dockerfile, Compose file or manifest an image ships.
type ConfigFile struct {
	Path  string
	Layer int
	Data  []byte
}

// Run scans src.
func Run(ctx context.Context, src *image.Source, opts Options) (*Result, error) {
	exts := opts.Extractors
	if exts == nil {
		exts = Extractors()
	}
	results, err := layerfs.Walk(ctx, src, layerfs.Options{
		Extractors: exts,
		Parallel:   opts.Parallel,
		Cache:      opts.Cache,
		TempDir:    opts.TempDir,
		Progress:   opts.Progress,
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", src.Artifact.Name, err)
	}
	merged := layerfs.Merge(results)

	r := &Result{Artifact: src.Artifact}
	r.Inventory.Layers = layersOf(src)
	r.Inventory.OS = detectOS(merged)
	r.Inventory.Packages = packagesOf(merged, r.Inventory.OS)
	if opts.Secrets != nil {
		r.Secrets = secretsOf(results, merged, r.Inventory.Layers, src.RootDir != "")
		r.Secrets = append(r.Secrets, configSecrets(opts.Secrets, src)...)
	}
	if opts.ImageConfig {
		tags := src.Artifact.RepoTags
		if len(tags) == 0 && src.Artifact.Kind == result.KindRegistry {
			tags = []string{src.Artifact.Name}
		}
		r.Misconfigurations = imageconfig.Scan(imageconfig.Input{Config: src.Config, RepoTags: tags, FS: merged})
		if r.Misconfigurations == nil {
			r.Misconfigurations = []misconfig.Finding{}
		}
		misconfig.Sort(r.Misconfigurations)
	}
	for _, f := range merged.Found {
		if f.Result.ConfigFile != nil {
			r.ConfigFiles = append(r.ConfigFiles, ConfigFile{Path: f.Path, Layer: f.Layer, Data: f.Result.ConfigFile})
		}
	}
	for i, l := range results {
		layer := i
		if src.RootDir != "" {
			layer = -1
		}
		for _, w := range l.Warnings {
			r.Warnings = append(r.Warnings, result.Warning{Layer: layer, Path: w.Path, Message: w.Message})
		}
	}
	return r, nil
}

func layersOf(src *image.Source) []inventory.Layer {
	if src.RootDir != "" {
		return []inventory.Layer{{Index: 0}}
	}
	out := make([]inventory.Layer, len(src.Layers))
	for i, l := range src.Layers {
		out[i] = l.Layer
		out[i].Index = i
	}
	return out
}

func detectOS(fs *layerfs.FS) *inventory.OS {
	found := map[string]*inventory.OS{}
	for _, f := range fs.Found {
		if f.Result.OS != nil {
			found[f.Path] = f.Result.OS
		}
	}
	os := osrelease.Best(found)
	if os == nil {
		return nil
	}
	// Distroless Debian images keep one stanza per package in status.d
	// and have no status file.
	if _, ok := fs.Stat("var/lib/dpkg/status"); !ok {
		if d, ok := fs.Stat("var/lib/dpkg/status.d"); ok && d.Mode.IsDir() {
			os.Distroless = true
		}
	}
	return os
}

func packagesOf(fs *layerfs.FS, os *inventory.OS) []inventory.Package {
	type typeName struct{ typ, name string }
	licenses := map[typeName][]string{}
	for _, f := range fs.Found {
		if l := f.Result.Licenses; l != nil {
			licenses[typeName{l.Type, l.Package}] = l.Licenses
		}
	}
	var pkgs []inventory.Package
	for _, f := range fs.Found {
		for _, p := range f.Result.Packages {
			if p.PURL == "" {
				p.PURL = inventory.PURL(p, os)
			}
			if len(p.Licenses) == 0 {
				p.Licenses = licenses[typeName{p.Type, p.Name}]
			}
			pkgs = append(pkgs, p)
		}
	}
	pkgs = dedupe(pkgs)
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return strings.Compare(a.Location, b.Location) < 0
	})
	return pkgs
}

// dedupe folds together the copies of one language package that a project
// declares in a lockfile and also has installed below it (package-lock.json
// and node_modules/x/package.json, Gemfile.lock and vendor/bundle, go.mod
// and the binary built from it): the installed copy is kept, as the truth
// of what runs, and takes the lockfile's direct/transitive mark. Copies in
// unrelated folders are separate installs and all stay.
func dedupe(pkgs []inventory.Package) []inventory.Package {
	type key struct{ typ, name, version string }
	groups := map[key][]int{}
	for i, p := range pkgs {
		if d, ok := ecosystem.ByPackageType(p.Type); ok && d.Distro() {
			continue
		}
		k := key{p.Type, p.Name, p.Version}
		groups[k] = append(groups[k], i)
	}
	drop := map[int]bool{}
	for _, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		// Copies linked into programs first, all kept; then deepest
		// first: a copy is dropped when one already kept lies in its
		// folder or below it.
		sort.SliceStable(idx, func(a, b int) bool {
			pa, pb := pkgs[idx[a]], pkgs[idx[b]]
			if la, lb := linked(pa), linked(pb); la != lb {
				return la
			}
			return strings.Count(pa.Location, "/") > strings.Count(pb.Location, "/")
		})
		var kept []int
		for _, i := range idx {
			if linked(pkgs[i]) {
				kept = append(kept, i)
				continue
			}
			dir := path.Dir(pkgs[i].Location)
			folded := false
			// The shallowest copy below is the one the project itself
			// installed (node_modules/x rather than node_modules/y/node_modules/x).
			for j := len(kept) - 1; j >= 0; j-- {
				k := kept[j]
				if within(path.Dir(pkgs[k].Location), dir) {
					if pkgs[k].Dependency == "" {
						pkgs[k].Dependency = pkgs[i].Dependency
					}
					drop[i], folded = true, true
					break
				}
			}
			if !folded {
				kept = append(kept, i)
			}
		}
	}
	// A project whose node_modules is installed ships exactly what is
	// there: lockfile entries that were not installed (optional packages
	// for other platforms, say) are not in the image.
	installedUnder := map[string]bool{}
	for i, p := range pkgs {
		if p.Type == inventory.TypeNPM && !drop[i] {
			if j := strings.Index("/"+p.Location, "/node_modules/"); j >= 0 {
				installedUnder[path.Clean(p.Location[:max(j-1, 0)])] = true
			}
		}
	}
	for i, p := range pkgs {
		if p.Type == inventory.TypeNPM && !strings.Contains("/"+p.Location, "/node_modules/") && installedUnder[path.Dir(p.Location)] {
			drop[i] = true
		}
	}
	if len(drop) == 0 {
		return pkgs
	}
	out := pkgs[:0]
	for i, p := range pkgs {
		if !drop[i] {
			out = append(out, p)
		}
	}
	return out
}

// linked reports whether a package was read from a program or archive it
// is built into (a Go binary's build information, a cargo-auditable
// binary, a jar) rather than from a file that declares it: each is an
// install of its own, so two programs in one folder that bundle the same
// library both keep it, and a go.mod, Cargo.lock or pom.xml folds into the
// artefact built beside it, never one artefact into another.
func linked(p inventory.Package) bool {
	base := path.Base(p.Location)
	switch p.Type {
	case inventory.TypeGolang:
		return base != "go.mod"
	case inventory.TypeCargo: // cargo-auditable programs
		return base != "Cargo.lock"
	case inventory.TypeMaven: // jar, war and ear archives, and jars in them
		return base != "pom.xml" && base != "gradle.lockfile"
	}
	return false
}

// within reports whether slash path p is dir or below it.
func within(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

// secretsOf lists the secrets every layer's files hold, marking those in
// files a later layer deleted or replaced.
func secretsOf(results []*layerfs.LayerResult, fs *layerfs.FS, layers []inventory.Layer, rootDir bool) []result.Secret {
	type at struct {
		path  string
		layer int
	}
	hiddenBy := map[at]int{}
	for _, h := range fs.Hidden {
		hiddenBy[at{h.Path, h.Layer}] = h.HiddenBy
	}
	out := []result.Secret{}
	for i, l := range results {
		for _, f := range l.Files {
			for _, s := range f.Result.Secrets {
				rs := result.Secret{
					RuleID: s.RuleID, Title: s.Title, Severity: s.Severity, Source: "layer",
					Path: f.Path, Line: s.Line, Match: s.Match, Encoding: s.Encoding, Layer: i,
				}
				if strings.HasPrefix(s.Path, f.Path+"!/") {
					rs.Path = s.Path // a member of an archive
				}
				if rootDir {
					rs.Layer = -1
				} else if i < len(layers) {
					rs.DiffID = layers[i].DiffID
				}
				if by, ok := hiddenBy[at{f.Path, i}]; ok {
					rs.DeletedBy = &by
				}
				out = append(out, rs)
			}
		}
	}
	return out
}

// configSecrets scans what an image's configuration carries into every
// container and every pull: environment, labels, and the build history,
// where build arguments and ENV values end up.
func configSecrets(eng *secret.Engine, src *image.Source) []result.Secret {
	if src.Config == nil {
		return nil
	}
	var out []result.Secret
	scan := func(field, text string) {
		for _, f := range eng.Scan(field, []byte(text)) {
			out = append(out, result.Secret{
				RuleID: f.RuleID, Title: f.Title, Severity: f.Severity, Source: "config",
				Path: field, Match: f.Match, Layer: -1,
			})
		}
	}
	cfg := src.Config.Config
	scan("Env", strings.Join(cfg.Env, "\n"))
	var labels []string
	for k, v := range cfg.Labels {
		labels = append(labels, k+"="+v)
	}
	sort.Strings(labels)
	scan("Labels", strings.Join(labels, "\n"))
	for i, h := range src.Config.History {
		scan(fmt.Sprintf("History[%d].created_by", i), h.CreatedBy)
	}
	return out
}

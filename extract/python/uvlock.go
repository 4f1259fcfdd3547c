package python

import (
	"context"
	"fmt"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// UVExtractor reads uv's uv.lock.
type UVExtractor struct{}

// Name implements extract.Extractor.
func (UVExtractor) Name() string { return "uv-lock" }

// Version implements extract.Extractor.
func (UVExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (UVExtractor) MaxSize() int64 { return 64 << 20 }

// Required implements extract.Extractor.
func (UVExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && baseName(f.Path) == "uv.lock" && !inInstalledPackage(f.Path)
}

// Extract implements extract.Extractor.
func (UVExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "uv-lock", ParseUVLock)
}

// uvLock is the part of a uv.lock (lock version 1) Bulwark reads.
type uvLock struct {
	Package []struct {
		Name                 string                    `toml:"name"`
		Version              string                    `toml:"version"`
		Source               uvSource                  `toml:"source"`
		Dependencies         []uvDependency            `toml:"dependencies"`
		OptionalDependencies map[string][]uvDependency `toml:"optional-dependencies"`
		DevDependencies      map[string][]uvDependency `toml:"dev-dependencies"`
	} `toml:"package"`
}

// uvSource says where a locked package comes from; exactly one field is
// set.
type uvSource struct {
	Registry  string `toml:"registry"`
	Git       string `toml:"git"`
	URL       string `toml:"url"`
	Path      string `toml:"path"`      // a local archive
	Directory string `toml:"directory"` // a local source tree
	Editable  string `toml:"editable"`  // a local source tree, installed editable
	Virtual   string `toml:"virtual"`   // a project that is not itself a package
}

// local reports whether the source is a source tree on disk: the project
// being locked, or another member of its workspace.
func (s uvSource) local() bool {
	return s.Directory != "" || s.Editable != "" || s.Virtual != ""
}

// uvDependency names a locked package; version is given only where the
// lock holds several versions of the name (for different platforms or
// Python versions).
type uvDependency struct {
	Name    string `toml:"name"`
	Version string `toml:"version"`
}

// ParseUVLock returns the packages a uv.lock pins, in file order, leaving
// out the project itself and its workspace members (editable, virtual and
// directory sources), which are local code rather than releases. What
// those local packages depend on (including optional and development
// groups) is direct; everything else is transitive.
func ParseUVLock(data []byte) ([]inventory.Package, error) {
	var lock uvLock
	if err := decodeTOMLLock(data, &lock); err != nil {
		return nil, err
	}
	direct := map[uvDependency]bool{} // Version "" = any version of the name
	haveRoot := false
	addDirect := func(deps []uvDependency) {
		for _, d := range deps {
			direct[d] = true
		}
	}
	for _, p := range lock.Package {
		if !p.Source.local() {
			continue
		}
		haveRoot = true
		addDirect(p.Dependencies)
		for _, deps := range p.OptionalDependencies {
			addDirect(deps)
		}
		for _, deps := range p.DevDependencies {
			addDirect(deps)
		}
	}
	var out []inventory.Package
	for i, p := range lock.Package {
		if p.Source.local() {
			continue
		}
		if p.Name == "" {
			return nil, fmt.Errorf("package %d: no name", i+1)
		}
		if p.Version == "" {
			continue // a source tree with a dynamic version: nothing to match
		}
		pkg := inventory.Package{
			Type: inventory.TypePyPI, Name: p.Name, Version: p.Version, Layer: -1,
		}
		if haveRoot {
			pkg.Dependency = inventory.DependencyTransitive
			if direct[uvDependency{Name: p.Name}] || direct[uvDependency{Name: p.Name, Version: p.Version}] {
				pkg.Dependency = inventory.DependencyDirect
			}
		}
		out = append(out, pkg)
	}
	return out, nil
}

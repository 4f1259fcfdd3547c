package python

import (
	"context"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// PylockExtractor reads the standard lockfile of PEP 751: pylock.toml, or
// pylock.<name>.toml for one of several locks of a project.
type PylockExtractor struct{}

// Name implements extract.Extractor.
func (PylockExtractor) Name() string { return "pylock" }

// Version implements extract.Extractor.
func (PylockExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. Like uv.lock, a pylock.toml lists
// every wheel of every package with its hash.
func (PylockExtractor) MaxSize() int64 { return 64 << 20 }

// Required implements extract.Extractor.
func (PylockExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() || inInstalledPackage(f.Path) {
		return false
	}
	base := baseName(f.Path)
	if base == "pylock.toml" {
		return true
	}
	// PEP 751: the name between the dots is not empty and has no dot.
	name, ok := strings.CutPrefix(base, "pylock.")
	name, ok2 := strings.CutSuffix(name, ".toml")
	return ok && ok2 && name != "" && !strings.Contains(name, ".")
}

// Extract implements extract.Extractor.
func (PylockExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "pylock", ParsePylock)
}

// pylock is the part of a pylock.toml (lock-version 1.0) Bulwark reads.
type pylock struct {
	Packages []struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
		// A source tree on disk: the project itself or a path
		// dependency, local code rather than a release.
		Directory *struct {
			Path string `toml:"path"`
		} `toml:"directory"`
	} `toml:"packages"`
}

// ParsePylock returns the packages a pylock.toml locks, in file order,
// leaving out source trees on disk ([packages.directory]) and entries
// without a version (PEP 751 makes it optional for source trees and VCS
// checkouts; with no version there is nothing to match). The lock does not
// say which packages the project requires itself, so Dependency is left
// empty.
func ParsePylock(data []byte) ([]inventory.Package, error) {
	var lock pylock
	if err := decodeTOMLLock(data, &lock); err != nil {
		return nil, err
	}
	var out []inventory.Package
	for i, p := range lock.Packages {
		if p.Name == "" {
			return nil, fmt.Errorf("package %d: no name", i+1)
		}
		if p.Directory != nil || p.Version == "" {
			continue
		}
		out = append(out, inventory.Package{
			Type: inventory.TypePyPI, Name: p.Name, Version: p.Version, Layer: -1,
		})
	}
	return out, nil
}

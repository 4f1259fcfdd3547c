package python

import (
	"context"
	"fmt"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// PoetryExtractor reads Poetry's poetry.lock.
type PoetryExtractor struct{}

// Name implements extract.Extractor.
func (PoetryExtractor) Name() string { return "poetry-lock" }

// Version implements extract.Extractor.
func (PoetryExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. The per-file hashes make a large
// project's lockfile a few megabytes.
func (PoetryExtractor) MaxSize() int64 { return 64 << 20 }

// Required implements extract.Extractor.
func (PoetryExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && baseName(f.Path) == "poetry.lock" && !inInstalledPackage(f.Path)
}

// Extract implements extract.Extractor.
func (PoetryExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "poetry-lock", ParsePoetryLock)
}

// poetryLock is the part of poetry.lock Bulwark reads. The format is the
// same in lock versions 1.1, 2.0 and 2.1, apart from how dependency groups
// are recorded (category = "dev" before 2.1, groups = ["dev"] since), which
// the inventory has no place for.
type poetryLock struct {
	Package []struct {
		Name    string `toml:"name"`
		Version string `toml:"version"`
		Source  struct {
			Type string `toml:"type"`
		} `toml:"source"`
	} `toml:"package"`
}

// ParsePoetryLock returns the packages a poetry.lock pins, in file order,
// leaving out path dependencies on local directories: they are the
// project's own code, not releases. poetry.lock does not record which
// packages the project requires directly, so Dependency is left empty.
func ParsePoetryLock(data []byte) ([]inventory.Package, error) {
	var lock poetryLock
	if err := decodeTOMLLock(data, &lock); err != nil {
		return nil, err
	}
	var out []inventory.Package
	for i, p := range lock.Package {
		if p.Source.Type == "directory" {
			continue
		}
		if p.Name == "" || p.Version == "" {
			return nil, fmt.Errorf("package %d: no name or version", i+1)
		}
		out = append(out, inventory.Package{
			Type: inventory.TypePyPI, Name: p.Name, Version: p.Version, Layer: -1,
		})
	}
	return out, nil
}

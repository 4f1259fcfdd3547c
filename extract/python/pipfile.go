package python

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// PipenvExtractor reads Pipenv's Pipfile.lock.
type PipenvExtractor struct{}

// Name implements extract.Extractor.
func (PipenvExtractor) Name() string { return "pipfile-lock" }

// Version implements extract.Extractor.
func (PipenvExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (PipenvExtractor) MaxSize() int64 { return 64 << 20 }

// Required implements extract.Extractor.
func (PipenvExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && baseName(f.Path) == "Pipfile.lock" && !inInstalledPackage(f.Path)
}

// Extract implements extract.Extractor.
func (PipenvExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "pipfile-lock", ParsePipfileLock)
}

// pipfileLock is the part of a Pipfile.lock (pipfile-spec 6) Bulwark
// reads: the resolved sets of the default and develop groups, keyed by
// package name.
type pipfileLock struct {
	Default map[string]pipfileEntry `json:"default"`
	Develop map[string]pipfileEntry `json:"develop"`
}

type pipfileEntry struct {
	Version string `json:"version"` // "==1.2.3"; absent for VCS, path and editable entries
}

// ParsePipfileLock returns the packages of a Pipfile.lock's default and
// develop sections, each sorted by name, a package in both reported once.
// Entries without a pinned version (git checkouts, local paths, editable
// installs of the project itself) are left out. Each section lists its
// whole resolved set and the file does not say which entries the Pipfile
// names, so Dependency is left empty.
func ParsePipfileLock(data []byte) ([]inventory.Package, error) {
	var lock pipfileLock
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, err
	}
	type key struct{ name, version string }
	var (
		out  []inventory.Package
		seen = map[key]bool{}
	)
	for _, section := range []map[string]pipfileEntry{lock.Default, lock.Develop} {
		names := make([]string, 0, len(section))
		for name := range section {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			version, ok := pinnedVersion(section[name].Version)
			if !ok || name == "" || seen[key{name, version}] {
				continue
			}
			seen[key{name, version}] = true
			out = append(out, inventory.Package{
				Type: inventory.TypePyPI, Name: name, Version: version, Layer: -1,
			})
		}
	}
	return out, nil
}

package dotnet

import (
	"context"
	"encoding/json"
	"errors"
	"path"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// LockExtractor reads NuGet's packages.lock.json, which a restore writes
// when a project opts in (RestorePackagesWithLockFile).
type LockExtractor struct{}

// Name implements extract.Extractor.
func (LockExtractor) Name() string { return "nuget-lock" }

// Version implements extract.Extractor.
func (LockExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (LockExtractor) MaxSize() int64 { return 32 << 20 }

// Required implements extract.Extractor: files named packages.lock.json.
func (LockExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && path.Base(f.Path) == "packages.lock.json"
}

// Extract implements extract.Extractor.
func (LockExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "nuget-lock", ParseLock)
}

var errNoDependencies = errors.New(`no "dependencies" object`)

// ParseLock returns the packages a packages.lock.json pins. The file has a
// section per target framework (and per framework and runtime), which
// mostly repeat each other; a package is listed once per version, direct
// if any section says so. Entries of type Project are the solution's own
// projects and are left out; Transitive and CentralTransitive (a
// transitive package whose version central package management pins) are
// transitive.
func ParseLock(data []byte) ([]inventory.Package, error) {
	var doc struct {
		Dependencies map[string]map[string]struct {
			Type     string `json:"type"`
			Resolved string `json:"resolved"`
		} `json:"dependencies"`
	}
	if err := json.Unmarshal(trimBOM(data), &doc); err != nil {
		return nil, err
	}
	if doc.Dependencies == nil {
		return nil, errNoDependencies
	}
	type key struct{ name, version string }
	seen := map[key]int{} // index into pkgs
	var pkgs []inventory.Package
	for _, deps := range doc.Dependencies {
		for name, d := range deps {
			var dep string
			switch d.Type {
			case "Project":
				continue
			case "Direct":
				dep = inventory.DependencyDirect
			case "Transitive", "CentralTransitive":
				dep = inventory.DependencyTransitive
			}
			if name == "" || d.Resolved == "" {
				continue
			}
			k := key{name, d.Resolved}
			if i, ok := seen[k]; ok {
				if dep == inventory.DependencyDirect || pkgs[i].Dependency == "" {
					pkgs[i].Dependency = dep
				}
				continue
			}
			seen[k] = len(pkgs)
			pkgs = append(pkgs, inventory.Package{
				Type: inventory.TypeNuGet, Name: name, Version: d.Resolved,
				Dependency: dep, Layer: -1,
			})
		}
	}
	sortPackages(pkgs)
	return pkgs, nil
}

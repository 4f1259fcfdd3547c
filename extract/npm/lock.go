package npm

import (
	"context"
	"encoding/json"
	"errors"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// LockExtractor reads package-lock.json and npm-shrinkwrap.json files.
type LockExtractor struct{}

// Name implements extract.Extractor.
func (LockExtractor) Name() string { return "npm-lock" }

// Version implements extract.Extractor.
func (LockExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. Lockfiles of large monorepos run to
// tens of megabytes; this leaves room while bounding memory.
func (LockExtractor) MaxSize() int64 { return 256 << 20 }

// Required implements extract.Extractor. Lockfiles inside node_modules are
// left out (see underNodeModules), and so is npm's hidden lockfile
// node_modules/.package-lock.json: it describes the installed tree, whose
// packages the InstalledExtractor reads from their manifests.
func (LockExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() {
		return false
	}
	base := path.Base(f.Path)
	return (base == "package-lock.json" || base == "npm-shrinkwrap.json") && !underNodeModules(f.Path)
}

// Extract implements extract.Extractor.
func (LockExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "npm-lock", ParseLock)
}

// lockfile is the part of package-lock.json Bulwark reads. Version 1 has
// only Dependencies, a tree mirroring node_modules; version 3 has only
// Packages, keyed by install path; version 2 has both, and Packages is the
// one npm reads.
type lockfile struct {
	LockfileVersion int                  `json:"lockfileVersion"`
	Packages        map[string]lockEntry `json:"packages"`
	Dependencies    map[string]*v1Entry  `json:"dependencies"`
}

// lockEntry is one value of "packages". The dependency maps matter only on
// the root ("") and workspace folders, where they say what the project
// itself asks for; only their keys are used, so the values are left raw.
type lockEntry struct {
	Name                 string                     `json:"name"`
	Version              string                     `json:"version"`
	Link                 bool                       `json:"link"`
	License              json.RawMessage            `json:"license"`
	Dependencies         map[string]json.RawMessage `json:"dependencies"`
	DevDependencies      map[string]json.RawMessage `json:"devDependencies"`
	OptionalDependencies map[string]json.RawMessage `json:"optionalDependencies"`
	PeerDependencies     map[string]json.RawMessage `json:"peerDependencies"`
}

// v1Entry is one value of a version 1 "dependencies" tree. Nested
// dependencies are installed under the parent's own node_modules.
type v1Entry struct {
	Version      string              `json:"version"`
	Dependencies map[string]*v1Entry `json:"dependencies"`
}

const nodeModules = "node_modules/"

// ParseLock returns the packages of a package-lock.json or
// npm-shrinkwrap.json, one per name and version however often it is
// installed. Development dependencies are included: they are installed by
// a plain npm install and nothing records the difference in a Package.
// Workspace folders and links to them are the project's own code and are
// left out.
//
// Version 2 and 3 lockfiles say which packages the project (or one of its
// workspaces) asks for itself: those are direct, the rest transitive.
// Version 1 does not say, so its packages carry no dependency kind.
func ParseLock(data []byte) ([]inventory.Package, error) {
	var lock lockfile
	// encoding/json refuses nesting deeper than 10000, which bounds the
	// recursion of decoding a hostile version 1 tree.
	if err := json.Unmarshal(trimBOM(data), &lock); err != nil {
		return nil, err
	}
	if lock.LockfileVersion == 0 {
		return nil, errors.New("no lockfileVersion: not an npm lockfile")
	}
	var pkgs []inventory.Package
	if lock.Packages != nil {
		pkgs = fromPackages(lock.Packages)
	} else {
		pkgs = fromV1(lock.Dependencies)
	}
	return dedupe(pkgs), nil
}

// fromPackages reads the "packages" map of lockfile versions 2 and 3.
func fromPackages(entries map[string]lockEntry) []inventory.Package {
	// declared maps each project folder ("" for the root, else a
	// workspace's path) to the names it depends on itself. Keys outside
	// node_modules are exactly those folders.
	declared := map[string]map[string]bool{}
	for key, e := range entries {
		if strings.Contains(key, nodeModules) {
			continue
		}
		names := map[string]bool{}
		for _, m := range []map[string]json.RawMessage{e.Dependencies, e.DevDependencies, e.OptionalDependencies, e.PeerDependencies} {
			for n := range m {
				names[n] = true
			}
		}
		declared[key] = names
	}
	_, hasRoot := declared[""]

	var pkgs []inventory.Package
	for key, e := range entries {
		i := strings.LastIndex(key, nodeModules)
		if i < 0 || (i > 0 && key[i-1] != '/') || e.Link || e.Version == "" || localVersion(e.Version) {
			// Project folders, links (whose targets are listed under
			// their own keys when they are packages at all), and
			// entries npm could not resolve.
			continue
		}
		installedAs := key[i+len(nodeModules):]
		name := e.Name
		if name == "" {
			name = installedAs // an alias sets "name"; otherwise the path says it
		}
		p := inventory.Package{
			Type: inventory.TypeNPM, Name: name, Version: e.Version,
			Licenses: licenseValues(e.License), Layer: -1,
		}
		if hasRoot {
			p.Dependency = inventory.DependencyTransitive
			if directIn(declared, key, i, installedAs) {
				p.Dependency = inventory.DependencyDirect
			}
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// directIn reports whether the package installed at key (whose last
// node_modules/ starts at i) is one a project folder asks for: it sits in
// the node_modules of that folder, not nested inside another package, and
// the folder declares it under the name it is installed as. Workspaces'
// dependencies are usually hoisted to the root's node_modules, so a
// package there is direct if any project folder declares it.
func directIn(declared map[string]map[string]bool, key string, i int, installedAs string) bool {
	if strings.Count(key, nodeModules) != 1 {
		return false
	}
	if i == 0 {
		for _, names := range declared {
			if names[installedAs] {
				return true
			}
		}
		return false
	}
	return declared[key[:i-1]][installedAs]
}

// fromV1 walks a version 1 "dependencies" tree. The walk keeps its own
// stack, so a deep tree costs heap, not goroutine stack.
func fromV1(deps map[string]*v1Entry) []inventory.Package {
	var pkgs []inventory.Package
	stack := []map[string]*v1Entry{deps}
	for len(stack) > 0 {
		level := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for installedAs, e := range level {
			if e == nil {
				continue
			}
			if len(e.Dependencies) > 0 {
				stack = append(stack, e.Dependencies)
			}
			name, version := installedAs, e.Version
			if n, v, ok := splitAlias(version); ok {
				name, version = n, v
			}
			if name == "" || version == "" || localVersion(version) {
				continue
			}
			pkgs = append(pkgs, inventory.Package{
				Type: inventory.TypeNPM, Name: name, Version: version, Layer: -1,
			})
		}
	}
	return pkgs
}

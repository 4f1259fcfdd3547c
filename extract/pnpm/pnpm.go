// Package pnpm finds npm packages pinned in pnpm's pnpm-lock.yaml, lockfile
// versions 5.x (pnpm 7 and earlier), 6.0 (pnpm 8) and 9.0 (pnpm 9 and 10).
package pnpm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/yamltree"
	"github.com/bulwark-sec/bulwark/inventory"
)

// Extractor reads pnpm-lock.yaml files.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "pnpm-lock" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. The YAML parser builds a node tree
// several times the file's size; the largest monorepo lockfiles are tens
// of megabytes.
func (Extractor) MaxSize() int64 { return 64 << 20 }

// Required implements extract.Extractor. pnpm-lock.yaml files inside
// node_modules belong to installed packages' own development setup; pnpm's
// copy of the project's lock, node_modules/.pnpm/lock.yaml, has another
// name and describes the installed tree, whose packages extract/npm reads
// from their manifests.
func (Extractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && path.Base(f.Path) == "pnpm-lock.yaml" &&
		!strings.HasPrefix(f.Path, "node_modules/") && !strings.Contains(f.Path, "/node_modules/")
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "pnpm-lock", Parse)
}

// entry is one package. Name and version are given for packages whose key
// does not say them (git repositories, tarballs, local folders).
type entry struct{ Name, Version string }

// depRef is one dependency an importer (a project folder) asks for: the
// name it is installed under and what it resolved to, a string such as
// "18.2.0_react@18.2.0" (5.x), "18.2.0(react@18.2.0)", "/ms@2.0.0" (an
// alias, 6.0), "ms@2.0.0" (9.0) or "link:../lib".
type depRef struct{ name, ref string }

// Parse returns the packages of a pnpm-lock.yaml, one per name and
// version: peer-dependency variants ("react-dom@18.2.0(react@18.2.0)",
// "/react-dom/18.2.0_react@18.2.0") are one package. Aliases come out
// under the real name. Local folders (file:, link:, workspace packages)
// are the project's own code and are left out. Packages some importer asks
// for are direct, the rest transitive.
//
// A workspace (and every lockfile since 9.0) lists each project folder
// under importers; a single project's 5.x or 6.0 lockfile has its
// dependencies at the top level.
func Parse(data []byte) ([]inventory.Package, error) {
	top, err := yamltree.Parse(data)
	if err != nil {
		return nil, err
	}
	w := yamltree.NewWalker(data)
	var (
		lockfileVersion string
		asked           []depRef
		packages        = map[string]entry{}
	)
	if top != nil {
		err = w.Mapping(top, "lockfile", func(key string, v *yaml.Node) (err error) {
			switch key {
			case "lockfileVersion":
				lockfileVersion, err = w.Scalar(v, key)
			case "importers":
				err = w.Mapping(v, key, func(folder string, imp *yaml.Node) error {
					return w.Mapping(imp, "importer "+folder, func(field string, deps *yaml.Node) error {
						return readDeps(w, field, deps, &asked)
					})
				})
			case "packages":
				err = w.Mapping(v, key, func(pkg string, fields *yaml.Node) error {
					e, err := readEntry(w, pkg, fields)
					packages[pkg] = e
					return err
				})
			default:
				err = readDeps(w, key, v, &asked)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if lockfileVersion == "" {
		return nil, errors.New("no lockfileVersion: not a pnpm lockfile")
	}
	major, err := majorVersion(lockfileVersion)
	if err != nil {
		return nil, err
	}

	direct := map[string]bool{} // name@version
	for _, d := range asked {
		if n, v, ok := importerRef(major, d.name, d.ref, packages); ok {
			direct[n+"@"+v] = true
		}
	}

	var pkgs []inventory.Package
	for key, e := range packages {
		name, version, ok := resolveKey(major, key, e)
		if !ok {
			continue
		}
		dep := inventory.DependencyTransitive
		if direct[name+"@"+version] {
			dep = inventory.DependencyDirect
		}
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeNPM, Name: name, Version: version, Dependency: dep, Layer: -1,
		})
	}
	return dedupe(pkgs), nil
}

// deps appends an importer's dependencies to asked, when field is one of
// the three that list them. From 6.0 on each is a mapping whose version
// field holds what 5.x wrote as a plain string.
func readDeps(w *yamltree.Walker, field string, v *yaml.Node, asked *[]depRef) error {
	switch field {
	case "dependencies", "devDependencies", "optionalDependencies":
	default:
		return nil
	}
	return w.Mapping(v, field, func(name string, r *yaml.Node) error {
		r, err := w.Deref(r)
		if err != nil {
			return err
		}
		var ref string
		if r.Kind == yaml.MappingNode {
			err = w.Mapping(r, field+" "+name, func(k string, v *yaml.Node) (err error) {
				if k == "version" {
					ref, err = w.Scalar(v, field+" "+name+" version")
				}
				return err
			})
		} else {
			ref, err = w.Scalar(r, field+" "+name)
		}
		*asked = append(*asked, depRef{name, ref})
		return err
	})
}

// entry reads the name and version fields of a packages entry.
func readEntry(w *yamltree.Walker, key string, fields *yaml.Node) (e entry, err error) {
	err = w.Mapping(fields, "package "+key, func(k string, v *yaml.Node) (err error) {
		switch k {
		case "name":
			e.Name, err = w.Scalar(v, key+" name")
		case "version":
			e.Version, err = w.Scalar(v, key+" version")
		}
		return err
	})
	return e, err
}

// majorVersion reads lockfileVersion: 5.4 unquoted in 5.x, '6.0' and
// '9.0' quoted.
func majorVersion(v string) (int, error) {
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("lockfileVersion %q: not a number", v)
	}
	return n, nil
}

// resolveKey returns the package a packages key stands for.
//
//	5.x  /name/1.2.3  /@scope/name/1.2.3_peer@1.0.0+other@2.0.0
//	6.0  /name@1.2.3  /@scope/name@1.2.3(peer@1.0.0)(other@2.0.0)
//	9.0  name@1.2.3   @scope/name@1.2.3 (peers only in snapshots)
//
// Keys of other shapes (a git host path, a tarball URL, file:) rely on the
// entry's name and version fields.
func resolveKey(major int, key string, e entry) (name, version string, ok bool) {
	if localRef(key) {
		return "", "", false
	}
	if major >= 9 || strings.HasPrefix(key, "/") {
		name, version = splitKey(major, key)
		if localRef(version) {
			return "", "", false
		}
	}
	if e.Name != "" {
		name = e.Name
	}
	if e.Version != "" {
		version = e.Version
	}
	if name == "" || version == "" || localRef(version) || strings.Contains(version, ":") {
		// A version still reading like "https://..." or "file:..." is a
		// reference, not a release.
		return "", "", false
	}
	return name, version, true
}

// splitKey splits a registry package key into name and version, dropping
// the peer-dependency suffix.
func splitKey(major int, key string) (name, version string) {
	key = strings.TrimPrefix(key, "/")
	if major < 6 {
		i := strings.LastIndexByte(key, '/')
		if i <= 0 {
			return "", ""
		}
		name, version = key[:i], key[i+1:]
		// Peers follow an underscore; no version contains one.
		version, _, _ = strings.Cut(version, "_")
		return name, version
	}
	key, _, _ = strings.Cut(key, "(")
	i := strings.IndexByte(key[min(1, len(key)):], '@') + 1
	if i <= 0 {
		return "", ""
	}
	return key[:i], key[i+1:]
}

// importerRef returns the package an importer's dependency resolved to:
// "1.2.3" (with a peer suffix, perhaps) of the dependency's own name, or a
// full key ("/ms/2.0.0", "/ms@2.0.0", "ms@2.0.0") for an alias, or the key
// of a package from elsewhere (a git host path).
func importerRef(major int, name, r string, packages map[string]entry) (string, string, bool) {
	if r == "" || localRef(r) {
		return "", "", false
	}
	if e, ok := packages[r]; ok {
		return resolveKey(major, r, e)
	}
	bare := r
	if major >= 6 {
		bare, _, _ = strings.Cut(bare, "(")
	}
	if strings.HasPrefix(bare, "/") || (major >= 9 && strings.Contains(bare[min(1, len(bare)):], "@")) {
		return resolveKey(major, r, entry{})
	}
	if major < 6 {
		bare, _, _ = strings.Cut(bare, "_")
	}
	return resolveKey(major, "", entry{Name: name, Version: bare})
}

// localRef reports whether a key or reference points at code on the local
// disk: a workspace package or a folder the project links or copies.
func localRef(s string) bool {
	return strings.HasPrefix(s, "link:") || strings.HasPrefix(s, "file:") || strings.HasPrefix(s, "workspace:")
}

// dedupe merges packages with the same name and version, which a lockfile
// lists once per set of peer dependencies; one that is direct anywhere is
// direct. The result is sorted by name and version so that output does not
// depend on map order.
func dedupe(pkgs []inventory.Package) []inventory.Package {
	type key struct{ name, version string }
	index := make(map[key]int, len(pkgs))
	out := pkgs[:0]
	for _, p := range pkgs {
		k := key{p.Name, p.Version}
		if i, seen := index[k]; seen {
			if p.Dependency == inventory.DependencyDirect {
				out[i].Dependency = p.Dependency
			}
			continue
		}
		index[k] = len(out)
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b inventory.Package) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return out
}

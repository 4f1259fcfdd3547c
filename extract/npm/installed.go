package npm

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// InstalledExtractor reads the package.json of every package installed
// under a node_modules folder, by npm, Yarn or pnpm, and of the packages
// an installed package bundles in its vendor folder.
type InstalledExtractor struct{}

// Name implements extract.Extractor.
func (InstalledExtractor) Name() string { return "npm-installed" }

// Version implements extract.Extractor.
func (InstalledExtractor) Version() int { return 2 }

// MaxSize implements extract.Extractor. Manifests are a few kilobytes; the
// largest published ones stay well under a megabyte.
func (InstalledExtractor) MaxSize() int64 { return 1 << 20 }

// Required implements extract.Extractor: package.json files at the root of
// an installed package, see InstalledManifest, or of a package it
// vendors, see VendoredManifest.
func (InstalledExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() {
		return false
	}
	_, vendored := VendoredManifest(f.Path)
	return vendored || InstalledManifest(f.Path)
}

// Extract implements extract.Extractor.
func (InstalledExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	if name, ok := VendoredManifest(in.Path); ok {
		return extract.ParseWhole(in, "npm-installed", func(data []byte) ([]inventory.Package, error) {
			return parseVendored(data, name)
		})
	}
	return extract.ParseWhole(in, "npm-installed", ParsePackageJSON)
}

// VendoredManifest reports whether a slash-separated path is the
// package.json of a package bundled in an installed package's vendor
// folder, and the name the folder gives it:
//
//	node_modules/typescript/vendor/vscode-jsonrpc/package.json
//	node_modules/<pkg>/vendor/@<scope>/<name>/package.json
//
// A package's own folders also hold package.json files that are no
// package (terser's bin/ and dist/, benchmarks, test fixtures), so only
// vendor/ is read, and parseVendored keeps a manifest only when it names
// the folder it is in and is not private.
func VendoredManifest(p string) (string, bool) {
	dir, ok := strings.CutSuffix(p, "/package.json")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(dir, "/vendor/")
	if i < 0 || !installedDir(dir[:i]) {
		return "", false
	}
	name := dir[i+len("/vendor/"):]
	scope, rest, scoped := strings.Cut(name, "/")
	if !packageSegment(scope) {
		return "", false
	}
	if scoped && (scope[0] != '@' || !packageSegment(rest) || rest[0] == '@' || strings.Contains(rest, "/")) {
		return "", false
	}
	if !scoped && scope[0] == '@' {
		return "", false
	}
	return name, true
}

// parseVendored returns the package a vendored package.json describes when
// it is one: named as its folder, and not marked private.
func parseVendored(data []byte, folder string) ([]inventory.Package, error) {
	var m struct {
		Name    string `json:"name"`
		Private bool   `json:"private"`
	}
	if err := json.Unmarshal(trimBOM(data), &m); err != nil {
		return nil, err
	}
	if m.Private || strings.TrimSpace(m.Name) != folder {
		return nil, nil
	}
	return ParsePackageJSON(data)
}

// InstalledManifest reports whether a slash-separated path is the
// package.json at the root of an installed package:
//
//	<anything>/node_modules/<name>/package.json
//	<anything>/node_modules/@<scope>/<name>/package.json
//	... nested: node_modules/<a>/node_modules/@<scope>/<b>/package.json
//	... pnpm:   node_modules/.pnpm/<id>/node_modules/<name>/package.json
//
// From the first node_modules on, the path must alternate strictly between
// node_modules and package folders. That leaves out a package's own files
// (node_modules/resolve/test/resolver/baz/package.json, or a test fixture's
// node_modules inside a package) and tool folders such as node_modules/.bin
// and node_modules/.cache, whose names npm would never give a package. It
// allocates nothing: the walk calls it for every file.
func InstalledManifest(p string) bool {
	dir, ok := strings.CutSuffix(p, "/package.json")
	return ok && installedDir(dir)
}

// installedDir reports whether a folder is an installed package's root;
// see InstalledManifest.
func installedDir(dir string) bool {
	i := strings.Index(dir, nodeModules)
	for i > 0 && dir[i-1] != '/' {
		// "my_node_modules/" is not the folder; look further on.
		j := strings.Index(dir[i+1:], nodeModules)
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	if i < 0 {
		return false
	}
	rest := dir[i:]
	for {
		var ok bool
		rest, ok = strings.CutPrefix(rest, nodeModules)
		if !ok {
			return false
		}
		if r, ok := strings.CutPrefix(rest, ".pnpm/"); ok {
			// pnpm's store: .pnpm/<name>@<version>/node_modules/<name>.
			id, after, _ := strings.Cut(r, "/")
			if id == "" {
				return false
			}
			rest = after
			continue
		}
		seg, after, _ := strings.Cut(rest, "/")
		if !packageSegment(seg) {
			return false
		}
		if seg[0] == '@' {
			seg, after, _ = strings.Cut(after, "/")
			if !packageSegment(seg) || seg[0] == '@' {
				return false
			}
		}
		if after == "" && !strings.HasSuffix(rest, "/") {
			return true
		}
		rest = after
	}
}

// packageSegment reports whether a path segment can be a package name (or
// scope) as npm allows them: not empty, not starting with "." or "_".
func packageSegment(s string) bool {
	return s != "" && s[0] != '.' && s[0] != '_'
}

// manifest is the part of package.json Bulwark reads. The license fields
// are kept raw because old packages use several shapes.
type manifest struct {
	Name     string          `json:"name"`
	Version  string          `json:"version"`
	License  json.RawMessage `json:"license"`
	Licenses json.RawMessage `json:"licenses"`
}

// ParsePackageJSON returns the package an installed package.json
// describes, or nothing when it lacks a name or version (a folder that is
// not a published package). Fields of the wrong type make it an error.
func ParsePackageJSON(data []byte) ([]inventory.Package, error) {
	var m manifest
	if err := json.Unmarshal(trimBOM(data), &m); err != nil {
		return nil, err
	}
	m.Name, m.Version = strings.TrimSpace(m.Name), strings.TrimSpace(m.Version)
	if m.Name == "" || m.Version == "" {
		return nil, nil
	}
	return []inventory.Package{{
		Type: inventory.TypeNPM, Name: m.Name, Version: m.Version,
		Licenses: licenses(m.License, m.Licenses), Layer: -1,
	}}, nil
}

// Package npm finds npm packages: those a project pins in package-lock.json
// or npm-shrinkwrap.json (lockfile versions 1, 2 and 3), and those installed
// under node_modules, read from each package's own package.json.
//
// Yarn and pnpm lockfiles have packages of their own (extract/yarn,
// extract/pnpm); packages those tools install into node_modules are found
// here, since every layout keeps a package.json per package.
package npm

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/inventory"
)

// bom is the UTF-8 byte order mark some editors write at the start of a
// JSON file; encoding/json rejects it, npm skips it.
var bom = []byte("\xef\xbb\xbf")

func trimBOM(data []byte) []byte { return bytes.TrimPrefix(data, bom) }

// underNodeModules reports whether a path lies inside a node_modules
// folder. Lockfiles there belong to an installed package's own development
// setup (or, for npm-shrinkwrap.json, to a tree whose packages are found
// installed beside it), so they are not read.
func underNodeModules(p string) bool {
	return strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/")
}

// licenses reads a manifest's license fields, which come in several shapes:
// the SPDX expression string npm documents ("MIT", "(MIT OR Apache-2.0)"),
// the deprecated object {"type": "MIT", "url": ...}, and the deprecated
// "licenses" array of such objects (or of strings). The first field that
// yields anything wins. Values are kept as written; mapping to SPDX is the
// license package's job. Shapes that fit none are ignored rather than
// failing the whole file: the field is free text from third parties.
func licenses(license, licensesField json.RawMessage) []string {
	if l := licenseValues(license); len(l) > 0 {
		return l
	}
	return licenseValues(licensesField)
}

func licenseValues(raw json.RawMessage) []string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	one := func(raw json.RawMessage) string {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
		var obj struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(raw, &obj) == nil {
			return strings.TrimSpace(obj.Type)
		}
		return ""
	}
	if raw[0] != '[' {
		if s := one(raw); s != "" {
			return []string{s}
		}
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	var out []string
	for _, item := range list {
		if s := one(item); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// dedupe merges packages with the same name and version, which a lockfile
// lists once per place the package is installed. A package that is a direct
// dependency in one place is direct; licenses come from the first copy
// that has them. The result is sorted by name and version so that output
// does not depend on map order.
func dedupe(pkgs []inventory.Package) []inventory.Package {
	type key struct{ name, version string }
	index := make(map[key]int, len(pkgs))
	out := pkgs[:0]
	for _, p := range pkgs {
		k := key{p.Name, p.Version}
		i, seen := index[k]
		if !seen {
			index[k] = len(out)
			out = append(out, p)
			continue
		}
		q := &out[i]
		if p.Dependency == inventory.DependencyDirect || q.Dependency == "" {
			q.Dependency = p.Dependency
		}
		if len(q.Licenses) == 0 {
			q.Licenses = p.Licenses
		}
	}
	slices.SortFunc(out, func(a, b inventory.Package) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return out
}

// splitAlias reads an npm alias specifier, "npm:<name>@<version>", as npm 6
// records it in place of a version for a package installed under another
// name. ok is false for anything else.
func splitAlias(spec string) (name, version string, ok bool) {
	rest, ok := strings.CutPrefix(spec, "npm:")
	if !ok {
		return "", "", false
	}
	// The name may be scoped, so the separating @ is the first after
	// the first character.
	i := strings.IndexByte(rest[min(1, len(rest)):], '@') + 1
	if i <= 0 {
		return "", "", false
	}
	name, version = rest[:i], rest[i+1:]
	return name, version, name != "" && version != ""
}

// localVersion reports whether a version names a folder or link on the
// local disk rather than a published release: the project's own code.
func localVersion(v string) bool {
	return strings.HasPrefix(v, "file:") || strings.HasPrefix(v, "link:")
}

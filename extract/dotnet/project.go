package dotnet

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// ProjectExtractor reads the package references of .NET source trees:
// PackageReference items in SDK-style project files (.csproj, .fsproj,
// .vbproj) and the package list of an older project's packages.config.
// A restore may resolve a reference to a higher version than the one
// written; a packages.lock.json or the built .deps.json says which.
type ProjectExtractor struct{}

// Name implements extract.Extractor.
func (ProjectExtractor) Name() string { return "nuget-project" }

// Version implements extract.Extractor.
func (ProjectExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. Project files are hand-written
// and small.
func (ProjectExtractor) MaxSize() int64 { return 8 << 20 }

// Required implements extract.Extractor.
func (ProjectExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() {
		return false
	}
	switch path.Ext(f.Path) {
	case ".csproj", ".fsproj", ".vbproj":
		return true
	}
	return path.Base(f.Path) == "packages.config"
}

// Extract implements extract.Extractor.
func (ProjectExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	parse := ParseProject
	if path.Base(in.Path) == "packages.config" {
		parse = ParsePackagesConfig
	}
	return extract.ParseWhole(in, "nuget-project", parse)
}

var (
	errNotProject = errors.New("not an MSBuild project")
	errDepth      = fmt.Errorf("elements nested over %d deep", maxDepth)
)

// maxDepth bounds element nesting; real project files nest a handful of
// levels.
const maxDepth = 64

// ParseProject returns the packages an MSBuild project file references
// with PackageReference, all of them direct. The version is the Version
// (or VersionOverride) attribute or child element, with $(Property)
// references to properties the same file defines filled in. References
// whose version is a range, a floating version or an unknown property,
// and those with none (central package management keeps versions in
// Directory.Packages.props), are left out: no single version is known.
func ParseProject(data []byte) ([]inventory.Package, error) {
	type ref struct{ name, version string }
	var (
		refs    []ref
		props   = map[string]string{}
		stack   []string // names of the open elements
		current = -1     // index in refs of the PackageReference being read
		at      int      // its depth
		text    strings.Builder
	)
	d := xml.NewDecoder(bytes.NewReader(trimBOM(data)))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && t.Name.Local != "Project" {
				return nil, errNotProject
			}
			if len(stack) >= maxDepth {
				return nil, errDepth
			}
			stack = append(stack, t.Name.Local)
			text.Reset()
			// Item groups may sit in Choose/When, so any depth will do.
			n := len(stack)
			if t.Name.Local == "PackageReference" && n >= 3 && stack[n-2] == "ItemGroup" && current < 0 {
				r := ref{name: attr(t, "Include"), version: attr(t, "Version")}
				if v := attr(t, "VersionOverride"); v != "" {
					r.version = v
				}
				refs = append(refs, r)
				current, at = len(refs)-1, n
			}
		case xml.CharData:
			if text.Len() < 4096 {
				text.Write(t)
			}
		case xml.EndElement:
			n := len(stack)
			switch {
			case n == 3 && stack[1] == "PropertyGroup":
				props[strings.ToLower(stack[2])] = strings.TrimSpace(text.String())
			case current >= 0 && n == at+1 && (stack[n-1] == "Version" || stack[n-1] == "VersionOverride"):
				refs[current].version = strings.TrimSpace(text.String())
			case current >= 0 && n == at:
				current = -1
			}
			stack = stack[:n-1]
			text.Reset()
		}
	}
	var pkgs []inventory.Package
	for _, r := range refs {
		version, ok := exactVersion(expand(r.version, props))
		if r.name == "" || !ok {
			continue
		}
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeNuGet, Name: r.name, Version: version,
			Dependency: inventory.DependencyDirect, Layer: -1,
		})
	}
	return pkgs, nil
}

// ParsePackagesConfig returns the packages a packages.config lists. The
// file lists every package the project restores, its dependencies too,
// without saying which are which.
func ParsePackagesConfig(data []byte) ([]inventory.Package, error) {
	var pkgs []inventory.Package
	depth := 0
	d := xml.NewDecoder(bytes.NewReader(trimBOM(data)))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth++; depth > maxDepth {
				return nil, errDepth
			}
			if depth == 1 && t.Name.Local != "packages" {
				return nil, errors.New("not a packages.config")
			}
			if depth != 2 || t.Name.Local != "package" {
				continue
			}
			name := attr(t, "id")
			version, ok := exactVersion(attr(t, "version"))
			if name == "" || !ok {
				continue
			}
			pkgs = append(pkgs, inventory.Package{
				Type: inventory.TypeNuGet, Name: name, Version: version, Layer: -1,
			})
		case xml.EndElement:
			depth--
		}
	}
	return pkgs, nil
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Space == "" && a.Name.Local == name {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// expand fills in $(Name) references to properties the file defines
// (MSBuild property names are case-insensitive), once: a property
// defined by another property is not followed.
func expand(s string, props map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "$(")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], ')')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		v, ok := props[strings.ToLower(s[i+2:i+j])]
		if !ok || strings.Contains(v, "$(") {
			v = s[i : i+j+1] // left as is, and so rejected later
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

// exactVersion turns a NuGet version as a reference writes it into one
// version: "1.2.3" (NuGet's "at least", which a restore resolves to that
// version when it exists) or the exact range "[1.2.3]". Other ranges,
// floating versions ("6.*") and unexpanded properties are not one version.
func exactVersion(v string) (string, bool) {
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		v = strings.TrimSpace(v[1 : len(v)-1])
	}
	if v == "" || v[0] < '0' || v[0] > '9' {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '+') {
			return "", false
		}
	}
	return v, true
}

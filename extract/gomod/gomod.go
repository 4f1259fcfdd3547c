// Package gomod reads go.mod files in source folders: the modules a Go
// project requires, direct or marked "// indirect".
package gomod

import (
	"context"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// Extractor reads go.mod files.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "gomod" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return 16 << 20 }

// Required implements extract.Extractor.
func (Extractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && path.Base(f.Path) == "go.mod"
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "gomod", Parse)
}

// Parse returns the required modules of a go.mod, with replace directives
// applied (the replacement is what gets built) and local-directory
// replacements left out. A go.mod with no requirements is not an error.
func Parse(data []byte) ([]inventory.Package, error) {
	type mod struct{ path, version string }
	var (
		reqs     []inventory.Package
		replaces = map[mod]mod{} // old (version "" = any version) → new
		block    string
	)
	handle := func(verb, line, comment string) {
		switch verb {
		case "require":
			f := strings.Fields(line)
			if len(f) < 2 {
				return
			}
			dep := inventory.DependencyDirect
			if strings.HasPrefix(comment, "indirect") {
				dep = inventory.DependencyTransitive
			}
			reqs = append(reqs, inventory.Package{
				Type: inventory.TypeGolang, Name: unquote(f[0]), Version: unquote(f[1]),
				Dependency: dep, Layer: -1,
			})
		case "replace":
			old, repl, ok := strings.Cut(line, "=>")
			o, r := strings.Fields(old), strings.Fields(repl)
			if !ok || len(o) == 0 || len(r) == 0 {
				return
			}
			k, v := mod{path: unquote(o[0])}, mod{path: unquote(r[0])}
			if len(o) >= 2 {
				k.version = unquote(o[1])
			}
			if len(r) >= 2 {
				v.version = unquote(r[1])
			}
			replaces[k] = v
		}
	}
	for _, raw := range strings.Split(string(data), "\n") {
		line, comment, _ := strings.Cut(raw, "//")
		line, comment = strings.TrimSpace(line), strings.TrimSpace(comment)
		switch {
		case line == "":
		case block != "" && line == ")":
			block = ""
		case block != "":
			handle(block, line, comment)
		default:
			verb, rest, _ := strings.Cut(line, " ")
			if rest = strings.TrimSpace(rest); rest == "(" {
				block = verb
			} else {
				handle(verb, rest, comment)
			}
		}
	}
	var out []inventory.Package
	for _, p := range reqs {
		r, ok := replaces[mod{p.Name, p.Version}]
		if !ok {
			r, ok = replaces[mod{path: p.Name}]
		}
		if ok {
			if r.version == "" {
				continue // replaced by a local directory
			}
			p.Name, p.Version = r.path, r.version
		}
		p.SourceName, p.SourceVersion = p.Name, p.Version
		out = append(out, p)
	}
	return out, nil
}

func unquote(s string) string { return strings.Trim(s, "\"`") }

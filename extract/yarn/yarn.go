// Package yarn finds npm packages pinned in Yarn's yarn.lock, in both of its
// formats: the line-based one of Yarn 1 ("classic") and the YAML one of
// Yarn 2 and later ("berry").
package yarn

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// Extractor reads yarn.lock files.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "yarn-lock" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. Classic lockfiles are read as they
// stream; berry ones are decoded whole as YAML, which costs several times
// their size in memory, so the cap is lower than npm's.
func (Extractor) MaxSize() int64 { return 128 << 20 }

// Required implements extract.Extractor. A yarn.lock inside node_modules
// belongs to an installed package's own development setup.
func (Extractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && path.Base(f.Path) == "yarn.lock" &&
		!strings.HasPrefix(f.Path, "node_modules/") && !strings.Contains(f.Path, "/node_modules/")
}

// peekSize is how much of a file is looked at to tell the formats apart.
// Berry writes __metadata first, after two comment lines.
const peekSize = 64 << 10

// Extract implements extract.Extractor. A classic lockfile is parsed as it
// streams; a berry one is read whole for the YAML parser.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	br := bufio.NewReaderSize(in.Content, peekSize)
	head, err := br.Peek(peekSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return extract.Result{}, fmt.Errorf("yarn-lock: %s: %w", in.Path, err)
	}
	var pkgs []inventory.Package
	if isBerry(head) {
		var data []byte
		if data, err = io.ReadAll(br); err == nil {
			pkgs, err = ParseBerry(data)
		}
	} else {
		pkgs, err = ParseClassic(br)
	}
	if err != nil {
		return extract.Result{}, fmt.Errorf("yarn-lock: %s: %w", in.Path, err)
	}
	for i := range pkgs {
		pkgs[i].Location = in.Path
	}
	return extract.Result{Packages: pkgs}, nil
}

// Parse reads a yarn.lock of either format.
func Parse(data []byte) ([]inventory.Package, error) {
	if isBerry(data[:min(len(data), peekSize)]) {
		return ParseBerry(data)
	}
	return ParseClassic(bytes.NewReader(data))
}

// isBerry reports whether a lockfile's first entry, after comments and blank
// lines, is berry's __metadata.
func isBerry(head []byte) bool {
	for len(head) > 0 {
		var line []byte
		line, head, _ = bytes.Cut(head, []byte("\n"))
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		return bytes.HasPrefix(line, []byte("__metadata:")) || bytes.HasPrefix(line, []byte(`"__metadata":`))
	}
	return false
}

// splitDescriptor splits "name@range" (name possibly scoped,
// "@scope/name@range") at the @ that ends the name.
func splitDescriptor(d string) (name, rng string) {
	i := strings.IndexByte(d[min(1, len(d)):], '@') + 1
	if i <= 0 {
		return d, ""
	}
	return d[:i], d[i+1:]
}

// localProtocol reports whether a range or resolution points at code on
// the local disk (the project's workspaces, linked or copied folders), as
// opposed to a published package.
func localProtocol(ref string) bool {
	for _, p := range []string{"workspace:", "link:", "portal:", "file:", "exec:"} {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	return false
}

// dedupe merges packages with the same name and version, which a lockfile
// lists once per distinct resolution (a patched and an unpatched copy, say);
// one that is direct anywhere is direct. The result is sorted by name and
// version so that output does not depend on map order.
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

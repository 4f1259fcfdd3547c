// Package apk reads the installed-package database of Alpine Linux and the
// distributions that share its package manager (Wolfi, Chainguard,
// postmarketOS): lib/apk/db/installed.
package apk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

const (
	installedPath = "lib/apk/db/installed"
	// maxInstalledSize bounds the database; with file lists, large
	// images' databases are a few MB.
	maxInstalledSize = 128 << 20
)

// Extractor finds installed apk packages.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "apk" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return maxInstalledSize }

// Required implements extract.Extractor.
func (Extractor) Required(f extract.File) bool {
	return f.Path == installedPath && f.Mode.IsRegular()
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "apk", Parse)
}

// ErrNotInstalledDB is returned for input with no package stanza.
var ErrNotInstalledDB = errors.New("no package stanzas found")

// Parse reads an installed database: stanzas separated by blank lines, one
// "K:value" field per line (P name, V version, A arch, o origin, L license,
// m maintainer; file lists in F/R lines are skipped). Stanzas without a
// name or version are skipped; Parse fails only when none parse.
func Parse(data []byte) ([]inventory.Package, error) {
	if !utf8.Valid(data[:min(len(data), 512)]) && bytes.IndexByte(data[:min(len(data), 512)], 0) >= 0 {
		return nil, errors.New("not a text file")
	}
	var (
		pkgs    []inventory.Package
		cur     stanza
		stanzas int
	)
	flush := func() {
		if cur.seen {
			stanzas++
			if p, ok := cur.pkg(); ok {
				pkgs = append(pkgs, p)
			}
		}
		cur = stanza{}
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			flush()
			continue
		}
		if len(line) < 2 || line[1] != ':' {
			continue // not a field; apk itself ignores such lines
		}
		cur.seen = true
		v := line[2:]
		switch line[0] {
		case 'P':
			cur.name = string(v)
		case 'V':
			cur.version = string(v)
		case 'A':
			cur.arch = string(v)
		case 'o':
			cur.origin = string(v)
		case 'L':
			cur.license = string(v)
		case 'm':
			cur.maintainer = string(v)
		}
	}
	flush()
	if stanzas == 0 {
		return nil, ErrNotInstalledDB
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("%d stanzas, none with a name and version", stanzas)
	}
	return pkgs, nil
}

type stanza struct {
	name, version, arch, origin, license, maintainer string
	seen                                             bool
}

func (s stanza) pkg() (inventory.Package, bool) {
	if s.name == "" || s.version == "" || strings.ContainsAny(s.name, "/ \t") || len(s.name) > 256 {
		return inventory.Package{}, false
	}
	p := inventory.Package{
		Type:          inventory.TypeAPK,
		Name:          s.name,
		Version:       s.version,
		Arch:          s.arch,
		SourceName:    s.origin,
		SourceVersion: s.version, // an origin's subpackages share its version
		Maintainer:    s.maintainer,
		Licenses:      Licenses(s.license),
		Layer:         -1,
	}
	if p.SourceName == "" {
		p.SourceName = s.name
	}
	return p, true
}

// Licenses splits an apk L field. Current Alpine writes one SPDX
// expression ("MPL-2.0 AND MIT", "ISC AND (BSD-3-Clause OR MIT)"), which is
// kept whole; older packages list licenses separated by spaces ("MIT BSD
// GPL2+"), which are split.
func Licenses(field string) []string {
	field = strings.TrimSpace(field)
	if field == "" {
		return nil
	}
	for _, op := range []string{" AND ", " OR ", " WITH ", " and ", " or ", "("} {
		if strings.Contains(field, op) {
			return []string{field}
		}
	}
	return strings.Fields(field)
}

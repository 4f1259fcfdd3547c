package yarn

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/inventory"
)

// maxLine bounds one line of a classic lockfile. Real lines are short; the
// longest are headers listing many ranges of one package.
const maxLine = 1 << 20

// ParseClassic reads a Yarn 1 lockfile line by line, never holding more
// than one line and the set of packages found. The format is Yarn's own:
//
//	"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.22.13":
//	  version "7.29.7"
//	  resolved "https://registry.yarnpkg.com/..."
//	  dependencies:
//	    js-tokens "^4.0.0"
//
// An entry header lists the ranges ("name@range") one resolution serves;
// its fields are indented beneath it, and deeper indentation holds nested
// maps Bulwark does not need. Aliases ("old-ms@npm:ms@2.0.0") are reported
// under the real name; entries for local folders (file:, link:) are left
// out. The file does not say which dependencies are direct.
func ParseClassic(r io.Reader) ([]inventory.Package, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var (
		pkgs        []inventory.Package
		header      string // the current entry's header, "" before the first
		version     string
		fieldIndent int // indentation of the current entry's fields; 0 until seen
		n           int
	)
	flush := func() {
		if header == "" || version == "" {
			return
		}
		if name, ok := classicName(header); ok {
			pkgs = append(pkgs, inventory.Package{
				Type: inventory.TypeNPM, Name: name, Version: version, Layer: -1,
			})
		}
	}
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		indent := len(line) - len(trimmed)
		if indent == 0 {
			h, ok := strings.CutSuffix(line, ":")
			if !ok || strings.TrimSpace(h) == "" {
				return nil, fmt.Errorf("line %d: want an entry header ending in ':'", n)
			}
			flush()
			header, version, fieldIndent = h, "", 0
			continue
		}
		if header == "" {
			return nil, fmt.Errorf("line %d: indented line before the first entry", n)
		}
		if fieldIndent == 0 {
			fieldIndent = indent
		}
		if indent != fieldIndent {
			continue // inside a nested map such as dependencies
		}
		key, value, _ := strings.Cut(trimmed, " ")
		if strings.HasSuffix(key, ":") && strings.TrimSpace(value) != "" {
			// "version: 1.0.0" is YAML: a berry lockfile that lost its
			// __metadata, or no lockfile at all.
			return nil, fmt.Errorf("line %d: YAML field in a Yarn 1 lockfile", n)
		}
		if unquote(key) == "version" {
			version = unquote(strings.TrimSpace(value))
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n+1, maxLine)
		}
		return nil, err
	}
	flush()
	return dedupe(pkgs), nil
}

// classicName returns the package name an entry header stands for: the
// name in its first descriptor, or for an alias ("old-ms@npm:ms@2.0.0")
// the aliased package. ok is false when the entry is a local folder.
func classicName(header string) (name string, ok bool) {
	first, _, _ := strings.Cut(header, ",")
	name, rng := splitDescriptor(unquote(strings.TrimSpace(first)))
	if localProtocol(rng) {
		return "", false
	}
	if alias, ok := strings.CutPrefix(rng, "npm:"); ok {
		if real, _ := splitDescriptor(alias); real != "" {
			name = real
		}
	}
	return name, name != ""
}

// unquote removes the double quotes Yarn puts around strings with special
// characters; it writes them as JSON strings, which strconv reads.
func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s[1 : len(s)-1]
}

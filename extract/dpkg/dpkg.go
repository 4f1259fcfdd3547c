// Package dpkg reads Debian's package database: var/lib/dpkg/status, and
// the one-file-per-package var/lib/dpkg/status.d/ that distroless images use
// instead.
package dpkg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

const (
	statusPath = "var/lib/dpkg/status"
	statusDir  = "var/lib/dpkg/status.d/"
	// maxStatusSize bounds what is read of one database file. Real status
	// files of large images are a few MB.
	maxStatusSize = 256 << 20
)

// Extractor finds installed Debian packages.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "dpkg" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return maxStatusSize }

// Required implements extract.Extractor.
func (Extractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() {
		return false
	}
	if f.Path == statusPath {
		return true
	}
	if !strings.HasPrefix(f.Path, statusDir) {
		return false
	}
	name := f.Path[len(statusDir):]
	// status.d also holds <pkg>.md5sums files next to the stanzas.
	return name != "" && !strings.Contains(name, "/") && !strings.HasSuffix(name, ".md5sums")
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "dpkg", Parse)
}

// ErrNotStatus is returned for input that has no dpkg stanza at all.
var ErrNotStatus = errors.New("no package stanzas found")

// Parse reads a status file (or one status.d stanza) and returns the
// packages whose files are on disk. Packages in state not-installed or
// config-files are left out, as dpkg itself does when it lists installed
// software; a stanza without a Status field (status.d) counts as installed.
// Malformed stanzas are skipped; Parse fails only when none parse.
func Parse(data []byte) ([]inventory.Package, error) {
	var (
		pkgs    []inventory.Package
		stanzas int
		bad     int
		st      stanza
	)
	flush := func() {
		if st.empty() {
			return
		}
		stanzas++
		if p, ok := st.pkg(); ok {
			pkgs = append(pkgs, p)
		} else if !st.notInstalled() {
			bad++
		}
		st = stanza{}
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(bytes.TrimSpace(line)) == 0 {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of Description, Conffiles, ...
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			st.broken = true
			continue
		}
		st.set(line[:colon], bytes.TrimSpace(line[colon+1:]))
	}
	flush()
	if stanzas == 0 {
		return nil, ErrNotStatus
	}
	if len(pkgs) == 0 && bad > 0 {
		return nil, fmt.Errorf("%d stanzas, none with a valid Package and Version", bad)
	}
	return pkgs, nil
}

// stanza collects the fields of one paragraph that the inventory needs.
type stanza struct {
	name, version, arch, source, status, maintainer string
	broken                                          bool
	any                                             bool
}

func (s *stanza) empty() bool { return !s.any }

func (s *stanza) set(key, value []byte) {
	s.any = true
	// Field names are case-insensitive (deb822), but dpkg writes them
	// capitalised; compare cheaply first.
	switch {
	case eq(key, "Package"):
		s.name = string(value)
	case eq(key, "Version"):
		s.version = string(value)
	case eq(key, "Architecture"):
		s.arch = string(value)
	case eq(key, "Source"):
		s.source = string(value)
	case eq(key, "Status"):
		s.status = string(value)
	case eq(key, "Maintainer"):
		s.maintainer = string(value)
	}
}

func eq(key []byte, want string) bool {
	return len(key) == len(want) && (string(key) == want || strings.EqualFold(string(key), want))
}

// notInstalled reports whether the Status field says the package's files
// are gone ("deinstall ok config-files", "purge ok not-installed").
func (s *stanza) notInstalled() bool {
	if s.status == "" {
		return false
	}
	f := strings.Fields(s.status)
	state := f[len(f)-1]
	return state == "not-installed" || state == "config-files"
}

func (s *stanza) pkg() (inventory.Package, bool) {
	if s.notInstalled() || s.name == "" || s.version == "" || !validName(s.name) {
		return inventory.Package{}, false
	}
	p := inventory.Package{
		Type:          inventory.TypeDeb,
		Name:          s.name,
		Version:       s.version,
		Arch:          s.arch,
		Maintainer:    s.maintainer,
		SourceName:    s.name,
		SourceVersion: s.version,
		Layer:         -1,
	}
	// "Source: glibc (2.36-9+deb12u4)" when the source version differs
	// from the binary's, plain "Source: glibc" otherwise.
	if src := s.source; src != "" {
		name, ver, hasVer := strings.Cut(src, " ")
		p.SourceName = name
		if hasVer {
			ver = strings.TrimSpace(ver)
			if strings.HasPrefix(ver, "(") && strings.HasSuffix(ver, ")") {
				p.SourceVersion = strings.TrimSpace(ver[1 : len(ver)-1])
			}
		}
	}
	return p, true
}

// validName accepts Debian package names (policy 5.6.1: lower case
// letters, digits, + - .), leniently about case, and rejects anything with
// whitespace or path characters that a crafted database might carry.
func validName(n string) bool {
	if len(n) > 256 || path.Base(n) != n {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

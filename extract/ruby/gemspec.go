package ruby

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// GemspecExtractor reads the specification RubyGems writes for every
// installed gem, <gem home>/specifications/<name>-<version>.gemspec, and
// the specifications of Ruby's bundled default gems in
// specifications/default/. The gemspec a gem ships in its own source tree
// (gems/<name>-<version>/<name>.gemspec) is not read: it is the author's
// program, often computing its version, and the installed copy in
// specifications/ says the same thing in plain literals.
type GemspecExtractor struct{}

// Name implements extract.Extractor.
func (GemspecExtractor) Name() string { return "gemspec" }

// Version implements extract.Extractor.
func (GemspecExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. Generated gemspecs list a gem's
// files and run to a few kilobytes; the largest in Ruby's own set is
// bundler's, at 12 KB.
func (GemspecExtractor) MaxSize() int64 { return 4 << 20 }

// Required implements extract.Extractor.
func (GemspecExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() || !strings.HasSuffix(f.Path, ".gemspec") {
		return false
	}
	dir := parentDir(f.Path)
	if baseName(dir) == "default" {
		dir = parentDir(dir)
	}
	return baseName(dir) == "specifications"
}

// Extract implements extract.Extractor.
func (GemspecExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "gemspec", ParseGemspec)
}

// assignRE matches the start of an attribute assignment, "s.name = ",
// capturing the receiver and the attribute. "==" and "=~" are comparisons.
var assignRE = regexp.MustCompile(`^([a-z_][A-Za-z0-9_]*)\.([a-z_]+)[ \t]*=(?:[^=~]|$)`)

// specNewRE matches the line that opens the specification block and names
// its variable: "Gem::Specification.new do |s|".
var specNewRE = regexp.MustCompile(`Gem::Specification\.new\s*(?:do|\{)\s*\|\s*([a-z_][A-Za-z0-9_]*)\s*\|`)

// heredocRE matches the start of a heredoc, whose body lines must not be
// read as statements.
var heredocRE = regexp.MustCompile(`<<[~-]?(["'` + "`" + `]?)([A-Za-z_][A-Za-z0-9_]*)(["'` + "`" + `]?)`)

// validName reports whether s is a gem name RubyGems accepts
// (Gem::Specification's check, /\A[a-zA-Z0-9\.\-\_]+\z/).
func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return false
		}
	}
	return s != ""
}

// validVersion reports whether s is a version RubyGems accepts
// (Gem::Version::ANCHORED_VERSION_PATTERN without its blanks):
// digits, then ".alnum" segments, then optionally "-" and segments of
// alphanumerics and "-" separated by dots. Written out rather than as a
// regular expression because lockfiles check one per line.
func validVersion(s string) bool {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isAlnum(s[j]) {
			j++
		}
		if j == i+1 {
			return false
		}
		i = j
	}
	if i == len(s) {
		return true
	}
	if s[i] != '-' {
		return false
	}
	// The pre-release part: non-empty segments separated by single dots.
	for _, seg := range strings.Split(s[i+1:], ".") {
		if seg == "" {
			return false
		}
		for k := 0; k < len(seg); k++ {
			if !isAlnum(seg[k]) && seg[k] != '-' {
				return false
			}
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// blanks are the characters around a statement on its line.
const blanks = " \t\r\f\v"

// ParseGemspec returns the one gem an installed gemspec describes. It reads
// the assignments of name, version, platform and licenses (or license) to
// literal values; everything else in the file is skipped. A gemspec without
// a literal name or version is an error.
func ParseGemspec(data []byte) ([]inventory.Package, error) {
	var (
		name, version, platform string
		licenses                []string
		specVar                 string // the block variable, once seen
		comment                 bool   // inside =begin ... =end
	)
	s := string(data)
	for s != "" {
		line, next, _ := strings.Cut(s, "\n")
		t := strings.Trim(line, blanks)
		switch {
		case comment:
			comment = !strings.HasPrefix(line, "=end")
			s = next
			continue
		case strings.HasPrefix(line, "=begin"):
			comment = true
			s = next
			continue
		case t == "" || t[0] == '#':
			s = next
			continue
		}
		if m := specNewRE.FindStringSubmatch(t); m != nil {
			specVar = m[1]
		}
		m := assignRE.FindStringSubmatchIndex(t)
		if m == nil || (specVar != "" && t[m[2]:m[3]] != specVar) {
			s = skipStatement(t, next)
			continue
		}
		attr := t[m[4]:m[5]]
		// The value starts after "=" and may run onto later lines, so it is
		// read from the rest of the file, not just this line.
		eq := m[5] + strings.IndexByte(t[m[5]:], '=')
		rest := s[len(line)-len(strings.TrimLeft(line, blanks))+eq+1:]
		var (
			after string
			st    status
		)
		switch attr {
		case "name":
			var v string
			if v, after, st = readString(rest); st == litOK {
				name = v
			}
		case "version":
			var v string
			if v, after, st = readVersion(rest); st == litOK {
				version = v
			}
		case "platform":
			var v string
			if v, after, st = readString(rest); st == litOK {
				platform = v
			}
		case "licenses", "license":
			var v []string
			if v, after, st = readStrings(rest); st == litOK {
				licenses = v
			}
		default:
			// Other values are skipped, but a string that spans lines (a
			// description) must be skipped whole, or its lines would be
			// read as statements.
			_, after, st = readString(rest)
		}
		switch st {
		case litUnterminated:
			line := 1 + bytes.Count(data[:len(data)-len(s)], []byte("\n"))
			return nil, fmt.Errorf("line %d: unterminated string", line)
		case litNo:
			s = skipStatement(t, next)
			continue
		}
		_, s, _ = strings.Cut(after, "\n")
	}
	switch {
	case name == "":
		return nil, errors.New("no literal s.name")
	case version == "":
		return nil, errors.New("no literal s.version")
	case !validName(name):
		return nil, fmt.Errorf("invalid gem name %q", name)
	case !validVersion(strings.TrimSpace(version)):
		return nil, fmt.Errorf("gem %s: invalid version %q", name, version)
	}
	p := inventory.Package{
		Type:     inventory.TypeGem,
		Name:     name,
		Version:  strings.TrimSpace(version),
		Licenses: nonEmpty(licenses),
		Layer:    -1,
	}
	if platform != "ruby" {
		p.Arch = platform
	}
	return []inventory.Package{p}, nil
}

// skipStatement moves past a line that is not a wanted assignment, and past
// the body of a heredoc the line opens.
func skipStatement(line, next string) string {
	m := heredocRE.FindStringSubmatch(line)
	if m == nil || m[1] != m[3] {
		return next
	}
	// The body ends at a line holding only the terminator (indented for
	// <<~ and <<-, which the trimmed comparison allows).
	for next != "" {
		l, rest, _ := strings.Cut(next, "\n")
		next = rest
		if strings.TrimSpace(l) == m[2] {
			break
		}
	}
	return next
}

// nonEmpty drops empty strings, which some gemspecs carry in license
// arrays, and returns nil for an empty result so the JSON omits it.
func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

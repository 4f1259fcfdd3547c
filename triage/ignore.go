// Package triage sets findings aside that their owners have judged: rules
// from an ignore file (.bulwarkignore) and statements from OpenVEX
// documents. Set-aside findings are not dropped; they move to the report's
// suppressed list with the reason, so the decision stays visible.
package triage

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/result"
)

// IgnoreRule is one line of an ignore file:
//
//	CVE-2023-4911
//	CVE-2021-23337 pkg:npm/lodash exp:2027-01-31  # used at build time only
//	GHSA-35jh-r3h4-6jhm lodash
//
// The first word is a vulnerability ID (matched against a finding's ID and
// aliases). An optional package is a package URL without version (matching
// every version of it) or with one (matching that version), or a bare
// package name. exp: gives the last day the rule holds. Text after "#" is
// the reason.
type IgnoreRule struct {
	ID      string
	Package string // purl or name; empty for every package
	Expires time.Time
	Reason  string
	Line    int
}

// Ignore is a parsed ignore file.
type Ignore struct {
	Path  string
	Rules []IgnoreRule
}

// MaxIgnoreFile bounds an ignore file.
const MaxIgnoreFile = 4 << 20

// LoadIgnore reads an ignore file.
func LoadIgnore(path string) (*Ignore, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ignore file: %w", err)
	}
	defer f.Close()
	ig, err := ParseIgnore(io.LimitReader(f, MaxIgnoreFile))
	if err != nil {
		return nil, fmt.Errorf("ignore file %s: %w", path, err)
	}
	ig.Path = path
	return ig, nil
}

// ParseIgnore parses ignore rules; a malformed line is an error naming it.
func ParseIgnore(r io.Reader) (*Ignore, error) {
	ig := &Ignore{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line, reason, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		rule := IgnoreRule{ID: f[0], Reason: strings.TrimSpace(reason), Line: n}
		for _, tok := range f[1:] {
			switch {
			case strings.HasPrefix(tok, "exp:"):
				t, err := time.Parse("2006-01-02", strings.TrimPrefix(tok, "exp:"))
				if err != nil {
					return nil, fmt.Errorf("line %d: expiry %q is not a YYYY-MM-DD date", n, tok)
				}
				rule.Expires = t
			case rule.Package == "":
				rule.Package = tok
			default:
				return nil, fmt.Errorf("line %d: unexpected %q (want ID [package] [exp:YYYY-MM-DD] [# reason])", n, tok)
			}
		}
		ig.Rules = append(ig.Rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ig, nil
}

// rule finds the first live rule covering a finding on the given day.
func (ig *Ignore) rule(v *result.Vulnerability, today time.Time) *IgnoreRule {
	for i := range ig.Rules {
		r := &ig.Rules[i]
		if !r.Expires.IsZero() && today.After(r.Expires) {
			continue
		}
		if !hasID(v, r.ID) {
			continue
		}
		if r.Package != "" && !packageMatches(r.Package, v.Package) {
			continue
		}
		return r
	}
	return nil
}

// Expired lists rules past their date, which a scan should mention: the
// findings they covered are back.
func (ig *Ignore) Expired(today time.Time) []IgnoreRule {
	var out []IgnoreRule
	for _, r := range ig.Rules {
		if !r.Expires.IsZero() && today.After(r.Expires) {
			out = append(out, r)
		}
	}
	return out
}

func hasID(v *result.Vulnerability, id string) bool {
	if strings.EqualFold(v.ID, id) {
		return true
	}
	for _, a := range v.Aliases {
		if strings.EqualFold(a, id) {
			return true
		}
	}
	return false
}

// packageMatches compares a rule's package (purl, with or without version;
// or a name) with a finding's package.
func packageMatches(spec string, p result.PackageRef) bool {
	if !strings.HasPrefix(spec, "pkg:") {
		return spec == p.Name
	}
	return purlMatches(spec, p.PURL)
}

// purlMatches reports whether a package URL names the package of another:
// the same type, namespace and name, and the same version when the first
// has one. Qualifiers and subpaths are ignored.
func purlMatches(spec, purl string) bool {
	if purl == "" {
		return false
	}
	strip := func(s string) string {
		s, _, _ = strings.Cut(s, "?")
		s, _, _ = strings.Cut(s, "#")
		return s
	}
	spec, purl = strip(spec), strip(purl)
	specName, specVersion, hasVersion := strings.Cut(spec, "@")
	name, ver, _ := strings.Cut(purl, "@")
	if !strings.EqualFold(specName, name) {
		return false
	}
	return !hasVersion || specVersion == ver
}

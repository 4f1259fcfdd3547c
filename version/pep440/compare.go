// Package pep440 compares Python package versions as PEP 440 orders them
// (the scheme of OSV's PyPI ecosystem).
//
// A version is [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local], with the
// spellings PEP 440 normalises (alpha, beta, c, pre, preview; rev, r, "-N"
// for post; any of "-", "_", "." as separators; upper case; a leading "v").
// Order: epoch, then the release numbers with trailing zeros ignored (1.0
// == 1.0.0), then a developmental release of a plain version before its
// pre-releases, pre-releases (a < b < rc) before the final release, post
// releases after it, dev releases before what they precede, and a local
// version after the same public version, its segments compared numbers as
// numbers (above text) and text as text.
package pep440

import (
	"fmt"
	"regexp"
	"strings"
)

// Version is a parsed PEP 440 version.
type Version struct {
	s       string
	epoch   string
	release []string
	// pre is the pre-release phase (1 a, 2 b, 3 rc) and number; phase 0
	// means none.
	prePhase int
	preN     string
	post     string // "" when none
	hasPost  bool
	dev      string
	hasDev   bool
	local    []string
}

var pattern = regexp.MustCompile(`(?i)^\s*v?` +
	`(?:([0-9]+)!)?` +
	`([0-9]+(?:\.[0-9]+)*)` +
	`(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?([0-9]+)?)?` +
	`(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?` +
	`(?:[-_.]?(dev)[-_.]?([0-9]+)?)?` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

const maxLen = 256

// Parse parses a PEP 440 version.
func Parse(s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, fmt.Errorf("pep440: longer than %d bytes", maxLen)
	}
	m := pattern.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("pep440: %q is not a valid version", s)
	}
	v := Version{s: s, epoch: trimZeros(m[1])}
	v.release = strings.Split(m[2], ".")
	for i := range v.release {
		v.release[i] = trimZeros(v.release[i])
	}
	for len(v.release) > 1 && v.release[len(v.release)-1] == "0" {
		v.release = v.release[:len(v.release)-1]
	}
	if m[3] != "" {
		switch strings.ToLower(m[3]) {
		case "a", "alpha":
			v.prePhase = 1
		case "b", "beta":
			v.prePhase = 2
		default:
			v.prePhase = 3
		}
		v.preN = trimZeros(m[4])
	}
	switch {
	case m[5] != "":
		v.hasPost, v.post = true, trimZeros(m[5])
	case m[6] != "":
		v.hasPost, v.post = true, trimZeros(m[7])
	}
	if m[8] != "" {
		v.hasDev, v.dev = true, trimZeros(m[9])
	}
	if m[10] != "" {
		v.local = strings.FieldsFunc(strings.ToLower(m[10]), func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	}
	return v, nil
}

func trimZeros(n string) string {
	n = strings.TrimLeft(n, "0")
	if n == "" {
		return "0"
	}
	return n
}

// String returns the version as parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	if c := compareNumbers(v.epoch, w.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(v.release) || i < len(w.release); i++ {
		a, b := "0", "0"
		if i < len(v.release) {
			a = v.release[i]
		}
		if i < len(w.release) {
			b = w.release[i]
		}
		if c := compareNumbers(a, b); c != 0 {
			return c
		}
	}
	if c := comparePre(v, w); c != 0 {
		return c
	}
	// Post: none sorts first.
	if c := compareOptional(v.hasPost, v.post, w.hasPost, w.post, -1); c != 0 {
		return c
	}
	// Dev: none sorts last.
	if c := compareOptional(v.hasDev, v.dev, w.hasDev, w.dev, 1); c != 0 {
		return c
	}
	return compareLocal(v.local, w.local)
}

// preKey places a version's pre-release: a dev release of a version with
// no pre or post release sorts before every pre-release; no pre-release
// sorts after them all.
func preKey(v Version) int {
	switch {
	case v.prePhase > 0:
		return v.prePhase
	case v.hasDev && !v.hasPost:
		return -1
	}
	return 4
}

func comparePre(v, w Version) int {
	kv, kw := preKey(v), preKey(w)
	if kv != kw {
		return sign(kv - kw)
	}
	if v.prePhase > 0 {
		return compareNumbers(v.preN, w.preN)
	}
	return 0
}

// compareOptional compares optional numbers; a missing one sorts at
// missing (-1 first, +1 last).
func compareOptional(hasA bool, a string, hasB bool, b string, missing int) int {
	switch {
	case !hasA && !hasB:
		return 0
	case !hasA:
		return missing
	case !hasB:
		return -missing
	}
	return compareNumbers(a, b)
}

func compareLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		an, bn := isDigits(a[i]), isDigits(b[i])
		var c int
		switch {
		case an && bn:
			c = compareNumbers(trimZeros(a[i]), trimZeros(b[i]))
		case an:
			c = 1
		case bn:
			c = -1
		default:
			c = strings.Compare(a[i], b[i])
		}
		if c != 0 {
			return c
		}
	}
	return sign(len(a) - len(b))
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func compareNumbers(a, b string) int {
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Compare parses and compares two versions.
func Compare(a, b string) (int, error) {
	va, err := Parse(a)
	if err != nil {
		return 0, err
	}
	vb, err := Parse(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

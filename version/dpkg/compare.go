// Package dpkg orders Debian package versions the way dpkg and apt do.
//
// A Debian version is [epoch:]upstream[-revision]. The epoch is a plain
// number (missing means 0) and decides first. The upstream version and the
// revision are then each compared by the same rule: walk both strings in
// alternating runs, first a run of non-digits, then a run of digits.
// Non-digit runs are compared one character at a time with a special
// alphabet: "~" sorts before anything, even before the end of the string
// (so 1.0~rc1 < 1.0); the end of the run comes next; then letters in ASCII
// order; then every other character in ASCII order (so 1.0a < 1.0+).
// Digit runs are compared as numbers of any length (leading zeros do not
// count, an empty run is 0). A missing revision compares like "0", so
// 1.0 == 1.0-0.
package dpkg

import (
	"errors"
	"fmt"
	"strings"
)

// Version is a parsed Debian version.
type Version struct {
	s                  string
	epoch              string // digits, leading zeros removed; "" is 0
	upstream, revision string
}

const maxLen = 1024

// Parse parses a Debian version. It rejects what dpkg rejects as an error
// (dpkg --validate-version exiting 2): an empty version, an epoch that is
// empty, not a number or larger than 2147483647, nothing after the epoch's
// colon, an empty upstream version and an empty revision after the last
// "-". What dpkg only warns about (an upstream version not starting with a
// digit, characters outside [A-Za-z0-9.+~:-]) is accepted, as dpkg
// installs such versions and orders them. Unlike dpkg, Parse also rejects
// white space anywhere (dpkg trims it at the ends), a sign in the epoch
// (dpkg reads it with strtol), NUL bytes and versions over 1 KiB.
func Parse(s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, fmt.Errorf("dpkg version: longer than %d bytes", maxLen)
	}
	if s == "" {
		return Version{}, errors.New("dpkg version: empty")
	}
	if strings.ContainsAny(s, " \t\n\r\v\f\x00") {
		return Version{}, fmt.Errorf("dpkg version %q: contains white space or NUL", s)
	}
	v := Version{s: s}
	rest := s
	if i := strings.IndexByte(rest, ':'); i >= 0 {
		v.epoch = strings.TrimLeft(rest[:i], "0")
		if i == 0 || !allDigits(rest[:i]) || len(v.epoch) > 10 || (len(v.epoch) == 10 && v.epoch > "2147483647") {
			return Version{}, fmt.Errorf("dpkg version %q: bad epoch", s)
		}
		rest = rest[i+1:]
		if rest == "" {
			return Version{}, fmt.Errorf("dpkg version %q: nothing after the epoch", s)
		}
	}
	v.upstream = rest
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.upstream, v.revision = rest[:i], rest[i+1:]
		if v.revision == "" {
			return Version{}, fmt.Errorf("dpkg version %q: empty revision", s)
		}
	}
	if v.upstream == "" {
		return Version{}, fmt.Errorf("dpkg version %q: empty upstream version", s)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// String returns the version as it was parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	if c := compareNumbers(v.epoch, w.epoch); c != 0 {
		return c
	}
	if c := compareParts(v.upstream, w.upstream); c != 0 {
		return c
	}
	return compareParts(v.revision, w.revision)
}

// Compare parses and compares two version strings.
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

// weight is a character's place in a non-digit run; the end of the run
// (and a digit, which ends it) weighs 0.
func weight(c byte) int {
	switch {
	case c == '~':
		return -1
	case isDigit(c):
		return 0
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return int(c)
	case c >= 0x80:
		// dpkg and apt read the byte as a C char, which is signed on
		// amd64 (unsigned on arm64): bytes over 0x7f then sort between
		// letters and ASCII punctuation. We follow amd64. Only
		// versions dpkg warns about contain such bytes.
		return int(int8(c)) + 256
	}
	return int(c) + 256
}

// compareParts compares two upstream versions or two revisions.
func compareParts(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		// Non-digit run. Equal weights mean both are at the same
		// non-digit character, so both advance together.
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			wa, wb := 0, 0
			if i < len(a) {
				wa = weight(a[i])
			}
			if j < len(b) {
				wb = weight(b[j])
			}
			if wa != wb {
				return sign(wa - wb)
			}
			i++
			j++
		}
		si, sj := i, j
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareNumbers(a[si:i], b[sj:j]); c != 0 {
			return c
		}
	}
	return 0
}

// compareNumbers compares two digit strings as numbers of any length,
// without converting them (they may be longer than any integer type).
func compareNumbers(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
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

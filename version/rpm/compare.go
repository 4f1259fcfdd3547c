// Package rpm orders RPM package versions the way rpm (4.15 and later)
// does.
//
// A version is written [epoch:]version[-release], an "EVR". The epoch is
// the run of digits before a ":" at the start (missing means 0); the
// release is what follows the last "-" after it, if any. Epochs, versions
// and releases are compared in that order. A missing release sorts before
// any release, as rpm's labelCompare has it (so 1.0 < 1.0-1); rpm's
// dependency matching would instead ignore it.
//
// Each part is compared by rpmvercmp's rule: both strings are cut into
// segments, each a maximal run of ASCII digits or of ASCII letters; all
// other characters only separate segments. Segments are compared in turn:
// two numeric segments as numbers of any length, two alphabetic ones as
// byte strings, and a numeric segment is newer than an alphabetic one. When
// one string runs out of segments, the one with segments left is newer
// (1.0.1 > 1.0). Two characters bend this: "~" sorts before everything,
// even the end of the string (1.0~rc1 < 1.0), and "^" sorts after the end
// of the string but before anything else (1.0 < 1.0^git1 < 1.0.1).
package rpm

import (
	"errors"
	"fmt"
	"strings"
)

// Version is a parsed RPM EVR.
type Version struct {
	s          string
	epoch      string // digits; "" when missing, which compares as 0
	version    string
	release    string
	hasRelease bool
}

const maxLen = 1024

// Parse splits an EVR as rpm does. rpm compares almost any string, so
// Parse only rejects what rpm's labelCompare refuses (an empty version
// part: "", "1:", "-1"), NUL bytes (which rpm's C strings cannot hold)
// and, to bound the work on hostile input, versions over 1 KiB.
func Parse(s string) (Version, error) {
	if s == "" {
		return Version{}, errors.New("rpm version: empty")
	}
	if len(s) > maxLen {
		return Version{}, fmt.Errorf("rpm version: longer than %d bytes", maxLen)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return Version{}, fmt.Errorf("rpm version %q: contains NUL", s)
	}
	v := Version{s: s}
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	rest := s
	if i < len(s) && s[i] == ':' {
		v.epoch, rest = s[:i], s[i+1:]
	}
	v.version = rest
	if j := strings.LastIndexByte(rest, '-'); j >= 0 {
		v.version, v.release, v.hasRelease = rest[:j], rest[j+1:], true
	}
	if v.version == "" {
		return Version{}, fmt.Errorf("rpm version %q: empty version part", s)
	}
	return v, nil
}

// String returns the version as it was parsed.
func (v Version) String() string { return v.s }

// epochOr0 returns the epoch, "0" when missing.
func (v Version) epochOr0() string {
	if v.epoch == "" {
		return "0"
	}
	return v.epoch
}

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	if c := vercmp(v.epochOr0(), w.epochOr0()); c != 0 {
		return c
	}
	if c := vercmp(v.version, w.version); c != 0 {
		return c
	}
	switch {
	case v.hasRelease && w.hasRelease:
		return vercmp(v.release, w.release)
	case v.hasRelease:
		return 1
	case w.hasRelease:
		return -1
	}
	return 0
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

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// vercmp is rpmvercmp: the order of two version (or release) strings.
func vercmp(a, b string) int {
	if a == b {
		return 0
	}
	// at returns the byte at i, or 0 past the end (rpm's C strings end
	// in NUL; Parse keeps NUL out, so 0 always means the end).
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	i, j := 0, 0
	for {
		for i < len(a) && !isDigit(a[i]) && !isAlpha(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isDigit(b[j]) && !isAlpha(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := at(a, i), at(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i++
			j++
			continue
		}
		if ca == '^' || cb == '^' {
			switch {
			case ca == 0:
				return -1
			case cb == 0:
				return 1
			case ca != '^':
				return 1
			case cb != '^':
				return -1
			}
			i++
			j++
			continue
		}
		if ca == 0 || cb == 0 {
			break
		}
		class := isAlpha
		if isDigit(ca) {
			class = isDigit
		}
		si, sj := i, j
		for i < len(a) && class(a[i]) {
			i++
		}
		for j < len(b) && class(b[j]) {
			j++
		}
		sa, sb := a[si:i], b[sj:j]
		if sb == "" {
			// b has the other kind of segment here: a number is
			// newer than letters.
			if isDigit(ca) {
				return 1
			}
			return -1
		}
		var c int
		if isDigit(ca) {
			c = compareNumbers(sa, sb)
		} else {
			c = strings.Compare(sa, sb)
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	}
	return 1
}

// compareNumbers compares two digit strings as numbers of any length.
func compareNumbers(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

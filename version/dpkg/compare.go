// Package dpkg compares Debian package versions as dpkg does.
//
// A version is [epoch:]upstream[-revision]. Epochs compare as numbers;
// upstream and revision are compared by alternating runs: a run of
// non-digits, compared character by character where "~" sorts before
// everything (even the end of the string), letters sort before other
// characters, and the end of the string sorts between "~" and everything
// else; then a run of digits, compared as a number. A missing revision
// compares like "0".
package dpkg

import (
	"errors"
	"fmt"
	"strings"
)

// Version is a parsed Debian version.
type Version struct {
	s                  string
	epoch              string // digits, leading zeros removed
	upstream, revision string
}

const maxLen = 1024

// Parse parses a Debian version. It rejects what dpkg rejects (dpkg
// --validate-version exiting 2): an empty version or part, white space, a
// bad or too large epoch, an empty revision after "-", and characters other
// than letters, digits and ".+~" in the revision. Like dpkg, it accepts
// with no complaint an upstream version with unusual characters.
func Parse(s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, fmt.Errorf("dpkg version: longer than %d bytes", maxLen)
	}
	if s == "" {
		return Version{}, errors.New("dpkg version: empty")
	}
	if strings.ContainsAny(s, " \t\n\r\v\f") {
		return Version{}, fmt.Errorf("dpkg version %q: contains white space", s)
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
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		v.upstream, v.revision = rest[:i], rest[i+1:]
		if v.revision == "" {
			return Version{}, fmt.Errorf("dpkg version %q: empty revision", s)
		}
		for j := 0; j < len(v.revision); j++ {
			if c := v.revision[j]; !isAlnum(c) && c != '.' && c != '+' && c != '~' {
				return Version{}, fmt.Errorf("dpkg version %q: %q in the revision", s, c)
			}
		}
	} else {
		v.upstream = rest
	}
	if v.upstream == "" {
		return Version{}, fmt.Errorf("dpkg version %q: empty upstream version", s)
	}
	return v, nil
}

func isAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the version as parsed.
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

// order is a character's weight in a non-digit run; 0 is the end.
func order(c byte) int {
	switch {
	case c == '~':
		return -1
	case c >= '0' && c <= '9':
		return 0
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return int(c)
	}
	return int(c) + 256
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func compareParts(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := 0, 0
			if i < len(a) && !isDigit(a[i]) {
				ac = order(a[i])
			}
			if j < len(b) && !isDigit(b[j]) {
				bc = order(b[j])
			}
			if ac != bc {
				return sign(ac - bc)
			}
			if i < len(a) && !isDigit(a[i]) {
				i++
			}
			if j < len(b) && !isDigit(b[j]) {
				j++
			}
		}
		si := i
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		sj := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := compareNumbers(a[si:i], b[sj:j]); c != 0 {
			return c
		}
	}
	return 0
}

// compareNumbers compares two digit strings as numbers of any length.
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

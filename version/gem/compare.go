// Package gem orders RubyGems versions as Gem::Version does (the ordering
// of OSV's RubyGems ecosystem), following RubyGems 3.3.
//
// A valid version is, after optional blanks (space, \t, \n, \v, \f, \r)
// around it, a run of digits, then any number of "." each followed by
// letters and digits, then optionally "-" followed by letters, digits and
// "-", in parts separated by ".": 1.2.3, 1.0.rc1, 2.0.0.beta.2, 1.0-rc1.
// "1a", "1..2" and "1.0-" are not versions.
//
// Each "-" reads as ".pre.", so 1.0-rc1 is 1.0.pre.rc1. The version is then
// cut into segments: runs of digits (numbers) and runs of ASCII letters
// (words), the dots only separating them. A word anywhere makes the
// version a pre-release. Segments compare in turn: numbers by value
// (without limit), words byte by byte (case matters: "B" < "a"), and a
// word is below any number. Before comparing, zeros are dropped at the end
// of the segments before the first word and at the end of the whole
// version, and the shorter version is padded with zeros: so 1.0 == 1,
// 1.0.a == 1.a, 1.a < 1, and 1.a < 1.0.1.
package gem

import (
	"errors"
	"fmt"
)

// maxLen bounds the input; real versions are short.
const maxLen = 1024

// segment is a number (digits without leading zeros, "" for zero) or a
// word.
type segment struct {
	word bool
	text string
}

var zero segment

// Version is a parsed RubyGems version.
type Version struct {
	s    string
	segs []segment // canonical: trailing zeros dropped as Gem::Version does
}

// Parse parses a RubyGems version. Gem::Version takes a blank string for
// 0; Parse refuses it, since a blank version is a missing version.
func Parse(s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, fmt.Errorf("gem: version of %d bytes, more than %d", len(s), maxLen)
	}
	t := trim(s)
	if t == "" {
		return Version{}, errors.New("gem: empty version")
	}
	if i := invalidAt(t); i >= 0 {
		return Version{}, fmt.Errorf("gem: malformed version %q: unexpected %q at byte %d", s, rest(t, i), len(s)-len(t)+i)
	}
	return Version{s: s, segs: segments(t)}, nil
}

func rest(t string, i int) string {
	if i >= len(t) {
		return "end"
	}
	return t[i : i+1]
}

func isBlank(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r' // \t \n \v \f \r
}

func trim(s string) string {
	for len(s) > 0 && isBlank(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isBlank(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// invalidAt returns where t stops being a version, or -1 when it is one.
func invalidAt(t string) int {
	i := 0
	// digits
	for i < len(t) && isDigit(t[i]) {
		i++
	}
	if i == 0 {
		return 0
	}
	// (. alnum+)*
	for i < len(t) && t[i] == '.' {
		i++
		j := i
		for i < len(t) && (isDigit(t[i]) || isLetter(t[i])) {
			i++
		}
		if i == j {
			return i
		}
	}
	if i == len(t) {
		return -1
	}
	// - [alnum-]+ (. [alnum-]+)*
	if t[i] != '-' {
		return i
	}
	for {
		i++ // the "-" or "."
		j := i
		for i < len(t) && (isDigit(t[i]) || isLetter(t[i]) || t[i] == '-') {
			i++
		}
		if i == j {
			return i
		}
		if i == len(t) {
			return -1
		}
		if t[i] != '.' {
			return i
		}
	}
}

// segments cuts a valid version into canonical segments.
func segments(t string) []segment {
	segs := make([]segment, 0, 6)
	firstWord := -1
	for i := 0; i < len(t); {
		c := t[i]
		switch {
		case c == '-':
			segs = append(segs, segment{word: true, text: "pre"})
			i++
		case isDigit(c):
			for i < len(t) && t[i] == '0' {
				i++
			}
			j := i
			for i < len(t) && isDigit(t[i]) {
				i++
			}
			segs = append(segs, segment{text: t[j:i]})
			continue
		case isLetter(c):
			j := i
			for i < len(t) && isLetter(t[i]) {
				i++
			}
			segs = append(segs, segment{word: true, text: t[j:i]})
			continue
		default:
			i++
			continue
		}
	}
	for i, s := range segs {
		if s.word {
			firstWord = i
			break
		}
	}
	if firstWord < 0 {
		return dropZeros(segs)
	}
	num := dropZeros(segs[:firstWord])
	words := dropZeros(segs[firstWord:])
	return append(num, words...) // num is a prefix of segs: no copy
}

func dropZeros(segs []segment) []segment {
	for len(segs) > 0 && segs[len(segs)-1] == zero {
		segs = segs[:len(segs)-1]
	}
	return segs
}

// String returns the version as it was parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	n := max(len(v.segs), len(w.segs))
	for i := 0; i < n; i++ {
		l, r := zero, zero
		if i < len(v.segs) {
			l = v.segs[i]
		}
		if i < len(w.segs) {
			r = w.segs[i]
		}
		if l == r {
			continue
		}
		switch {
		case l.word && !r.word:
			return -1
		case !l.word && r.word:
			return 1
		case !l.word && len(l.text) != len(r.text):
			return sign(len(l.text) - len(r.text))
		case l.text < r.text:
			return -1
		default:
			return 1
		}
	}
	return 0
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

// Compare parses and compares two RubyGems versions.
func Compare(a, b string) (int, error) {
	v, err := Parse(a)
	if err != nil {
		return 0, err
	}
	w, err := Parse(b)
	if err != nil {
		return 0, err
	}
	return v.Compare(w), nil
}

// Package apk orders Alpine Linux package versions the way apk-tools 3
// does.
//
// An Alpine version reads number{.number}...{letter}{_suffix{number}}...
// {~hash}{-rN}: dot-separated numbers, at most one lower-case letter, any
// number of suffixes from a fixed list, each with an optional number, an
// optional commit hash of lower-case hex digits, and an optional package
// revision. Anything else is not a valid version.
//
// Two versions are compared token by token, left to right, while both
// have a token of the same kind there. Numbers compare as numbers, except
// that a number after a dot with a leading zero on either side compares as
// a string (1.02 < 1.1, 8.2.0015 < 8.2.002), much as in Gentoo. Letters
// compare alphabetically; suffixes in the order _alpha < _beta < _pre <
// _rc < (none) < _cvs < _svn < _git < _hg < _p; hashes as strings. When the
// kinds differ, or one version ends, the version with the pre-release
// suffix there (_alpha, _beta, _pre, _rc) is older; otherwise the version
// whose token comes earlier in the reading order above is newer: more
// numbers beat a letter, a letter beats a suffix, a suffix beats a hash,
// a hash beats a revision, and anything beats the end (1.0 < 1.0-r0,
// 1.0_p1 > 1.0, 1.0_rc1 < 1.0).
//
// Differences from apk-tools 3, all deliberate: a letter may be followed
// by digits (1.9.5p2), as apk-tools 2 allowed and older Alpine releases
// used; the digits compare as a further number, as in apk-tools 2, where
// apk-tools 3 calls such versions invalid. apk-tools 2 ordered
// leading-zero numbers differently (8.2.0 > 8.2.001 there); we follow
// apk-tools 3. Numbers of 20 digits or more compare by value here, where
// apk-tools wraps them at 2^64.
package apk

import (
	"errors"
	"fmt"
	"strings"
)

// Version is a parsed Alpine version.
type Version struct{ s string }

const maxLen = 1024

// Token kinds, in reading order; the order matters to Compare.
const (
	kInitial  = iota // the leading number
	kDigit           // a number after a dot (or after a letter)
	kLetter          // one lower-case letter
	kSuffix          // _alpha, _p, ...
	kSuffixNo        // the number after a suffix
	kHash            // ~hex
	kRevision        // -rN
	kEnd
	kInvalid
)

// suffixes in ascending order; "" stands for no suffix.
var suffixes = [...]string{"alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"}

const noSuffix = 4 // index of "" in suffixes

type token struct {
	kind        int
	val         string // the digits, letter or hash
	suffix      int    // index in suffixes, for kSuffix
	afterLetter bool   // a kDigit read straight after a letter
}

// first reads the leading number.
func first(s string) (token, int) {
	j := digits(s, 0)
	if j == 0 {
		return token{kind: kInvalid}, 0
	}
	return token{kind: kInitial, val: s[:j]}, j
}

// next reads the token at s[i], given the kind of the one before it.
func next(s string, i, prev int) (token, int) {
	if i >= len(s) {
		return token{kind: kEnd}, i
	}
	bad := token{kind: kInvalid}
	switch c := s[i]; {
	case c >= 'a' && c <= 'z':
		if prev > kDigit {
			return bad, i
		}
		return token{kind: kLetter, val: s[i : i+1]}, i + 1
	case c == '.':
		if prev > kDigit {
			return bad, i
		}
		j := digits(s, i+1)
		if j == i+1 {
			return bad, i
		}
		return token{kind: kDigit, val: s[i+1 : j]}, j
	case c >= '0' && c <= '9':
		j := digits(s, i)
		switch prev {
		case kSuffix:
			return token{kind: kSuffixNo, val: s[i:j]}, j
		case kLetter: // 1.9.5p2: apk-tools 2 only, see the package doc
			return token{kind: kDigit, val: s[i:j], afterLetter: true}, j
		}
		return bad, i
	case c == '_':
		if prev > kSuffixNo {
			return bad, i
		}
		j := i + 1
		for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
			j++
		}
		name := s[i+1 : j]
		for n, suf := range suffixes {
			if suf == name && n != noSuffix {
				return token{kind: kSuffix, suffix: n}, j
			}
		}
		return bad, i
	case c == '~':
		if prev >= kHash {
			return bad, i
		}
		j := i + 1
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] >= 'a' && s[j] <= 'f') {
			j++
		}
		if j == i+1 {
			return bad, i
		}
		return token{kind: kHash, val: s[i+1 : j]}, j
	case c == '-':
		if prev >= kRevision || !strings.HasPrefix(s[i:], "-r") {
			return bad, i
		}
		j := digits(s, i+2)
		if j == i+2 {
			return bad, i
		}
		return token{kind: kRevision, val: s[i+2 : j]}, j
	}
	return bad, i
}

func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// Parse checks that s is a valid Alpine version (see the package doc)
// of at most 1 KiB.
func Parse(s string) (Version, error) {
	if s == "" {
		return Version{}, errors.New("apk version: empty")
	}
	if len(s) > maxLen {
		return Version{}, fmt.Errorf("apk version: longer than %d bytes", maxLen)
	}
	t, i := first(s)
	for t.kind < kEnd {
		t, i = next(s, i, t.kind)
	}
	if t.kind == kInvalid {
		return Version{}, fmt.Errorf("apk version %q: invalid at byte %d", s, i)
	}
	return Version{s: s}, nil
}

// String returns the version as it was parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	a, b := v.s, w.s
	ta, i := first(a)
	tb, j := first(b)
	for ta.kind == tb.kind && ta.kind < kEnd {
		if c := compareTokens(ta, tb); c != 0 {
			return c
		}
		ta, i = next(a, i, ta.kind)
		tb, j = next(b, j, tb.kind)
	}
	switch {
	case ta.kind == tb.kind:
		return 0
	case ta.kind == kSuffix && ta.suffix < noSuffix:
		return -1
	case tb.kind == kSuffix && tb.suffix < noSuffix:
		return 1
	case ta.kind > tb.kind:
		return -1
	}
	return 1
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

// compareTokens compares two tokens of the same kind.
func compareTokens(a, b token) int {
	switch a.kind {
	case kDigit:
		// Both or neither follow a letter: the tokens before were
		// of the same kinds.
		if !a.afterLetter && (a.val[0] == '0' || b.val[0] == '0') {
			return strings.Compare(a.val, b.val)
		}
		return compareNumbers(a.val, b.val)
	case kInitial, kSuffixNo, kRevision:
		return compareNumbers(a.val, b.val)
	case kSuffix:
		return sign(a.suffix - b.suffix)
	}
	return strings.Compare(a.val, b.val) // letters and hashes
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

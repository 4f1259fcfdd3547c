// Package pep440 compares Python package versions as PEP 440 defines them,
// the scheme OSV uses for PyPI, and as pip reads them (the packaging
// library's Version).
//
// A version is [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]. The order:
//
//   - the epoch (N!, 0 when absent) first, so 1!0.1 > 2024.1;
//   - then the release numbers, with missing ones zero, so 1.0 == 1.0.0
//     and 1.0 < 1.0.1 < 1.1;
//   - then, for one release, dev releases of the release itself first,
//     then pre-releases (a < b < rc, each by number, and each with its own
//     post and dev releases), then the final release, then post-releases:
//     1.0.dev0 < 1.0a0.dev0 < 1.0a0 < 1.0a0.post0 < 1.0b1 < 1.0rc1 <
//     1.0 < 1.0.post0.dev0 < 1.0.post0 < 1.0.post1;
//   - a dev release sorts before the version it develops (1.0a1.dev2 <
//     1.0a1, 1.0.post1.dev0 < 1.0.post1);
//   - last the local label (+abc.1): a version without one sorts first,
//     then labels compare segment by segment, a number after a word,
//     numbers as numbers, words as lower-case text, a shorter label first.
//
// Parsing normalises as PEP 440 asks: case is ignored, "alpha", "beta",
// "c", "pre" and "preview" mean a, b, rc, rc and rc; "rev" and "r" mean
// post; "-N" alone is a post-release; the separators -, _ and . may appear
// before or between the parts of a pre-, post- or dev-release and may be
// left out; a missing number is 0; a leading "v" and surrounding white
// space are allowed. Numbers have no size limit.
//
// Parse agrees with packaging.version.Version on which strings are valid,
// down to its quirks: it accepts "1.0a-" and "1.0.post_" (a separator
// with no number after it), and, because Python matches case-insensitively
// with Unicode rules, the letters İ, ı, ſ and U+212A (Kelvin sign) where it
// expects i, s or k, keeping Python's lower-case form of them, so that
// "1.0poſt1" is valid and sorts after 1.0.post1. The one difference:
// strings longer than 1 KiB are errors here.
package pep440

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Version is a parsed PEP 440 version. The zero Version sorts like 0.
type Version struct {
	s       string
	epoch   string // digits without leading zeros; "" is 0
	release string // the release segment as written: digits and dots

	// Letters are normalised ("a", "b", "rc", "post"), or Python's lower
	// case of what was written in the rare forms the package doc names.
	preL, preN, postL, postN, devN string
	hasPre, hasPost, hasDev        bool

	local    string // lower case, separators as written
	hasLocal bool
}

const maxLen = 1024

// Parse parses a PEP 440 version; see the package documentation for what
// it accepts.
func Parse(s string) (Version, error) {
	v, err := parse(s)
	if err != nil {
		return Version{}, fmt.Errorf("pep440 %q: %w", clip(s), err)
	}
	return v, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func parse(s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, errors.New("longer than 1 KiB")
	}
	v := Version{s: s}
	b := trimSpace(s)
	p := 0
	if p < len(b) && (b[p] == 'v' || b[p] == 'V') {
		p++
	}
	if n := skipDigits(b, p); n > p && n < len(b) && b[n] == '!' {
		v.epoch = trimZeros(b[p:n])
		p = n + 1
	}
	start := p
	if p = skipDigits(b, p); p == start {
		return Version{}, errors.New("no release number")
	}
	for p+1 < len(b) && b[p] == '.' && isDigit(b[p+1]) {
		p = skipDigits(b, p+1)
	}
	v.release = b[start:p]

	if q, word, end, ok := letters(b, p, preWords); ok {
		v.hasPre, v.preL = true, canonical(word)
		p = q
		v.preN, p = number(b, end)
	}
	if p+1 < len(b) && b[p] == '-' && isDigit(b[p+1]) {
		v.hasPost, v.postL = true, "post"
		q := skipDigits(b, p+1)
		v.postN, p = trimZeros(b[p+1:q]), q
	} else if q, word, end, ok := letters(b, p, postWords); ok {
		v.hasPost, v.postL = true, canonical(word)
		p = q
		v.postN, p = number(b, end)
	}
	if q, _, end, ok := letters(b, p, devWords); ok {
		v.hasDev = true
		p = q
		v.devN, p = number(b, end)
	}
	if p < len(b) && b[p] == '+' {
		n, err := localEnd(b, p+1)
		if err != nil {
			return Version{}, err
		}
		v.hasLocal, v.local = true, pyLower(b[p+1:n])
		p = n
	}
	if p != len(b) {
		return Version{}, fmt.Errorf("unexpected %q", clip(b[p:]))
	}
	return v, nil
}

var (
	preWords  = []string{"a", "b", "c", "rc", "alpha", "beta", "pre", "preview"}
	postWords = []string{"post", "rev", "r"}
	devWords  = []string{"dev"}
)

// letters matches an optional separator and then the longest of words
// at b[p:], case-insensitively as Python does. It returns where the word
// starts, the word as written, and where it ends. (Longest is what the
// regular expression of packaging finds after backtracking: no part that
// can follow a word starts with the letters a longer word would add.)
func letters(b string, p int, words []string) (start int, word string, end int, ok bool) {
	if p < len(b) && isSep(b[p]) {
		p++
	}
	end = -1
	for _, w := range words {
		if n, match := matchWord(b, p, w); match && n > end {
			end = n
		}
	}
	if end < 0 {
		return 0, "", 0, false
	}
	return p, b[p:end], end, true
}

// number reads what follows a pre-, post- or dev-release word: an optional
// separator, then optional digits (none means 0). It returns the digits
// without leading zeros and where they end.
func number(b string, p int) (string, int) {
	if p < len(b) && isSep(b[p]) {
		p++
	}
	q := skipDigits(b, p)
	return trimZeros(b[p:q]), q
}

// matchWord matches the lower-case ASCII word w at b[p:], ignoring case
// with Python's Unicode rules, and returns where the match ends.
func matchWord(b string, p int, w string) (int, bool) {
	for i := 0; i < len(w); i++ {
		if p >= len(b) {
			return 0, false
		}
		r, n := rune(b[p]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(b[p:])
		}
		if !foldsTo(r, w[i]) {
			return 0, false
		}
		p += n
	}
	return p, true
}

// foldsTo reports whether r matches the lower-case ASCII letter or digit
// c in a case-insensitive Python regular expression.
func foldsTo(r rune, c byte) bool {
	switch {
	case r < utf8.RuneSelf:
		return lowerASCII(byte(r)) == c
	case r == '\u0130' || r == '\u0131': // İ, ı
		return c == 'i'
	case r == '\u017f': // ſ
		return c == 's'
	case r == '\u212a': // Kelvin sign
		return c == 'k'
	}
	return false
}

// localEnd returns where the local label starting at b[p] ends: segments
// of letters and digits joined by single separators.
func localEnd(b string, p int) (int, error) {
	for {
		start := p
		for p < len(b) {
			r, n := rune(b[p]), 1
			if r >= utf8.RuneSelf {
				r, n = utf8.DecodeRuneInString(b[p:])
			}
			if !isLocalRune(r) {
				break
			}
			p += n
		}
		if p == start {
			return 0, errors.New("bad local version label")
		}
		if p < len(b) && isSep(b[p]) {
			p++
			continue
		}
		return p, nil
	}
}

// isLocalRune reports whether r may appear in a local label segment:
// what [a-z0-9] matches case-insensitively in Python.
func isLocalRune(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		c := lowerASCII(byte(r))
		return isDigit(c) || c >= 'a' && c <= 'z'
	}
	return foldsTo(r, 'i') || foldsTo(r, 's') || foldsTo(r, 'k')
}

// canonical returns the normalised spelling of a pre- or post-release
// word: the PEP 440 name for ASCII spellings, Python's lower case of the
// rest.
func canonical(w string) string {
	for _, n := range [...]struct{ spelling, name string }{
		{"a", "a"}, {"alpha", "a"}, {"b", "b"}, {"beta", "b"},
		{"c", "rc"}, {"rc", "rc"}, {"pre", "rc"}, {"preview", "rc"},
		{"post", "post"}, {"rev", "post"}, {"r", "post"},
	} {
		if equalFoldASCII(w, n.spelling) {
			return n.name
		}
	}
	return pyLower(w)
}

// equalFoldASCII compares an input with a lower-case ASCII word, folding
// only ASCII letters.
func equalFoldASCII(s, word string) bool {
	if len(s) != len(word) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lowerASCII(s[i]) != word[i] {
			return false
		}
	}
	return true
}

// pyLower returns Python's str.lower of s, for the characters a version
// may hold. It allocates only when something changes.
func pyLower(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			sb.WriteRune(r + 'a' - 'A')
		case r == '\u0130':
			sb.WriteString("i\u0307")
		case r == '\u212a':
			sb.WriteByte('k')
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// trimSpace removes the white space Python's \s matches from both ends.
func trimSpace(s string) string {
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		if !isPySpace(r) {
			break
		}
		s = s[n:]
	}
	for s != "" {
		r, n := utf8.DecodeLastRuneInString(s)
		if !isPySpace(r) {
			break
		}
		s = s[:len(s)-n]
	}
	return s
}

// isPySpace reports whether Python's re matches r with \s in a str
// pattern.
func isPySpace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1c && r <= ' ', r == 0x85, r == 0xa0, r == 0x1680,
		r >= 0x2000 && r <= 0x200a, r == 0x2028, r == 0x2029, r == 0x202f, r == 0x205f, r == 0x3000:
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSep(c byte) bool   { return c == '-' || c == '_' || c == '.' }

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func skipDigits(b string, p int) int {
	for p < len(b) && isDigit(b[p]) {
		p++
	}
	return p
}

func trimZeros(s string) string { return strings.TrimLeft(s, "0") }

// String returns the version as it was parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	if c := compareNumbers(v.epoch, w.epoch); c != 0 {
		return c
	}
	if c := compareRelease(v.release, w.release); c != 0 {
		return c
	}
	if c := compareRank(v.preRank(), w.preRank()); c != 0 {
		return c
	}
	if v.preRank() == 0 {
		if c := compareTag(v.preL, v.preN, w.preL, w.preN); c != 0 {
			return c
		}
	}
	switch {
	case v.hasPost && w.hasPost:
		if c := compareTag(v.postL, v.postN, w.postL, w.postN); c != 0 {
			return c
		}
	case v.hasPost:
		return 1
	case w.hasPost:
		return -1
	}
	switch {
	case v.hasDev && w.hasDev:
		if c := compareNumbers(v.devN, w.devN); c != 0 {
			return c
		}
	case v.hasDev:
		return -1
	case w.hasDev:
		return 1
	}
	switch {
	case v.hasLocal && w.hasLocal:
		return compareLocal(v.local, w.local)
	case v.hasLocal:
		return 1
	case w.hasLocal:
		return -1
	}
	return 0
}

// preRank places a version among the releases of its release number: -1
// for a dev release of the final release itself (1.0.dev1), which sorts
// before all its pre-releases, 0 for a pre-release, 1 for the rest.
func (v Version) preRank() int {
	switch {
	case v.hasPre:
		return 0
	case !v.hasPost && v.hasDev:
		return -1
	}
	return 1
}

func compareRank(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareTag compares (letter, number) pairs such as ("rc", "1").
func compareTag(l1, n1, l2, n2 string) int {
	if c := strings.Compare(l1, l2); c != 0 {
		return c
	}
	return compareNumbers(n1, n2)
}

// compareRelease compares dot-separated release numbers, missing ones
// counting as zero.
func compareRelease(a, b string) int {
	for a != "" || b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		if c := compareNumbers(trimZeros(x), trimZeros(y)); c != 0 {
			return c
		}
	}
	return 0
}

// compareLocal compares local labels segment by segment.
func compareLocal(a, b string) int {
	for {
		x, restA, moreA := cutLocal(a)
		y, restB, moreB := cutLocal(b)
		xn, yn := allDigits(x), allDigits(y)
		var c int
		switch {
		case xn && yn:
			c = compareNumbers(trimZeros(x), trimZeros(y))
		case xn:
			c = 1
		case yn:
			c = -1
		default:
			c = strings.Compare(x, y)
		}
		if c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = restA, restB
	}
}

func cutLocal(s string) (seg, rest string, more bool) {
	for i := 0; i < len(s); i++ {
		if isSep(s[i]) {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// compareNumbers compares two digit strings without leading zeros.
func compareNumbers(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// Compare parses and compares two PEP 440 versions.
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

// Package composer orders PHP package versions as Composer and Packagist
// do (the ordering of OSV's Packagist ecosystem): a version is first
// normalised as composer/semver's VersionParser::normalize does (3.3), and
// two normalised versions are ordered by PHP's version_compare, which is
// what composer/semver's Comparator applies to them.
//
// Normalisation trims blanks, drops an alias (" as 2.0"), a stability flag
// ("@dev"), build metadata ("+build") and a leading "v", and accepts:
//
//   - up to four numbers, the first of at most five digits, padded with
//     ".0" to four: 1.2 is 1.2.0.0;
//   - or a date: four digits and then one to six groups of two and
//     optionally one of up to three, with ".", ":" or "-" between groups
//     or nothing (2023-01-31 is 2023.01.31);
//   - either followed by a stability: stable, alpha or a, beta or b, RC,
//     patch, pl or p, with an optional number (1.0-beta.2 is 1.0.0.0-beta2,
//     1.0p1 is 1.0.0.0-patch1), then optionally "dev" (1.0-dev is
//     1.0.0.0-dev); a lower-case "stable" drops everything after it;
//   - a numbered branch ending in "dev", whose missing or "x" numbers
//     become 9999999: 1.x-dev is 1.9999999.9999999.9999999-dev;
//   - a branch name: "dev-" and anything (dev-main), and master, trunk and
//     default, which mean dev-master and so on.
//
// Anything else is not a version. version_compare then splits both strings
// into parts at ".", "-", "_" and "+" and between digits and non-digits,
// and compares part by part: numbers as numbers (PHP's long: a number above
// 2^63-1 counts as 2^63-1), words only by how they begin: "dev" < "a" <
// "b" < "RC" or "rc" < a number < "p", and any other word before "dev"
// (so alpha = abc, and master = main). When one version has more parts,
// a further number or patch makes it greater and anything else smaller:
// 1.0.0.0-beta1 < 1.0.0.0 < 1.0.0.0-patch1.
//
// Composer itself never orders a branch (dev-...) against anything;
// Compare orders it as version_compare does. One deviation: for two
// branches that end in a separator, version_compare can answer "smaller"
// both ways round (it even finds dev-x. < dev-x.); Compare takes the
// answer PHP gives with the version that has parts left on the left, and
// calls two that run out together equal.
package composer

import (
	"fmt"
	"strings"
)

// maxLen bounds the input; real versions are short.
const maxLen = 1024

// Version is a parsed Composer version.
type Version struct {
	s     string
	norm  string // VersionParser::normalize's result
	canon string // norm in version_compare's canonical form
}

// Parse normalises a Composer version; it fails where normalize throws.
func Parse(s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, fmt.Errorf("composer: version of %d bytes, more than %d", len(s), maxLen)
	}
	norm, ok := normalize(s)
	if !ok {
		return Version{}, fmt.Errorf("composer: invalid version %q", s)
	}
	// version_compare reads C strings: a NUL byte ends them.
	c := norm
	if i := strings.IndexByte(c, 0); i >= 0 {
		c = c[:i]
	}
	return Version{s: s, norm: norm, canon: canonical(c)}, nil
}

// String returns the version as it was parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	if v.canon == "" || w.canon == "" { // the zero Version
		return compareInts(len(v.canon), len(w.canon))
	}
	return compareCanonical(v.canon, w.canon)
}

// Compare parses and compares two Composer versions.
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

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c|0x20 && c|0x20 <= 'z' }

// isSpace is PCRE's \s (without Unicode).
func isSpace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }

// equalFold compares ASCII case-insensitively, as PCRE's /i and PHP's
// stripos do (strings.EqualFold would also fold K and the Kelvin sign).
func equalFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := 0; i < len(s); i++ {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

// trim is PHP's trim: " \t\n\r\0\x0B" at both ends.
func trim(s string) string {
	return strings.Trim(s, " \t\n\r\x00\x0b")
}

func normalize(s string) (string, bool) {
	v := trim(s)
	if x, ok := stripAlias(v); ok {
		v = x
	}
	for _, flag := range []string{"stable", "RC", "beta", "alpha", "dev"} {
		if n := len(v) - len(flag) - 1; n >= 0 && v[n] == '@' && equalFold(v[n+1:], flag) {
			v = v[:n]
			break
		}
	}
	switch v {
	case "master", "trunk", "default":
		v = "dev-" + v
	}
	if hasPrefixFold(v, "dev-") {
		return "dev-" + v[4:], true
	}
	// The remaining patterns end in PCRE's "$", which also matches before
	// a final newline (the flag above may have uncovered one).
	v = strings.TrimSuffix(v, "\n")
	if x, ok := stripBuild(v); ok {
		v = x
	}
	if n, ok := numbered(v); ok {
		return n, true
	}
	if n, ok := dated(v); ok {
		return n, true
	}
	return devBranch(v)
}

// stripAlias matches "^([^,\s]++) ++as ++([^,\s]++)$" and returns the
// first version.
func stripAlias(v string) (string, bool) {
	i := strings.IndexFunc(v, func(r rune) bool { return r == ',' || r < 0x80 && isSpace(byte(r)) })
	if i <= 0 || v[i] != ' ' {
		return "", false
	}
	rest := strings.TrimLeft(v[i:], " ")
	if !strings.HasPrefix(rest, "as ") {
		return "", false
	}
	rest = strings.TrimLeft(rest[2:], " ")
	if rest == "" || strings.IndexFunc(rest, func(r rune) bool { return r == ',' || r < 0x80 && isSpace(byte(r)) }) >= 0 {
		return "", false
	}
	return v[:i], true
}

// stripBuild matches "^([^,\s+]++)\+[^\s]++$" and returns the part
// before the "+".
func stripBuild(v string) (string, bool) {
	i := 0
	for i < len(v) && v[i] != ',' && v[i] != '+' && !isSpace(v[i]) {
		i++
	}
	if i == 0 || i == len(v) || v[i] != '+' || i+1 == len(v) {
		return "", false
	}
	for j := i + 1; j < len(v); j++ {
		if isSpace(v[j]) {
			return "", false
		}
	}
	return v[:i], true
}

func digitsAt(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j
}

// numbered matches "^v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)?" followed by
// a modifier.
func numbered(v string) (string, bool) {
	i := 0
	if i < len(v) && v[i]|0x20 == 'v' {
		i++
	}
	j := digitsAt(v, i)
	if j == i || j-i > 5 {
		return "", false
	}
	var b strings.Builder
	b.WriteString(v[i:j])
	parts := 1
	for ; parts < 4 && j+1 < len(v) && v[j] == '.' && isDigit(v[j+1]); parts++ {
		k := digitsAt(v, j+1)
		b.WriteString(v[j:k])
		j = k
	}
	m, ok := parseModifier(v[j:])
	if !ok {
		return "", false
	}
	for ; parts < 4; parts++ {
		b.WriteString(".0")
	}
	return m.apply(b.String()), true
}

// dated matches "^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)"
// followed by a modifier, and writes the date with dots.
func dated(v string) (string, bool) {
	i := 0
	if i < len(v) && v[i]|0x20 == 'v' {
		i++
	}
	// The date is the longest run of digits with single ".", ":" or "-"
	// between them: a modifier cannot begin with a digit or with one of
	// those and a digit, so no shorter date can leave a valid modifier.
	j, digits := i, 0
	var seps []int // digits before each separator
	for j < len(v) {
		if isDigit(v[j]) {
			j++
			digits++
		} else if j > i && (v[j] == '.' || v[j] == ':' || v[j] == '-') && j+1 < len(v) && isDigit(v[j+1]) {
			seps = append(seps, digits)
			j++
		} else {
			break
		}
	}
	// Four digits, n groups of two, a tail of t: separators may only
	// fall between groups. The most groups allow the most separators.
	n := min(6, (digits-4)/2)
	if digits < 6 || digits-4-2*n > 3 {
		return "", false
	}
	for _, s := range seps {
		if s < 4 || s%2 != 0 || s > 4+2*n {
			return "", false
		}
	}
	m, ok := parseModifier(v[j:])
	if !ok {
		return "", false
	}
	date := []byte(v[i:j])
	for k, c := range date {
		if !isDigit(c) {
			date[k] = '.'
		}
	}
	return m.apply(string(date)), true
}

// modifier is what follows the numbers of a version.
type modifier struct {
	stability string // as written: "beta", "B", "rc", "pl", ...
	number    string // as written after it: "1", ".2", "-1.2"
	dev       bool
}

// parseModifier matches
// "[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$"
// case-insensitively.
func parseModifier(s string) (modifier, bool) {
	if s != "" && (s[0] == '.' || s[0] == '_' || s[0] == '-') {
		if m, ok := parseModifierRest(s[1:]); ok {
			return m, true
		}
	}
	return parseModifierRest(s)
}

var stabilities = []string{"stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p"}

func parseModifierRest(s string) (modifier, bool) {
	var m modifier
	for _, st := range stabilities {
		if hasPrefixFold(s, st) {
			// A shorter alternative would leave a letter behind, which
			// nothing after the stability accepts.
			m.stability = s[:len(st)]
			s = s[len(st):]
			i := 0
			for {
				j := i
				if j < len(s) && (s[j] == '.' || s[j] == '-') {
					j++
				}
				k := digitsAt(s, j)
				if k == j {
					break
				}
				i = k
			}
			m.number, s = s[:i], s[i:]
			break
		}
	}
	if s == "" {
		return m, true
	}
	if s[0] == '.' || s[0] == '-' {
		s = s[1:]
	}
	m.dev = equalFold(s, "dev")
	return m, m.dev
}

// apply appends the modifier to the normalised numbers.
func (m modifier) apply(v string) string {
	if m.stability != "" {
		if m.stability == "stable" {
			return v
		}
		st := strings.ToLower(m.stability)
		switch st {
		case "a":
			st = "alpha"
		case "b":
			st = "beta"
		case "p", "pl":
			st = "patch"
		case "rc":
			st = "RC"
		}
		v += "-" + st + strings.TrimLeft(m.number, ".-")
	}
	if m.dev {
		v += "-dev"
	}
	return v
}

// devBranch matches "(.*?)[.-]?dev$" and normalises the part before
// "dev" as a numbered branch (1.x, 2.3.*).
func devBranch(v string) (string, bool) {
	v = v[strings.LastIndexByte(v, '\n')+1:] // "." does not match a newline
	if len(v) < 3 || !equalFold(v[len(v)-3:], "dev") {
		return "", false
	}
	name := v[:len(v)-3]
	if n := len(name); n > 0 && (name[n-1] == '.' || name[n-1] == '-') {
		name = name[:n-1]
	}
	// normalizeBranch: "^v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?$"
	name = trim(name)
	i := 0
	if i < len(name) && name[i]|0x20 == 'v' {
		i++
	}
	j := digitsAt(name, i)
	if j == i {
		return "", false
	}
	var b strings.Builder
	b.WriteString(name[i:j])
	parts := 1
	for ; parts < 4 && j+1 < len(name) && name[j] == '.'; parts++ {
		switch c := name[j+1]; {
		case isDigit(c):
			k := digitsAt(name, j+1)
			b.WriteString(name[j:k])
			j = k
		case c == 'x' || c == 'X' || c == '*':
			b.WriteString(".9999999")
			j += 2
		default:
			return "", false
		}
	}
	if j != len(name) {
		return "", false
	}
	for ; parts < 4; parts++ {
		b.WriteString(".9999999")
	}
	b.WriteString("-dev")
	return b.String(), true
}

// canonical is PHP's php_canonicalize_version: "-", "_" and "+" become
// ".", a "." goes between a digit and a non-digit, and other characters
// that are not letters or digits become "." (unless they follow a digit,
// when they are kept after a "."). The first character stays as it is.
func canonical(s string) string {
	if s == "" {
		return s
	}
	b := make([]byte, 1, 2*len(s))
	b[0] = s[0]
	dot := func() {
		if b[len(b)-1] != '.' {
			b = append(b, '.')
		}
	}
	nonDigit := func(c byte) bool { return !isDigit(c) && c != '.' }
	lp := s[0]
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_' || c == '+':
			dot()
		case nonDigit(lp) && isDigit(c) || isDigit(lp) && nonDigit(c):
			dot()
			b = append(b, c)
		case !isAlnum(c):
			dot()
		default:
			b = append(b, c)
		}
		lp = c
	}
	return string(b)
}

// isCanonical reports whether canonical(s) == s for a string of letters,
// digits and single dots not starting with one, with digits and letters
// already apart: the common tail of a canonical version.
func isCanonical(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if i == 0 || s[i-1] == '.' {
				return false
			}
		case !isAlnum(c):
			return false
		case i > 0 && s[i-1] != '.' && isDigit(c) != isDigit(s[i-1]):
			return false
		}
	}
	return true
}

// versionCompare is PHP's php_version_compare on C strings a and b.
func versionCompare(a, b string) int {
	if a == "" || b == "" {
		return compareInts(len(a), len(b))
	}
	if a[0] != '#' && !isCanonical(a) {
		a = canonical(a)
	}
	if b[0] != '#' && !isCanonical(b) {
		b = canonical(b)
	}
	return compareCanonical(a, b)
}

// compareCanonical is the loop of php_version_compare over two
// canonical, non-empty versions.
func compareCanonical(a, b string) int {
	p1, p2 := 0, 0
	more1, more2 := true, true // whether a "." followed the last part
	c := 0
	for p1 < len(a) && p2 < len(b) && more1 && more2 {
		e1 := strings.IndexByte(a[p1:], '.')
		e2 := strings.IndexByte(b[p2:], '.')
		more1, more2 = e1 >= 0, e2 >= 0
		if !more1 {
			e1 = len(a) - p1
		}
		if !more2 {
			e2 = len(b) - p2
		}
		x, y := a[p1:p1+e1], b[p2:p2+e2]
		switch dx, dy := x != "" && isDigit(x[0]), y != "" && isDigit(y[0]); {
		case dx && dy:
			c = compareNumbers(x, y)
		case !dx && !dy:
			c = compareInts(formOrder(x), formOrder(y))
		case dx:
			c = compareInts(formOrder("#"), formOrder(y))
		default:
			c = compareInts(formOrder(x), formOrder("#"))
		}
		if c != 0 {
			return c
		}
		if more1 {
			p1 += e1 + 1
		}
		if more2 {
			p2 += e2 + 1
		}
	}
	switch {
	case more1 && more2:
		// Both ended in "." and one ran out of parts there. PHP calls the
		// one that did smaller, even both; here the other decides alone.
		switch {
		case p1 == len(a) && p2 == len(b):
			return 0
		case p1 == len(a):
			return -tail(b[p2:])
		}
		return tail(a[p1:])
	case more1:
		return tail(a[p1:])
	case more2:
		return -tail(b[p2:])
	}
	return 0
}

// tail orders a version whose other parts equal another's against that
// other one, which has no parts left: a further number or patch makes it
// greater, anything else smaller.
func tail(rest string) int {
	if rest != "" && isDigit(rest[0]) {
		return 1
	}
	return versionCompare(rest, "#N#")
}

// formOrder is version_compare's rank of a word, by its beginning.
func formOrder(s string) int {
	switch {
	case strings.HasPrefix(s, "dev"):
		return 0
	case strings.HasPrefix(s, "a"):
		return 1
	case strings.HasPrefix(s, "b"):
		return 2
	case strings.HasPrefix(s, "RC"), strings.HasPrefix(s, "rc"):
		return 3
	case strings.HasPrefix(s, "#"):
		return 4
	case strings.HasPrefix(s, "p"):
		return 5
	}
	return -1
}

// longMax is PHP's largest integer; strtol stops there.
const longMax = "9223372036854775807"

// compareNumbers compares the leading digits of x and y as strtol reads
// them: saturated at longMax.
func compareNumbers(x, y string) int {
	return compareDigits(clampLong(x), clampLong(y))
}

func clampLong(s string) string {
	s = s[:digitsAt(s, 0)]
	s = strings.TrimLeft(s, "0")
	if len(s) > len(longMax) || len(s) == len(longMax) && s > longMax {
		return longMax
	}
	return s
}

func compareDigits(x, y string) int {
	if len(x) != len(y) {
		return compareInts(len(x), len(y))
	}
	return strings.Compare(x, y)
}

func compareInts(x, y int) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

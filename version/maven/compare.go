// Package maven orders versions the way Maven does (the ordering of OSV's
// Maven ecosystem), as org.apache.maven.artifact.versioning.ComparableVersion
// of Maven 3.8.7 does it.
//
// Maven accepts any string as a version. The string is lower-cased and cut
// into items: at ".", at "-", and where a digit follows a non-digit or a
// non-digit follows a digit. A run of digits is a number, anything else a
// word (a qualifier); an empty item (as in "1..2" or "-1") is the number 0.
// The items do not form a flat list: "-" and every switch between digits
// and letters open a sub-list that holds the rest of the version, and a
// word directly after "." ("1.rc1", "1.2.fin") opens one too, as if it came
// after "-". So 1.2-rc-3 is [1, 2, [rc, [3]]].
//
// Words have a rank: alpha < beta < milestone < rc < snapshot < "" <
// sp < any other word, and other words among themselves in alphabetical
// (UTF-16) order. "cr" is rc; "ga", "final" and "release" are ""; "a",
// "b" and "m" directly followed by a digit are alpha, beta and milestone.
// Numbers compare by value, except that a number written with more than 9
// significant digits is always larger than one with at most 9, and one
// with more than 18 larger than one with at most 18 (Maven stores them as
// int, long and BigInteger; with ASCII digits this is just the value).
//
// A number is above any word and any sub-list, a sub-list above any word.
// When one list is longer, the other is padded with nothing, and nothing
// compares like 0 to a number, like "" to a word (so 1-rc < 1 < 1-sp), and
// like an empty list to a list. Zeros and empty words at the end of a list
// (or before its sub-list) are dropped: 1.0 == 1 == 1-ga == 1.0.0-final.
//
// Maven decides digits and letters per UTF-16 unit, so digits of other
// scripts (Arabic-Indic, fullwidth) count as digits, with their value, but
// digits outside the Basic Multilingual Plane are letters; and it lowers
// case with Java's rules. One rule of Java's is not followed: a Greek
// capital sigma at the end of a word becomes σ here, ς in Java.
package maven

import (
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// maxLen bounds the input: real versions are short, and Compare recurses
// once per sub-list.
const maxLen = 1024

type kind uint8

const (
	number kind = iota
	word
	sublist
)

// Qualifier ranks, in Maven's order; ranks above release compare after it.
const (
	rankAlpha uint8 = iota
	rankBeta
	rankMilestone
	rankRC
	rankSnapshot
	rankRelease
	rankSP
	rankOther // an unknown word: ordered by its text
)

// item is one element of a list. A number holds its value in text as
// ASCII decimal without leading zeros ("" is zero) and its Java type in
// size: 0 int, 1 long, 2 BigInteger. A word holds its rank and, for an
// unknown word, its lower-cased text. A sublist item is always the last
// of its list and stands for the next list of the Version.
type item struct {
	kind kind
	size uint8
	rank uint8
	text string
}

func (it item) isNull() bool {
	switch it.kind {
	case number:
		return it.text == ""
	case word:
		return it.rank == rankRelease
	}
	return false // a sublist is null when its list is empty; see normalize
}

// Version is a parsed Maven version.
type Version struct {
	s string
	// lists is the chain of nested lists: lists[0] is the version, and a
	// sublist item at the end of lists[i] is lists[i+1].
	lists [][]item
}

// Parse parses a Maven version. Maven accepts every string; Parse refuses
// only the empty string (a missing version, which Maven would take for 0),
// one longer than 1 KiB, and one that is not UTF-8.
func Parse(s string) (Version, error) {
	switch {
	case s == "":
		return Version{}, errors.New("maven: empty version")
	case len(s) > maxLen:
		return Version{}, fmt.Errorf("maven: version of %d bytes, more than %d", len(s), maxLen)
	case !utf8.ValidString(s):
		return Version{}, fmt.Errorf("maven: version %q is not UTF-8", s)
	}
	p := parser{v: lower(s), items: make([]item, 0, 8)}
	p.run()
	return Version{s: s, lists: p.normalize()}, nil
}

type parser struct {
	v      string
	items  []item // the items of all lists, list after list
	starts []int  // where each list begins in items
}

func (p *parser) add(it item) { p.items = append(p.items, it) }

// open ends the current list with a sublist item and starts the next.
func (p *parser) open() {
	p.add(item{kind: sublist})
	p.starts = append(p.starts, len(p.items))
}

func (p *parser) empty() bool { return len(p.items) == p.starts[len(p.starts)-1] }

func (p *parser) run() {
	v := p.v
	p.starts = append(p.starts, 0)
	start, digits := 0, false
	for i := 0; i < len(v); {
		r, n := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == '.' || r == '-':
			if i == start {
				p.add(item{kind: number})
			} else {
				p.add(newItem(digits, v[start:i], false))
			}
			start = i + 1
			if r == '-' {
				p.open()
			}
		case isDigit(r):
			if !digits && i > start {
				if !p.empty() {
					p.open() // ".rc1" reads as "-rc1"
				}
				p.add(newItem(false, v[start:i], true))
				start = i
				p.open()
			}
			digits = true
		default:
			if digits && i > start {
				p.add(newItem(true, v[start:i], false))
				start = i
				p.open()
			}
			digits = false
		}
		i += n
	}
	if start < len(v) {
		if !digits && !p.empty() {
			p.open() // "1.2.fin" reads as "1.2-fin"
		}
		p.add(newItem(digits, v[start:], false))
	}
}

// normalize drops, innermost list first, the null items at the end of each
// list, stepping over its sublist unless that is empty too.
func (p *parser) normalize() [][]item {
	lists := make([][]item, len(p.starts))
	for i := len(p.starts) - 1; i >= 0; i-- {
		end := len(p.items)
		if i+1 < len(p.starts) {
			end = p.starts[i+1]
		}
		l := p.items[p.starts[i]:end:end]
		var sub bool
		if n := len(l); n > 0 && l[n-1].kind == sublist {
			l = l[:n-1]
			sub = i+1 < len(lists) && len(lists[i+1]) > 0
		}
		for len(l) > 0 && l[len(l)-1].isNull() {
			l = l[:len(l)-1]
		}
		if sub {
			l = append(l, item{kind: sublist})
		}
		lists[i] = l
	}
	for i, l := range lists {
		if len(l) == 0 || l[len(l)-1].kind != sublist {
			return lists[:i+1]
		}
	}
	return lists
}

func isDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return r <= 0xFFFF && unicode.IsDigit(r) // Java's isDigit(char)
}

// digitValue is the value of a decimal digit of any script: the decimal
// digits of Unicode come in runs of ten, from zero to nine.
func digitValue(r rune) byte {
	if r < utf8.RuneSelf {
		return byte(r - '0')
	}
	first := r
	for unicode.IsDigit(first - 1) {
		first--
	}
	return byte((r - first) % 10)
}

func newItem(digits bool, s string, followedByDigit bool) item {
	if digits {
		return newNumber(s)
	}
	if followedByDigit {
		switch s {
		case "a":
			return item{kind: word, rank: rankAlpha}
		case "b":
			return item{kind: word, rank: rankBeta}
		case "m":
			return item{kind: word, rank: rankMilestone}
		}
	}
	switch s {
	case "alpha":
		return item{kind: word, rank: rankAlpha}
	case "beta":
		return item{kind: word, rank: rankBeta}
	case "milestone":
		return item{kind: word, rank: rankMilestone}
	case "rc", "cr":
		return item{kind: word, rank: rankRC}
	case "snapshot":
		return item{kind: word, rank: rankSnapshot}
	case "", "ga", "final", "release":
		return item{kind: word, rank: rankRelease}
	case "sp":
		return item{kind: word, rank: rankSP}
	}
	return item{kind: word, rank: rankOther, text: s}
}

// newNumber reads a run of digits. Maven strips leading ASCII zeros (all
// of them only when something else follows) and picks int, long or
// BigInteger by the length of what is left.
func newNumber(s string) item {
	t := s
	for len(t) > 0 && t[0] == '0' {
		t = t[1:]
	}
	if t == "" {
		t = s
	}
	var size uint8
	switch n := utf8.RuneCountInString(t); {
	case n > 18:
		size = 2
	case n > 9:
		size = 1
	}
	ascii := true
	for i := 0; i < len(t); i++ {
		if t[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		b := make([]byte, 0, len(t))
		for _, r := range t {
			b = append(b, '0'+digitValue(r))
		}
		t = string(b)
	}
	for len(t) > 0 && t[0] == '0' {
		t = t[1:]
	}
	return item{kind: number, size: size, text: t}
}

// lower lower-cases s as Java's toLowerCase(Locale.ENGLISH) does, without
// copying s when there is nothing to change.
func lower(s string) string {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			break
		}
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s)+8)
	copy(b, s)
	for _, r := range s[i:] {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b = append(b, byte(r))
		case r == 'İ':
			b = append(b, "i\u0307"...) // Java's special casing
		default:
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
	}
	return string(b)
}

// String returns the version as it was parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	if len(v.lists) == 0 || len(w.lists) == 0 { // the zero Version
		return compareInts(len(v.lists), len(w.lists))
	}
	return compareLists(v.lists, 0, w.lists, 0)
}

// compareLists compares list i of a with list j of b.
func compareLists(a [][]item, i int, b [][]item, j int) int {
	l, r := a[i], b[j]
	for k := 0; k < len(l) || k < len(r); k++ {
		var c int
		switch {
		case k >= len(l):
			c = -compareNull(b, j, r[k])
		case k >= len(r):
			c = compareNull(a, i, l[k])
		default:
			c = compareItems(a, i, l[k], b, j, r[k])
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// compareNull compares x, an item of list i of a, with nothing.
func compareNull(a [][]item, i int, x item) int {
	switch x.kind {
	case number:
		if x.text == "" {
			return 0
		}
		return 1
	case word:
		return compareInts(int(x.rank), int(rankRelease))
	}
	for _, y := range a[i+1] {
		if c := compareNull(a, i+1, y); c != 0 {
			return c
		}
	}
	return 0
}

// order of kinds when they differ: words < sublists < numbers.
var kindOrder = [...]int{number: 2, word: 0, sublist: 1}

func compareItems(a [][]item, i int, x item, b [][]item, j int, y item) int {
	if x.kind != y.kind {
		return compareInts(kindOrder[x.kind], kindOrder[y.kind])
	}
	switch x.kind {
	case number:
		if x.size != y.size {
			return compareInts(int(x.size), int(y.size))
		}
		if len(x.text) != len(y.text) {
			return compareInts(len(x.text), len(y.text))
		}
		return compareStrings(x.text, y.text)
	case word:
		if x.rank != y.rank {
			return compareInts(int(x.rank), int(y.rank))
		}
		return compareUTF16(x.text, y.text)
	}
	return compareLists(a, i+1, b, j+1)
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

func compareStrings(x, y string) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// compareUTF16 orders strings as Java's String.compareTo does: by UTF-16
// code units, which differs from code point order only between characters
// above U+FFFF and those from U+E000 to U+FFFF.
func compareUTF16(x, y string) int {
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] == y[i] {
			continue
		}
		// Back up to the start of the differing runes.
		for i > 0 && !utf8.RuneStart(x[i]) {
			i--
		}
		r, _ := utf8.DecodeRuneInString(x[i:])
		s, _ := utf8.DecodeRuneInString(y[i:])
		if r > 0xFFFF && s > 0xFFFF {
			return compareInts(int(r), int(s))
		}
		return compareInts(int(utf16Key(r)), int(utf16Key(s)))
	}
	return compareInts(len(x), len(y))
}

// utf16Key is the first UTF-16 unit of r: U+10000 and up begin with a
// lead surrogate, 0xD800 to 0xDBFF.
func utf16Key(r rune) rune {
	if r > 0xFFFF {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}

// Compare parses and compares two Maven versions.
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

// Package maven compares Maven versions the way Maven's ComparableVersion
// does (the scheme of OSV's Maven ecosystem).
//
// A version is split into items at ".", at "-", and where digits meet
// letters; "-" and a digit/letter switch start a sub-list. Numbers compare
// as numbers; words are qualifiers, ordered alpha < beta < milestone < rc
// (= cr) < snapshot < "" (= ga = final = release) < sp < any other word
// (those alphabetically); "a1", "b1", "m1" mean alpha 1, beta 1,
// milestone 1. Numbers sort above words and lists, lists above words, and
// trailing zeros and empty qualifiers are dropped, so 1.0 == 1 == 1-ga.
package maven

import (
	"fmt"
	"strconv"
	"strings"
)

type kind int

const (
	intItem kind = iota
	stringItem
	listItem
)

type item struct {
	kind kind
	num  string // intItem: digits without leading zeros ("" is zero)
	str  string // stringItem: the comparable form of the qualifier
	list []*item
}

// Version is a parsed Maven version.
type Version struct {
	s    string
	root *item
}

const maxLen = 512

// Parse parses a Maven version. Every string is a Maven version; only an
// empty or overlong one is refused.
func Parse(s string) (Version, error) {
	if s == "" || len(s) > maxLen {
		return Version{}, fmt.Errorf("maven version: %d bytes, want 1 to %d", len(s), maxLen)
	}
	v := strings.ToLower(s)
	root := &item{kind: listItem}
	list := root
	stack := []*item{root}
	start := 0
	digit := false
	push := func() {
		l := &item{kind: listItem}
		list.list = append(list.list, l)
		list = l
		stack = append(stack, l)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '.' || c == '-':
			if i == start {
				list.list = append(list.list, &item{kind: intItem})
			} else {
				list.list = append(list.list, parseItem(digit, v[start:i], false))
			}
			start = i + 1
			if c == '-' {
				push()
			}
		case c >= '0' && c <= '9':
			if !digit && i > start {
				// Letters then digits after "." ("1.rc1") count as
				// after "-" too.
				if len(list.list) > 0 {
					push()
				}
				list.list = append(list.list, parseItem(false, v[start:i], true))
				start = i
				push()
			}
			digit = true
		default:
			if digit && i > start {
				list.list = append(list.list, parseItem(true, v[start:i], false))
				start = i
				push()
			}
			digit = false
		}
	}
	if len(v) > start {
		// A qualifier at the very end after "." counts as if after "-"
		// (1.2.fin is 1.2-fin), as in Maven 3.8.7 and later.
		if !digit && len(list.list) > 0 {
			push()
		}
		list.list = append(list.list, parseItem(digit, v[start:], false))
	}
	for i := len(stack) - 1; i >= 0; i-- {
		stack[i].normalize()
	}
	return Version{s: s, root: root}, nil
}

var qualifiers = []string{"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"}

var aliases = map[string]string{"ga": "", "final": "", "release": "", "cr": "rc"}

func parseItem(digit bool, s string, followedByDigit bool) *item {
	if digit {
		return &item{kind: intItem, num: strings.TrimLeft(s, "0")}
	}
	if followedByDigit && len(s) == 1 {
		switch s {
		case "a":
			s = "alpha"
		case "b":
			s = "beta"
		case "m":
			s = "milestone"
		}
	}
	if a, ok := aliases[s]; ok {
		s = a
	}
	return &item{kind: stringItem, str: comparable(s)}
}

// comparable is ComparableVersion's sort key of a qualifier: its index
// among the known ones, or, for an unknown one, after them all.
func comparable(q string) string {
	for i, k := range qualifiers {
		if k == q {
			return strconv.Itoa(i)
		}
	}
	return strconv.Itoa(len(qualifiers)) + "-" + q
}

var releaseKey = comparable("")

func (it *item) isNull() bool {
	switch it.kind {
	case intItem:
		return it.num == ""
	case stringItem:
		return it.str == releaseKey
	}
	return len(it.list) == 0
}

// normalize drops trailing null items, stopping at the first non-null
// item that is not a list.
func (it *item) normalize() {
	for i := len(it.list) - 1; i >= 0; i-- {
		last := it.list[i]
		if last.isNull() {
			it.list = append(it.list[:i], it.list[i+1:]...)
		} else if last.kind != listItem {
			break
		}
	}
}

// compare orders it against other (nil meaning nothing there): numbers
// above lists above words.
func (it *item) compare(other *item) int {
	switch it.kind {
	case intItem:
		if other == nil {
			if it.num == "" {
				return 0
			}
			return 1
		}
		if other.kind == intItem {
			return compareNumbers(it.num, other.num)
		}
		return 1
	case stringItem:
		if other == nil {
			return sign(strings.Compare(it.str, releaseKey))
		}
		if other.kind == stringItem {
			return sign(strings.Compare(it.str, other.str))
		}
		return -1
	}
	if other == nil {
		for _, x := range it.list {
			if c := x.compare(nil); c != 0 {
				return c
			}
		}
		return 0
	}
	switch other.kind {
	case intItem:
		return -1
	case stringItem:
		return 1
	}
	for i := 0; i < len(it.list) || i < len(other.list); i++ {
		var l, r *item
		if i < len(it.list) {
			l = it.list[i]
		}
		if i < len(other.list) {
			r = other.list[i]
		}
		var c int
		if l == nil {
			c = -r.compare(nil)
		} else {
			c = l.compare(r)
		}
		if c != 0 {
			return c
		}
	}
	return 0
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

// String returns the version as parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int { return v.root.compare(w.root) }

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

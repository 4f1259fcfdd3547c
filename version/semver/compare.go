// Package semver compares Semantic Versioning 2.0.0 versions, the scheme
// OSV uses for npm, Go modules and crates.io, and, through ParseNuGet,
// NuGet's variant of it.
//
// A version is MAJOR.MINOR.PATCH, then optionally "-" and dot-separated
// pre-release identifiers, then optionally "+" and build metadata. The
// order: the three numbers compare as numbers, left to right. When they
// are equal, a version without a pre-release sorts after one with a
// pre-release (1.0.0-rc.1 < 1.0.0). Two pre-releases compare identifier by
// identifier: two numeric identifiers as numbers, two others as ASCII
// text, a numeric one before a non-numeric one; when one list is a prefix
// of the other, the shorter sorts first (1.0.0-a < 1.0.0-a.0). Build
// metadata never changes the order: 1.0.0+a and 1.0.0+b are equal.
//
// Parse is as strict as node's semver package (npm's own parser, the
// reference our tests compare with): exactly three numbers without
// leading zeros and no larger than 2^53-1, pre-release numbers without
// leading zeros, identifiers of [0-9A-Za-z-], at most 256 bytes. A
// leading "v" is accepted, so Go module versions parse as they are:
// "v1.2.3+incompatible" is 1.2.3 with build metadata, and Go
// pseudo-versions (v0.0.0-20191109021931-daa7c04131f5,
// v1.2.4-0.20191109021931-daa7c04131f5) are ordinary pre-releases that
// sort where Go means them to. "1.2", "=1.2.3" and " 1.2.3" are errors.
//
// One difference from node: node compares numeric pre-release identifiers
// as floating-point numbers, so two identifiers above 2^53 that round to
// the same double are equal there; here they compare exactly.
//
// NuGet versions have their own parser, ParseNuGet, and CompareNuGet.
package semver

import (
	"errors"
	"fmt"
	"strings"
)

// Version is a parsed semantic version. The zero Version is 0.0.0.
type Version struct {
	s string
	// The numbers with leading zeros trimmed, so "" is zero and a longer
	// string is a larger number.
	major, minor, patch, revision string
	pre                           string // pre-release identifiers, "" when none
	nuget                         bool
}

const (
	maxLen     = 256                // node semver's MAX_LENGTH
	maxSafeInt = "9007199254740991" // 2^53-1, node's limit for the three numbers
	maxInt32   = "2147483647"       // NuGet's limit for its numbers and numeric labels
)

var errTooLong = errors.New("longer than 256 bytes")

// Parse parses a semantic version; see the package documentation for what
// it accepts.
func Parse(s string) (Version, error) {
	v, err := parse(s)
	if err != nil {
		return Version{}, fmt.Errorf("semver %q: %w", clip(s), err)
	}
	return v, nil
}

func parse(s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, errTooLong
	}
	v := Version{s: s}
	rest := strings.TrimPrefix(s, "v")
	rest, build, hasBuild := strings.Cut(rest, "+")
	if hasBuild {
		if err := checkIdents(build, true); err != nil {
			return Version{}, fmt.Errorf("build metadata: %w", err)
		}
	}
	rest, pre, hasPre := strings.Cut(rest, "-")
	var nums [3]string
	for i := range nums {
		var n string
		if i < 2 {
			var ok bool
			if n, rest, ok = strings.Cut(rest, "."); !ok {
				return Version{}, errors.New("want major.minor.patch")
			}
		} else {
			n = rest
		}
		if !digits(n) || len(n) > 1 && n[0] == '0' {
			return Version{}, fmt.Errorf("bad number %q", clip(n))
		}
		if !fits(n, maxSafeInt) {
			return Version{}, fmt.Errorf("number %s larger than 2^53-1", clip(n))
		}
		nums[i] = strings.TrimLeft(n, "0")
	}
	v.major, v.minor, v.patch = nums[0], nums[1], nums[2]
	if hasPre {
		if err := checkIdents(pre, false); err != nil {
			return Version{}, fmt.Errorf("pre-release: %w", err)
		}
		v.pre = pre
	}
	return v, nil
}

// ParseNuGet parses a NuGet version, which extends semantic versions:
// one to four numbers ("1", "1.2" and "1.2.3.4" are valid; missing
// numbers are zero, so 1.2 == 1.2.0 == 1.2.0.0), leading zeros allowed
// (1.02 == 1.2), each at most 2^31-1, and white space around the version
// ignored. The fourth number compares after the third.
//
// Pre-release labels follow NuGet's rules, which differ from SemVer's
// (semver.org 2.0.0 compares text case-sensitively): non-numeric labels
// compare ignoring ASCII case (1.0.0-RC == 1.0.0-rc), and a label counts
// as numeric only when it fits a 32-bit int, larger digit strings
// comparing as text.
//
// Compare two NuGet versions with each other; when a NuGet version meets
// one from Parse, NuGet's label rules apply.
func ParseNuGet(s string) (Version, error) {
	v, err := parseNuGet(s)
	if err != nil {
		return Version{}, fmt.Errorf("nuget version %q: %w", clip(s), err)
	}
	return v, nil
}

func parseNuGet(s string) (Version, error) {
	if len(s) > maxLen {
		return Version{}, errTooLong
	}
	v := Version{s: s, nuget: true}
	rest := strings.TrimSpace(s)
	rest, build, hasBuild := strings.Cut(rest, "+")
	if hasBuild {
		if err := checkIdents(build, true); err != nil {
			return Version{}, fmt.Errorf("metadata: %w", err)
		}
	}
	rest, pre, hasPre := strings.Cut(rest, "-")
	var nums [4]string
	for i := range nums {
		n, tail, more := strings.Cut(rest, ".")
		if !digits(n) {
			return Version{}, fmt.Errorf("bad number %q", clip(n))
		}
		n = strings.TrimLeft(n, "0")
		if !fits(n, maxInt32) {
			return Version{}, fmt.Errorf("number %s larger than 2^31-1", clip(n))
		}
		nums[i], rest = n, tail
		if !more {
			break
		}
		if i == len(nums)-1 {
			return Version{}, errors.New("more than four numbers")
		}
	}
	v.major, v.minor, v.patch, v.revision = nums[0], nums[1], nums[2], nums[3]
	if hasPre {
		if err := checkIdents(pre, false); err != nil {
			return Version{}, fmt.Errorf("pre-release: %w", err)
		}
		v.pre = pre
	}
	return v, nil
}

// digits reports whether s is a non-empty run of ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// fits reports whether the digit string n, without leading zeros, is at
// most max.
func fits(n, max string) bool {
	return len(n) < len(max) || len(n) == len(max) && n <= max
}

// checkIdents checks dot-separated identifiers: non-empty, of
// [0-9A-Za-z-], and, unless build, numeric ones without leading zeros.
func checkIdents(s string, build bool) error {
	for {
		id, rest, more := strings.Cut(s, ".")
		if id == "" {
			return errors.New("empty identifier")
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			switch c := id[i]; {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				numeric = false
			default:
				return fmt.Errorf("bad character %q", c)
			}
		}
		if numeric && !build && len(id) > 1 && id[0] == '0' {
			return fmt.Errorf("leading zero in %q", clip(id))
		}
		if !more {
			return nil
		}
		s = rest
	}
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// String returns the version as it was parsed.
func (v Version) String() string { return v.s }

// Compare returns -1, 0 or +1 as v sorts before, equal to or after w.
func (v Version) Compare(w Version) int {
	if c := compareNumbers(v.major, w.major); c != 0 {
		return c
	}
	if c := compareNumbers(v.minor, w.minor); c != 0 {
		return c
	}
	if c := compareNumbers(v.patch, w.patch); c != 0 {
		return c
	}
	if c := compareNumbers(v.revision, w.revision); c != 0 {
		return c
	}
	switch {
	case v.pre == w.pre:
		return 0
	case v.pre == "":
		return 1
	case w.pre == "":
		return -1
	}
	nuget := v.nuget || w.nuget
	a, b := v.pre, w.pre
	for {
		x, restA, moreA := strings.Cut(a, ".")
		y, restB, moreB := strings.Cut(b, ".")
		if c := compareIdent(x, y, nuget); c != 0 {
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

// compareIdent compares two pre-release identifiers.
func compareIdent(a, b string, nuget bool) int {
	an, bn := digits(a), digits(b)
	if nuget {
		// NuGet reads a label as a number only when it fits an int32.
		an = an && fits(strings.TrimLeft(a, "0"), maxInt32)
		bn = bn && fits(strings.TrimLeft(b, "0"), maxInt32)
	}
	switch {
	case an && bn:
		return compareNumbers(strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0"))
	case an:
		return -1
	case bn:
		return 1
	case nuget:
		return compareFold(a, b)
	}
	return strings.Compare(a, b)
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

// compareFold compares ASCII strings ignoring case. Identifiers hold only
// [0-9A-Za-z-], all of which sort below the letters, so folding to lower
// or to upper case (as .NET's OrdinalIgnoreCase does) gives one order.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := lower(a[i]), lower(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return sign(len(a) - len(b))
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
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

// Compare parses and compares two semantic versions.
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

// CompareNuGet parses and compares two NuGet versions.
func CompareNuGet(a, b string) (int, error) {
	va, err := ParseNuGet(a)
	if err != nil {
		return 0, err
	}
	vb, err := ParseNuGet(b)
	if err != nil {
		return 0, err
	}
	return va.Compare(vb), nil
}

package match

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/result"
)

// TestCoverage checks which packages the test records (Debian 12, Alpine
// 3.18, Go, PyPI, npm and Maven records) speak for, and why the others
// were not looked up.
func TestCoverage(t *testing.T) {
	db := testDB(t)
	lang := func(typ, name, version string) inventory.Package {
		return inventory.Package{Type: typ, Name: name, Version: version}
	}
	debs := []inventory.Package{deb("libc6", "2.36-9", "glibc", "2.36-9"), deb("libssl3", "3.0.9-1", "openssl", "3.0.9-1")}
	for _, tc := range []struct {
		name string
		inv  inventory.Inventory
		want string
	}{
		{"Debian 12 and Go", inventory.Inventory{OS: &inventory.OS{Family: "debian", Version: "12"},
			Packages: append(debs, lang("golang", "golang.org/x/net", "v0.17.0"))},
			"covered Debian:12=2 Go=1"},
		{"a release the records lack", inventory.Inventory{OS: &inventory.OS{Family: "debian", Version: "13"}, Packages: debs},
			"uncovered Debian:13=2 (libc6,libssl3: the database has no records for Debian:13)"},
		{"no OS", inventory.Inventory{Packages: debs},
			"uncovered deb=2 (libc6,libssl3: no OS release was detected, so its advisories cannot be chosen)"},
		{"no advisory source", inventory.Inventory{OS: &inventory.OS{Family: "arch", Version: "rolling"}, Packages: debs[:1]},
			"uncovered arch:rolling=1 (libc6: no advisory source is known for arch)"},
		{"an ecosystem with no records, and an unversioned package", inventory.Inventory{
			Packages: []inventory.Package{lang("gem", "rack", "2.0.1"), lang("pypi", "requests", "2.28.1"), lang("pypi", "flask", "")}},
			"covered PyPI=1 uncovered RubyGems=1 (rack: the database has no records for RubyGems)"},
	} {
		if got := describe(Coverage(&tc.inv, db)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func describe(c *result.Coverage) string {
	var parts []string
	if len(c.Covered) > 0 {
		parts = append(parts, "covered")
		for _, e := range c.Covered {
			parts = append(parts, fmt.Sprintf("%s=%d", e.Ecosystem, e.Packages))
		}
	}
	if len(c.Uncovered) > 0 {
		parts = append(parts, "uncovered")
		for _, e := range c.Uncovered {
			parts = append(parts, fmt.Sprintf("%s=%d (%s: %s)", e.Ecosystem, e.Packages, strings.Join(e.Examples, ","), e.Reason))
		}
	}
	return strings.Join(parts, " ")
}

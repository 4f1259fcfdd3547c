package match

import (
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/result"
)

// maxExamples bounds the package names an uncovered ecosystem lists.
const maxExamples = 5

// Coverage works out, for every package matching would look up, whether
// the source holds records for the ecosystem (and distribution release)
// it is filed under. Packages with no version are left out: nothing could
// match them.
func Coverage(inv *inventory.Inventory, src Source) *result.Coverage {
	m := &matcher{src: src, rels: map[string][]string{}}
	type acc struct {
		covered bool
		reason  string
		names   []string
		n       int
	}
	by := map[string]*acc{}
	add := func(eco string, covered bool, reason, name string) {
		a := by[eco]
		if a == nil {
			a = &acc{covered: covered, reason: reason}
			by[eco] = a
		}
		a.n++
		if len(a.names) < maxExamples && !slices.Contains(a.names, name) {
			a.names = append(a.names, name)
		}
	}
	for _, p := range inv.Packages {
		if p.Version == "" || p.Name == "" {
			continue
		}
		qs := queriesFor(p, inv.OS, m.releases)
		if len(qs) == 0 {
			eco, reason := uncoveredWhy(p, inv.OS)
			add(eco, false, reason, p.Name)
			continue
		}
		// A package is covered when any of its lookups has data; Ubuntu
		// and Red Hat packages may be filed under several streams.
		eco, covered := qs[0].ecosystem, false
		for _, q := range qs {
			if m.has(q.ecosystem) {
				eco, covered = q.ecosystem, true
				break
			}
		}
		reason := ""
		if !covered {
			reason = "the database has no records for " + eco
		}
		add(eco, covered, reason, p.Name)
	}
	c := &result.Coverage{Covered: []result.EcosystemCoverage{}, Uncovered: []result.EcosystemCoverage{}}
	for eco, a := range by {
		e := result.EcosystemCoverage{Ecosystem: eco, Packages: a.n}
		if a.covered {
			c.Covered = append(c.Covered, e)
			continue
		}
		e.Reason, e.Examples = a.reason, a.names
		c.Uncovered = append(c.Uncovered, e)
	}
	for _, l := range [][]result.EcosystemCoverage{c.Covered, c.Uncovered} {
		sort.Slice(l, func(i, j int) bool { return l[i].Ecosystem < l[j].Ecosystem })
	}
	return c
}

// has reports whether the source holds records filed under the full
// ecosystem string ("Debian:12", "Go").
func (m *matcher) has(ecosystem string) bool {
	base, _, _ := strings.Cut(ecosystem, ":")
	for _, r := range m.releases(base) {
		if r == ecosystem {
			return true
		}
	}
	return false
}

// uncoveredWhy names where a package with no lookups would have been
// filed, and why it was not looked up.
func uncoveredWhy(p inventory.Package, os *inventory.OS) (ecosystem, reason string) {
	switch p.Type {
	case inventory.TypeDeb, inventory.TypeAPK, inventory.TypeRPM:
		switch {
		case os == nil:
			return p.Type, "no OS release was detected, so its advisories cannot be chosen"
		case os.Version == "":
			return os.Family, "the OS release has no version"
		}
		return os.Family + ":" + os.Version, "no advisory source is known for " + os.Family
	}
	return p.Type, "no advisory source is known for " + p.Type + " packages"
}

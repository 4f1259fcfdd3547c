// Package match finds the known vulnerabilities of an inventory: each
// package is looked up in the vulnerability database under the ecosystem
// and name its advisories use, and every record whose ranges or version
// list include the installed version becomes a finding, with the records
// about the same CVE folded into one.
package match

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/severity"
	"github.com/bulwark-sec/bulwark/version"
	"github.com/bulwark-sec/bulwark/vulndb"
)

// Source is what matching reads: the vulnerability database or anything
// that answers the same two questions.
type Source interface {
	Lookup(ecosystem, name string) ([]vulndb.Entry, error)
	Releases(base string) ([]string, error)
}

// Options control matching.
type Options struct {
	// IgnoreUnfixed leaves out vulnerabilities with no fixed version.
	IgnoreUnfixed bool
}

// Match returns the vulnerabilities affecting the inventory's packages,
// most severe first. Records whose versions cannot be compared under their
// scheme are skipped and reported in the warnings.
func Match(inv *inventory.Inventory, src Source, opts Options) ([]result.Vulnerability, []string, error) {
	m := &matcher{src: src, cache: map[query][]vulndb.Entry{}, rels: map[string][]string{}}
	var out []result.Vulnerability
	for _, p := range inv.Packages {
		for _, q := range queriesFor(p, inv.OS, m.releases) {
			found, err := m.match(p, q)
			if err != nil {
				return nil, m.warnings, err
			}
			for _, v := range found {
				if opts.IgnoreUnfixed && v.Status == result.StatusUnfixed {
					continue
				}
				out = append(out, v)
			}
		}
	}
	if en, ok := src.(enricher); ok {
		enrich(out, en)
	}
	Sort(out)
	return out, m.warnings, nil
}

// enricher is a source that also knows which CVEs are exploited.
type enricher interface {
	KnownExploited(cve string) bool
	ExploitPrediction(cve string) (vulndb.EPSSScore, bool)
}

// enrich marks findings whose CVE is in the KEV catalog and attaches EPSS
// scores.
func enrich(vs []result.Vulnerability, en enricher) {
	for i := range vs {
		v := &vs[i]
		cve := v.ID
		if !strings.HasPrefix(cve, "CVE-") {
			for _, a := range v.Aliases {
				if strings.HasPrefix(a, "CVE-") {
					cve = a
					break
				}
			}
		}
		if !strings.HasPrefix(cve, "CVE-") {
			continue
		}
		v.KnownExploited = en.KnownExploited(cve)
		if s, ok := en.ExploitPrediction(cve); ok {
			v.EPSS = &result.EPSS{Score: s.Score, Percentile: s.Percentile}
		}
	}
}

// Sort orders findings most severe first, then by ID and package.
func Sort(vs []result.Vulnerability) {
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := vs[i], vs[j]
		if ra, rb := severity.Rank(a.Severity), severity.Rank(b.Severity); ra != rb {
			return ra > rb
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.Package.Name != b.Package.Name {
			return a.Package.Name < b.Package.Name
		}
		return a.Package.Location < b.Package.Location
	})
}

type matcher struct {
	src      Source
	cache    map[query][]vulndb.Entry // by ecosystem and name (version unset)
	rels     map[string][]string
	warnings []string
	warned   map[string]bool
}

func (m *matcher) releases(base string) []string {
	if r, ok := m.rels[base]; ok {
		return r
	}
	r, err := m.src.Releases(base)
	if err != nil {
		m.warn(fmt.Sprintf("releases of %s: %v", base, err))
	}
	m.rels[base] = r
	return r
}

func (m *matcher) warn(s string) {
	if m.warned == nil {
		m.warned = map[string]bool{}
	}
	if !m.warned[s] && len(m.warnings) < 100 {
		m.warned[s] = true
		m.warnings = append(m.warnings, s)
	}
}

// lookup fetches a package's entries once per scan: many binary packages
// share one source package.
func (m *matcher) lookup(q query) ([]vulndb.Entry, error) {
	k := query{ecosystem: q.ecosystem, name: q.name}
	if es, ok := m.cache[k]; ok {
		return es, nil
	}
	es, err := m.src.Lookup(q.ecosystem, q.name)
	if err != nil {
		return nil, err
	}
	m.cache[k] = es
	return es, nil
}

// hit is one record that includes the installed version.
type hit struct {
	entry *vulndb.Entry
	fixes []string
}

func (m *matcher) match(p inventory.Package, q query) ([]result.Vulnerability, error) {
	entries, err := m.lookup(q)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	base, _ := osv.Ecosystem(q.ecosystem)
	cmp, ok := version.For(base)
	if !ok {
		m.warn(fmt.Sprintf("%s: no version comparison for this ecosystem", q.ecosystem))
		return nil, nil
	}
	goos, goarch, _ := strings.Cut(p.Platform, "/")
	var hits []hit
	for i := range entries {
		e := &entries[i]
		if !onPlatform(e.Platforms, goos, goarch) {
			continue
		}
		in, fixes, err := Affects(cmp, q.version, e)
		if err != nil {
			m.warn(fmt.Sprintf("%s %s %s: %s: %v", q.ecosystem, q.name, q.version, e.ID, err))
			continue
		}
		if in {
			hits = append(hits, hit{entry: e, fixes: fixes})
		}
	}
	return fold(p, q, cmp, hits), nil
}

// onPlatform reports whether a record limited to some platforms holds on
// the package's; a package of unknown platform, or a record limited to
// none, is matched as usual.
func onPlatform(ps []vulndb.Platform, goos, goarch string) bool {
	if len(ps) == 0 {
		return true
	}
	for _, pl := range ps {
		if pl.Allows(goos, goarch) {
			return true
		}
	}
	return false
}

// Affects reports whether a version lies in an entry's affected versions:
// its explicit version list, or any of its ranges evaluated as the OSV
// specification says (events in version order; introduced opens, fixed
// and limit close, last_affected closes after itself). fixes are the
// fixed versions above v of the ranges that include it, lowest first; none
// means no fix is published.
func Affects(cmp version.Compare, v string, e *vulndb.Entry) (bool, []string, error) {
	in := false
	for _, x := range e.Versions {
		if x == v {
			in = true
			break
		}
	}
	var fixes []string
	var firstErr error
	for _, r := range e.Ranges {
		rc := cmp
		if r.Type == osv.RangeSemver {
			rc = version.Semver
		}
		hitRange, fix, err := inRange(rc, v, r.Events)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if hitRange {
			in = true
			if fix != "" {
				fixes = append(fixes, fix)
			}
		}
	}
	if !in && firstErr != nil {
		return false, nil, firstErr
	}
	return in, fixes, nil
}

type event struct {
	kind    int // evIntroduced, ...
	version string
}

const (
	evIntroduced = iota
	evFixed
	evLastAffected
	evLimit
)

func inRange(cmp version.Compare, v string, events []osv.Event) (bool, string, error) {
	evs := make([]event, 0, len(events))
	for _, e := range events {
		switch {
		case e.Introduced != "":
			evs = append(evs, event{evIntroduced, e.Introduced})
		case e.Fixed != "":
			evs = append(evs, event{evFixed, e.Fixed})
		case e.LastAffected != "":
			evs = append(evs, event{evLastAffected, e.LastAffected})
		case e.Limit != "":
			evs = append(evs, event{evLimit, e.Limit})
		}
	}
	var sortErr error
	less := func(a, b string) bool {
		if a == b {
			return false
		}
		if a == "0" {
			return true
		}
		if b == "0" {
			return false
		}
		c, err := cmp(a, b)
		if err != nil && sortErr == nil {
			sortErr = err
		}
		return c < 0
	}
	sort.SliceStable(evs, func(i, j int) bool { return less(evs[i].version, evs[j].version) })
	if sortErr != nil {
		return false, "", fmt.Errorf("range: %w", sortErr)
	}
	// vs compares the installed version with an event's; "0" is below
	// everything.
	vs := func(x string) (int, error) {
		if x == "0" {
			return 1, nil
		}
		return cmp(v, x)
	}
	affected := false
	for _, e := range evs {
		c, err := vs(e.version)
		if err != nil {
			return false, "", err
		}
		switch e.kind {
		case evIntroduced:
			if c >= 0 {
				affected = true
			}
		case evFixed:
			if c >= 0 {
				affected = false
			}
		case evLastAffected:
			if c > 0 {
				affected = false
			}
		case evLimit:
			if c >= 0 {
				return false, "", nil
			}
		}
	}
	if !affected {
		return false, "", nil
	}
	// The fix is the first fixed event above the installed version.
	for _, e := range evs {
		if e.kind != evFixed {
			continue
		}
		if c, err := vs(e.version); err == nil && c < 0 {
			return true, e.version, nil
		}
	}
	return true, "", nil
}

// fold turns the records that hit one package into findings: one per CVE
// (a DSA naming three CVEs gives three), with every record about that CVE
// merged in; records naming no CVE are findings of their own, merged when
// they alias each other.
func fold(p inventory.Package, q query, cmp version.Compare, hits []hit) []result.Vulnerability {
	type group struct {
		id      string
		hits    []hit
		aliases map[string]bool
	}
	groups := map[string]*group{}
	var order []string
	add := func(key string, h hit) {
		g := groups[key]
		if g == nil {
			g = &group{id: key, aliases: map[string]bool{}}
			groups[key] = g
			order = append(order, key)
		}
		g.hits = append(g.hits, h)
		for _, id := range append([]string{h.entry.ID}, h.entry.Aliases...) {
			if id != key {
				g.aliases[id] = true
			}
		}
	}
	for _, h := range hits {
		var cves []string
		for _, id := range append([]string{h.entry.ID}, h.entry.Aliases...) {
			if strings.HasPrefix(id, "CVE-") {
				cves = append(cves, id)
			}
		}
		if len(cves) == 0 {
			ids := append([]string{h.entry.ID}, h.entry.Aliases...)
			sort.Strings(ids)
			add(ids[0], h)
			continue
		}
		for _, c := range cves {
			add(c, h)
		}
	}
	ref := result.PackageRef{
		Type: p.Type, Name: p.Name, Version: p.Version, PURL: p.PURL,
		Location: p.Location, Layer: p.Layer, Ecosystem: q.ecosystem,
	}
	if q.name != p.Name {
		ref.MatchedName = q.name
	}
	if q.version != p.Version {
		ref.MatchedVersion = q.version
	}
	out := make([]result.Vulnerability, 0, len(order))
	for _, key := range order {
		g := groups[key]
		v := result.Vulnerability{ID: key, Package: ref}
		var sevs []osv.Severity
		label := ""
		fixes := map[string]bool{}
		refs := map[string]bool{}
		for _, h := range g.hits {
			e := h.entry
			v.Records = appendNew(v.Records, e.ID)
			sevs = append(sevs, e.Severity...)
			if label == "" {
				label = e.Label
			}
			for _, f := range h.fixes {
				fixes[f] = true
			}
			if v.Title == "" || e.ID == key || strings.HasSuffix(v.Title, " - security update") {
				if e.Summary != "" {
					v.Title = e.Summary
				}
			}
			if e.Published != "" && (v.Published == "" || e.Published < v.Published) {
				v.Published = e.Published
			}
			for _, r := range e.References {
				if !refs[r] && len(v.References) < 10 {
					refs[r] = true
					v.References = append(v.References, r)
				}
			}
		}
		for a := range g.aliases {
			v.Aliases = append(v.Aliases, a)
		}
		sort.Strings(v.Aliases)
		sort.Strings(v.Records)
		for f := range fixes {
			v.FixedVersions = append(v.FixedVersions, f)
		}
		sort.Slice(v.FixedVersions, func(i, j int) bool {
			c, err := cmp(v.FixedVersions[i], v.FixedVersions[j])
			if err != nil {
				return v.FixedVersions[i] < v.FixedVersions[j]
			}
			return c < 0
		})
		v.Status = result.StatusUnfixed
		if len(v.FixedVersions) > 0 {
			v.Status = result.StatusFixed
		}
		v.Severity, v.CVSS = severity.Assess(dedupeSeverity(sevs), label)
		out = append(out, v)
	}
	return out
}

func dedupeSeverity(list []osv.Severity) []osv.Severity {
	seen := map[osv.Severity]bool{}
	out := list[:0:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

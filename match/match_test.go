package match

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/version"
	"github.com/bulwark-sec/bulwark/vulndb"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testDB imports the vulndb fixtures: records written from real advisories
// (see vulndb/testdata/SOURCES.md) and the KEV and EPSS excerpts.
func testDB(t testing.TB) *vulndb.DB {
	return importDB(t, "../vulndb/testdata/records", map[string]string{
		vulndb.KEV:  "../vulndb/testdata/known_exploited_vulnerabilities.json",
		vulndb.EPSS: "../vulndb/testdata/epss_scores-current.csv.gz",
	})
}

// importDB imports a folder of records (and enrichment files) into a
// database of the test's own, open until the test ends.
func importDB(t testing.TB, dir string, enrich map[string]string) *vulndb.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vuln.db")
	if _, err := vulndb.Import(path, []string{dir}, enrich); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func deb(name, version, source, sourceVersion string) inventory.Package {
	return inventory.Package{Type: inventory.TypeDeb, Name: name, Version: version, SourceName: source, SourceVersion: sourceVersion, Location: "var/lib/dpkg/status", Layer: 0}
}

func lang(typ, name, version string) inventory.Package {
	return inventory.Package{Type: typ, Name: name, Version: version, Location: "app/lockfile", Layer: 1}
}

// TestKnownCases checks findings worked out by hand from the advisories.
func TestKnownCases(t *testing.T) {
	inv := &inventory.Inventory{
		OS: &inventory.OS{Family: "debian", Version: "12"},
		Packages: []inventory.Package{
			// glibc before the Looney Tunables fix (DSA-5514-1: fixed in
			// 2.36-9+deb12u3): the binary package matches by its source.
			deb("libc6", "2.36-9+deb12u1", "glibc", "2.36-9+deb12u1"),
			deb("libc-bin", "2.36-9+deb12u1", "glibc", "2.36-9+deb12u1"),
			// openssl after the fix of DSA-5532-1: nothing.
			deb("libssl3", "3.0.11-1~deb12u2", "openssl", "3.0.11-1~deb12u2"),
			// and before it: one finding for CVE-2023-5363, from two records.
			deb("openssl", "3.0.9-1", "openssl", "3.0.9-1"),
			lang(inventory.TypeNPM, "lodash", "4.17.20"),
			lang(inventory.TypeNPM, "lodash", "4.17.21"),
			lang(inventory.TypeMaven, "org.apache.logging.log4j:log4j-core", "2.14.1"),
			lang(inventory.TypeMaven, "org.apache.logging.log4j:log4j-core", "2.12.2"),    // the 2.12 branch fix
			lang(inventory.TypeMaven, "org.apache.logging.log4j:log4j-core", "2.0-beta8"), // before introduced
			lang(inventory.TypeGolang, "stdlib", "v1.22.1"),
			lang(inventory.TypeGolang, "stdlib", "v1.21.9"),
			lang(inventory.TypePyPI, "Requests", "2.28.1"),
			lang(inventory.TypePyPI, "requests", "2.2.1"), // before 2.3.0
		},
	}
	vulns, warnings, err := Match(inv, testDB(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	var got []string
	for _, v := range vulns {
		got = append(got, strings.Join([]string{v.Package.Name, v.Package.Version, v.ID, v.Severity, v.Status, strings.Join(v.FixedVersions, "|"), strings.Join(v.Records, "|")}, " "))
	}
	golden.CheckJSON(t, "known.golden.json", got, *update)
	golden.CheckJSON(t, "known-full.golden.json", vulns, *update)

	for _, v := range vulns {
		switch {
		case v.ID == "CVE-2021-44228" && (!v.KnownExploited || v.EPSS == nil || v.Severity != "CRITICAL"):
			t.Errorf("log4shell: %+v", v)
		case v.ID == "CVE-2023-4911" && v.Package.MatchedName != "glibc":
			t.Errorf("glibc via source: %+v", v.Package)
		}
	}

	// --ignore-unfixed drops findings without a fix.
	unfixed, _, _ := Match(&inventory.Inventory{OS: inv.OS, Packages: []inventory.Package{deb("openssl", "3.0.9-1", "openssl", "3.0.9-1")}}, testDB(t), Options{IgnoreUnfixed: true})
	for _, v := range unfixed {
		if v.Status != "fixed" {
			t.Errorf("unfixed kept: %+v", v)
		}
	}
}

// TestReleaseAware: the same package on another Debian release matches
// that release's records only; an unknown OS matches no distro records.
func TestReleaseAware(t *testing.T) {
	db := testDB(t)
	pkgs := []inventory.Package{deb("openssl", "1.1.1n-0+deb11u5", "openssl", "1.1.1n-0+deb11u5")}
	v11, _, _ := Match(&inventory.Inventory{OS: &inventory.OS{Family: "debian", Version: "11"}, Packages: pkgs}, db, Options{})
	if len(v11) != 1 || v11[0].Status != "unfixed" || v11[0].Package.Ecosystem != "Debian:11" {
		t.Errorf("Debian 11: %+v", v11)
	}
	pkgs[0].Version, pkgs[0].SourceVersion = "1.1.1w-0+deb11u1", "1.1.1w-0+deb11u1"
	if v, _, _ := Match(&inventory.Inventory{OS: &inventory.OS{Family: "debian", Version: "11"}, Packages: pkgs}, db, Options{}); len(v) != 1 {
		// The Debian 11 entry is "introduced 0, no fix": every version.
		t.Errorf("Debian 11, later version: %+v", v)
	}
	if v, _, _ := Match(&inventory.Inventory{Packages: pkgs}, db, Options{}); len(v) != 0 {
		t.Errorf("no OS: %+v", v)
	}
	if v, _, _ := Match(&inventory.Inventory{OS: &inventory.OS{Family: "debian", Version: "13"}, Packages: pkgs}, db, Options{}); len(v) != 0 {
		t.Errorf("Debian 13: %+v", v)
	}
}

// TestAlpine: Alpine packages match by origin and the v<major>.<minor>
// release, with apk's version order.
func TestAlpine(t *testing.T) {
	db := testDB(t)
	apkPkg := func(name, version string) inventory.Package {
		return inventory.Package{Type: inventory.TypeAPK, Name: name, Version: version, SourceName: "openssl", Location: "lib/apk/db/installed"}
	}
	os := &inventory.OS{Family: "alpine", Version: "3.18.4"}
	vs, warnings, err := Match(&inventory.Inventory{OS: os, Packages: []inventory.Package{apkPkg("libcrypto3", "3.1.3-r0"), apkPkg("libssl3", "3.1.4-r1")}}, db, Options{})
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	if len(vs) != 1 || vs[0].Package.Name != "libcrypto3" || vs[0].ID != "CVE-2023-5363" || vs[0].Package.Ecosystem != "Alpine:v3.18" ||
		strings.Join(vs[0].FixedVersions, ",") != "3.1.4-r0" {
		t.Errorf("findings: %+v", vs)
	}
}

// TestAlpineSecDB: Alpine's secdb, imported as users mirror it, matches
// apk packages by origin and release with apk's version order; a package
// secdb marks never affected ("0") has no findings.
func TestAlpineSecDB(t *testing.T) {
	db := importDB(t, "../vulndb/testdata/layouts/alpine-secdb", nil)
	for _, tt := range []struct {
		os, name, version, origin string
		want, not                 []string // findings as "ID fixed-version"
		total                     int
	}{
		// 1.0.2h-r0 fixed CVE-2016-2107 and four more; 1.0.2h-r1 the
		// next two; 24 CVEs were fixed later.
		{"3.8.5", "libssl1.0", "1.0.2h-r0", "openssl", []string{"CVE-2016-2177 1.0.2h-r1", "CVE-2019-1563 1.0.2t-r0"}, []string{"CVE-2016-2107 1.0.2h-r0"}, 24},
		// secdb files CVE-2017-3738 under 1.0.2n-r0 and 1.0.2o-r0: the
		// later fix still applies, as OSV's union of ranges says.
		{"3.8.5", "libssl1.0", "1.0.2n-r0", "openssl", []string{"CVE-2017-3738 1.0.2o-r0"}, []string{"CVE-2017-3737 1.0.2n-r0"}, 10},
		{"3.8.5", "libssl1.0", "1.0.2t-r0", "openssl", nil, nil, 0},
		{"3.8.5", "db", "5.3.28-r0", "db", nil, nil, 0},
		// Another release's data is not used.
		{"3.9.4", "libssl1.0", "1.0.2h-r0", "openssl", nil, nil, 0},
	} {
		pkg := inventory.Package{Type: inventory.TypeAPK, Name: tt.name, Version: tt.version, SourceName: tt.origin, Location: "lib/apk/db/installed"}
		inv := &inventory.Inventory{OS: &inventory.OS{Family: "alpine", Version: tt.os}, Packages: []inventory.Package{pkg}}
		vs, warnings, err := Match(inv, db, Options{})
		if err != nil || len(warnings) > 0 {
			t.Fatal(err, warnings)
		}
		got := map[string]bool{}
		for _, v := range vs {
			got[v.ID+" "+strings.Join(v.FixedVersions, ",")] = true
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("%s %s on Alpine %s: no %s", tt.name, tt.version, tt.os, w)
			}
		}
		for _, n := range tt.not {
			if got[n] {
				t.Errorf("%s %s on Alpine %s: %s", tt.name, tt.version, tt.os, n)
			}
		}
		if len(vs) != tt.total {
			t.Errorf("%s %s on Alpine %s: %d findings, want %d", tt.name, tt.version, tt.os, len(vs), tt.total)
		}
	}
}

// TestRanges exercises OSV range semantics on constructed entries.
func TestRanges(t *testing.T) {
	ev := func(kind, v string) osv.Event {
		switch kind {
		case "i":
			return osv.Event{Introduced: v}
		case "f":
			return osv.Event{Fixed: v}
		case "l":
			return osv.Event{LastAffected: v}
		}
		return osv.Event{Limit: v}
	}
	entry := func(typ string, events ...osv.Event) *vulndb.Entry {
		return &vulndb.Entry{ID: "T", Ranges: []osv.Range{{Type: typ, Events: events}}}
	}
	cmp, _ := version.For("npm")
	for _, tt := range []struct {
		e       *vulndb.Entry
		v       string
		in      bool
		fix     string
		wantErr bool
	}{
		{entry("SEMVER", ev("i", "0"), ev("f", "1.2.3")), "1.2.2", true, "1.2.3", false},
		{entry("SEMVER", ev("i", "0"), ev("f", "1.2.3")), "1.2.3", false, "", false},
		{entry("SEMVER", ev("i", "1.0.0"), ev("l", "1.4.0")), "1.4.0", true, "", false},
		{entry("SEMVER", ev("i", "1.0.0"), ev("l", "1.4.0")), "1.4.1", false, "", false},
		{entry("SEMVER", ev("i", "1.0.0"), ev("l", "1.4.0")), "0.9.0", false, "", false},
		// Events out of order are sorted first.
		{entry("SEMVER", ev("f", "2.1.0"), ev("i", "2.0.0"), ev("f", "1.5.0"), ev("i", "1.0.0")), "2.0.5", true, "2.1.0", false},
		{entry("SEMVER", ev("f", "2.1.0"), ev("i", "2.0.0"), ev("f", "1.5.0"), ev("i", "1.0.0")), "1.7.0", false, "", false},
		// limit ends the range.
		{entry("SEMVER", ev("i", "0"), ev("l", "9.9.9"), ev("limit", "3.0.0")), "3.1.0", false, "", false},
		{entry("SEMVER", ev("i", "0"), ev("l", "9.9.9"), ev("limit", "3.0.0")), "2.0.0", true, "", false},
		// Pre-releases sort before their release.
		{entry("SEMVER", ev("i", "0"), ev("f", "2.0.0")), "2.0.0-rc.1", true, "2.0.0", false},
		// An explicit version list.
		{&vulndb.Entry{ID: "T", Versions: []string{"1.0.0", "1.0.1"}}, "1.0.1", true, "", false},
		{&vulndb.Entry{ID: "T", Versions: []string{"1.0.0", "1.0.1"}}, "1.0.2", false, "", false},
		// A version our comparator cannot read is an error, not a hit.
		{entry("SEMVER", ev("i", "0"), ev("f", "1.2.3")), "not-a-version", false, "", true},
	} {
		in, fixes, err := Affects(cmp, tt.v, tt.e)
		fix := strings.Join(fixes, ",")
		if in != tt.in || fix != tt.fix || (err != nil) != tt.wantErr {
			t.Errorf("%v with %s: in=%v fix=%q err=%v; want %v %q err=%v", tt.e.Ranges, tt.v, in, fix, err, tt.in, tt.fix, tt.wantErr)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	db := testDB(b)
	inv := &inventory.Inventory{OS: &inventory.OS{Family: "debian", Version: "12"}}
	for i := 0; i < 500; i++ {
		switch i % 4 {
		case 0:
			inv.Packages = append(inv.Packages, deb("libc6", "2.36-9+deb12u1", "glibc", "2.36-9+deb12u1"))
		case 1:
			inv.Packages = append(inv.Packages, deb("pkg"+string(rune('a'+i%26)), "1.0-1", "", ""))
		case 2:
			inv.Packages = append(inv.Packages, lang(inventory.TypeNPM, "lodash", "4.17.20"))
		default:
			inv.Packages = append(inv.Packages, lang(inventory.TypeNPM, "left-pad", "1.3.0"))
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := Match(inv, db, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// largeDB builds a database at the scale of osv.dev's exports for the
// benchmarks: 60,000 Debian records over 20,000 source packages and
// 40,000 npm records over 13,000 names (each record shaped like the real
// fixtures), with the 500 packages of the benchmark inventory among them.
func largeDB(b *testing.B) (*vulndb.DB, *inventory.Inventory) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "vuln.db")
	bl, err := vulndb.NewBuilder(path)
	if err != nil {
		b.Fatal(err)
	}
	debEco, npmEco := bl.Begin("Debian"), bl.Begin("npm")
	for i := 0; i < 60000; i++ {
		debEco.Add(&osv.Vulnerability{
			ID: fmt.Sprintf("DSA-%d-1", i), Aliases: []string{fmt.Sprintf("CVE-2024-%05d", i)},
			Summary: "src" + fmt.Sprint(i%20000) + " - security update",
			Affected: []osv.Affected{{
				Package: osv.Package{Ecosystem: "Debian:12", Name: fmt.Sprintf("src%d", i%20000)},
				Ranges:  []osv.Range{{Type: "ECOSYSTEM", Events: []osv.Event{{Introduced: "0"}, {Fixed: fmt.Sprintf("1.%d-1+deb12u1", i%7)}}}},
			}},
		})
	}
	for i := 0; i < 40000; i++ {
		npmEco.Add(&osv.Vulnerability{
			ID: fmt.Sprintf("GHSA-%04d-xxxx-yyyy", i), Aliases: []string{fmt.Sprintf("CVE-2023-%05d", i)},
			Summary:  "Prototype pollution",
			Severity: []osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
			Affected: []osv.Affected{{
				Package: osv.Package{Ecosystem: "npm", Name: fmt.Sprintf("pkg-%d", i%13000)},
				Ranges:  []osv.Range{{Type: "SEMVER", Events: []osv.Event{{Introduced: "0"}, {Fixed: fmt.Sprintf("%d.2.0", i%5)}}}},
			}},
		})
	}
	if err := debEco.Finish(vulndb.Meta{}); err != nil {
		b.Fatal(err)
	}
	if err := npmEco.Finish(vulndb.Meta{}); err != nil {
		b.Fatal(err)
	}
	if err := bl.Commit(); err != nil {
		b.Fatal(err)
	}
	db, err := vulndb.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	inv := &inventory.Inventory{OS: &inventory.OS{Family: "debian", Version: "12"}}
	for i := 0; i < 400; i++ {
		inv.Packages = append(inv.Packages, deb("bin"+fmt.Sprint(i), "1.3-1", fmt.Sprintf("src%d", i*37), "1.3-1"))
	}
	for i := 0; i < 100; i++ {
		inv.Packages = append(inv.Packages, lang(inventory.TypeNPM, fmt.Sprintf("pkg-%d", i*101), "2.1.0"))
	}
	return db, inv
}

// BenchmarkMatchLarge matches a 500-package inventory (400 Debian, 100
// npm) against a 100,000-record database.
func BenchmarkMatchLarge(b *testing.B) {
	db, inv := largeDB(b)
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		vs, _, err := Match(inv, db, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(vs)
	}
	b.ReportMetric(float64(n), "findings")
}

// BenchmarkOpenLarge opens that database and reads its ecosystem list,
// what a scan does before matching.
func BenchmarkOpenLarge(b *testing.B) {
	db, _ := largeDB(b)
	path := db.Path
	db.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := vulndb.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		d.Ecosystems()
		d.Close()
	}
}

// TestQueries checks where each distribution's packages are looked up.
func TestQueries(t *testing.T) {
	rel := func(base string) []string {
		return map[string][]string{
			"Ubuntu":  {"Ubuntu:20.04:LTS", "Ubuntu:22.04:LTS", "Ubuntu:Pro:22.04:LTS", "Ubuntu:23.10"},
			"Red Hat": {"Red Hat:enterprise_linux:8::appstream", "Red Hat:enterprise_linux:9::appstream", "Red Hat:enterprise_linux:9::baseos"},
			"SUSE":    {"SUSE:Linux Enterprise Server 15 SP4", "SUSE:Linux Enterprise Server 15 SP5"},
		}[base]
	}
	for _, tt := range []struct {
		os   inventory.OS
		pkg  inventory.Package
		want string
	}{
		{inventory.OS{Family: "ubuntu", Version: "22.04"}, deb("libssl3", "3.0.2-0ubuntu1.10", "openssl", "3.0.2-0ubuntu1.10"), "Ubuntu:22.04:LTS openssl 3.0.2-0ubuntu1.10"},
		{inventory.OS{Family: "debian", Version: "12"}, deb("libc6", "2.36-9+deb12u1+b1", "glibc", "2.36-9+deb12u1"), "Debian:12 glibc 2.36-9+deb12u1"},
		{inventory.OS{Family: "alpine", Version: "3.20.3"}, inventory.Package{Type: "apk", Name: "libcrypto3", Version: "3.3.2-r0", SourceName: "openssl"}, "Alpine:v3.20 openssl 3.3.2-r0"},
		{inventory.OS{Family: "wolfi"}, inventory.Package{Type: "apk", Name: "glibc", Version: "2.40-r1"}, "Wolfi glibc 2.40-r1"},
		{inventory.OS{Family: "rocky", Version: "9.4"}, inventory.Package{Type: "rpm", Name: "openssl-libs", Version: "1:3.0.7-27.el9", SourceName: "openssl"}, "Rocky Linux:9 openssl-libs 1:3.0.7-27.el9"},
		{inventory.OS{Family: "almalinux", Version: "8.10"}, inventory.Package{Type: "rpm", Name: "bash", Version: "4.4.20-5.el8"}, "AlmaLinux:8 bash 4.4.20-5.el8"},
		{inventory.OS{Family: "rhel", Version: "9.4"}, inventory.Package{Type: "rpm", Name: "bash", Version: "5.1.8-9.el9"}, "Red Hat:enterprise_linux:9::appstream bash 5.1.8-9.el9|Red Hat:enterprise_linux:9::baseos bash 5.1.8-9.el9"},
		{inventory.OS{Family: "sles", Version: "15-SP5"}, inventory.Package{Type: "rpm", Name: "bash", Version: "4.4-150400.27.3.2"}, "SUSE:Linux Enterprise Server 15 SP5 bash 4.4-150400.27.3.2"},
		{inventory.OS{Family: "opensuse-leap", Version: "15.5"}, inventory.Package{Type: "rpm", Name: "bash", Version: "4.4-150400.27.3.2"}, "openSUSE:Leap 15.5 bash 4.4-150400.27.3.2"},
		{inventory.OS{Family: "debian"}, deb("libc6", "2.36-9", "glibc", "2.36-9"), ""}, // testing/sid: no release
		{inventory.OS{Family: "debian", Version: "12"}, lang(inventory.TypeGolang, "golang.org/x/net", "v0.17.0"), "Go golang.org/x/net 0.17.0"},
		{inventory.OS{Family: "debian", Version: "12"}, lang(inventory.TypeComposer, "symfony/http-foundation", "5.4.20"), "Packagist symfony/http-foundation 5.4.20"},
	} {
		var got []string
		os := tt.os
		for _, q := range queriesFor(tt.pkg, &os, rel) {
			got = append(got, q.ecosystem+" "+q.name+" "+q.version)
		}
		if strings.Join(got, "|") != tt.want {
			t.Errorf("%s %s: got %q, want %q", tt.os.Family, tt.pkg.Name, strings.Join(got, "|"), tt.want)
		}
	}
}

// TestGoPlatforms: a Go record whose vulnerable packages are limited to
// some GOOS/GOARCH matches a binary built for another platform only when
// the platform is unknown, as govulncheck decides (real records, see
// testdata/go/SOURCES.md).
func TestGoPlatforms(t *testing.T) {
	db := importDB(t, "testdata/go", nil)
	for _, c := range []struct {
		version, platform string
		want              string // records found, "|"-joined
	}{
		{"v1.20.0", "linux/amd64", "GO-2026-4864"},
		{"v1.20.0", "windows/amd64", "GO-2023-1568"},
		{"v1.20.0", "windows/", "GO-2023-1568"},
		{"v1.20.0", "", "GO-2023-1568|GO-2026-4864"}, // unknown: matched as before
		{"v1.26.1", "linux/arm64", "GO-2026-4864"},
		{"v1.26.1", "darwin/arm64", ""},
		{"v1.26.2", "linux/amd64", ""},
		{"v1.8.1", "linux/amd64", "GO-2022-0187|GO-2026-4864"},
		{"v1.8.1", "linux/arm64", "GO-2026-4864"},
		{"v1.8.1", "darwin/", "GO-2022-0187"},
	} {
		p := lang(inventory.TypeGolang, "stdlib", c.version)
		p.Platform = c.platform
		vulns, _, err := Match(&inventory.Inventory{Packages: []inventory.Package{p}}, db, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vulns {
			got = append(got, v.Records...)
		}
		if g := strings.Join(got, "|"); g != c.want {
			t.Errorf("stdlib %s on %q: %q, want %q", c.version, c.platform, g, c.want)
		}
	}
}

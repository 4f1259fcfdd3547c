package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// A scan must never report a clean result from data it does not have:
// these tests take away the database, or part of it, and check that
// image, fs and the --exit-code gate all fail closed.

// rubyAndGoProject has a go.mod (covered by the test records) and a
// Gemfile.lock (RubyGems, which they do not cover).
func rubyAndGoProject(t *testing.T) string {
	dir := goProject(t)
	writeFiles(t, dir, map[string]string{"Gemfile.lock": "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.0.1)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  rack\n\nBUNDLED WITH\n   2.4.10\n"})
	return dir
}

func TestNoDatabaseFailsClosed(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "mirror down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	empty := t.TempDir()
	emptyCache := t.TempDir()
	if code, _, errOut := bulwark(t, "db", "import", "--cache-dir", emptyCache, empty); code != 0 {
		t.Fatalf("import of an empty folder: exit %d: %s", code, errOut)
	}
	proj := goProject(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"image, missing, mirror down", []string{"image", "--dir", proj, "--cache-dir", t.TempDir(), "--db-url", down.URL, "--kev-url", "", "--epss-url", ""}},
		{"fs, missing, mirror down", []string{"fs", proj, "--cache-dir", t.TempDir(), "--db-url", down.URL, "--kev-url", "", "--epss-url", ""}},
		{"image gate, missing, offline", []string{"image", "--rootfs", debianRootfs(t), "--cache-dir", t.TempDir(), "--offline", "--exit-code", "3"}},
		{"fs gate, empty, offline", []string{"fs", proj, "--cache-dir", emptyCache, "--offline", "--exit-code", "3"}},
		{"image, empty, offline", []string{"image", "--dir", proj, "--cache-dir", emptyCache, "--offline"}},
		{"image, empty folder as --db", []string{"image", "--dir", proj, "--db", empty, "--exit-code", "3"}},
	} {
		code, out, errOut := bulwark(t, tc.args...)
		if code != exitError || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "no usable vulnerability database") ||
			!strings.Contains(errOut, "bulwark db import") || strings.Contains(out, "vulnerabilities") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1, one line naming the fix, no report", tc.name, code, out, errOut)
		}
	}
}

func TestDatabaseCoveringNothingFailsClosed(t *testing.T) {
	// Only Go records: a Debian root filesystem has nothing they speak for.
	code, _, errOut := bulwark(t, "image", "--rootfs", debianRootfs(t), "--db", "../../vulndb/testdata/records-go", "--no-cache")
	if code != exitError || !strings.Contains(errOut, "Debian:12") || !strings.Contains(errOut, "no usable vulnerability database") {
		t.Errorf("Go-only database on Debian: exit %d: %s", code, errOut)
	}
	code, out, errOut := bulwark(t, "image", "--rootfs", debianRootfs(t), "--db", "../../vulndb/testdata/records-go", "--no-cache", "--allow-uncovered", "--format", "json")
	if r := decode(t, out); code != 0 || r.Coverage == nil || r.Coverage.UncoveredPackages() != 2 {
		t.Errorf("--allow-uncovered: exit %d, coverage %+v: %s", code, r.Coverage, errOut)
	}
}

func TestPartialCoverage(t *testing.T) {
	proj := rubyAndGoProject(t)
	img := func(args ...string) (int, string, string) {
		return bulwark(t, append([]string{"image", "--dir", proj, "--db", records}, args...)...)
	}
	code, out, errOut := img("--format", "json")
	r := decode(t, out)
	if code != 0 || len(r.Vulnerabilities) != 1 || r.Coverage == nil {
		t.Fatalf("exit %d, %d findings: %s", code, len(r.Vulnerabilities), errOut)
	}
	if len(r.Coverage.Uncovered) != 1 || r.Coverage.Uncovered[0].Ecosystem != "RubyGems" || r.Coverage.Uncovered[0].Examples[0] != "rack" ||
		r.Coverage.CoveredPackages() != 2 {
		t.Errorf("coverage: %+v", r.Coverage)
	}
	if _, out, _ := img(); !strings.Contains(out, "not checked for vulnerabilities: 1 of 3 packages") || !strings.Contains(out, "RubyGems: 1 (rack)") {
		t.Errorf("table footer:\n%s", out)
	}
	if _, out, _ := img("--format", "sarif"); !strings.Contains(out, `"toolExecutionNotifications"`) || !strings.Contains(out, "RubyGems packages not checked") {
		t.Errorf("sarif has no notification:\n%s", out)
	}
	// No finding at HIGH or above, but a package nothing checked: the
	// gate fails unless told otherwise.
	code, _, errOut = img("--exit-code", "3", "--severity", "HIGH,CRITICAL")
	if code != 3 || !strings.Contains(errOut, "1 packages were not checked") || !strings.Contains(errOut, "--allow-uncovered") {
		t.Errorf("gate with an uncovered package: exit %d: %s", code, errOut)
	}
	if code, _, errOut := img("--exit-code", "3", "--severity", "HIGH,CRITICAL", "--allow-uncovered"); code != 0 {
		t.Errorf("--allow-uncovered: exit %d: %s", code, errOut)
	}
}

func TestStaleDatabaseGate(t *testing.T) {
	cache := importDB(t)
	proj := goProject(t)
	args := []string{"image", "--dir", proj, "--cache-dir", cache, "--severity", "HIGH,CRITICAL", "--db-refresh-after", "100000h"}
	if code, _, errOut := bulwark(t, append(args, "--exit-code", "3", "--db-max-age", "1ns")...); code != exitError || !strings.Contains(errOut, "--db-max-age") {
		t.Errorf("stale database in a gate: exit %d: %s", code, errOut)
	}
	if code, _, errOut := bulwark(t, append(args, "--exit-code", "3", "--db-max-age", "1ns", "--offline")...); code != 0 {
		t.Errorf("stale database, --offline: exit %d: %s", code, errOut)
	}
	// Without a gate, an old database is still used.
	if code, _, errOut := bulwark(t, append(args, "--db-max-age", "1ns")...); code != 0 {
		t.Errorf("stale database without --exit-code: exit %d: %s", code, errOut)
	}
}

func TestDatabaseNotice(t *testing.T) {
	code, out, errOut := bulwark(t, "image", "--input", "../../demo/image.tar", "--db", "../../demo/db", "--no-cache", "--format", "json")
	r := decode(t, out)
	if code != 0 || r.Database == nil || len(r.Database.Notices) != 1 || !strings.Contains(r.Database.Notices[0], "not a current database") {
		t.Fatalf("exit %d, database %+v: %s", code, r.Database, errOut)
	}
}

func TestDatabaseStatus(t *testing.T) {
	cache := t.TempDir()
	if code, _, errOut := bulwark(t, "db", "import", "--cache-dir", cache, "../../demo/db/Go.zip", "../../demo/db/PyPI.zip"); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	code, out, errOut := bulwark(t, "db", "status", "--cache-dir", cache)
	if code != 0 || !strings.Contains(out, "STALE") || !strings.Contains(out, "NOTE: demo slice") ||
		!regexp.MustCompile(`(?m)^Go +218 .* no +/.*demo/db/Go\.zip`).MatchString(out) {
		t.Errorf("db status: exit %d:\n%s%s", code, out, errOut)
	}
	code, out, _ = bulwark(t, "db", "status", "--cache-dir", cache, "--db-max-age", "1ns", "--format", "json")
	var st struct {
		Ecosystems []struct {
			Ecosystem, Notice string
			Records           int
			Stale             bool
		}
	}
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil || len(st.Ecosystems) != 2 || !st.Ecosystems[0].Stale || st.Ecosystems[1].Notice == "" {
		t.Errorf("db status --format json: exit %d, %v: %s", code, err, out)
	}
}

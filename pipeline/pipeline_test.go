package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/triage"
)

// goProject is a folder whose go.mod requires golang.org/x/net before
// the fix of GO-2024-2687.
func goProject(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/app\n\ngo 1.22\n\nrequire golang.org/x/net v0.17.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestRunMatchesGivenDatabase(t *testing.T) {
	rep, err := Run(context.Background(), Target{Dir: goProject(t)}, Options{
		Scanners: Scanners{Vuln: true}, NoCache: true,
		DB: DBOptions{Path: "../vulndb/testdata/records-go"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Vulnerabilities) != 1 || rep.Vulnerabilities[0].Records[0] != "GO-2024-2687" || rep.Coverage.CoveredPackages() != 1 {
		t.Errorf("vulnerabilities %+v, coverage %+v", rep.Vulnerabilities, rep.Coverage)
	}
	if rep.Tool.Name != "bulwark" || rep.Tool.Version == "" {
		t.Errorf("tool = %+v", rep.Tool)
	}
}

func TestRunFailsClosed(t *testing.T) {
	for name, db := range map[string]DBOptions{
		"missing, offline": {Offline: true},
		"empty folder":     {Path: t.TempDir()},
	} {
		_, err := Run(context.Background(), Target{Dir: goProject(t)}, Options{
			Scanners: Scanners{Vuln: true}, NoCache: true, CacheDir: t.TempDir(), DB: db,
		})
		if !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), "bulwark db import") {
			t.Errorf("%s: %v, want ErrNoDatabase naming the fix", name, err)
		}
	}
}

func TestGateCount(t *testing.T) {
	uncovered := &result.Coverage{Uncovered: []result.EcosystemCoverage{{Ecosystem: "RubyGems", Packages: 2, Reason: "no records"}}}
	for _, tc := range []struct {
		name  string
		rep   report.Report
		allow bool
		n     int
		why   bool
	}{
		{"clean", report.Report{Coverage: &result.Coverage{}}, false, 0, false},
		{"findings", report.Report{Vulnerabilities: make([]result.Vulnerability, 3), Coverage: uncovered}, false, 3, false},
		{"uncovered only", report.Report{Coverage: uncovered}, false, 2, true},
		{"uncovered, allowed", report.Report{Coverage: uncovered}, true, 0, false},
		{"no vulnerability scan", report.Report{Secrets: make([]result.Secret, 1)}, false, 1, false},
	} {
		n, why := GateCount(&tc.rep, tc.allow)
		if n != tc.n || (why != "") != tc.why {
			t.Errorf("%s: %d %q, want %d (explained: %v)", tc.name, n, why, tc.n, tc.why)
		}
	}
}

func TestParseScanners(t *testing.T) {
	if sc, err := ParseScanners("vuln, secret,config"); err != nil || sc != (Scanners{Vuln: true, Secret: true, Misconfig: true}) {
		t.Errorf("got %+v, %v", sc, err)
	}
	if _, err := ParseScanners("vuln,magic"); !errors.Is(err, ErrOptions) {
		t.Errorf("magic: %v", err)
	}
}

// A report made without the database and matched afterwards (what a
// client of the scan server does) finds what a whole run finds, after a
// trip through JSON.
func TestMatchAfterwardsEqualsRun(t *testing.T) {
	ctx := context.Background()
	db := DBOptions{Path: "../demo/db"}
	target := Target{Input: "../demo/image.tar"}
	whole, err := Run(ctx, target, Options{Scanners: Scanners{Vuln: true}, NoCache: true, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := Run(ctx, target, Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	var sent report.Report
	if err := json.Unmarshal(data, &sent); err != nil {
		t.Fatal(err)
	}
	if err := Match(ctx, &sent, Options{DB: db}); err != nil {
		t.Fatal(err)
	}
	ids := func(r *report.Report) []string {
		var out []string
		for _, v := range r.Vulnerabilities {
			out = append(out, v.ID+" "+v.Package.Name+" "+v.Package.Version)
		}
		return out
	}
	if got, want := ids(&sent), ids(whole); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("matched afterwards:\n%v\nwhole run:\n%v", got, want)
	}
}

// Triage filters findings matched elsewhere by this scan's options, and
// keeps what the matcher had already suppressed.
func TestTriage(t *testing.T) {
	ignore, err := triage.ParseIgnore(strings.NewReader("CVE-3 # accepted\n"))
	if err != nil {
		t.Fatal(err)
	}
	vuln := func(id, sev, status string) result.Vulnerability {
		return result.Vulnerability{ID: id, Severity: sev, Status: status}
	}
	ids := func(vs []result.Vulnerability) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.ID)
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct {
		name                 string
		opts                 Options
		shown, suppressedIDs string
	}{
		{"no filters", Options{}, "CVE-1,CVE-2,CVE-3,CVE-4", "CVE-0"},
		{"severity", Options{Severities: map[string]bool{"HIGH": true}}, "CVE-1,CVE-3", "CVE-0"},
		{"ignore unfixed", Options{IgnoreUnfixed: true}, "CVE-1,CVE-3", "CVE-0"},
		{"ignore file", Options{Ignore: ignore}, "CVE-1,CVE-2,CVE-4", "CVE-0,CVE-3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := &report.Report{
				Vulnerabilities: []result.Vulnerability{
					vuln("CVE-1", "HIGH", result.StatusFixed), vuln("CVE-2", "LOW", result.StatusUnfixed),
					vuln("CVE-3", "HIGH", result.StatusFixed), vuln("CVE-4", "MEDIUM", result.StatusUnfixed),
				},
				Suppressed: []result.Vulnerability{vuln("CVE-0", "HIGH", result.StatusFixed)},
			}
			Triage(rep, tt.opts)
			if got := ids(rep.Vulnerabilities); got != tt.shown {
				t.Errorf("shown %s, want %s", got, tt.shown)
			}
			if got := ids(rep.Suppressed); got != tt.suppressedIDs {
				t.Errorf("suppressed %s, want %s", got, tt.suppressedIDs)
			}
		})
	}
}

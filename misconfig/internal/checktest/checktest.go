// Package checktest is the test harness shared by the misconfig scanners
// that work on decoded Kubernetes manifests (rbac, network): it scans files
// under a package's testdata/, checks that every finding carries its
// check's fields, validates the check catalog, runs each check's failing
// and passing example and compares findings with golden files in
// testdata/. It is imported only by tests.
package checktest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

// Suite is one scanner under test.
type Suite struct {
	// Scan is the package's Scan.
	Scan func([]*manifest.Object) []misconfig.Finding
	// Checks is the package's Checks.
	Checks func() []misconfig.Check
	// Prefix starts every check ID, followed by a three-digit number
	// counting from 001 in the order of Checks: "BW-RBAC-".
	Prefix string
}

// View is what the golden files pin of a finding; the check's own fields
// (title, rationale, …) are compared with Checks() in CheckFindings.
type View struct {
	CheckID     string             `json:"checkID"`
	Severity    string             `json:"severity"`
	File        string             `json:"file"`
	StartLine   int                `json:"startLine"`
	Resource    misconfig.Resource `json:"resource"`
	Message     string             `json:"message"`
	Suppression string             `json:"suppression,omitempty"`
}

// Case is a golden test: the files under testdata/ scanned together, and
// the name of its golden file, testdata/golden/Name.json.
type Case struct {
	Name  string
	Files []string
}

// ScanFiles decodes files under testdata, each under its own name, scans
// them together and checks the findings with CheckFindings.
func (s Suite) ScanFiles(t testing.TB, files ...string) []misconfig.Finding {
	t.Helper()
	var objs []*manifest.Object
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		o, err := manifest.Decode(f, data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		objs = append(objs, o...)
	}
	fs := s.Scan(objs)
	s.CheckFindings(t, fs)
	return fs
}

// CheckFindings verifies what every finding must hold.
func (s Suite) CheckFindings(t testing.TB, fs []misconfig.Finding) {
	t.Helper()
	checks := map[string]misconfig.Check{}
	for _, c := range s.Checks() {
		checks[c.ID] = c
	}
	for _, f := range fs {
		c, ok := checks[f.CheckID]
		switch {
		case !ok:
			t.Errorf("finding of unknown check %q", f.CheckID)
		case f.Title != c.Title || f.Severity != c.Severity || f.Rationale != c.Rationale || f.Fix != c.Fix || f.Target != c.Target:
			t.Errorf("%s: finding does not carry its check's fields", f.CheckID)
		case f.StartLine < 1 || f.EndLine < f.StartLine || f.Message == "" || f.File == "":
			t.Errorf("%s: bad place or message: %+v", f.CheckID, f)
		}
	}
}

// Views is what the golden files pin of findings.
func Views(fs []misconfig.Finding) []View {
	out := []View{}
	for _, f := range fs {
		out = append(out, View{f.CheckID, f.Severity, f.File, f.StartLine, f.Resource, f.Message, f.Suppression})
	}
	return out
}

// IDs lists the check IDs of findings, in order.
func IDs(fs []misconfig.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.CheckID)
	}
	return out
}

// ChecksValid validates the catalog: misconfig.Validate, IDs numbered in
// order after Prefix, references on every check, and no state shared
// between calls of Checks.
func (s Suite) ChecksValid(t *testing.T) {
	t.Helper()
	cs := s.Checks()
	if err := misconfig.Validate(cs); err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if want := fmt.Sprintf("%s%03d", s.Prefix, i+1); c.ID != want {
			t.Errorf("check %d has ID %s, want %s", i, c.ID, want)
		}
		if len(c.References) == 0 {
			t.Errorf("%s: no references", c.ID)
		}
	}
	cs[0].Title = "changed"
	cs[0].References[0] = "changed"
	if again := s.Checks(); again[0].Title == "changed" || again[0].References[0] == "changed" {
		t.Error("Checks shares state between calls")
	}
}

// FailPass runs each check's failing and passing example in
// testdata/checks/ID/: the failing one must raise the check (exactly as
// its golden file fail.golden.json says), the passing one must not. With
// update, the golden files are rewritten first.
func (s Suite) FailPass(t *testing.T, update bool) {
	t.Helper()
	for _, c := range s.Checks() {
		t.Run(c.ID, func(t *testing.T) {
			dir := filepath.Join("checks", c.ID)
			fail := s.ScanFiles(t, filepath.Join(dir, "fail.yaml"))
			if !slices.Contains(IDs(fail), c.ID) {
				t.Errorf("fail.yaml: no %s finding; got %v", c.ID, IDs(fail))
			}
			golden.CheckJSON(t, filepath.Join(dir, "fail.golden.json"), Views(fail), update)
			pass := s.ScanFiles(t, filepath.Join(dir, "pass.yaml"))
			if slices.Contains(IDs(pass), c.ID) {
				t.Errorf("pass.yaml: %s raised: %+v", c.ID, Views(pass))
			}
		})
	}
}

// Golden scans each case's files together, in a subtest of its name, and
// compares the findings with testdata/golden/NAME.json. With update, the
// golden files are rewritten first.
func (s Suite) Golden(t *testing.T, cases []Case, update bool) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			fs := s.ScanFiles(t, c.Files...)
			golden.CheckJSON(t, filepath.Join("golden", c.Name+".json"), Views(fs), update)
		})
	}
}

// Glob lists the files under testdata that match pattern, relative to
// testdata; it fails the test when none match.
func Glob(t testing.TB, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(m) == 0 {
		t.Fatalf("glob %s: %v %v", pattern, m, err)
	}
	for i := range m {
		m[i], _ = filepath.Rel("testdata", m[i])
	}
	return m
}

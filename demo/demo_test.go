package demo_test

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

var zips = []string{"db/Go.zip", "db/PyPI.zip", "db/crates.io.zip"}

// scanDemo scans image.tar as the README's first command does:
// bulwark image --input demo/image.tar --db demo/db --scanners vuln,secret,misconfig.
func scanDemo(t *testing.T) *report.Report {
	t.Helper()
	rep, err := pipeline.Run(context.Background(), pipeline.Target{Input: "image.tar"}, pipeline.Options{
		Scanners: pipeline.Scanners{Vuln: true, Secret: true, Misconfig: true},
		NoCache:  true,
		DB:       pipeline.DBOptions{Path: "db"},
		Now:      func() time.Time { return time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range rep.Warnings {
		t.Errorf("warning: %s: %s", w.Path, w.Message)
	}
	return rep
}

func TestDemo(t *testing.T) {
	rep := scanDemo(t)
	if os := rep.Inventory.OS; os == nil || os.Family != "debian" || os.Version != "12" {
		t.Errorf("OS = %+v, want Debian 12", os)
	}
	if n := len(rep.Inventory.Layers); n != 9 {
		t.Errorf("%d layers, want 9", n)
	}

	// The inventory: every package with the layer and file it came from.
	var pkgs []string
	have := map[string]bool{}
	for _, p := range rep.Inventory.Packages {
		pkgs = append(pkgs, fmt.Sprintf("%-7s %-28s %-36s layer %d  %s", p.Type, p.Name, p.Version, p.Layer, p.Location))
		have[p.Type+" "+p.Name+" "+p.Version] = true
	}
	sort.Strings(pkgs)
	golden.Check(t, "packages.golden", []byte(strings.Join(pkgs, "\n")+"\n"), *update)
	// The ones demo/README.md names, so that -update cannot lose them.
	for _, want := range []string{
		"deb base-files 12.4+deb12u15", "deb zlib1g 1:1.2.13.dfsg-1+deb12u1", "deb python3-requests 2.28.1+dfsg-1",
		"golang golang.org/x/net v0.0.0-20220722155237-a158d28d115b", "golang golang.org/x/text v0.3.7",
		"golang gopkg.in/yaml.v3 v3.0.0-20210107192922-496545a6307b", "golang stdlib v1.26.8",
		"pypi requests 2.28.1", "pypi urllib3 1.26.12", "pypi idna 3.3", "pypi certifi 2022.9.24",
		"cargo regex 1.5.4", "cargo chrono 0.4.19", "cargo time 0.1.43", "cargo flatbuffers 2.0.0",
	} {
		if !have[want] {
			t.Errorf("no package %s", want)
		}
	}

	// Secrets, the deleted deploy key among them.
	var found []string
	for _, s := range rep.Secrets {
		deleted := ""
		if s.DeletedBy != nil {
			deleted = fmt.Sprintf(" deleted by layer %d", *s.DeletedBy)
		}
		found = append(found, fmt.Sprintf("%s %s %s layer %d%s", s.RuleID, s.Source, s.Path, s.Layer, deleted))
	}
	for _, want := range []string{
		"private-key layer root/.ssh/id_ed25519 layer 4 deleted by layer 6",
		"aws-access-key-id layer app/.env layer 8",
		"aws-secret-access-key layer app/.env layer 8",
		"generic-password config Env layer -1",
	} {
		if !slices.Contains(found, want) {
			t.Errorf("no secret %q in %q", want, found)
		}
	}

	// The image audit.
	checks := map[string]bool{}
	for _, m := range rep.Misconfigurations {
		checks[m.CheckID] = true
	}
	for _, id := range []string{"BW-IMG-001", "BW-IMG-002", "BW-IMG-004", "BW-IMG-005", "BW-IMG-009", "BW-IMG-012"} {
		if !checks[id] {
			t.Errorf("the image audit does not report %s", id)
		}
	}
	// The Dockerfile and the manifest the image ships are audited where
	// they are, with the layer that added them.
	at := map[string]bool{}
	for _, m := range rep.Misconfigurations {
		at[fmt.Sprintf("%s %s:%d layer %d", m.CheckID, m.File, m.StartLine, m.Layer)] = true
	}
	for _, want := range []string{
		"BW-DF-007 app/Dockerfile:14 layer 8", "BW-DF-008 app/Dockerfile:11 layer 8",
		"BW-K8S-008 app/deploy/k8s.yaml:40 layer 8", "BW-PSS-privileged app/deploy/k8s.yaml:25 layer 8",
		"BW-RBAC-013 app/deploy/k8s.yaml:62 layer 8",
	} {
		if !at[want] {
			t.Errorf("the image audit does not report %s", want)
		}
	}
	if checks["BW-DF-022"] {
		t.Error("BW-DF-022: the Dockerfile's .dockerignore beside it in the image was not seen")
	}

	// Vulnerabilities, matched against the slice, which says what it is.
	if rep.Database == nil || len(rep.Database.Notices) != 1 || !strings.Contains(rep.Database.Notices[0], "not a current database") {
		t.Errorf("database = %+v, want the slice's notice", rep.Database)
	}
	vulns := rep.Vulnerabilities
	var lines []string
	records := map[string]bool{}
	for _, v := range vulns {
		lines = append(lines, fmt.Sprintf("%-17s %-19s %-6s %s %s", strings.Join(v.Records, ","), v.ID, v.Package.Type, v.Package.Name, v.Package.Version))
		for _, r := range v.Records {
			records[r] = true
		}
	}
	sort.Strings(lines)
	golden.Check(t, "findings.golden", []byte(strings.Join(lines, "\n")+"\n"), *update)
	for _, id := range []string{"GO-2022-0603", "GO-2022-1059", "GO-2023-2402", "GO-2024-2687", "PYSEC-2023-74", "PYSEC-2023-192", "RUSTSEC-2022-0013", "RUSTSEC-2020-0159", "RUSTSEC-2020-0071"} {
		if !records[id] {
			t.Errorf("no finding from %s", id)
		}
	}
}

// TestSliceHonest checks that every record of the slice is about a
// package of the image (nothing was added to make the demo look busy), and
// the notice the import shows.
func TestSliceHonest(t *testing.T) {
	rep := scanDemo(t)
	names := map[string]bool{}
	pep503 := regexp.MustCompile(`[-_.]+`)
	for _, p := range rep.Inventory.Packages {
		names[p.Name] = true
		if p.Type == "pypi" {
			names[strings.ToLower(pep503.ReplaceAllString(p.Name, "-"))] = true
		}
	}
	for _, z := range zips {
		zr, err := zip.OpenReader(z)
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) == 0 {
			t.Errorf("%s is empty", z)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var rec struct {
				ID       string
				Affected []struct{ Package struct{ Name string } }
			}
			err = json.NewDecoder(rc).Decode(&rec)
			rc.Close()
			if err != nil {
				t.Fatalf("%s: %s: %v", z, f.Name, err)
			}
			about := false
			for _, a := range rec.Affected {
				about = about || names[a.Package.Name] || names[strings.ToLower(pep503.ReplaceAllString(a.Package.Name, "-"))]
			}
			if !about || f.Name != rec.ID+".json" {
				t.Errorf("%s: %s names no package of the image", z, f.Name)
			}
		}
		zr.Close()
	}
	b, err := os.ReadFile("db/bulwark-db.json")
	if err != nil {
		t.Fatal(err)
	}
	var notice map[string]string
	if err := json.Unmarshal(b, &notice); err != nil || len(notice) != 1 ||
		!regexp.MustCompile(`^demo slice of .*\d{4}-\d\d-\d\d.* upstream records \(see demo/db/SOURCES.md\); not a current database$`).MatchString(notice["notice"]) {
		t.Errorf("db/bulwark-db.json = %s", b)
	}
}

// TestImageMatchesSources checks that image.tar was rebuilt after the
// files demo/build puts in it from build/app changed.
func TestImageMatchesSources(t *testing.T) {
	want := map[string]string{}
	for _, p := range []string{"Dockerfile", ".dockerignore", "config.yaml", "deploy/k8s.yaml"} {
		b, err := os.ReadFile(filepath.Join("build", "app", p))
		if err != nil {
			t.Fatal(err)
		}
		want["app/"+p] = string(b)
	}
	f, err := os.Open("image.tar")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]string{}
	outer := tar.NewReader(f)
	for {
		h, err := outer.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(h.Name, ".tar.gz") {
			continue
		}
		zr, err := gzip.NewReader(outer)
		if err != nil {
			t.Fatal(err)
		}
		layer := tar.NewReader(zr)
		for {
			lh, err := layer.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := want[lh.Name]; ok {
				b, err := io.ReadAll(layer)
				if err != nil {
					t.Fatal(err)
				}
				got[lh.Name] = string(b)
			}
		}
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s in image.tar differs from build/%s: run demo/build.sh", p, p)
		}
	}
}

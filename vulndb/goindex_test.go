package vulndb

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/osv"
)

// TestGoVulnDBWriter writes the x/vuln fixture's records anew and expects
// the indexes x/vuln's own tooling wrote for them.
func TestGoVulnDBWriter(t *testing.T) {
	src := "testdata/layouts/govulndb-v1"
	out := t.TempDir()
	w, err := NewGoVulnDBWriter(out)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(src, "ID", "*.json"))
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		v, err := osv.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Add(raw, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		v    func() any
	}{
		{"index/db", func() any { return new(goDBMeta) }},
		{"index/modules", func() any { return new([]goModule) }},
		{"index/vulns", func() any { return new([]goVulnMeta) }},
		{"ID/GO-2022-0463", func() any { return new(map[string]any) }},
	} {
		want, got, gotGz := tt.v(), tt.v(), tt.v()
		readJSON(t, filepath.Join(src, tt.name+".json"), want)
		readJSON(t, filepath.Join(out, tt.name+".json"), got)
		readJSON(t, filepath.Join(out, tt.name+".json.gz"), gotGz)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotGz, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, want)
		}
	}
	st, err := ReadDir(out, func(*osv.Vulnerability) {})
	if err != nil || st.Records != len(files) || st.Format != "Go vulndb v1" || st.Skipped != 0 {
		t.Errorf("reading it back: %v %+v", err, st)
	}
	// Records the layout cannot hold.
	for _, v := range []*osv.Vulnerability{
		{ID: "../escape", Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "Go", Name: "x"}}}},
		{ID: "GHSA-1", Affected: []osv.Affected{{Package: osv.Package{Ecosystem: "npm", Name: "x"}}}},
	} {
		if err := w.Add([]byte("{}"), v); err == nil {
			t.Errorf("Add(%s) = nil error", v.ID)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	if err := json.NewDecoder(r).Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestGoVulnDBCopies: the v1 layout as mirrors may hold it.
func TestGoVulnDBCopies(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(dir string)
		want   string // Stats.String()
		inErr  string // in a problem
	}{
		{"as published", func(string) {}, "11 records (Go vulndb v1)", ""},
		{"gzip only (fetched over HTTP)", func(dir string) {
			files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
			for _, f := range files {
				os.Remove(f)
			}
		}, "11 records (Go vulndb v1)", ""},
		{"a record missing", func(dir string) {
			os.Remove(filepath.Join(dir, "ID", "GO-2022-0229.json"))
			os.Remove(filepath.Join(dir, "ID", "GO-2022-0229.json.gz"))
		}, "10 records (Go vulndb v1), 1 skipped as invalid", "lists 1 records that ID/ does not hold"},
		{"a corrupt gzip", func(dir string) {
			os.Remove(filepath.Join(dir, "ID", "GO-2022-0229.json"))
			os.WriteFile(filepath.Join(dir, "ID", "GO-2022-0229.json.gz"), []byte("\x1f\x8bnot gzip"), 0o644)
		}, "10 records (Go vulndb v1), 2 skipped as invalid", "GO-2022-0229.json.gz"},
		{"a record under another name", func(dir string) {
			os.Rename(filepath.Join(dir, "ID", "GO-2022-0229.json"), filepath.Join(dir, "ID", "GO-2022-9999.json"))
			os.Remove(filepath.Join(dir, "ID", "GO-2022-0229.json.gz"))
		}, "11 records (Go vulndb v1)", "holds GO-2022-0229 (govulncheck will not find it)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyTree(t, "testdata/layouts/govulndb-v1")
			tt.change(dir)
			path := filepath.Join(t.TempDir(), "vuln.db")
			in := "file://" + filepath.ToSlash(dir)
			stats, err := Import(path, []string{in}, nil)
			if err != nil {
				t.Fatal(err)
			}
			st := stats[in]
			if st.String() != tt.want || (tt.inErr != "") != (len(st.Problems) > 0) ||
				(tt.inErr != "" && !strings.Contains(strings.Join(st.Problems, "\n"), tt.inErr)) {
				t.Errorf("got %s %q", st, st.Problems)
			}
		})
	}
	if _, err := Import(filepath.Join(t.TempDir(), "vuln.db"), []string{"https://vuln.go.dev"}, nil); err == nil || !strings.Contains(err.Error(), "file://") {
		t.Errorf("http URL: %v", err)
	}
}

func TestLatestFix(t *testing.T) {
	r := func(events ...string) osv.Range {
		rg := osv.Range{Type: osv.RangeSemver}
		for _, e := range events {
			k, v, _ := strings.Cut(e, "=")
			if k == "i" {
				rg.Events = append(rg.Events, osv.Event{Introduced: v})
			} else {
				rg.Events = append(rg.Events, osv.Event{Fixed: v})
			}
		}
		return rg
	}
	for _, tt := range []struct {
		ranges []osv.Range
		want   string
	}{
		{[]osv.Range{r("i=0", "f=1.21.9", "i=1.22.0-0", "f=1.22.2")}, "1.22.2"},
		{[]osv.Range{r("i=0", "f=1.2.0", "i=1.3.0")}, ""}, // reintroduced, never fixed
		{[]osv.Range{r("i=0")}, ""},
		{[]osv.Range{r("i=0", "f=0.0.0-20200124225646-8b5121be2f68")}, "0.0.0-20200124225646-8b5121be2f68"},
		{[]osv.Range{r("i=0", "f=1.10.0"), r("i=0", "f=1.9.0")}, "1.10.0"},
		{[]osv.Range{{Type: osv.RangeEcosystem, Events: []osv.Event{{Introduced: "0"}, {Fixed: "9.0.0"}}}}, ""},
	} {
		if got := latestFix(tt.ranges); got != tt.want {
			t.Errorf("latestFix(%+v) = %q, want %q", tt.ranges, got, tt.want)
		}
	}
}

// FuzzGoVulnDB: the v1 layout's readers on hostile index and record
// files.
func FuzzGoVulnDB(f *testing.F) {
	for _, p := range []string{"index/modules.json", "ID/GO-2022-0463.json"} {
		data, _ := os.ReadFile(filepath.Join("testdata/layouts/govulndb-v1", p))
		f.Add(data, []byte{})
	}
	gz, _ := os.ReadFile("testdata/layouts/govulndb-v1/ID/GO-2022-0229.json.gz")
	f.Add([]byte("[]"), gz)
	dir := f.TempDir() // one per worker: fuzz calls run one at a time
	f.Fuzz(func(t *testing.T, modules, record []byte) {
		write(t, filepath.Join(dir, "index", "modules.json"), string(modules))
		write(t, filepath.Join(dir, "ID", "GO-1.json.gz"), string(record))
		write(t, filepath.Join(dir, "ID", "GO-2.json"), string(record))
		st, err := ReadDir(dir, func(v *osv.Vulnerability) {})
		if err != nil {
			t.Fatal(err)
		}
		if st.Format != "Go vulndb v1" {
			t.Fatalf("format %q", st.Format)
		}
	})
}

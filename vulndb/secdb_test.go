package vulndb

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/osv"
)

func TestSecDB(t *testing.T) {
	data, err := os.ReadFile("testdata/layouts/alpine-secdb/v3.8/main.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSecDB(data)
	if err != nil {
		t.Fatal(err)
	}
	// db's "0" lists five CVEs Berkeley DB 5 never had.
	if s.Release != "v3.8" || s.Repo != "main" || s.Unaffected != 5 || s.Skipped != 0 {
		t.Errorf("secdb = %+v", s)
	}
	var v *osv.Vulnerability
	for _, r := range s.Records {
		if r.ID == "ALPINE-CVE-2016-2177" {
			v = r
		}
		if strings.Contains(r.ID, "CVE-2016-0682") {
			t.Errorf("never-affected entry recorded: %+v", r)
		}
	}
	want := &osv.Vulnerability{
		ID: "ALPINE-CVE-2016-2177", Upstream: []string{"CVE-2016-2177"},
		References: []osv.Reference{{Type: "ADVISORY", URL: "https://security.alpinelinux.org/vuln/CVE-2016-2177"}},
		Affected: []osv.Affected{{
			Package: osv.Package{Ecosystem: "Alpine:v3.8", Name: "openssl", Purl: "pkg:apk/alpine/openssl?arch=source"},
			Ranges:  []osv.Range{{Type: osv.RangeEcosystem, Events: []osv.Event{{Introduced: "0"}, {Fixed: "1.0.2h-r1"}}}},
		}},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("record:\n got %+v\nwant %+v", v, want)
	}

	// secdb.alpinelinux.org serves the same documents as JSON.
	for _, f := range []string{"v3.10/main.yaml", "v3.10/community.yaml", "v3.8/main.yaml"} {
		y, _ := os.ReadFile("testdata/layouts/alpine-secdb/" + f)
		var doc any
		if err := yaml.Unmarshal(y, &doc); err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(doc)
		fromYAML, errY := ParseSecDB(y)
		fromJSON, errJ := ParseSecDB(j)
		if errY != nil || errJ != nil || !reflect.DeepEqual(fromYAML, fromJSON) {
			t.Errorf("%s: YAML and JSON differ: %v %v", f, errY, errJ)
		}
		dir := t.TempDir()
		write(t, filepath.Join(dir, "main.json"), string(j))
		var n int
		st, err := ReadDir(dir, func(*osv.Vulnerability) { n++ })
		if err != nil || st.SecDB != 1 || n != len(fromYAML.Records) {
			t.Errorf("%s as JSON in a folder: %v %+v", f, err, st)
		}
	}

	for _, tt := range []struct{ doc, err string }{
		{"distroversion: edge\npackages: []\n", "not an Alpine release"},
		{"distroversion: v3.11\npackages: {pkg: x}\n", "want a list"},
		{"distroversion: v3.11\npackages:\n  - pkg:\n      name: [a]\n", "want a string"},
	} {
		if _, err := ParseSecDB([]byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ParseSecDB(%q) = %v, want %q", tt.doc, err, tt.err)
		}
	}
}

func TestAdvisoryOf(t *testing.T) {
	for in, want := range map[string]string{
		"CVE-2019-1551":           "CVE-2019-1551",
		" CVE-2019-1551 ":         "CVE-2019-1551",
		"CVE 2018-16859":          "CVE-2018-16859",
		"CVE_2019-2426":           "CVE-2019-2426",
		"CVE-????-?????  XSA-295": "XSA-295",
		"XSA-207":                 "XSA-207",
		"wnpa-sec-2017-18":        "wnpa-sec-2017-18",
		"CVE-2017-7407 (curl)":    "CVE-2017-7407",
		"":                        "",
		"see upstream":            "",
	} {
		if got := advisoryOf(in); got != want {
			t.Errorf("advisoryOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestImportTwice: the same records read twice (a checkout and a zip of
// it, a secdb file as YAML and as JSON) are stored once; entries that
// differ under one ID (secdb lists CVE-2017-3738 under two openssl
// versions) stay.
func TestImportTwice(t *testing.T) {
	dir := "testdata/layouts/alpine-secdb"
	lookup := func(inputs ...string) ([]Entry, []Meta) {
		path := filepath.Join(t.TempDir(), "vuln.db")
		if _, err := Import(path, inputs, nil); err != nil {
			t.Fatal(err)
		}
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		es, _ := db.Lookup("Alpine:v3.8", "openssl")
		metas, _ := db.Ecosystems()
		return es, metas
	}
	once, _ := lookup(dir)
	twice, metas := lookup(dir, dir+"/v3.8/main.yaml")
	if !reflect.DeepEqual(once, twice) || len(once) == 0 {
		t.Errorf("entries differ: %d once, %d twice", len(once), len(twice))
	}
	if len(metas) != 1 || metas[0].Records != countIDs(t, dir) {
		t.Errorf("metas = %+v", metas)
	}
}

func countIDs(t *testing.T, dir string) int {
	ids := map[string]bool{}
	if _, err := ReadDir(dir, func(v *osv.Vulnerability) { ids[v.ID] = true }); err != nil {
		t.Fatal(err)
	}
	return len(ids)
}

func FuzzParseSecDB(f *testing.F) {
	files, _ := filepath.Glob("testdata/layouts/alpine-secdb/*/*.yaml")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Add([]byte(`{"distroversion":"v3.20","packages":[{"pkg":{"name":"a","secfixes":{"1-r0":["CVE-1-1"]}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSecDB(data)
		if err != nil {
			return
		}
		for _, v := range s.Records {
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := osv.Parse(raw); err != nil {
				t.Fatalf("secdb gave an invalid record: %v\n%s", err, raw)
			}
		}
	})
}

package vulndb

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bulwark-sec/bulwark/osv"
)

// zipOf packs the named fixture records into an osv.dev-style all.zip.
func zipOf(t testing.TB, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", "records", n))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(n)
		w.Write(data)
	}
	zw.Close()
	return buf.Bytes()
}

func ids(es []Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return strings.Join(out, ",")
}

func TestImportDirAndLookup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db", "vuln.db")
	stats, err := Import(path, []string{"testdata/records"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := stats["testdata/records"]
	if st.Records != 9 || st.Skipped != 1 || !strings.Contains(st.Problems[0], "broken.json") {
		t.Errorf("stats = %+v", st)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tt := range []struct{ eco, name, want string }{
		{"Debian:12", "openssl", "DEBIAN-CVE-2023-5363,DSA-5532-1"},
		{"Debian:11", "openssl", "DEBIAN-CVE-2023-5363"},
		{"Debian:12", "glibc", "DSA-5514-1"},
		{"Debian:13", "glibc", ""},
		{"npm", "lodash", "GHSA-35jh-r3h4-6jhm"}, // the withdrawn one is gone
		{"PyPI", "requests", "PYSEC-2023-74"},    // PEP 503 names
		{"PyPI", "ReQuests", "PYSEC-2023-74"},
		{"Go", "stdlib", "GO-2024-2687"},
		{"Maven", "org.apache.logging.log4j:log4j-core", "GHSA-jfh8-c2jp-5v3q"},
		{"Alpine:v3.18", "openssl", "ALPINE-CVE-2023-5363"},
		{"Alpine:v3.19", "openssl", ""},
	} {
		es, err := db.Lookup(tt.eco, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(es); got != tt.want {
			t.Errorf("Lookup(%s, %s) = %s, want %s", tt.eco, tt.name, got, tt.want)
		}
	}
	es, _ := db.Lookup("npm", "lodash")
	e := es[0]
	if e.Label != "HIGH" || len(e.Severity) != 1 || e.Summary != "Command Injection in lodash" ||
		strings.Join(e.Aliases, ",") != "CVE-2021-23337" || len(e.Ranges) != 1 || len(e.References) != 2 {
		t.Errorf("lodash entry = %+v", e)
	}
	es, _ = db.Lookup("PyPI", "requests")
	if !strings.HasPrefix(es[0].Summary, "Requests is a HTTP library.") || len(es[0].Summary) > maxSummary+3 {
		t.Errorf("summary from details = %q", es[0].Summary)
	}
	rel, _ := db.Releases("Debian")
	if strings.Join(rel, ",") != "Debian:11,Debian:12" {
		t.Errorf("releases = %v", rel)
	}
	metas, _ := db.Ecosystems()
	var got []string
	for _, m := range metas {
		got = append(got, fmt.Sprintf("%s:%d", m.Ecosystem, m.Records))
	}
	if strings.Join(got, " ") != "Alpine:1 Debian:3 Go:1 Maven:1 PyPI:1 npm:1" {
		t.Errorf("ecosystems = %v", got)
	}
}

// TestImportKeepsOtherEcosystems: importing one ecosystem's zip replaces
// that ecosystem and leaves the rest as they were.
func TestImportKeepsOtherEcosystems(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vuln.db")
	if _, err := Import(path, []string{"testdata/records"}, nil); err != nil {
		t.Fatal(err)
	}
	z := filepath.Join(dir, "npm.zip")
	os.WriteFile(z, zipOf(t, "WITHDRAWN-1.json", "GHSA-35jh-r3h4-6jhm.json"), 0o644)
	if _, err := Import(path, []string{z}, nil); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if es, _ := db.Lookup("Debian:12", "glibc"); ids(es) != "DSA-5514-1" {
		t.Errorf("Debian data lost: %v", ids(es))
	}
	metas, _ := db.Ecosystems()
	for _, m := range metas {
		if m.Ecosystem == "npm" && !strings.HasSuffix(m.Source, "npm.zip") {
			t.Errorf("npm source = %s", m.Source)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "none.db")); err == nil || !strings.Contains(err.Error(), "db update") {
		t.Errorf("missing db: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("x"), 8192), 0o644)
	if _, err := Open(junk); err == nil {
		t.Error("opened junk")
	}
}

// server serves all.zip files for ecosystems with ETags, counting full
// downloads.
type server struct {
	zips      map[string][]byte
	downloads atomic.Int32
	truncate  atomic.Bool
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	eco, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/all.zip")
	data, found := s.zips[eco]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	etag := fmt.Sprintf(`"%x-%d"`, len(data), data[len(data)-5])
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.downloads.Add(1)
	w.Header().Set("ETag", etag)
	if s.truncate.Load() {
		// Claim the whole length, send half, and hang up.
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Write(data[:len(data)/2])
		return
	}
	w.Write(data)
}

func TestUpdate(t *testing.T) {
	srv := &server{zips: map[string][]byte{
		"Debian": zipOf(t, "DSA-5514-1.json", "DSA-5532-1.json"),
		"npm":    zipOf(t, "GHSA-35jh-r3h4-6jhm.json"),
	}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	path := filepath.Join(t.TempDir(), "vuln.db")
	opts := UpdateOptions{BaseURL: ts.URL, Ecosystems: []string{"Debian", "npm"}}

	res, err := Update(context.Background(), path, opts)
	if err != nil || len(res) != 2 || res[0].Status != "updated" || res[0].Records != 2 {
		t.Fatalf("first update: %v %+v", err, res)
	}
	// Unchanged data is not downloaded again.
	res, err = Update(context.Background(), path, opts)
	if err != nil || res[0].Status != "unchanged" || res[1].Status != "unchanged" || srv.downloads.Load() != 2 {
		t.Fatalf("second update: %v %+v, %d downloads", err, res, srv.downloads.Load())
	}
	// A changed ecosystem is; a truncated download keeps the old data and
	// says why.
	srv.zips["npm"] = zipOf(t, "GHSA-35jh-r3h4-6jhm.json", "WITHDRAWN-1.json")
	srv.zips["Debian"] = zipOf(t, "DSA-5514-1.json")
	srv.truncate.Store(true)
	res, err = Update(context.Background(), path, opts)
	if err == nil || !strings.Contains(err.Error(), "Debian") || res[0].Status != "failed" {
		t.Fatalf("truncated update: %v %+v", err, res)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if es, _ := db.Lookup("Debian:12", "openssl"); ids(es) != "DSA-5532-1" {
		t.Errorf("old Debian data not kept: %q", ids(es))
	}
	db.Close()
	srv.truncate.Store(false)
	if res, err = Update(context.Background(), path, opts); err != nil || res[0].Status != "updated" {
		t.Fatalf("recovered update: %v %+v", err, res)
	}
	db, _ = Open(path)
	if es, _ := db.Lookup("Debian:12", "openssl"); len(es) != 0 {
		t.Errorf("stale Debian data after a good update: %v", ids(es))
	}
	db.Close()

	// An unknown ecosystem and an oversized download fail clearly.
	opts.Ecosystems = []string{"Nope"}
	if _, err := Update(context.Background(), path, opts); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown ecosystem: %v", err)
	}
	opts.Ecosystems, opts.MaxDownload = []string{"npm"}, 100
	srv.zips["npm"] = zipOf(t, "GHSA-35jh-r3h4-6jhm.json", "GO-2024-2687.json")
	if _, err := Update(context.Background(), path, opts); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized download: %v", err)
	}
	// Nothing left behind but the database.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("files left in the db dir: %v", entries)
	}
}

func TestReadZipBadInput(t *testing.T) {
	dir := t.TempDir()
	z := zipOf(t, "DSA-5514-1.json", "GHSA-35jh-r3h4-6jhm.json")
	trunc := filepath.Join(dir, "trunc.zip")
	os.WriteFile(trunc, z[:len(z)-30], 0o644)
	if _, err := ReadZip(trunc, func(*osv.Vulnerability) {}); err == nil {
		t.Error("truncated zip read without error")
	}
	// A record far over the size limit, compressed to almost nothing.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bomb.json")
	w.Write([]byte(`{"id":"X","details":"`))
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for i := 0; i < osv.MaxRecordSize>>20+2; i++ {
		w.Write(chunk)
	}
	w.Write([]byte(`"}`))
	zw.Close()
	bomb := filepath.Join(dir, "bomb.zip")
	os.WriteFile(bomb, buf.Bytes(), 0o644)
	st, err := ReadZip(bomb, func(*osv.Vulnerability) { t.Error("bomb record parsed") })
	if err != nil || st.Skipped != 1 || !strings.Contains(st.Problems[0], "limit") {
		t.Errorf("bomb: %v %+v", err, st)
	}
	notzip := filepath.Join(dir, "not.zip")
	os.WriteFile(notzip, []byte("hello"), 0o644)
	if _, err := ReadZip(notzip, func(*osv.Vulnerability) {}); err == nil {
		t.Error("non-zip read without error")
	}
}

func FuzzParse(f *testing.F) {
	entries, _ := os.ReadDir("testdata/records")
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join("testdata", "records", e.Name()))
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := osv.Parse(data)
		if err != nil {
			return
		}
		e := (&Builder{}).Begin("x")
		e.Add(v)
		for _, es := range e.entries {
			enc, err := encodeEntries(es)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decodeEntries(enc); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestEnrichment(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vuln.db")
	_, err := Import(path, []string{"testdata/records"}, map[string]string{
		KEV:  "testdata/known_exploited_vulnerabilities.json",
		EPSS: "testdata/epss_scores-current.csv.gz",
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if !db.KnownExploited("CVE-2021-44228") || db.KnownExploited("CVE-2021-23337") {
			t.Errorf("%s: KEV lookups wrong", when)
		}
		if s, ok := db.ExploitPrediction("CVE-2023-4911"); !ok || s.Score != 0.75102 || s.Percentile != 0.98811 {
			t.Errorf("%s: EPSS = %+v %v", when, s, ok)
		}
		metas, _ := db.Ecosystems()
		for _, m := range metas {
			if m.Ecosystem == KEV || m.Ecosystem == EPSS {
				t.Errorf("%s: enrichment listed as an ecosystem", when)
			}
		}
	}
	check("import")
	// A later import of records alone keeps the enrichment.
	if _, err := Import(path, []string{"testdata/records"}, nil); err != nil {
		t.Fatal(err)
	}
	check("re-import")

	// Update fetches them conditionally and keeps them when a fetch fails.
	kev, _ := os.ReadFile("testdata/known_exploited_vulnerabilities.json")
	epss, _ := os.ReadFile("testdata/epss_scores-current.csv.gz")
	var gets atomic.Int32
	broken := atomic.Bool{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		if broken.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		switch r.URL.Path {
		case "/kev.json":
			w.Write(kev)
		case "/epss.csv.gz":
			w.Write(epss)
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	opts := UpdateOptions{BaseURL: ts.URL, Ecosystems: []string{}, KEVURL: ts.URL + "/kev.json", EPSSURL: ts.URL + "/epss.csv.gz"}
	res, err := Update(context.Background(), path, opts)
	if err != nil || len(res) != 2 || res[0].Status != "updated" || res[0].Records != 2 || res[1].Records != 3 {
		t.Fatalf("update: %v %+v", err, res)
	}
	if res, err = Update(context.Background(), path, opts); err != nil || res[0].Status != "unchanged" {
		t.Fatalf("second update: %v %+v", err, res)
	}
	check("unchanged update")
	broken.Store(true)
	if _, err := Update(context.Background(), path, opts); err == nil || !strings.Contains(err.Error(), "kev") {
		t.Fatalf("failed update: %v", err)
	}
	check("failed update")
	// Bad files are errors, not empty data.
	for _, bad := range []string{`{"vulnerabilities": []}`, `[`} {
		if _, err := ReadKEV(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadKEV(%q) = nil error", bad)
		}
	}
	for _, bad := range []string{"cve,epss,percentile\nCVE-1,2.0,0.5\n", "x,y\n", ""} {
		if _, err := ReadEPSS(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadEPSS(%q) = nil error", bad)
		}
	}
}

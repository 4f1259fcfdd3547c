package client_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/extract/rpm"
	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/server/client"
)

func TestMain(m *testing.M) {
	rpm.Isolate()
	os.Exit(m.Run())
}

const token = "t0ken"

var (
	demo   = pipeline.Target{Input: "../../demo/image.tar"}
	demoDB = pipeline.DBOptions{Path: "../../demo/db"}
)

// layerServer is a small but real implementation of the server side of
// client mode, as the API contract describes it: a layer store in a map
// behind GET and PUT /v1/layers/{key} with a bounded body, and POST
// /v1/match running pipeline.Match with the demo database. It counts the
// requests it serves. (The end-to-end test through package server comes
// with the server.)
type layerServer struct {
	maxLayer int64

	mu     sync.Mutex
	layers map[string][]byte

	gets, hits, puts, matches atomic.Int64
	// putBytes and matchBytes count the request bodies received.
	putBytes, matchBytes atomic.Int64
}

func newLayerServer() *layerServer {
	return &layerServer{maxLayer: 64 << 20, layers: map[string][]byte{}}
}

func (s *layerServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/layers/{key}", func(w http.ResponseWriter, r *http.Request) {
		s.gets.Add(1)
		s.mu.Lock()
		data, ok := s.layers[r.PathValue("key")]
		s.mu.Unlock()
		if !ok {
			http.Error(w, "no such layer", http.StatusNotFound)
			return
		}
		s.hits.Add(1)
		w.Write(data)
	})
	mux.HandleFunc("PUT /v1/layers/{key}", func(w http.ResponseWriter, r *http.Request) {
		s.puts.Add(1)
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxLayer))
		if err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, err)
			return
		}
		s.putBytes.Add(int64(len(data)))
		s.mu.Lock()
		s.layers[r.PathValue("key")] = data
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /v1/match", func(w http.ResponseWriter, r *http.Request) {
		s.matches.Add(1)
		var rep report.Report
		body := &countingReader{r: http.MaxBytesReader(w, r.Body, 64<<20), n: &s.matchBytes}
		if err := json.NewDecoder(body).Decode(&rep); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		if err := pipeline.Match(r.Context(), &rep, pipeline.Options{DB: demoDB}); err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(&rep)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			writeError(w, http.StatusUnauthorized, fmt.Errorf("missing or wrong bearer token"))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func newClient(t *testing.T, url, token string, opts client.Options) *client.Client {
	t.Helper()
	c, err := client.New(url, token, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// walkCount follows a scan's layer walk.
type walkCount struct{ layers, analysed, cached int }

func (c *walkCount) Start(n int) { c.layers = n }
func (c *walkCount) Event(ev layerfs.ProgressEvent) {
	if ev.Done && ev.Cached {
		c.cached++
	} else if ev.Done {
		c.analysed++
	}
}
func (c *walkCount) Finish() {}

func findings(r *report.Report) []string {
	var out []string
	for _, v := range r.Vulnerabilities {
		out = append(out, fmt.Sprintf("%s %s@%s %s", v.ID, v.Package.Name, v.Package.Version, v.Package.Location))
	}
	sort.Strings(out)
	return out
}

func secrets(r *report.Report) []string {
	var out []string
	for _, s := range r.Secrets {
		out = append(out, fmt.Sprintf("%s %s:%d layer %d", s.RuleID, s.Path, s.Line, s.Layer))
	}
	sort.Strings(out)
	return out
}

// A client scan walks only the layers the server lacks and uploads their
// results; a second scan of the same image uploads nothing and reads
// every layer's result from the server; both find the vulnerabilities
// and secrets of a local scan with the same database.
func TestScanUsesServerLayersAndMatch(t *testing.T) {
	ctx := context.Background()
	local, err := pipeline.Run(ctx, demo, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true, Secret: true}, NoCache: true, DB: demoDB})
	if err != nil {
		t.Fatal(err)
	}
	if len(local.Vulnerabilities) == 0 || len(local.Secrets) == 0 {
		t.Fatal("the local scan of the demo image found nothing to compare with")
	}
	srv := newLayerServer()
	ts := httptest.NewServer(srv.handler())
	defer ts.Close()
	c := newClient(t, ts.URL, token, client.Options{})
	for _, tt := range []struct {
		name                 string
		analysed, gets, puts int // per layer count: -1 is "every layer"
		hits                 int
	}{
		{name: "first scan", analysed: -1, gets: -1, puts: -1, hits: 0},
		{name: "second scan", analysed: 0, gets: -1, puts: 0, hits: -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv.gets.Store(0)
			srv.puts.Store(0)
			srv.hits.Store(0)
			srv.matches.Store(0)
			srv.putBytes.Store(0)
			srv.matchBytes.Store(0)
			walk := &walkCount{}
			rep, err := c.Scan(ctx, demo, pipeline.Options{
				Scanners: pipeline.Scanners{Vuln: true, Secret: true},
				Progress: walk,
				// A database that does not exist: the client must not
				// need one.
				DB: pipeline.DBOptions{Path: filepath.Join(t.TempDir(), "none.db")},
			})
			if err != nil {
				t.Fatal(err)
			}
			n := walk.layers
			if n < 2 {
				t.Fatalf("%d layers walked", n)
			}
			every := func(v int) int64 {
				if v < 0 {
					return int64(n)
				}
				return int64(v)
			}
			if a := walk.analysed; int64(a) != every(tt.analysed) {
				t.Errorf("%d of %d layers analysed here, want %d", a, n, every(tt.analysed))
			}
			if g, p, h := srv.gets.Load(), srv.puts.Load(), srv.hits.Load(); g != every(tt.gets) || p != every(tt.puts) || h != every(tt.hits) {
				t.Errorf("server saw %d GETs (%d found) and %d PUTs; want %d (%d) and %d", g, h, p, every(tt.gets), every(tt.hits), every(tt.puts))
			}
			if m := srv.matches.Load(); m != 1 {
				t.Errorf("%d matches", m)
			}
			t.Logf("%d layers: %d analysed here, %d GETs (%d found), %d PUTs of %d bytes, a match request of %d bytes",
				n, walk.analysed, srv.gets.Load(), srv.hits.Load(), srv.puts.Load(), srv.putBytes.Load(), srv.matchBytes.Load())
			if got, want := findings(rep), findings(local); !slices.Equal(got, want) {
				t.Errorf("vulnerabilities:\n got %d %v\nwant %d %v", len(got), got, len(want), want)
			}
			if got, want := secrets(rep), secrets(local); !slices.Equal(got, want) {
				t.Errorf("secrets:\n got %v\nwant %v", got, want)
			}
			if rep.Coverage == nil || rep.Database == nil || rep.Coverage.CoveredPackages() != local.Coverage.CoveredPackages() {
				t.Errorf("coverage %+v database %+v", rep.Coverage, rep.Database)
			}
		})
	}
}

// What the server sees of a client scan: the inventory and artifact, not
// the secrets found.
func TestMatchSendsInventoryOnly(t *testing.T) {
	var sent map[string]json.RawMessage
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&sent)
		w.Write([]byte(`{"schemaVersion":1,"artifact":{"name":"x","kind":"docker-archive"},"inventory":{"packages":[],"layers":[]},"coverage":{"covered":[],"uncovered":[]}}`))
	}))
	defer ts.Close()
	c := newClient(t, ts.URL, token, client.Options{})
	rep := &report.Report{SchemaVersion: 1}
	rep.Secrets = append(rep.Secrets, result.Secret{RuleID: "aws-access-key-id", Match: "AKIA****"})
	got, err := c.Match(context.Background(), rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sent["secrets"]; ok {
		t.Error("the secrets were sent to the server")
	}
	if _, ok := sent["inventory"]; !ok {
		t.Error("no inventory sent")
	}
	if got.Vulnerabilities == nil {
		t.Error("an empty match must be an empty list, not nil (no vulnerability scan)")
	}
}

// Failures say what went wrong, and the ones that doom the scan stop it
// at the first request instead of after the walk.
func TestScanErrors(t *testing.T) {
	ctx := context.Background()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tt := range []struct {
		name    string
		handler http.Handler // nil: the closed server
		token   string
		want    string
		// walked is false when the scan must stop before any layer is
		// analysed.
		walked bool
	}{
		{name: "wrong token", handler: newLayerServer().handler(), token: "nope", want: "refused the token (give it with --token or $BULWARK_TOKEN) (401 Unauthorized): missing or wrong bearer token"},
		{name: "no server", token: token, want: "connection refused"},
		{name: "match fails", token: token, walked: true, want: "server: match: the server failed (500 Internal Server Error): boom",
			handler: withMatch(newLayerServer(), func(w http.ResponseWriter) { writeError(w, 500, fmt.Errorf("boom")) })},
		{name: "report too large", token: token, walked: true, want: "the request is larger than the server accepts (413",
			handler: withMatch(newLayerServer(), func(w http.ResponseWriter) { http.Error(w, "request body too large", 413) })},
		{name: "not a report", token: token, walked: true, want: "server: match: the answer is not a report",
			handler: withMatch(newLayerServer(), func(w http.ResponseWriter) { w.Write([]byte("<html>proxy login</html>")) })},
		{name: "a report without a match", token: token, walked: true, want: "holds no vulnerability results",
			handler: withMatch(newLayerServer(), func(w http.ResponseWriter) { w.Write([]byte(`{"schemaVersion":1}`)) })},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := closed.URL
			if tt.handler != nil {
				ts := httptest.NewServer(tt.handler)
				defer ts.Close()
				url = ts.URL
			}
			c := newClient(t, url, tt.token, client.Options{Timeout: 30 * time.Second})
			walk := &walkCount{}
			_, err := c.Scan(ctx, demo, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, Progress: walk, Parallel: 1})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if !tt.walked && walk.analysed > 1 {
				t.Errorf("%d layers analysed after the first request failed", walk.analysed)
			}
		})
	}
}

// withMatch replaces a layer server's match with answer.
func withMatch(s *layerServer, answer func(http.ResponseWriter)) http.Handler {
	h := s.handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/match" {
			answer(w)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// A layer result the server will not take costs speed, not the scan: the
// scan ends well and says so.
func TestScanLayerTooLarge(t *testing.T) {
	srv := newLayerServer()
	srv.maxLayer = 16
	ts := httptest.NewServer(srv.handler())
	defer ts.Close()
	c := newClient(t, ts.URL, token, client.Options{})
	rep, err := c.Scan(context.Background(), demo, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Vulnerabilities) == 0 {
		t.Error("no vulnerabilities")
	}
	var warned bool
	for _, w := range rep.Warnings {
		warned = warned || strings.Contains(w.Message, "put layer: the request is larger than the server accepts (413")
	}
	if !warned {
		t.Errorf("no warning about the refused upload: %+v", rep.Warnings)
	}
}

// The scan's own filters apply to the server's findings.
func TestScanFiltersServerFindings(t *testing.T) {
	ts := httptest.NewServer(newLayerServer().handler())
	defer ts.Close()
	c := newClient(t, ts.URL, token, client.Options{})
	rep, err := c.Scan(context.Background(), demo, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, Severities: map[string]bool{"HIGH": true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Vulnerabilities) == 0 {
		t.Fatal("no HIGH findings in the demo image")
	}
	for _, v := range rep.Vulnerabilities {
		if v.Severity != "HIGH" {
			t.Errorf("%s is %s", v.ID, v.Severity)
		}
	}
}

// A server with a certificate from a private CA is reached with that CA
// (--server-ca), and refused without it.
func TestTLS(t *testing.T) {
	ts := httptest.NewTLSServer(newLayerServer().handler())
	defer ts.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := &report.Report{SchemaVersion: 1}
	trusted, err := client.New(ts.URL, token, client.Options{CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trusted.Match(context.Background(), rep); err != nil {
		t.Errorf("with the CA: %v", err)
	}
	untrusted, err := client.New(ts.URL, token, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := untrusted.Match(context.Background(), rep); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") || !strings.Contains(err.Error(), "--server-ca") {
		t.Errorf("without the CA: %v", err)
	}
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	if _, err := client.New(ts.URL, token, client.Options{CAFile: notPEM}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a CA file without certificates: %v", err)
	}
}

func TestNewRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://host", "http://", "://x"} {
		if _, err := client.New(u, token, client.Options{}); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
	if _, err := client.New("https://scanner.example:8443/bulwark/", token, client.Options{}); err != nil {
		t.Errorf("a URL with a path: %v", err)
	}
}

// Layer keys are path-escaped: a key with "/" and "|" reaches the server
// whole, as one path segment.
func TestLayerKeysEscaped(t *testing.T) {
	srv := newLayerServer()
	ts := httptest.NewServer(srv.handler())
	defer ts.Close()
	c := newClient(t, ts.URL, token, client.Options{})
	lc := c.LayerCache()
	key := "sha256:abc|layerfs@2|dpkg@1,secrets/x@3 %2F"
	if _, ok := lc.Get(key); ok {
		t.Fatal("found before it was put")
	}
	if err := lc.Put(key, []byte("result")); err != nil {
		t.Fatal(err)
	}
	if got, ok := lc.Get(key); !ok || string(got) != "result" {
		t.Fatalf("Get = %q, %v", got, ok)
	}
	if _, ok := srv.layers[key]; !ok {
		t.Errorf("server stored keys %v", keys(srv.layers))
	}
	if gets, hits, puts := lc.Stats(); gets != 2 || hits != 1 || puts != 1 {
		t.Errorf("stats %d %d %d", gets, hits, puts)
	}
	if lc.Err() != nil {
		t.Errorf("Err() = %v", lc.Err())
	}
	// An unreachable server is a miss, remembered.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	down, _ := client.New("http://"+addr, token, client.Options{})
	dc := down.LayerCache()
	if _, ok := dc.Get(key); ok || dc.Err() == nil {
		t.Errorf("unreachable: ok %v, err %v", ok, dc.Err())
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// An SBOM in client mode is read here and matched by the server, as it
// would be matched locally; no layer is asked for.
func TestScanSBOM(t *testing.T) {
	target := pipeline.Target{SBOM: "../../sbomread/testdata/syft-1.57.2.spdx.json"}
	local, err := pipeline.Run(context.Background(), target, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, DB: demoDB})
	if err != nil {
		t.Fatal(err)
	}
	srv := newLayerServer()
	ts := httptest.NewServer(srv.handler())
	defer ts.Close()
	rep, err := newClient(t, ts.URL, token, client.Options{}).Scan(context.Background(), target, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := findings(rep), findings(local); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("vulnerabilities:\n got %v\nwant %v", got, want)
	}
	if g, m := srv.gets.Load(), srv.matches.Load(); g != 0 || m != 1 {
		t.Errorf("%d layer requests, %d matches", g, m)
	}
}

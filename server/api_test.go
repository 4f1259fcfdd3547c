package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/vulndb"
)

// Every endpoint but the health checks wants the token.
func TestAuth(t *testing.T) {
	h := start(t, 0, func(c *Config) { c.SBOMDecoder = func([]byte) (*report.Report, error) { return &report.Report{}, nil } })
	endpoints := []struct{ method, path string }{
		{"POST", "/v1/scans"},
		{"GET", "/v1/scans/x"},
		{"GET", "/v1/scans/x/report"},
		{"POST", "/v1/lockfiles"},
		{"POST", "/v1/sbom"},
		{"POST", "/v1/match"},
		{"GET", "/v1/layers/k"},
		{"PUT", "/v1/layers/k"},
		{"GET", "/metrics"},
		{"GET", "/api/v1/metadata"},
		{"POST", "/api/v1/scan"},
		{"GET", "/api/v1/scan/x/report"},
	}
	for _, e := range endpoints {
		for _, auth := range []string{"", "Bearer wrong", "Basic " + testToken, testToken, "Bearer " + testToken + "x", "Bearer"} {
			resp, data := h.doWith(e.method, e.path, strings.NewReader("{}"), auth)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(data), `"error"`) || resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %q: %d %s", e.method, e.path, auth, resp.StatusCode, data)
			}
		}
		if resp, data := h.do(e.method, e.path, strings.NewReader("{}")); resp.StatusCode == http.StatusUnauthorized {
			t.Errorf("%s %s with the token: %d %s", e.method, e.path, resp.StatusCode, data)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if resp, data := h.doWith("GET", path, nil, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", path, resp.StatusCode, data)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Error("a server without a token was made")
	}
}

// Requests the server refuses, each with its status and a JSON error.
func TestBadRequests(t *testing.T) {
	h := start(t, 0, func(c *Config) { c.MaxJSON = 256 })
	tests := []struct {
		name, method, path, body string
		code                     int
		says                     string
	}{
		{"malformed JSON", "POST", "/v1/scans", `{"image":`, 400, "request body"},
		{"unknown field", "POST", "/v1/scans", `{"image":"registry.example/a:1","imagee":"x"}`, 400, "unknown field"},
		{"two values", "POST", "/v1/scans", `{"image":"registry.example/a:1"}{}`, 400, "after the JSON"},
		{"oversized", "POST", "/v1/scans", `{"image":"registry.example/` + strings.Repeat("a", 300) + `"}`, 413, "over 256 bytes"},
		{"no image", "POST", "/v1/scans", `{}`, 400, "registry reference"},
		{"a path", "POST", "/v1/scans", `{"image":"/etc/passwd"}`, 400, "a path"},
		{"relative path", "POST", "/v1/scans", `{"image":"./image.tar"}`, 400, "a path"},
		{"docker engine", "POST", "/v1/scans", `{"image":"docker://alpine"}`, 400, "no scheme"},
		{"bad reference", "POST", "/v1/scans", `{"image":"UPPER/Case:tag"}`, 400, "image"},
		{"scanners", "POST", "/v1/scans", `{"image":"registry.example/a:1","scanners":"vuln,virus"}`, 400, "virus"},
		{"platform", "POST", "/v1/scans", `{"image":"registry.example/a:1","platform":"linux"}`, 400, "platform"},
		{"wait", "POST", "/v1/scans?wait=soon", `{"image":"registry.example/a:1"}`, 400, "wait"},
		{"format", "POST", "/v1/scans?format=pdf", `{"image":"registry.example/a:1"}`, 400, "format"},
		{"no route", "GET", "/v2/nothing", "", 404, "not found"},
		{"wrong method", "DELETE", "/v1/scans", "", 405, "method not allowed"},
		{"sbom: not an SBOM", "POST", "/v1/sbom", `{"hello":1}`, 400, "sbom"},
		{"match: not a report", "POST", "/v1/match", `[1,2]`, 400, "request body"},
		{"layer key with a control character", "GET", "/v1/layers/a%0Ab", "", 400, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, data := h.do(tt.method, tt.path, strings.NewReader(tt.body))
			var e struct{ Error string }
			if err := json.Unmarshal(data, &e); err != nil || resp.StatusCode != tt.code || !strings.Contains(e.Error, tt.says) {
				t.Errorf("%d %s, want %d saying %q", resp.StatusCode, data, tt.code, tt.says)
			}
			if resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
		})
	}
	resp, _ := h.do("DELETE", "/v1/scans", nil)
	if resp.Header.Get("Allow") == "" {
		t.Error("405 without Allow")
	}
	if got := h.metric(`bulwark_http_requests_total{code="405",route="other"}`); got != 2 {
		t.Errorf("405s counted: %v", got)
	}
}

// A client's layer results are kept apart from the workers' own.
func TestClientLayers(t *testing.T) {
	h := start(t, 0, nil)
	key := "sha256:abc|layerfs@2|dpkg@1,gobinary@3"
	path := "/v1/layers/" + url.PathEscape(key)
	if resp, data := h.do("GET", path, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("before PUT: %d %s", resp.StatusCode, data)
	}
	if resp, data := h.do("PUT", path, strings.NewReader("layer result")); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PUT: %d %s", resp.StatusCode, data)
	}
	resp, data := h.do("GET", path, nil)
	if resp.StatusCode != http.StatusOK || string(data) != "layer result" {
		t.Errorf("GET: %d %q", resp.StatusCode, data)
	}
	if _, ok := h.s.layers.Get(key); ok {
		t.Error("a client's result was stored where workers read")
	}
	if v, ok := h.s.layers.Get(ClientLayerPrefix + key); !ok || string(v) != "layer result" {
		t.Errorf("stored under the client prefix: %q %v", v, ok)
	}
	big := bytes.Repeat([]byte("x"), 2<<10)
	h2 := start(t, 0, func(c *Config) { c.MaxUpload = 1 << 10 })
	if resp, data := h2.do("PUT", path, bytes.NewReader(big)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized PUT: %d %s", resp.StatusCode, data)
	}
}

// A report made without the database (by a client walking the image
// itself) comes back with what the server's database says about it.
func TestMatch(t *testing.T) {
	ctx := context.Background()
	want, err := pipeline.Run(ctx, pipeline.Target{Input: demoImage}, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, NoCache: true, DB: pipeline.DBOptions{Path: demoDB}})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := pipeline.Run(ctx, pipeline.Target{Input: demoImage}, pipeline.Options{NoCache: true})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(inv)
	decoded := func(data []byte) (*report.Report, error) {
		var r report.Report
		return &r, json.Unmarshal(data, &r)
	}
	h := start(t, 0, func(c *Config) { c.SBOMDecoder = decoded })
	for _, path := range []string{"/v1/match", "/v1/sbom"} {
		resp, data := h.do("POST", path, bytes.NewReader(body))
		var got report.Report
		if err := json.Unmarshal(data, &got); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %.300s", path, resp.StatusCode, data)
		}
		if g, w := vulnIDs(&got), vulnIDs(want); len(w) == 0 || strings.Join(g, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s:\n%v\nwant\n%v", path, g, w)
		}
		if got.Database == nil || got.Coverage == nil {
			t.Errorf("%s: no database or coverage in the report", path)
		}
	}
	h.s.cfg.SBOMDecoder = func([]byte) (*report.Report, error) { return nil, errors.New("not an SBOM") }
	if resp, data := h.do("POST", "/v1/sbom", strings.NewReader("<xml/>")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(data), "not an SBOM") {
		t.Errorf("bad SBOM: %d %s", resp.StatusCode, data)
	}
}

// /readyz is 503 with no usable database; the synchronous endpoints too.
func TestReadyz(t *testing.T) {
	h := start(t, 0, func(c *Config) {
		c.Pipeline.DB = pipeline.DBOptions{Offline: true} // the empty cache dir's database
	})
	resp, data := h.doWith("GET", "/readyz", nil, "")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(data), "database") {
		t.Errorf("/readyz without a database: %d %s", resp.StatusCode, data)
	}
	if resp, data := h.do("POST", "/v1/match", strings.NewReader("{}")); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/v1/match without a database: %d %s", resp.StatusCode, data)
	}
	if resp, _ := h.doWith("GET", "/healthz", nil, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	if got := h.metric("bulwark_db_age_seconds"); got == got { // NaN when there is none
		t.Errorf("db age without a database: %v", got)
	}
}

// A worker whose lease went to another worker stops its scan and drops
// its result.
func TestLeaseLost(t *testing.T) {
	// A registry that answers nothing for a while: the scan is under way
	// when the lease is lost, and must be cancelled.
	cancelled := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			cancelled <- struct{}{}
		case <-time.After(20 * time.Second):
		}
	}))
	defer slow.Close()
	host := strings.TrimPrefix(slow.URL, "http://")
	m := jobs.NewMemory()
	q := &losingQueue{Memory: m}
	h := start(t, 1, func(c *Config) {
		c.Queue, c.Store = q, m
		c.AllowRegistries = []string{host}
		c.LeaseTimeout = 30 * time.Millisecond
	})
	id := h.submit(jobs.Request{Image: host + "/app:1"})
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the scan went on after its lease was lost")
	}
	if q.lost() == 0 {
		t.Fatal("no lease was lost")
	}
	time.Sleep(50 * time.Millisecond) // let the worker finish with the job
	if _, err := m.Report(context.Background(), id); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("a report was stored by a worker that lost the job: %v", err)
	}
	if st, _ := m.Status(context.Background(), id); st.State != jobs.Running {
		t.Errorf("status %+v, want it left running for the worker that holds the job", st)
	}
}

// losingQueue hands out leases that are lost at the first Extend, as
// when another worker took the job.
type losingQueue struct {
	*jobs.Memory
	mu    sync.Mutex
	count int
}

func (q *losingQueue) Next(ctx context.Context, worker string) (jobs.Lease, error) {
	l, err := q.Memory.Next(ctx, worker)
	if err != nil {
		return nil, err
	}
	return &losingLease{Lease: l, q: q}, nil
}

func (q *losingQueue) lost() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count
}

type losingLease struct {
	jobs.Lease
	q *losingQueue
}

func (l *losingLease) Extend(ctx context.Context) error {
	l.q.mu.Lock()
	l.q.count++
	l.q.mu.Unlock()
	return jobs.ErrLeaseLost
}

// With no --db, the server downloads its database itself (from a mirror
// here) and is ready once it has one.
func TestRefreshDB(t *testing.T) {
	var downloads atomic.Int64
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/PyPI/all.zip" {
			http.NotFound(w, r)
			return
		}
		downloads.Add(1)
		http.ServeFile(w, r, "../demo/db/PyPI.zip")
	}))
	defer mirror.Close()
	h := start(t, 0, func(c *Config) {
		c.Pipeline.DB = pipeline.DBOptions{Update: vulndb.UpdateOptions{BaseURL: mirror.URL, Ecosystems: []string{"PyPI"}}}
	})
	if resp, _ := h.doWith("GET", "/readyz", nil, ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz before the download: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.s.RefreshDB(ctx); close(done) }()
	waitFor(t, func() bool { resp, _ := h.doWith("GET", "/readyz", nil, ""); return resp.StatusCode == http.StatusOK })
	cancel()
	<-done
	if n := downloads.Load(); n != 1 {
		t.Errorf("%d downloads", n)
	}
	resp, data := h.do("POST", "/v1/lockfiles?name=requirements.txt", strings.NewReader(requirements))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), "CVE-2023-43804") {
		t.Errorf("lockfile after the download: %d %.300s", resp.StatusCode, data)
	}
}

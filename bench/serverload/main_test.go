package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAPI answers the scan API as the server does: 202 with an id, a
// status that turns done (or failed, for images named "bad") after a few
// polls, and the report. It records the most submits in flight at once.
type fakeAPI struct {
	token    string
	mu       sync.Mutex
	polls    map[string]int
	images   map[string]string
	inflight atomic.Int32
	most     atomic.Int32
	reports  atomic.Int32
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodPost {
		n := f.inflight.Add(1)
		defer f.inflight.Add(-1)
		for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
		}
		time.Sleep(5 * time.Millisecond) // let the clients overlap
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/scans":
		var req struct{ Image string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Image == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		id := fmt.Sprint("job-", len(f.images))
		f.images[id] = req.Image
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(map[string]string{"id": id, "state": "queued"})
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/report"):
		f.reports.Add(1)
		w.Write([]byte(`{"artifact":{}}`))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/scans/"):
		id := strings.TrimPrefix(r.URL.Path, "/v1/scans/")
		image, ok := f.images[id]
		if !ok {
			http.NotFound(w, r)
			return
		}
		f.polls[id]++
		st := map[string]string{"id": id, "state": "running"}
		if f.polls[id] >= 3 {
			st["state"] = "done"
			if image == "bad" {
				st["state"], st["error"] = "failed", "registry said 404"
			}
		}
		json.NewEncoder(w).Encode(st)
	default:
		http.NotFound(w, r)
	}
}

func newFake(t *testing.T) (*fakeAPI, *httptest.Server) {
	f := &fakeAPI{token: "tok", polls: map[string]int{}, images: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name              string
		images            []string
		token             string
		n, c              int
		done, failed      int
		reason            string
		wantReports, most int32
	}{
		{name: "all done", images: []string{"a", "b"}, token: "tok", n: 30, c: 5, done: 30, wantReports: 30, most: 5},
		{name: "one image of three fails", images: []string{"a", "bad", "c"}, token: "tok", n: 9, c: 9, done: 6, failed: 3, reason: "failed: registry said 404", wantReports: 6, most: 9},
		{name: "wrong token", images: []string{"a"}, token: "nope", n: 4, c: 2, failed: 4, reason: "submit: HTTP 401: unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			cfg := config{base: srv.URL, token: tc.token, images: tc.images, n: tc.n, c: tc.c, poll: time.Millisecond, timeout: time.Minute, client: srv.Client()}
			if err := cfg.check(); err != nil {
				t.Fatal(err)
			}
			s := summarize(run(context.Background(), cfg), time.Second)
			if s.Requests != tc.n || s.Done != tc.done || s.Failed != tc.failed {
				t.Errorf("summary %+v; want %d done, %d failed", s, tc.done, tc.failed)
			}
			if tc.reason != "" && s.FailureCounts[tc.reason] != tc.failed {
				t.Errorf("failures %v; want %d × %q", s.FailureCounts, tc.failed, tc.reason)
			}
			if f.reports.Load() != tc.wantReports {
				t.Errorf("%d reports fetched, want %d", f.reports.Load(), tc.wantReports)
			}
			if f.most.Load() > int32(tc.c) || tc.most > 0 && f.most.Load() < 2 {
				t.Errorf("at most %d submits in flight with %d clients", f.most.Load(), tc.c)
			}
		})
	}
}

// A run stops when its time runs out, each unfinished scan a failure.
func TestRunTimeout(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"id":"x","state":"queued"}`))
			return
		}
		w.Write([]byte(`{"id":"x","state":"queued"}`))
	}))
	defer hang.Close()
	cfg := config{base: hang.URL, token: "t", images: []string{"a"}, n: 3, c: 3, poll: 10 * time.Millisecond, client: hang.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	s := summarize(run(ctx, cfg), time.Since(start))
	// The deadline finds each client asleep between polls or inside a
	// status request; either way the reason says the time ran out.
	if s.Failed != 3 {
		t.Errorf("summary %+v", s)
	}
	for reason := range s.FailureCounts {
		if !strings.Contains(reason, "the run's time ran out") {
			t.Errorf("failure %q", reason)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run took %v past its deadline", d)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 20; i++ {
		ds = append(ds, time.Duration(i)*time.Second)
	}
	for _, tc := range []struct {
		p    float64
		in   []time.Duration
		want time.Duration
	}{
		{0.5, ds, 10 * time.Second},
		{0.95, ds, 19 * time.Second},
		{1, ds, 20 * time.Second},
		{0.5, ds[:1], time.Second},
		{0.95, nil, 0},
	} {
		if got := percentile(tc.in, tc.p); got != tc.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(tc.in), tc.p, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	ok := config{base: "http://127.0.0.1:8080/", token: "t", images: []string{"a"}, n: 1, c: 1, poll: 1, timeout: 1}
	if err := ok.check(); err != nil || ok.base != "http://127.0.0.1:8080" {
		t.Errorf("check: %v, base %q", err, ok.base)
	}
	for _, mod := range []func(*config){
		func(c *config) { c.base = "127.0.0.1:8080" },
		func(c *config) { c.token = "" },
		func(c *config) { c.images = nil },
		func(c *config) { c.n = 0 },
		func(c *config) { c.c = -1 },
		func(c *config) { c.timeout = 0 },
	} {
		c := ok
		mod(&c)
		if err := c.check(); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
}

// Reports of one image that differ are counted, whatever the registry.
func TestSummarizeDisagreements(t *testing.T) {
	s := summarize([]outcome{
		{image: "127.0.0.1:1/apps/a:1", findings: "3 findings, aa"},
		{image: "127.0.0.1:2/apps/a:1", findings: "3 findings, aa"},
		{image: "127.0.0.1:1/apps/b:1", findings: "3 findings, bb"},
		{image: "127.0.0.1:1/apps/b:1", findings: "2 findings, cc"},
		{image: "127.0.0.1:1/apps/b:1", findings: "1 findings, dd"},
	}, time.Second)
	if s.Disagreements != 1 || len(s.Findings["apps/a:1"]) != 1 || len(s.Findings["apps/b:1"]) != 3 {
		t.Errorf("disagreements %d, findings %v", s.Disagreements, s.Findings)
	}
}

package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulwark-sec/bulwark/extract/rpm"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
)

// TestMain lets rpm databases be read in child processes of the test
// binary, as the real binary reads them.
func TestMain(m *testing.M) {
	rpm.Isolate()
	os.Exit(m.Run())
}

const (
	testToken = "s3cret-token"
	demoDB    = "../demo/db"
	demoImage = "../demo/image.tar"
)

// harness is a server on loopback with its workers running.
type harness struct {
	t      *testing.T
	s      *Server
	url    string
	tmp    string // the server's TempDir
	client *http.Client
}

// start starts a server whose database is the demo slice, with workers
// workers, changed by mut.
func start(t *testing.T, workers int, mut func(*Config)) *harness {
	t.Helper()
	tmp := t.TempDir()
	cfg := Config{
		Token:       testToken,
		Pipeline:    pipeline.Options{CacheDir: t.TempDir(), DB: pipeline.DBOptions{Path: demoDB}},
		TempDir:     tmp,
		ScanTimeout: 2 * time.Minute,
	}
	if mut != nil {
		mut(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { s.RunWorkers(ctx, workers) })
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		ts.Close()
		s.Close()
	})
	return &harness{t: t, s: s, url: ts.URL, tmp: tmp, client: ts.Client()}
}

// do sends a request with the token and returns the answer read whole.
func (h *harness) do(method, path string, body io.Reader) (*http.Response, []byte) {
	h.t.Helper()
	return h.doWith(method, path, body, "Bearer "+testToken)
}

func (h *harness) doWith(method, path string, body io.Reader, auth string) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, data
}

// submit queues a scan and returns its id.
func (h *harness) submit(req jobs.Request) string {
	h.t.Helper()
	body, _ := json.Marshal(req)
	resp, data := h.do("POST", "/v1/scans", bytes.NewReader(body))
	if resp.StatusCode != http.StatusAccepted {
		h.t.Fatalf("POST /v1/scans %s: %d %s", body, resp.StatusCode, data)
	}
	var out struct{ ID, State string }
	if err := json.Unmarshal(data, &out); err != nil || out.ID == "" || out.State != "queued" {
		h.t.Fatalf("POST /v1/scans: %s (%v)", data, err)
	}
	if loc := resp.Header.Get("Location"); loc != "/v1/scans/"+out.ID {
		h.t.Errorf("Location %q", loc)
	}
	return out.ID
}

// wait polls the job's status until it is done or failed.
func (h *harness) wait(id string) jobs.Status {
	h.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, data := h.do("GET", "/v1/scans/"+id, nil)
		if resp.StatusCode != http.StatusOK {
			h.t.Fatalf("GET /v1/scans/%s: %d %s", id, resp.StatusCode, data)
		}
		var st jobs.Status
		if err := json.Unmarshal(data, &st); err != nil {
			h.t.Fatal(err)
		}
		if st.State == jobs.Done || st.State == jobs.Failed {
			return st
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("job %s still %s", id, st.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scan submits req, waits, and returns the JSON report, failing the test
// unless the job is done.
func (h *harness) scan(req jobs.Request) *report.Report {
	h.t.Helper()
	id := h.submit(req)
	if st := h.wait(id); st.State != jobs.Done {
		h.t.Fatalf("scan of %s: %s: %s", req.Image, st.State, st.Error)
	}
	return h.report(id)
}

// report fetches a done job's JSON report.
func (h *harness) report(id string) *report.Report {
	h.t.Helper()
	resp, data := h.do("GET", "/v1/scans/"+id+"/report", nil)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("report: %d %s", resp.StatusCode, data)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		h.t.Fatal(err)
	}
	return &rep
}

// metric reads one sample from /metrics: name with its labels as the
// exposition format writes them (bulwark_scans_total{result="done"}); 0
// when absent.
func (h *harness) metric(sample string) float64 {
	h.t.Helper()
	resp, data := h.do("GET", "/metrics", nil)
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				h.t.Fatalf("%s: %v", sc.Text(), err)
			}
			return f
		}
	}
	return 0
}

// demo is the demo image.
func demo(t testing.TB) v1.Image {
	t.Helper()
	img, err := tarball.ImageFromPath(demoImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// push writes img to ref and returns its digest.
func push(t testing.TB, ref string, img v1.Image, opts ...remote.Option) string {
	t.Helper()
	return testregistry.Push(t, ref, img, opts...).String()
}

// vulnIDs lists a report's vulnerabilities as "ID package version".
func vulnIDs(r *report.Report) []string {
	var out []string
	for _, v := range r.Vulnerabilities {
		out = append(out, v.ID+" "+v.Package.Name+" "+v.Package.Version)
	}
	slices.Sort(out)
	return out
}

// countingListener counts the connections made to a loopback port that
// nothing should reach.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func listenCounting(t *testing.T) *countingListener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &countingListener{Listener: l}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			c.n.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return c
}

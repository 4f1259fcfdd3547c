package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/pipeline"
)

// A scan by tag and one by digest find what pipeline.Run finds in the same
// image; a third scan of the digest is answered from the kept report,
// analysing no layer.
func TestScanEndToEnd(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	img := demo(t)
	digest := push(t, host+"/demo/app:1", img)
	h := start(t, 2, func(c *Config) { c.AllowRegistries = []string{host} })

	want, err := pipeline.Run(context.Background(), pipeline.Target{Input: demoImage},
		pipeline.Options{Scanners: pipeline.Scanners{Vuln: true, Secret: true}, NoCache: true, DB: pipeline.DBOptions{Path: demoDB}})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Vulnerabilities) == 0 || len(want.Secrets) == 0 {
		t.Fatalf("the demo image gave %d vulnerabilities and %d secrets", len(want.Vulnerabilities), len(want.Secrets))
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}

	began := time.Now()
	byTag := h.scan(jobs.Request{Image: host + "/demo/app:1"})
	t.Logf("first scan, %d layers: %v", len(layers), time.Since(began))
	if got := vulnIDs(byTag); !slices.Equal(got, vulnIDs(want)) {
		t.Errorf("by tag:\n%v\nwant:\n%v", got, vulnIDs(want))
	}
	if len(byTag.Secrets) != len(want.Secrets) {
		t.Errorf("by tag: %d secrets, want %d", len(byTag.Secrets), len(want.Secrets))
	}
	if byTag.Artifact.Name != host+"/demo/app:1" || byTag.Artifact.ManifestDigest != digest ||
		!slices.Equal(byTag.Artifact.RepoTags, []string{host + "/demo/app:1"}) {
		t.Errorf("by tag: artifact %+v", byTag.Artifact)
	}
	analysed := h.metric("bulwark_layers_analysed_total")
	if analysed != float64(len(layers)) {
		t.Errorf("first scan analysed %v layers, want %d", analysed, len(layers))
	}

	byDigest := h.scan(jobs.Request{Image: host + "/demo/app@" + digest})
	if got := vulnIDs(byDigest); !slices.Equal(got, vulnIDs(want)) {
		t.Errorf("by digest:\n%v\nwant:\n%v", got, vulnIDs(want))
	}
	if byDigest.Artifact.Name != host+"/demo/app@"+digest || len(byDigest.Artifact.RepoTags) != 0 {
		t.Errorf("by digest: artifact %+v", byDigest.Artifact)
	}
	began = time.Now()
	h.scan(jobs.Request{Image: host + "/demo/app@" + digest})
	t.Logf("a digest scanned before: %v", time.Since(began))
	if got := h.metric("bulwark_layers_analysed_total"); got != analysed {
		t.Errorf("scans of a digest already scanned analysed %v more layers", got-analysed)
	}
	if got := h.metric(`bulwark_scans_total{result="cached"}`); got != 2 {
		t.Errorf("scans answered from a kept report: %v, want 2", got)
	}
	if got := h.metric(`bulwark_scans_total{result="done"}`); got != 1 {
		t.Errorf("scans made: %v, want 1", got)
	}
	// Other scanners are another report.
	h.scan(jobs.Request{Image: host + "/demo/app@" + digest, Scanners: "vuln"})
	if got := h.metric(`bulwark_scans_total{result="done"}`); got != 2 {
		t.Errorf("scans made after one with other scanners: %v, want 2", got)
	}
}

// The report in every format, and the answers about jobs that have none.
func TestReportFormats(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	push(t, host+"/demo/app:1", demo(t))
	h := start(t, 1, func(c *Config) { c.AllowRegistries = []string{host} })
	id := h.submit(jobs.Request{Image: host + "/demo/app:1"})
	h.wait(id)
	for _, tt := range []struct{ format, contentType, has string }{
		{"json", "application/json", `"schemaVersion"`},
		{"sarif", "application/sarif+json", `"2.1.0"`},
		{"cyclonedx", "application/vnd.cyclonedx+json", `"CycloneDX"`},
		{"spdx", "application/spdx+json", `"SPDX-2.3"`},
		{"table", "text/plain; charset=utf-8", "CVE-"},
	} {
		resp, data := h.do("GET", "/v1/scans/"+id+"/report?format="+tt.format, nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tt.contentType || !strings.Contains(string(data), tt.has) {
			t.Errorf("format %s: %d %s, %.200s", tt.format, resp.StatusCode, resp.Header.Get("Content-Type"), data)
		}
	}
	if resp, data := h.do("GET", "/v1/scans/"+id+"/report?format=xml", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("format xml: %d %s", resp.StatusCode, data)
	}
	if resp, data := h.do("GET", "/v1/scans/nosuchjob/report", nil); resp.StatusCode != http.StatusNotFound || !strings.Contains(string(data), `"error"`) {
		t.Errorf("unknown job's report: %d %s", resp.StatusCode, data)
	}
	if resp, data := h.do("GET", "/v1/scans/nosuchjob", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown job: %d %s", resp.StatusCode, data)
	}

	// ?wait answers with the report itself.
	resp, data := h.do("POST", "/v1/scans?wait=1m&format=sarif", strings.NewReader(`{"image":"`+host+`/demo/app:1"}`))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(data), `"2.1.0"`) {
		t.Errorf("wait: %d %.200s", resp.StatusCode, data)
	}
}

// A job no worker has taken has no report yet: 409 with its status.
func TestReportNotReady(t *testing.T) {
	h := start(t, 0, func(c *Config) { c.AllowRegistries = []string{"registry.example"} })
	id := h.submit(jobs.Request{Image: "registry.example/app:1"})
	resp, data := h.do("GET", "/v1/scans/"+id+"/report", nil)
	var body statusError
	if err := json.Unmarshal(data, &body); err != nil || resp.StatusCode != http.StatusConflict || body.Status.State != jobs.Queued || body.Status.ID != id {
		t.Errorf("%d %s", resp.StatusCode, data)
	}
	// A short wait that runs out answers as without one.
	resp, data = h.do("POST", "/v1/scans?wait=100ms", strings.NewReader(`{"image":"registry.example/app:2"}`))
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(string(data), `"queued"`) {
		t.Errorf("wait ran out: %d %s", resp.StatusCode, data)
	}
}

// Two images on one base, scanned at once by two workers: each shared
// layer is analysed once.
func TestSharedBaseLayer(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	base := demo(t)
	extra, err := testimage.Layer([]testimage.File{{Path: "app/requirements.txt", Body: []byte("urllib3==1.26.12\n")}})
	if err != nil {
		t.Fatal(err)
	}
	derived, err := mutate.AppendLayers(base, extra)
	if err != nil {
		t.Fatal(err)
	}
	push(t, host+"/demo/base:1", base)
	push(t, host+"/demo/derived:1", derived)
	layers, _ := base.Layers()
	h := start(t, 2, func(c *Config) { c.AllowRegistries = []string{host} })

	ids := []string{h.submit(jobs.Request{Image: host + "/demo/base:1"}), h.submit(jobs.Request{Image: host + "/demo/derived:1"})}
	for _, id := range ids {
		if st := h.wait(id); st.State != jobs.Done {
			t.Fatalf("%s: %s", st.State, st.Error)
		}
	}
	if got, want := h.metric("bulwark_layers_analysed_total"), float64(len(layers)+1); got != want {
		t.Errorf("layers analysed: %v, want %v", got, want)
	}
	if got, want := h.metric("bulwark_layers_cached_total"), float64(len(layers)); got != want {
		t.Errorf("layers from the cache: %v, want %v", got, want)
	}
}

// Registry credentials travel in the job: without them the job fails
// saying so, with them it is done.
func TestScanCredentials(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{Htpasswd: map[string]string{"alice": "s3cret"}})
	push(t, host+"/private/app:1", demo(t), remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"}))
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // the machine's own credentials play no part
	h := start(t, 1, func(c *Config) { c.AllowRegistries = []string{host} })

	st := h.wait(h.submit(jobs.Request{Image: host + "/private/app:1"}))
	if st.State != jobs.Failed || !strings.Contains(st.Error, "access denied") {
		t.Errorf("anonymous: %+v", st)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	rep := h.scan(jobs.Request{Image: host + "/private/app:1", Authorization: basic})
	if len(rep.Vulnerabilities) == 0 {
		t.Error("no vulnerabilities with credentials")
	}
	// A kept report is given only to whoever may pull the image.
	st = h.wait(h.submit(jobs.Request{Image: host + "/private/app:1", Authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:wrong"))}))
	if st.State != jobs.Failed || !strings.Contains(st.Error, "access denied") {
		t.Errorf("wrong password after a kept report: %+v", st)
	}
}

// A scan that panics is a failed job; the worker goes on to the next.
func TestWorkerPanic(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	push(t, host+"/demo/app:1", demo(t))
	p := &panicOnce{}
	h := start(t, 1, func(c *Config) {
		c.AllowRegistries = []string{host}
		c.Pipeline.Progress = p
	})
	st := h.wait(h.submit(jobs.Request{Image: host + "/demo/app:1"}))
	if st.State != jobs.Failed || !strings.Contains(st.Error, "panicked") {
		t.Errorf("panicking scan: %+v", st)
	}
	h.scan(jobs.Request{Image: host + "/demo/app:1"})
	if got := h.metric(`bulwark_scans_total{result="failed"}`); got != 1 {
		t.Errorf("failed scans: %v", got)
	}
}

// panicOnce is a Progress whose first Start panics, as a bug in a scan
// would.
type panicOnce struct {
	mu    sync.Mutex
	fired bool
}

func (p *panicOnce) Start(int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.fired {
		p.fired = true
		panic("a bug in the scan")
	}
}

func (p *panicOnce) Event(layerfs.ProgressEvent) {}
func (p *panicOnce) Finish()                     {}

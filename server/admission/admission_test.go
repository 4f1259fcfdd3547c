package admission

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden answers in testdata/answers")

// env is a registry on loopback holding the demo image (real vulnerable
// packages and planted secrets) as demo/app:1 and a tiny clean image as
// clean/app:1, and a scanner that matches against demo/db.
type env struct {
	host                    string
	demoDigest, cleanDigest v1.Hash
	scanner                 *DirectScanner
}

func cleanImage(t testing.TB, marker string) v1.Image {
	t.Helper()
	l, err := testimage.Layer([]testimage.File{
		{Path: "etc/os-release", Body: []byte("ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n")},
		{Path: "app/README", Body: []byte("a clean image: " + marker + "\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimage.Image(l)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func newEnv(t testing.TB) *env {
	t.Helper()
	host := testregistry.Start(t, testregistry.Options{})
	demo, err := tarball.ImageFromPath("../../demo/image.tar", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{host: host}
	e.demoDigest = testregistry.Push(t, host+"/demo/app:1", demo)
	e.cleanDigest = testregistry.Push(t, host+"/clean/app:1", cleanImage(t, "v1"))
	e.scanner = &DirectScanner{Options: pipeline.Options{
		Scanners: pipeline.Scanners{Vuln: true, Secret: true},
		NoCache:  true,
		DB:       pipeline.DBOptions{Path: "../../demo/db"},
	}}
	return e
}

// fixture reads a review from testdata/reviews with the registry and
// digests of e filled in.
func (e *env) fixture(t testing.TB, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/reviews", file))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer("{{REGISTRY}}", e.host, "{{CLEAN_DIGEST}}", e.cleanDigest.String()).Replace(string(data)))
}

// normalize puts the placeholders back into an answer, so that the
// golden files hold neither the port nor digests.
func (e *env) normalize(s string) string {
	return strings.NewReplacer(e.host, "{{REGISTRY}}",
		e.demoDigest.Hex[:12], "{{DEMO_DIGEST}}", e.cleanDigest.Hex[:12], "{{CLEAN_DIGEST}}").Replace(s)
}

func post(t *testing.T, h http.Handler, body []byte) (*httptest.ResponseRecorder, *admissionv1.AdmissionReview) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		return rec, nil
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("answer is not a review: %v\n%s", err, rec.Body)
	}
	return rec, &out
}

func mustPolicy(t testing.TB, doc string) Policy {
	t.Helper()
	p, err := ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const strictPolicy = `
maxSeverity: HIGH
noSecrets: true
misconfig: {severity: HIGH}
timeBudget: 25s
failurePolicy: closed
`

func TestGoldenAnswers(t *testing.T) {
	e := newEnv(t)
	// A warm cache, as a server that has seen the image before: the
	// first scan of the demo image is not raced against the budget here
	// (TestBudget does that).
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	if _, err := e.scanner.Scan(ctx, e.host+"/demo/app@"+e.demoDigest.String()); err != nil {
		t.Fatal(err)
	}
	t.Logf("first scan of the demo image from the registry: %s", time.Since(start).Round(time.Millisecond))
	h := Handler(e.scanner, mustPolicy(t, strictPolicy), Options{})
	files, _ := filepath.Glob("testdata/reviews/*.json")
	if len(files) < 5 {
		t.Fatalf("fixtures: %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in := e.fixture(t, filepath.Base(f))
			rec, rev := post(t, h, in)
			if rev == nil {
				t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
			}
			var req admissionv1.AdmissionReview
			if err := json.Unmarshal(in, &req); err != nil {
				t.Fatal(err)
			}
			if rev.Response == nil || rev.Response.UID != req.Request.UID || rev.APIVersion != "admission.k8s.io/v1" || rev.Kind != "AdmissionReview" {
				t.Fatalf("answer does not match the request: %s", rec.Body)
			}
			got, _ := json.MarshalIndent(rev, "", "  ")
			golden := filepath.Join("testdata/answers", filepath.Base(f))
			norm := e.normalize(string(got)) + "\n"
			if *update {
				if err := os.WriteFile(golden, []byte(norm), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if norm != string(want) {
				t.Errorf("answer differs from %s:\n%s", golden, norm)
			}
		})
	}
}

// podReview is a review of a Pod running images, made in code.
func podReview(t *testing.T, op admissionv1.Operation, namespace string, images ...string) []byte {
	t.Helper()
	var cs []map[string]any
	for i, img := range images {
		cs = append(cs, map[string]any{"name": "c" + string(rune('0'+i)), "image": img})
	}
	obj, _ := json.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p"},
		"spec":     map[string]any{"containers": cs},
	})
	rev, _ := json.Marshal(map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid": "u-1", "kind": map[string]any{"group": "", "version": "v1", "kind": "Pod"},
			"resource":  map[string]any{"group": "", "version": "v1", "resource": "pods"},
			"namespace": namespace, "name": "p", "operation": op,
			"object": json.RawMessage(obj),
		},
	})
	return rev
}

func answer(t *testing.T, h http.Handler, body []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	rec, rev := post(t, h, body)
	if rev == nil || rev.Response == nil {
		t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
	}
	return rev.Response
}

func message(r *admissionv1.AdmissionResponse) string {
	if r.Result == nil {
		return ""
	}
	return r.Result.Message
}

func TestPolicyEndToEnd(t *testing.T) {
	e := newEnv(t)
	demo, clean := e.host+"/demo/app:1", e.host+"/clean/app:1"
	// A registry that counts requests: the allow-list must deny its
	// images without contacting it.
	var contacted atomic.Int64
	counting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contacted.Add(1)
		http.NotFound(w, r)
	}))
	defer counting.Close()
	outside := strings.TrimPrefix(counting.URL, "http://") + "/other/app:1"

	tests := []struct {
		name, policy string
		images       []string
		namespace    string
		allowed      bool
		want         []string // in the denial message
		warnings     []string // in the warnings
	}{
		{name: "vulnerable image denied", policy: "maxSeverity: CRITICAL", images: []string{demo},
			want: []string{"image " + demo + " (sha256:" + e.demoDigest.Hex[:12] + "…): 1 vulnerability at or above CRITICAL: GHSA-3jch-9qgp-4844"}},
		{name: "secrets denied", policy: "noSecrets: true", images: []string{demo},
			want: []string{"7 secrets (Private key in /root/.ssh/id_ed25519 (deleted by layer 6, still in the image), AWS access key ID in /app/.env"}},
		{name: "ignored IDs do not deny", policy: "maxSeverity: CRITICAL\nignore: [ghsa-3jch-9qgp-4844]", images: []string{demo}, allowed: true},
		{name: "clean image allowed", policy: strictPolicy, images: []string{clean}, allowed: true},
		{name: "unpinned tag denied", policy: "requireDigest: true", images: []string{clean},
			want: []string{"image " + clean + ": not pinned by digest"}},
		{name: "pinned allowed", policy: "requireDigest: true\nmaxSeverity: LOW", images: []string{e.host + "/clean/app@" + e.cleanDigest.String()}, allowed: true},
		{name: "registry outside the allow-list", policy: "allowedRegistries: [" + e.host + "]\nmaxSeverity: LOW", images: []string{clean, outside},
			want: []string{"image " + outside + ": registry " + strings.TrimPrefix(counting.URL, "http://") + " is not in the allowed registries (" + e.host + ")"}},
		{name: "repository prefix allowed", policy: "allowedRegistries: [" + e.host + "/clean]\nmaxSeverity: LOW", images: []string{clean}, allowed: true},
		{name: "repository prefix is not a string prefix", policy: "allowedRegistries: [" + e.host + "/cle]", images: []string{clean},
			want: []string{"is not in the allowed registries"}},
		{name: "warn mode allows with warnings", policy: "mode: warn\nmaxSeverity: HIGH", images: []string{demo}, allowed: true,
			warnings: []string{"bulwark (warn mode, would deny): image " + demo}},
		{name: "exempt namespace", policy: "requireDigest: true\nexemptNamespaces: [kube-system]", namespace: "kube-system", images: []string{demo}, allowed: true},
		{name: "unknown tag fails closed", policy: "maxSeverity: HIGH", images: []string{e.host + "/demo/app:nope"},
			want: []string{"image " + e.host + "/demo/app:nope: not checked (failure policy closed: denied): the resolve failed"}},
		{name: "unknown tag fails open", policy: "maxSeverity: HIGH\nfailurePolicy: open", images: []string{e.host + "/demo/app:nope"}, allowed: true,
			warnings: []string{"not checked (failure policy open: allowed): the resolve failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := tt.namespace
			if ns == "" {
				ns = "shop"
			}
			h := Handler(e.scanner, mustPolicy(t, tt.policy), Options{})
			r := answer(t, h, podReview(t, admissionv1.Create, ns, tt.images...))
			if r.Allowed != tt.allowed {
				t.Fatalf("allowed = %v, want %v: %s %v", r.Allowed, tt.allowed, message(r), r.Warnings)
			}
			for _, w := range tt.want {
				if !strings.Contains(message(r), w) {
					t.Errorf("message lacks %q:\n%s", w, message(r))
				}
			}
			joined := strings.Join(r.Warnings, "\n")
			for _, w := range tt.warnings {
				if !strings.Contains(joined, w) {
					t.Errorf("warnings lack %q:\n%s", w, joined)
				}
			}
			if tt.allowed && len(tt.warnings) == 0 && len(r.Warnings) > 0 {
				t.Errorf("unexpected warnings: %v", r.Warnings)
			}
		})
	}
	if n := contacted.Load(); n != 0 {
		t.Errorf("the registry outside the allow-list was contacted %d times", n)
	}
}

// A registry that never answers: the answer comes within the budget, and
// the failure policy decides it.
func TestBudget(t *testing.T) {
	stop := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(stop)
	ref := strings.TrimPrefix(hanging.URL, "http://") + "/slow/app:1"
	scanner := &DirectScanner{Options: pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, NoCache: true, DB: pipeline.DBOptions{Path: "../../demo/db"}}}
	for _, fp := range []string{FailOpen, FailClosed} {
		t.Run(fp, func(t *testing.T) {
			budget := 700 * time.Millisecond
			h := Handler(scanner, mustPolicy(t, "maxSeverity: HIGH\ntimeBudget: 700ms\nfailurePolicy: "+fp), Options{})
			start := time.Now()
			r := answer(t, h, podReview(t, admissionv1.Create, "shop", ref))
			took := time.Since(start)
			if took < budget || took > budget+2*time.Second {
				t.Errorf("answered after %s with a budget of %s", took, budget)
			}
			text := message(r) + strings.Join(r.Warnings, "\n")
			want := "image " + ref + ": not checked (failure policy " + fp
			if !strings.Contains(text, want) || !strings.Contains(text, "the resolve did not finish within the time budget of 700ms") {
				t.Errorf("answer lacks %q: %s", want, text)
			}
			if r.Allowed != (fp == FailOpen) {
				t.Errorf("allowed = %v with failure policy %s", r.Allowed, fp)
			}
		})
	}
}

// The first scan of an image that does not fit the budget goes on in
// the background; the retry finds the report.
func TestScanOutlivesTheBudget(t *testing.T) {
	e := newEnv(t)
	demo := e.host + "/demo/app@" + e.demoDigest.String()
	h := Handler(e.scanner, mustPolicy(t, "maxSeverity: HIGH\ntimeBudget: 1ms\nfailurePolicy: open"), Options{})
	r := answer(t, h, podReview(t, admissionv1.Create, "shop", demo))
	if !r.Allowed || !strings.Contains(strings.Join(r.Warnings, ""), "time budget of 1ms") {
		t.Fatalf("first answer: %v %v", r.Allowed, r.Warnings)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Waits for the scan the review started (singleflight), not a new one.
	if _, err := e.scanner.Scan(ctx, demo); err != nil {
		t.Fatal(err)
	}
	h = Handler(e.scanner, mustPolicy(t, "maxSeverity: HIGH\ntimeBudget: 1s"), Options{})
	if r := answer(t, h, podReview(t, admissionv1.Create, "shop", demo)); r.Allowed || !strings.Contains(message(r), "vulnerabilities at or above HIGH") {
		t.Errorf("retry: %v %s", r.Allowed, message(r))
	}
}

func TestBadRequests(t *testing.T) {
	h := Handler(&DirectScanner{}, mustPolicy(t, ""), Options{MaxBody: 4096})
	valid := string(podReview(t, admissionv1.Create, "shop", "nginx"))
	tests := []struct {
		name, method, body string
		code               int
	}{
		{"GET", http.MethodGet, "", http.StatusMethodNotAllowed},
		{"empty", http.MethodPost, "", http.StatusBadRequest},
		{"not JSON", http.MethodPost, "kind: AdmissionReview", http.StatusBadRequest},
		{"v1beta1", http.MethodPost, strings.Replace(valid, "admission.k8s.io/v1", "admission.k8s.io/v1beta1", 1), http.StatusBadRequest},
		{"other kind", http.MethodPost, strings.Replace(valid, `"AdmissionReview"`, `"ConversionReview"`, 1), http.StatusBadRequest},
		{"no request", http.MethodPost, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, http.StatusBadRequest},
		{"no uid", http.MethodPost, strings.Replace(valid, `"uid":"u-1"`, `"uid":""`, 1), http.StatusBadRequest},
		{"trailing data", http.MethodPost, valid + "{}", http.StatusBadRequest},
		{"wrong types", http.MethodPost, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}`, http.StatusBadRequest},
		{"too large", http.MethodPost, valid[:len(valid)-1] + `,"pad":"` + strings.Repeat("x", 5000) + `"}`, http.StatusRequestEntityTooLarge},
		{"valid", http.MethodPost, valid, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, Path, strings.NewReader(tt.body)))
			if rec.Code != tt.code {
				t.Errorf("HTTP %d, want %d: %s", rec.Code, tt.code, rec.Body)
			}
		})
	}
}

// Objects that are not workloads pass; a workload whose template does not
// decode is not waved through.
func TestObjects(t *testing.T) {
	h := Handler(&DirectScanner{}, mustPolicy(t, "requireDigest: true"), Options{})
	review := func(obj string) []byte {
		return []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","namespace":"shop","object":` + obj + `}}`)
	}
	tests := []struct {
		name, obj string
		allowed   bool
		want      string
	}{
		{"ConfigMap", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"image":"nginx"}}`, true, ""},
		{"custom Job kind", `{"apiVersion":"example.com/v1","kind":"Job","spec":{"template":{"spec":{"containers":[{"image":"nginx"}]}}}}`, true, ""},
		{"no object", `null`, true, ""},
		{"ReplicationController", `{"apiVersion":"v1","kind":"ReplicationController","spec":{"template":{"spec":{"containers":[{"name":"a","image":"nginx:1"}]}}}}`, false, "image nginx:1: not pinned by digest"},
		{"ephemeral container", `{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"nginx@sha256:` + strings.Repeat("a", 64) + `"}],"ephemeralContainers":[{"name":"debug","image":"busybox:1"}]}}`, false, "image busybox:1: not pinned by digest"},
		{"StatefulSet", `{"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"template":{"spec":{"containers":[{"name":"a","image":"db:1"}]}}}}`, false, "image db:1"},
		{"DaemonSet", `{"apiVersion":"apps/v1","kind":"DaemonSet","spec":{"template":{"spec":{"containers":[{"name":"a","image":"agent:1"}]}}}}`, false, "image agent:1"},
		{"ReplicaSet", `{"apiVersion":"apps/v1","kind":"ReplicaSet","spec":{"template":{"spec":{"initContainers":[{"name":"a","image":"init:1"}]}}}}`, false, "image init:1"},
		{"Job", `{"apiVersion":"batch/v1","kind":"Job","spec":{"template":{"spec":{"containers":[{"name":"a","image":"batch:1"}]}}}}`, false, "image batch:1"},
		{"template of the wrong type", `{"apiVersion":"apps/v1","kind":"Deployment","spec":{"template":{"spec":{"containers":"nginx"}}}}`, false, "cannot read the object"},
		{"bad reference", `{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"a","image":"UPPER/Case:1"}]}}`, false, "not a valid image reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := answer(t, h, review(tt.obj))
			if r.Allowed != tt.allowed || !strings.Contains(message(r), tt.want) {
				t.Errorf("allowed %v (want %v), message %q (want %q)", r.Allowed, tt.allowed, message(r), tt.want)
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy([]byte(`{"maxSeverity": "high", "misconfig": {"severity": "medium", "skip": ["bw-k8s-006"]},
		"allowedRegistries": ["docker.io/library", "registry.local:5000"], "timeBudget": "5s", "mode": "Warn"}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.MaxSeverity != "HIGH" || p.Misconfig.Severity != "MEDIUM" || p.Misconfig.Skip[0] != "BW-K8S-006" ||
		p.AllowedRegistries[0] != "index.docker.io/library" || p.TimeBudget != 5*time.Second || p.Mode != ModeWarn || p.FailurePolicy != FailClosed {
		t.Errorf("policy = %+v", p)
	}
	d, _ := ParsePolicy(nil)
	if d.TimeBudget != DefaultTimeBudget || d.Mode != ModeEnforce || d.FailurePolicy != FailClosed {
		t.Errorf("defaults = %+v", d)
	}
	for _, bad := range []string{
		"maxSeverty: HIGH",
		"misconfig: {severity: HIGH, skipp: [X]}",
		"maxSeverity: SEVERE",
		"mode: audit",
		"failurePolicy: ignore",
		"timeBudget: 45s",
		"timeBudget: -1s",
		"timeBudget: soon",
		"allowedRegistries: ['bad host!']",
		"noSecrets: true\n---\nnoSecrets: false",
		"requireSignature: {}",
		"requireSignature: {keys: [/nonexistent/cosign.pub]}",
		"requireSignature: {identity: ci@example.com, issuer: https://issuer.example}",
		"requireSignature: {identity: ci@example.com}",
		"requireSignature: {key: x}",
	} {
		if _, err := ParsePolicy([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := LoadPolicy(filepath.Join(t.TempDir(), "none.yaml")); err == nil {
		t.Error("a missing file loaded")
	}
}

// A tag's digest is reused for ResolveTTL, then asked again.
func TestResolveCache(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tag := e.host + "/clean/app:1"
	first, err := e.scanner.Resolve(ctx, tag)
	if err != nil || first != e.host+"/clean/app@"+e.cleanDigest.String() {
		t.Fatalf("resolve: %s, %v", first, err)
	}
	moved := testregistry.Push(t, tag, cleanImage(t, "v2"))
	if again, _ := e.scanner.Resolve(ctx, tag); again != first {
		t.Errorf("within the TTL: %s, want the cached %s", again, first)
	}
	fresh := &DirectScanner{ResolveTTL: time.Nanosecond}
	if got, err := fresh.Resolve(ctx, tag); err != nil || !strings.HasSuffix(got, moved.String()) {
		t.Errorf("after the TTL: %s, %v; want %s", got, err, moved)
	}
}

// BenchmarkReviewCached is the webhook's steady state: a Pod whose two
// images were scanned before (the report cache) and whose tags were
// resolved lately, under the strict policy (the Kubernetes checks run).
func BenchmarkReviewCached(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	if _, err := e.scanner.Scan(ctx, e.host+"/demo/app@"+e.demoDigest.String()); err != nil {
		b.Fatal(err)
	}
	h := Handler(e.scanner, mustPolicy(b, strictPolicy), Options{})
	body := e.fixture(b, "pod-demo.json")
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body)))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Body)
		}
	}
}

// Cancelling the scanner's base context stops the scans reviews left
// running, and what waits on them hears why.
func TestBaseContextStopsScans(t *testing.T) {
	e := newEnv(t)
	base, stop := context.WithCancel(context.Background())
	e.scanner.Base = base
	stop()
	_, err := e.scanner.Scan(context.Background(), e.host+"/demo/app@"+e.demoDigest.String())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("scan under a cancelled base: %v", err)
	}
}

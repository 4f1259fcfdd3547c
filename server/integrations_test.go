package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/bulwark-sec/bulwark/internal/testcosign"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/server/admission"
)

// Harbor's scan request through the real server: the registry Harbor
// names (plain HTTP, its credential), the server's queue and workers, and
// Harbor's report of the same findings pipeline.Run makes.
func TestHarborThroughServer(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{Htpasswd: map[string]string{"harbor": "pw"}})
	digest := push(t, host+"/library/demo:1", demo(t), remote.WithAuth(&authn.Basic{Username: "harbor", Password: "pw"}))
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	h := start(t, 1, func(c *Config) { c.AllowRegistries = []string{host} })

	body, _ := json.Marshal(map[string]any{
		"registry": map[string]string{"url": "http://" + host, "authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("harbor:pw"))},
		"artifact": map[string]string{"repository": "library/demo", "digest": digest, "tag": "1", "mime_type": "application/vnd.docker.distribution.manifest.v2+json"},
	})
	resp, data := h.do("POST", "/api/v1/scan", bytes.NewReader(body))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/v1/scan: %d %s", resp.StatusCode, data)
	}
	var accepted struct{ ID string }
	if err := json.Unmarshal(data, &accepted); err != nil || accepted.ID == "" {
		t.Fatalf("scan accepted: %s (%v)", data, err)
	}
	const mime = "application/vnd.security.vulnerability.report; version=1.1"
	var got []string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, _ := http.NewRequest("GET", h.url+"/api/v1/scan/"+accepted.ID+"/report", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Accept", mime)
		resp, err := h.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var hr struct {
			Vulnerabilities []struct{ ID, Package, Version string }
		}
		err = json.NewDecoder(resp.Body).Decode(&hr)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range hr.Vulnerabilities {
				got = append(got, v.ID+" "+v.Package+" "+v.Version)
			}
			break
		}
		if resp.StatusCode != http.StatusFound || time.Now().After(deadline) {
			t.Fatalf("report: %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	direct, err := pipeline.Run(t.Context(), pipeline.Target{Input: demoImage}, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, NoCache: true, DB: pipeline.DBOptions{Path: demoDB}})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := vulnIDs(direct); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("Harbor's report lists %d findings, pipeline.Run %d:\n%v\n%v", len(got), len(want), got, want)
	}
}

// The admission webhook through the real server: no bearer token (the
// API server sends none), the image resolved and scanned by the server's
// workers, the Pod denied for the demo image's vulnerabilities.
func TestAdmissionThroughServer(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	push(t, host+"/demo/app:1", demo(t))
	policy, err := admission.ParsePolicy([]byte("maxSeverity: HIGH\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, 1, func(c *Config) {
		c.AllowRegistries = []string{host}
		c.Admission = &policy
	})
	data, err := os.ReadFile("admission/testdata/reviews/pod-demo.json")
	if err != nil {
		t.Fatal(err)
	}
	allowed, message := h.admit(strings.ReplaceAll(string(data), "{{REGISTRY}}", host))
	if allowed || !strings.Contains(message, "at or above HIGH") {
		t.Errorf("allowed %v: %s", allowed, message)
	}
	if n := h.metric(`bulwark_scans_total{result="done"}`); n < 1 {
		t.Errorf("the server's workers scanned %v images", n)
	}
}

// A policy that requires signatures, through the real server: the image
// real cosign signed with the policy's key is allowed, the same image
// re-tagged after a change (unsigned) is denied saying why.
func TestAdmissionRequiresSignature(t *testing.T) {
	testcosign.Path(t)
	host := testregistry.Start(t, testregistry.Options{})
	signed := push(t, host+"/apps/web:1", demo(t))
	extra, err := testimage.Layer([]testimage.File{{Path: "etc/motd", Body: []byte("changed after signing\n")}})
	if err != nil {
		t.Fatal(err)
	}
	changed, err := mutate.AppendLayers(demo(t), extra)
	if err != nil {
		t.Fatal(err)
	}
	push(t, host+"/apps/web:2", changed)
	dir := t.TempDir()
	testcosign.Run(t, dir, "generate-key-pair")
	testcosign.Run(t, dir, append(append([]string{"sign", "--key", "cosign.key"}, testcosign.Registry...), host+"/apps/web@"+signed)...)

	policy, err := admission.ParsePolicy([]byte("requireSignature:\n  keys: [" + filepath.Join(dir, "cosign.pub") + "]\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := start(t, 1, func(c *Config) {
		c.AllowRegistries = []string{host}
		c.Admission = &policy
	})
	for _, tc := range []struct {
		tag     string
		allowed bool
		says    string
	}{
		{"1", true, ""},
		{"2", false, "not signed as the policy requires (key sha256:"},
	} {
		review := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-` + tc.tag + `",
			"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
			"namespace":"shop","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},
			"spec":{"containers":[{"name":"web","image":"` + host + `/apps/web:` + tc.tag + `"}]}}}}`
		allowed, message := h.admit(review)
		if allowed != tc.allowed || !strings.Contains(message, tc.says) || (!tc.allowed && !strings.Contains(message, "no-signature")) {
			t.Errorf("web:%s: allowed %v: %s", tc.tag, allowed, message)
		}
	}
}

// admit posts an AdmissionReview to the webhook, with no token as the API
// server sends it, and returns the answer.
func (h *harness) admit(review string) (allowed bool, message string) {
	h.t.Helper()
	resp, body := h.doWith("POST", admission.Path, strings.NewReader(review), "")
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var answer struct {
		Response struct {
			Allowed bool
			Status  struct{ Message string }
		}
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		h.t.Fatal(err)
	}
	return answer.Response.Allowed, answer.Response.Status.Message
}

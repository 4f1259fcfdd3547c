package harbor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/pipeline"
)

const (
	demoImage = "../../demo/image.tar"
	demoDB    = "../../demo/db"
)

// scanOptions are the options of the stand-in worker and of the direct
// run the adapter's answer is compared with.
func scanOptions(t *testing.T) pipeline.Options {
	return pipeline.Options{
		Scanners: pipeline.Scanners{Vuln: true},
		NoCache:  true,
		CacheDir: t.TempDir(),
		DB:       pipeline.DBOptions{Path: demoDB},
	}
}

// pipelineScanner stands in for the scan server: each submitted job is
// scanned by pipeline.Run in a goroutine, with the request's registry
// credential, and its outcome kept in the in-process job store.
func pipelineScanner(t *testing.T) *storeScanner {
	s := newStoreScanner()
	s.run = func(ctx context.Context, id string, req jobs.Request) {
		if err := s.SetStatus(ctx, jobs.Status{ID: id, State: jobs.Running, Updated: time.Now(), Attempts: 1}); err != nil {
			t.Error(err)
			return
		}
		opts := scanOptions(t)
		if req.Scanners != "" {
			sc, err := pipeline.ParseScanners(req.Scanners)
			if err != nil {
				t.Error(err)
				return
			}
			opts.Scanners = sc
		}
		opts.Image = image.Options{Authorization: req.Authorization, Insecure: req.Insecure}
		rep, err := pipeline.Run(ctx, pipeline.Target{Reference: req.Image}, opts)
		if err := s.store(ctx, id, rep, err); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(s.wg.Wait)
	return s
}

// pushDemo pushes demo/image.tar to the registry as alice and returns its
// manifest digest.
func pushDemo(t *testing.T, host, repo string) string {
	img, err := tarball.ImageFromPath(demoImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/" + repo + ":demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret"})); err != nil {
		t.Fatalf("push: %v", err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, contentType, accept, body string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	// Harbor's client does not follow redirects: a 302 is "not yet".
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	// Every answer over the wire conforms too.
	if err := checkConformance(req, resp.StatusCode, resp.Header, data); err != nil {
		c.t.Errorf("%s %s: %v\nbody: %.500s", method, path, err, data)
	}
	return resp, data
}

// submit posts a scan request as Harbor does and returns the scan ID.
func (c client) submit(registryURL, auth, repo, digest string) string {
	c.t.Helper()
	body := fmt.Sprintf(`{"registry":{"url":%q,"authorization":%q},"artifact":{"repository":%q,"digest":%q,"tag":"demo","mime_type":%q},
		"enabled_capabilities":[{"type":"vulnerability","produces_mime_types":[%q]},{"type":"sbom","parameters":{"sbom_media_types":[%q]}}]}`,
		registryURL, auth, repo, digest, MimeDockerManifest, MimeSecurityReport, MediaCycloneDX)
	resp, data := c.do("POST", "/api/v1/scan", MimeScanRequest11, MimeScanResponse, body)
	if resp.StatusCode != http.StatusAccepted {
		c.t.Fatalf("POST /scan: %d %s", resp.StatusCode, data)
	}
	var sr struct{ ID string }
	if err := json.Unmarshal(data, &sr); err != nil || sr.ID == "" {
		c.t.Fatalf("scan response %s: %v", data, err)
	}
	return sr.ID
}

// poll asks for the report until it is no longer 302, as Harbor does,
// checking the Refresh-After header of every "not yet".
func (c client) poll(id, accept string) (*http.Response, []byte) {
	c.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, data := c.do("GET", "/api/v1/scan/"+id+"/report", "", accept, "")
		if resp.StatusCode != http.StatusFound {
			return resp, data
		}
		if resp.Header.Get("Refresh-After") == "" {
			c.t.Fatalf("302 without Refresh-After: %v", resp.Header)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("scan %s still pending after 2 minutes", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEnd: Harbor's requests against the adapter, the adapter's
// stand-in worker pulling from Debian's registry with the credential
// Harbor handed over; the findings are the ones a direct scan of the same
// image finds.
func TestEndToEnd(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{Htpasswd: map[string]string{"alice": "s3cret"}})
	digest := pushDemo(t, host, "library/demo")
	srv := httptest.NewServer(Handler(pipelineScanner(t), Options{}))
	defer srv.Close()
	c := client{t: t, base: srv.URL}
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}

	direct, err := pipeline.Run(context.Background(), pipeline.Target{Input: demoImage}, scanOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, v := range direct.Vulnerabilities {
		want = append(want, v.ID+" "+v.Package.Name+" "+v.Package.Version)
	}
	slices.Sort(want)
	if len(want) == 0 {
		t.Fatal("the direct scan of the demo image found nothing")
	}
	t.Logf("the direct scan finds %d vulnerabilities", len(want))

	id := c.submit("http://"+host, basic("alice", "s3cret"), "library/demo", digest)
	resp, data := c.poll(id, MimeSecurityReport)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != MimeSecurityReport {
		t.Fatalf("report: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}
	var rep VulnerabilityReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range rep.Vulnerabilities {
		got = append(got, v.ID+" "+v.Package+" "+v.Version)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("through Harbor's API:\n%s\ndirect scan:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Artifact.Repository != "library/demo" || rep.Artifact.Digest != digest || rep.Severity == "Unknown" {
		t.Errorf("artifact %+v, severity %s", rep.Artifact, rep.Severity)
	}

	// The same scan's SBOM lists the packages the direct scan lists.
	resp, data = c.do("GET", "/api/v1/scan/"+id+"/report?sbom_media_type=application/vnd.cyclonedx%2Bjson", "", MimeSBOMReport, "")
	var sbom struct {
		MediaType string `json:"media_type"`
		SBOM      struct {
			Components []struct{ Name, Version string }
		}
	}
	if err := json.Unmarshal(data, &sbom); err != nil || resp.StatusCode != 200 || sbom.MediaType != MediaCycloneDX {
		t.Fatalf("sbom: %d %v %.300s", resp.StatusCode, err, data)
	}
	if len(sbom.SBOM.Components) < len(direct.Inventory.Packages) {
		t.Errorf("sbom has %d components for %d packages", len(sbom.SBOM.Components), len(direct.Inventory.Packages))
	}

	// Wrong credentials: the scan fails, and the report endpoint says why.
	bad := c.submit("http://"+host, basic("alice", "wrong"), "library/demo", digest)
	resp, data = c.poll(bad, MimeSecurityReport)
	var e errorDoc
	if err := json.Unmarshal(data, &e); err != nil || resp.StatusCode != 500 || resp.Header.Get("Content-Type") != MimeError ||
		!strings.Contains(e.Error.Message, "scan failed") || !strings.Contains(e.Error.Message, "access denied by the registry (HTTP 401)") {
		t.Errorf("wrong credentials: %d %s", resp.StatusCode, data)
	}

	// A digest the registry does not hold.
	missing := c.submit("http://"+host, basic("alice", "s3cret"), "library/demo", "sha256:"+strings.Repeat("0", 64))
	resp, data = c.poll(missing, MimeHarborReport)
	if resp.StatusCode != 500 || !strings.Contains(string(data), "not found in the registry") {
		t.Errorf("missing digest: %d %s", resp.StatusCode, data)
	}
}

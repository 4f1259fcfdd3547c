package harbor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/internal/testreport"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// storeScanner is a Scanner over the in-process job store: Submit records
// the job queued and hands it to run, when set, in a goroutine, as the
// server's workers would.
type storeScanner struct {
	*jobs.Memory
	info    ScannerInfo
	infoErr error
	run     func(ctx context.Context, id string, req jobs.Request)

	mu        sync.Mutex
	submitted []jobs.Request
	wg        sync.WaitGroup
}

func newStoreScanner() *storeScanner {
	return &storeScanner{
		Memory: jobs.NewMemory(),
		info:   ScannerInfo{Name: "Bulwark", Vendor: "Bulwark", Version: "1.2.3", DBUpdatedAt: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)},
	}
}

func (s *storeScanner) Submit(ctx context.Context, req jobs.Request) (string, error) {
	if strings.Contains(req.Image, "forbidden.example") {
		return "", errors.Join(ErrRefused, errors.New("registry forbidden.example is not allowed"))
	}
	id := report.NewUUID()
	if err := s.SetStatus(ctx, jobs.Status{ID: id, State: jobs.Queued, Updated: time.Now()}); err != nil {
		return "", err
	}
	s.mu.Lock()
	s.submitted = append(s.submitted, req)
	s.mu.Unlock()
	if s.run != nil {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.run(context.WithoutCancel(ctx), id, req)
		}()
	}
	return id, nil
}

func (s *storeScanner) Report(ctx context.Context, id string) (*report.Report, error) {
	data, err := s.Memory.Report(ctx, id)
	if err != nil {
		return nil, err
	}
	var r report.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *storeScanner) Metadata(ctx context.Context) (ScannerInfo, error) {
	return s.info, s.infoErr
}

// finish stores rep (or scanErr) as job id's outcome.
func (s *storeScanner) finish(t testing.TB, id string, rep *report.Report, scanErr error) {
	t.Helper()
	if err := s.store(context.Background(), id, rep, scanErr); err != nil {
		t.Fatal(err)
	}
}

// store is what a worker does at the end of a scan: the report, then the
// state.
func (s *storeScanner) store(ctx context.Context, id string, rep *report.Report, scanErr error) error {
	st := jobs.Status{ID: id, State: jobs.Done, Updated: time.Now(), Attempts: 1}
	if scanErr != nil {
		st.State, st.Error = jobs.Failed, scanErr.Error()
	} else {
		data, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		if err := s.PutReport(ctx, id, data); err != nil {
			return err
		}
	}
	return s.SetStatus(ctx, st)
}

// sampleReport is testreport's report with a second finding that has
// every kind of CVSS rating and a reference that is not a web address.
func sampleReport() *report.Report {
	r := testreport.SampleWithVulnerabilities()
	p := r.Inventory.Packages[1]
	r.Vulnerabilities = append(r.Vulnerabilities, result.Vulnerability{
		ID: "CVE-2022-3715", Package: result.PackageRef{Type: p.Type, Name: p.Name, Version: p.Version, PURL: p.PURL, Location: p.Location, Layer: p.Layer, Ecosystem: "Debian:12"},
		Status: result.StatusUnfixed, Severity: "MEDIUM",
		CVSS: []result.CVSS{
			{Version: "2.0", Vector: "AV:L/AC:L/Au:N/C:P/I:P/A:P", Score: 4.6},
			{Version: "3.0", Vector: "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", Score: 7.8},
			{Version: "3.1", Vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L", Score: 5.3},
			{Version: "4.0", Vector: "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", Score: 4.8},
		},
		References: []string{"https://security-tracker.debian.org/tracker/CVE-2022-3715", "mailto:security@debian.org", "https://security-tracker.debian.org/tracker/CVE-2022-3715"},
		Records:    []string{"DEBIAN-CVE-2022-3715"},
	})
	return r
}

var testScanner = ScannerID{Name: "Bulwark", Vendor: "Bulwark", Version: "1.2.3"}

func TestVulnerabilityReportGolden(t *testing.T) {
	golden.CheckJSON(t, "vulnerability-report.golden.json", VulnerabilityReportOf(sampleReport(), testScanner), *update)
}

func TestVulnerabilityReportMapping(t *testing.T) {
	h := VulnerabilityReportOf(sampleReport(), testScanner)
	if h.Severity != "High" || len(h.Vulnerabilities) != 2 {
		t.Fatalf("severity %s, %d findings (the suppressed one must stay out)", h.Severity, len(h.Vulnerabilities))
	}
	if h.Artifact.Repository != "app" || h.Artifact.Digest != "sha256:2222222222222222222222222222222222222222222222222222222222222222" {
		t.Errorf("artifact %+v", h.Artifact)
	}
	second := h.Vulnerabilities[1]
	c := second.PreferredCVSS
	if c == nil || *c.ScoreV3 != 5.3 || !strings.HasPrefix(c.VectorV3, "CVSS:3.1/") || *c.ScoreV2 != 4.6 || c.VectorV2 != "AV:L/AC:L/Au:N/C:P/I:P/A:P" {
		t.Errorf("preferred_cvss %+v: want the 3.1 rating and the 2.0 one", c)
	}
	if want := []string{"https://osv.dev/vulnerability/CVE-2022-3715", "https://security-tracker.debian.org/tracker/CVE-2022-3715"}; strings.Join(second.Links, " ") != strings.Join(want, " ") {
		t.Errorf("links %v, want %v", second.Links, want)
	}
	if second.FixVersion != "" || second.Severity != "Medium" {
		t.Errorf("fix %q severity %q", second.FixVersion, second.Severity)
	}
	layer, _ := h.Vulnerabilities[0].VendorAttributes["layer"].(map[string]any)
	if layer["diff_id"] != "sha256:bbbb000000000000000000000000000000000000000000000000000000000000" {
		t.Errorf("layer %v", layer)
	}

	empty := VulnerabilityReportOf(testreport.Sample(), testScanner)
	if empty.Severity != "Unknown" || empty.Vulnerabilities == nil || len(empty.Vulnerabilities) != 0 {
		t.Errorf("a clean report: severity %s, findings %#v", empty.Severity, empty.Vulnerabilities)
	}
}

func TestSeverity(t *testing.T) {
	for in, want := range map[string]string{"CRITICAL": "Critical", "HIGH": "High", "MEDIUM": "Medium", "moderate": "Medium", "LOW": "Low", "UNKNOWN": "Unknown", "": "Unknown", "weird": "Unknown"} {
		if got := Severity(in); got != want {
			t.Errorf("Severity(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSBOMReport(t *testing.T) {
	for _, tc := range []struct{ media, key string }{{MediaSPDX, "spdxVersion"}, {MediaCycloneDX, "bomFormat"}} {
		doc, err := SBOMReportOf(sampleReport(), testScanner, tc.media)
		if err != nil {
			t.Fatal(err)
		}
		var sbom map[string]any
		if err := json.Unmarshal(doc.SBOM, &sbom); err != nil {
			t.Fatal(err)
		}
		if doc.MediaType != tc.media || sbom[tc.key] == nil {
			t.Errorf("%s: media_type %s, document keys %v", tc.media, doc.MediaType, keys(sbom))
		}
	}
	if _, err := SBOMReportOf(sampleReport(), testScanner, "text/plain"); err == nil {
		t.Error("text/plain: no error")
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

const digest = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"

func scanBody(url, repo, dig string, extra string) string {
	return `{"registry":{"url":"` + url + `","authorization":"Basic YWxpY2U6czNjcmV0"},"artifact":{"repository":"` + repo + `","digest":"` + dig + `","tag":"1.0","mime_type":"application/vnd.docker.distribution.manifest.v2+json"}` + extra + `}`
}

func TestScanRequests(t *testing.T) {
	for _, tc := range []struct {
		name        string
		contentType string
		body        string
		status      int
		message     string
		want        jobs.Request
	}{
		{"https registry", MimeScanRequest11, scanBody("https://core.harbor.domain", "library/mongo", digest, ""), 202, "",
			jobs.Request{Image: "core.harbor.domain/library/mongo@" + digest, Authorization: "Basic YWxpY2U6czNjcmV0", Scanners: "vuln"}},
		{"http registry with port", MimeScanRequest10, scanBody("http://core:8080/", "library/mongo", digest, ""), 202, "",
			jobs.Request{Image: "core:8080/library/mongo@" + digest, Authorization: "Basic YWxpY2U6czNjcmV0", Insecure: true, Scanners: "vuln"}},
		{"sbom only", "", scanBody("https://h", "a/b/c", digest, `,"enabled_capabilities":[{"type":"sbom","produces_mime_types":["application/vnd.security.sbom.report+json; version=1.0"],"parameters":{"sbom_media_types":["application/spdx+json"]}}]`), 202, "",
			jobs.Request{Image: "h:443/a/b/c@" + digest, Authorization: "Basic YWxpY2U6czNjcmV0"}},
		{"null parameters", "application/json", scanBody("https://h", "r", digest, `,"enabled_capabilities":[{"type":"vulnerability","parameters":null}]`), 202, "",
			jobs.Request{Image: "h:443/r@" + digest, Authorization: "Basic YWxpY2U6czNjcmV0", Scanners: "vuln"}},
		{"single-label http host", "", scanBody("http://harbor", "library/x", digest, ""), 202, "",
			jobs.Request{Image: "harbor:80/library/x@" + digest, Authorization: "Basic YWxpY2U6czNjcmV0", Insecure: true, Scanners: "vuln"}},
		{"localhost", "", scanBody("http://localhost", "x", digest, ""), 202, "",
			jobs.Request{Image: "localhost/x@" + digest, Authorization: "Basic YWxpY2U6czNjcmV0", Insecure: true, Scanners: "vuln"}},
		{"not JSON", "", `{"registry":`, 400, "not a ScanRequest", jobs.Request{}},
		{"wrong type", "", `{"registry":{"url":5}}`, 400, "not a ScanRequest", jobs.Request{}},
		{"trailing data", "", scanBody("https://h", "r", digest, "") + `{}`, 400, "after its JSON", jobs.Request{}},
		{"wrong content type", "text/plain", scanBody("https://h", "r", digest, ""), 400, "Content-Type", jobs.Request{}},
		{"missing digest", "", scanBody("https://h", "r", "", ""), 422, "artifact.digest is missing", jobs.Request{}},
		{"short digest", "", scanBody("https://h", "r", "sha256:abc", ""), 422, "64 lower-case hex", jobs.Request{}},
		{"digest algorithm", "", scanBody("https://h", "r", "md5:"+strings.Repeat("a", 32), ""), 422, "algorithm:hex", jobs.Request{}},
		{"upper-case repository", "", scanBody("https://h", "Library/Mongo", digest, ""), 422, "not a repository name", jobs.Request{}},
		{"repository with a tag", "", scanBody("https://h", "library/mongo:1", digest, ""), 422, "not a repository name", jobs.Request{}},
		{"missing repository", "", scanBody("https://h", "", digest, ""), 422, "artifact.repository is missing", jobs.Request{}},
		{"bad tag", "", strings.Replace(scanBody("https://h", "r", digest, ""), `"1.0"`, `"-x y"`, 1), 422, "not a tag", jobs.Request{}},
		{"ftp scheme", "", scanBody("ftp://h", "r", digest, ""), 422, "scheme must be http or https", jobs.Request{}},
		{"no scheme", "", scanBody("harbor-registry:5000", "r", digest, ""), 422, "scheme must be http or https", jobs.Request{}},
		{"url with path", "", scanBody("https://h/v2/", "r", digest, ""), 422, "base URL", jobs.Request{}},
		{"url with user", "", scanBody("https://u:p@h", "r", digest, ""), 422, "base URL", jobs.Request{}},
		{"missing url", "", scanBody("", "r", digest, ""), 422, "registry.url is missing", jobs.Request{}},
		{"bad authorization", "", strings.Replace(scanBody("https://h", "r", digest, ""), "Basic YWxpY2U6czNjcmV0", "Token x", 1), 422, "registry.authorization", jobs.Request{}},
		{"artifact type", "", strings.Replace(scanBody("https://h", "r", digest, ""), "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.cncf.helm.config.v1+json", 1), 501, "mime_type", jobs.Request{}},
		{"capability type", "", scanBody("https://h", "r", digest, `,"enabled_capabilities":[{"type":"malware"}]`), 501, "enabled_capabilities[0]", jobs.Request{}},
		{"capability without type", "", scanBody("https://h", "r", digest, `,"enabled_capabilities":[{}]`), 422, "type is missing", jobs.Request{}},
		{"report type", "", scanBody("https://h", "r", digest, `,"enabled_capabilities":[{"type":"vulnerability","produces_mime_types":["application/vnd.security.sbom.report+json; version=1.0"]}]`), 501, "not produced", jobs.Request{}},
		{"sbom format", "", scanBody("https://h", "r", digest, `,"enabled_capabilities":[{"type":"sbom","parameters":{"sbom_media_types":["text/xml"]}}]`), 422, "sbom_media_types", jobs.Request{}},
		{"refused by the server", "", scanBody("https://forbidden.example", "r", digest, ""), 422, "not allowed", jobs.Request{}},
		{"too large", "", scanBody("https://h", "r", digest, "") + strings.Repeat(" ", MaxRequestSize), 400, "larger than", jobs.Request{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStoreScanner()
			req := httptest.NewRequest("POST", "/api/v1/scan", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			rec := httptest.NewRecorder()
			Handler(s, Options{}).ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status != 202 {
				var e errorDoc
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error.Message, tc.message) {
					t.Errorf("error %s (%v), want a message with %q", rec.Body, err, tc.message)
				}
				if len(s.submitted) != 0 {
					t.Errorf("submitted %v", s.submitted)
				}
				return
			}
			if len(s.submitted) != 1 || s.submitted[0] != tc.want {
				t.Errorf("submitted %+v, want %+v", s.submitted, tc.want)
			}
		})
	}
}

func get(t *testing.T, h http.Handler, path, accept string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestReportStates(t *testing.T) {
	s := newStoreScanner()
	h := Handler(s, Options{RefreshAfter: 3 * time.Second})
	ctx := context.Background()
	id, err := s.Submit(ctx, jobs.Request{Image: "h/r@" + digest})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/scan/" + id + "/report"

	rec := get(t, h, path, MimeSecurityReport)
	if rec.Code != http.StatusFound || rec.Header().Get("Refresh-After") != "3" || rec.Header().Get("Retry-After") != "3" {
		t.Errorf("queued: %d %v", rec.Code, rec.Header())
	}
	s.SetStatus(ctx, jobs.Status{ID: id, State: jobs.Running})
	if rec := get(t, h, path, MimeSecurityReport); rec.Code != http.StatusFound {
		t.Errorf("running: %d", rec.Code)
	}
	if rec := get(t, h, "/api/v1/scan/nope/report", MimeSecurityReport); rec.Code != http.StatusNotFound {
		t.Errorf("unknown: %d", rec.Code)
	}

	s.finish(t, id, sampleReport(), nil)
	for _, tc := range []struct {
		accept, query, contentType string
		status                     int
	}{
		{MimeSecurityReport, "", MimeSecurityReport, 200},
		{"", "", MimeHarborReport, 200},
		{"application/vnd.scanner.adapter.vuln.report.harbor+json;version=1.0", "", MimeHarborReport, 200},
		{"application/vnd.security.vulnerability.report", "", MimeSecurityReport, 200},
		{"text/html, " + MimeRawReport, "", MimeRawReport, 200},
		{MimeSBOMReport, "?sbom_media_type=application/spdx%2Bjson", MimeSBOMReport, 200},
		{MimeSBOMReport, "?sbom_media_type=application/vnd.cyclonedx%2Bjson", MimeSBOMReport, 200},
		{MimeSBOMReport, "?sbom_media_type=application/spdx+json", MimeSBOMReport, 200},
		{MimeSBOMReport, "", MimeError, 400},
		{MimeSBOMReport, "?sbom_media_type=text/xml", MimeError, 400},
		{"application/vnd.security.vulnerability.report; version=9.0", "", MimeError, 501},
	} {
		rec := get(t, h, path+tc.query, tc.accept)
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != tc.contentType {
			t.Errorf("Accept %q%s: %d %q, want %d %q: %s", tc.accept, tc.query, rec.Code, rec.Header().Get("Content-Type"), tc.status, tc.contentType, rec.Body)
		}
	}
	var raw report.Report
	if err := json.Unmarshal(get(t, h, path, MimeRawReport).Body.Bytes(), &raw); err != nil || len(raw.Vulnerabilities) != 2 {
		t.Errorf("raw report: %v, %d findings", err, len(raw.Vulnerabilities))
	}

	failed, _ := s.Submit(ctx, jobs.Request{Image: "h/r@" + digest})
	s.finish(t, failed, nil, errors.New("image: h/r@sha256:…: access denied by the registry (HTTP 401)"))
	rec = get(t, h, "/api/v1/scan/"+failed+"/report", MimeSecurityReport)
	var e errorDoc
	json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != 500 || !strings.Contains(e.Error.Message, "scan failed: image: h/r@sha256:…: access denied") {
		t.Errorf("failed scan: %d %s", rec.Code, rec.Body)
	}
}

func TestMetadata(t *testing.T) {
	s := newStoreScanner()
	h := Handler(s, Options{})
	for _, tc := range []struct {
		accept, contentType string
		capabilities        int
	}{
		{"", MimeMetadata11, 2},
		{MimeMetadata11, MimeMetadata11, 2},
		{MimeMetadata10, MimeMetadata10, 2},
		{"application/json", MimeMetadata11, 2},
	} {
		rec := get(t, h, "/api/v1/metadata", tc.accept)
		var doc metadataDoc
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 200 || rec.Header().Get("Content-Type") != tc.contentType || len(doc.Capabilities) != tc.capabilities {
			t.Errorf("Accept %q: %d %q, %d capabilities", tc.accept, rec.Code, rec.Header().Get("Content-Type"), len(doc.Capabilities))
		}
		if doc.Properties[PropDBUpdatedAt] != "2026-11-23T06:00:00Z" || doc.Scanner != testScanner {
			t.Errorf("Accept %q: %+v", tc.accept, doc)
		}
		if err := harborAccepts(doc); err != nil {
			t.Errorf("Accept %q: Harbor would refuse the scanner: %v", tc.accept, err)
		}
	}
	s.info = ScannerInfo{}
	var doc metadataDoc
	json.Unmarshal(get(t, h, "/api/v1/metadata", MimeMetadata10).Body.Bytes(), &doc)
	if doc.Scanner.Name != DefaultName || doc.Scanner.Vendor != DefaultName || doc.Scanner.Version == "" {
		t.Errorf("empty ScannerInfo: scanner %+v; Harbor refuses empty fields", doc.Scanner)
	}
	if _, ok := doc.Properties[PropDBUpdatedAt]; ok {
		t.Errorf("a database update time that is not known: %v", doc.Properties)
	}
	s.infoErr = errors.New("database unreadable")
	if rec := get(t, h, "/api/v1/metadata", ""); rec.Code != 500 || !strings.Contains(rec.Body.String(), "database unreadable") {
		t.Errorf("metadata failure: %d %s", rec.Code, rec.Body)
	}
}

// harborAccepts checks what Harbor's core (src/pkg/scan/rest/v1,
// ScannerAdapterMetadata.Validate and ConvertCapability) requires of
// metadata before it registers a scanner: a name, vendor and version;
// capabilities, each reading Docker v2 manifests and producing a report
// type Harbor reads; typed capabilities for the SBOM to be offered, and
// the vulnerability one first for a Harbor that looks up the first
// capability reading an artifact's type.
func harborAccepts(doc metadataDoc) error {
	if doc.Scanner.Name == "" || doc.Scanner.Vendor == "" || doc.Scanner.Version == "" {
		return fmt.Errorf("scanner %+v has an empty field", doc.Scanner)
	}
	if len(doc.Capabilities) == 0 {
		return errors.New("no capabilities")
	}
	readable := []string{MimeHarborReport, MimeSecurityReport, MimeSBOMReport}
	for _, c := range doc.Capabilities {
		if !slices.Contains(c.ConsumesMimeTypes, MimeDockerManifest) {
			return fmt.Errorf("capability %s does not read %s", c.Type, MimeDockerManifest)
		}
		if !slices.ContainsFunc(c.ProducesMimeTypes, func(m string) bool { return slices.Contains(readable, m) }) {
			return fmt.Errorf("capability %s produces nothing Harbor reads", c.Type)
		}
	}
	if doc.Capabilities[0].Type != CapabilityVulnerability || len(doc.Capabilities) != 2 || doc.Capabilities[1].Type != CapabilitySBOM {
		return fmt.Errorf("capabilities %+v: want vulnerability, then sbom", doc.Capabilities)
	}
	return nil
}

func TestNegotiate(t *testing.T) {
	offers := []string{MimeHarborReport, MimeSecurityReport, MimeRawReport}
	for _, tc := range []struct {
		accept, want string
		ok           bool
	}{
		{"", MimeHarborReport, true},
		{"*/*", MimeHarborReport, true},
		{"application/vnd.security.vulnerability.report;version=1.1", MimeSecurityReport, true},
		{"APPLICATION/vnd.security.vulnerability.report; version=1.1;q=0.5", MimeSecurityReport, true},
		{"text/plain, application/vnd.scanner.adapter.vuln.report.raw", MimeRawReport, true},
		{"application/vnd.security.vulnerability.report; version=1.0", "", false},
		{"text/plain", "", false},
		{";;;", "", false},
	} {
		got, ok := negotiate(tc.accept, offers, MimeHarborReport)
		if got != tc.want || ok != tc.ok {
			t.Errorf("negotiate(%q) = %q, %v; want %q, %v", tc.accept, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzDecodeScanRequest: any body either is refused with a RequestError
// of a status the specification lists, or makes a job whose image is a
// digest reference in the named registry.
func FuzzDecodeScanRequest(f *testing.F) {
	f.Add([]byte(scanBody("https://core.harbor.domain", "library/mongo", digest, "")))
	f.Add([]byte(scanBody("http://127.0.0.1:5000", "a/b", digest, `,"enabled_capabilities":[{"type":"sbom","parameters":{"sbom_media_types":["application/spdx+json"]}}]`)))
	f.Add([]byte(`{"registry":{"url":"https://[::1]:443"},"artifact":{"repository":"x","digest":"sha512:` + strings.Repeat("0", 128) + `"}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := DecodeScanRequest(bytes.NewReader(body))
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) || (re.Status != 400 && re.Status != 422 && re.Status != 501) || re.Message == "" {
				t.Fatalf("error %v is not a RequestError of 400, 422 or 501", err)
			}
			return
		}
		job, err := req.Job()
		if err != nil {
			t.Fatalf("a checked request makes no job: %v", err)
		}
		host, _ := req.registryHost()
		// A single-word host gets its scheme's port (harbor → harbor:443),
		// or the reference would name Docker Hub.
		onHost := strings.HasPrefix(job.Image, host+"/") || strings.HasPrefix(job.Image, host+":80/") || strings.HasPrefix(job.Image, host+":443/")
		if !onHost || !strings.HasSuffix(job.Image, "@"+req.Artifact.Digest) {
			t.Fatalf("job image %q for %+v", job.Image, req)
		}
	})
}

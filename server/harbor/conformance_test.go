package harbor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/bulwark-sec/bulwark/jobs"
)

// specPath is Harbor's published specification (testdata/SOURCES.md).
const specPath = "testdata/scanner-adapter-openapi-v1.2.yaml"

var loadSpec = sync.OnceValues(func() (*openapi3.T, error) {
	// Two report types are JSON without a +json suffix, and the raw report
	// is a string to the specification: tell the validator how to read
	// them.
	openapi3filter.RegisterBodyDecoder("application/vnd.security.vulnerability.report", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder(MimeRawReport, openapi3filter.PlainBodyDecoder)
	return openapi3.NewLoader().LoadFromFile(specPath)
})

// conform fails t when an exchange breaks the specification.
func conform(t *testing.T, req *http.Request, rec *httptest.ResponseRecorder) {
	t.Helper()
	if err := checkConformance(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Errorf("%s %s: %v\nbody: %s", req.Method, req.URL, err, rec.Body)
	}
}

// checkConformance checks one exchange against the specification: the
// status is one the operation lists, the Content-Type is one of that
// response's media types, word for word (the validator alone would accept
// another version of the same type), and the body and headers validate
// against the schemas.
func checkConformance(req *http.Request, status int, header http.Header, body []byte) error {
	doc, err := loadSpec()
	if err != nil {
		return err
	}
	path, params := strings.TrimPrefix(req.URL.Path, "/api/v1"), map[string]string{}
	if id, ok := strings.CutPrefix(path, "/scan/"); ok {
		params["scan_request_id"] = strings.TrimSuffix(id, "/report")
		path = "/scan/{scan_request_id}/report"
	}
	item := doc.Paths.Value(path)
	if item == nil {
		return fmt.Errorf("the specification has no path %s", path)
	}
	op := item.GetOperation(req.Method)
	if op == nil {
		return fmt.Errorf("the specification has no %s %s", req.Method, path)
	}
	resp := op.Responses.Status(status)
	if resp == nil {
		return fmt.Errorf("status %d is not in the specification", status)
	}
	ct := header.Get("Content-Type")
	if len(resp.Value.Content) > 0 {
		if _, listed := resp.Value.Content[ct]; !listed {
			return fmt.Errorf("status %d: Content-Type %q is not one of %v", status, ct, slices.Sorted(maps.Keys(resp.Value.Content)))
		}
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: params,
			Route:      &routers.Route{Spec: doc, Path: path, PathItem: item, Method: req.Method, Operation: op},
			Options:    opts,
		},
		Status:  status,
		Header:  header,
		Options: opts,
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// TestConformance drives every kind of answer the adapter gives and
// validates each against Harbor's specification.
func TestConformance(t *testing.T) {
	s := newStoreScanner()
	h := Handler(s, Options{})
	ctx := context.Background()
	pending, _ := s.Submit(ctx, jobs.Request{Image: "h/r@" + digest})
	done, _ := s.Submit(ctx, jobs.Request{Image: "h/r@" + digest})
	s.finish(t, done, sampleReport(), nil)
	clean, _ := s.Submit(ctx, jobs.Request{Image: "h/r@" + digest})
	cleanReport := sampleReport()
	cleanReport.Vulnerabilities = nil
	s.finish(t, clean, cleanReport, nil)
	failed, _ := s.Submit(ctx, jobs.Request{Image: "h/r@" + digest})
	s.finish(t, failed, nil, errors.New("image: h/r@sha256:…: access denied by the registry (HTTP 401)"))
	report := func(id string) string { return "/api/v1/scan/" + id + "/report" }

	for _, tc := range []struct {
		name, method, path, accept, body string
		status                           int
	}{
		{"metadata 1.1", "GET", "/api/v1/metadata", MimeMetadata11, "", 200},
		{"metadata 1.0", "GET", "/api/v1/metadata", MimeMetadata10, "", 200},
		{"scan accepted", "POST", "/api/v1/scan", MimeScanResponse, scanBody("https://core.harbor.domain", "library/mongo", digest, `,"enabled_capabilities":[{"type":"vulnerability"},{"type":"sbom","parameters":{"sbom_media_types":["application/spdx+json"]}}]`), 202},
		{"scan not JSON", "POST", "/api/v1/scan", "", "[", 400},
		{"scan invalid field", "POST", "/api/v1/scan", "", scanBody("ftp://h", "r", digest, ""), 422},
		{"scan unsupported", "POST", "/api/v1/scan", "", scanBody("https://h", "r", digest, `,"enabled_capabilities":[{"type":"malware"}]`), 501},
		{"report pending", "GET", report(pending), MimeSecurityReport, "", 302},
		{"report unknown", "GET", report("3fa85f64-5717-4562-b3fc-2c963f66afa6"), MimeSecurityReport, "", 404},
		{"report failed", "GET", report(failed), MimeSecurityReport, "", 500},
		{"report 1.1", "GET", report(done), MimeSecurityReport, "", 200},
		{"report harbor 1.0", "GET", report(done), MimeHarborReport, "", 200},
		{"report without Accept", "GET", report(done), "", "", 200},
		{"report clean", "GET", report(clean), MimeSecurityReport, "", 200},
		{"report raw", "GET", report(done), MimeRawReport, "", 200},
		{"sbom spdx", "GET", report(done) + "?sbom_media_type=application/spdx%2Bjson", MimeSBOMReport, "", 200},
		{"sbom cyclonedx", "GET", report(done) + "?sbom_media_type=application/vnd.cyclonedx%2Bjson", MimeSBOMReport, "", 200},
		{"sbom without format", "GET", report(done), MimeSBOMReport, "", 400},
		{"report type unknown", "GET", report(done), "application/vnd.anchore.policy.report+json; version=0.3", "", 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var req *http.Request
			if tc.method == "POST" {
				req = httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
				req.Header.Set("Content-Type", MimeScanRequest11)
			} else {
				req = httptest.NewRequest("GET", tc.path, nil)
			}
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			conform(t, req, rec)
		})
	}

	t.Run("metadata failure", func(t *testing.T) {
		broken := newStoreScanner()
		broken.infoErr = errors.New("database unreadable")
		req := httptest.NewRequest("GET", "/api/v1/metadata", nil)
		rec := httptest.NewRecorder()
		Handler(broken, Options{}).ServeHTTP(rec, req)
		if rec.Code != 500 {
			t.Fatalf("status %d", rec.Code)
		}
		conform(t, req, rec)
	})
}

// TestConformanceCatchesViolations makes sure the check above can fail:
// answers that break the specification in each way it looks at.
func TestConformanceCatchesViolations(t *testing.T) {
	for _, tc := range []struct {
		name, path, contentType, body string
		status                        int
	}{
		{"severity outside the enum", "/api/v1/scan/x/report", MimeSecurityReport, `{"severity":"None","vulnerabilities":[]}`, 200},
		{"score that is a string", "/api/v1/scan/x/report", MimeHarborReport, `{"vulnerabilities":[{"id":"x","preferred_cvss":{"score_v3":"7.5"}}]}`, 200},
		{"sbom that is not an object", "/api/v1/scan/x/report", MimeSBOMReport, `{"media_type":"application/spdx+json","sbom":"text"}`, 200},
		{"sbom format outside the enum", "/api/v1/scan/x/report", MimeSBOMReport, `{"media_type":"text/xml","sbom":{}}`, 200},
		{"unlisted version", "/api/v1/scan/x/report", "application/vnd.security.vulnerability.report; version=2.0", `{}`, 200},
		{"unlisted status", "/api/v1/scan/x/report", MimeError, `{"error":{"message":"x"}}`, 409},
		{"metadata without capabilities", "/api/v1/metadata", MimeMetadata11, `{"scanner":{"name":"x"}}`, 200},
		{"error message not a string", "/api/v1/metadata", MimeError, `{"error":{"message":5}}`, 500},
		{"Refresh-After not an integer", "/api/v1/scan/x/report", "", "", 302},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tc.path, nil)
			rec := httptest.NewRecorder()
			if tc.contentType != "" {
				rec.Header().Set("Content-Type", tc.contentType)
			} else {
				rec.Header().Set("Refresh-After", "soon")
			}
			rec.WriteHeader(tc.status)
			rec.WriteString(tc.body)
			if err := checkConformance(req, rec.Code, rec.Header(), rec.Body.Bytes()); err == nil {
				t.Errorf("the conformance check passed a response that breaks the specification")
			} else {
				t.Logf("caught: %v", err)
			}
		})
	}
}

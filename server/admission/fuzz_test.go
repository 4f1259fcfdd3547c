package admission

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReview sends arbitrary bodies through the whole handler with a
// policy that reads every part of the object but needs no registry: the
// answer is 200 with a review, 400 or 413, never a crash or a hang.
func FuzzReview(f *testing.F) {
	files, _ := filepath.Glob("testdata/reviews/*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"image":"x"}]}}}}`))
	p, err := ParsePolicy([]byte("requireDigest: true\nallowedRegistries: [registry.local]\nmisconfig: {severity: LOW}\n"))
	if err != nil {
		f.Fatal(err)
	}
	h := Handler(&DirectScanner{}, p, Options{MaxBody: 1 << 20})
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body)))
		switch rec.Code {
		case http.StatusOK:
			if _, err := DecodeAnswer(rec.Body.Bytes()); err != nil {
				t.Fatalf("answer: %v\n%s", err, rec.Body)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
	})
}

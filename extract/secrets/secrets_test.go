package secrets

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/result"
)

// scanFile runs the file extractor on one file.
func scanFile(t *testing.T, x Extractor, path, text string) []result.Secret {
	t.Helper()
	r, err := x.Extract(context.Background(), extract.Input{File: extract.File{Path: path}, Content: strings.NewReader(text)})
	if err != nil {
		t.Fatal(err)
	}
	return r.Secrets
}

func TestKubernetesSecretData(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	text := `apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-secret}
data:
  key: ` + b64("AKIAZ3MHXQ4T7KPLN2VB") + `
---
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
data:
  password: ` + b64("Xk48Lm2Vn9Rb4Tk1") + `
  aws: ` + b64("AKIAZ3MHXQ4T7KPLN2VB") + `
  user: ` + b64("shop") + `
  bad: "!!not base64"
`
	x := New()
	var got []string
	for _, f := range scanFile(t, x, "deploy/secret.yaml", text) {
		got = append(got, fmt.Sprintf("%s:%d %s", f.RuleID, f.Line, f.Encoding))
		if strings.Contains(f.Match, "Lm2Vn9") || strings.Contains(f.Match, "XQ4T7") {
			t.Errorf("unredacted: %s", f.Match)
		}
	}
	want := []string{
		"generic-password:14 base64 (Secret shop/db data.password)",
		"aws-access-key-id:15 base64 (Secret shop/db data.aws)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Outside manifest files, nothing is decoded.
	for _, f := range scanFile(t, x, "notes.txt", text) {
		if f.Encoding != "" {
			t.Errorf("decoded a text file: %v", f)
		}
	}
}

// TestArchiveKubernetesSecretData: a manifest inside an archive is
// decoded like one on its own.
func TestArchiveKubernetesSecretData(t *testing.T) {
	zip := zipped(t, map[string]string{
		"k8s/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: aws}\ndata:\n  id: " +
			base64.StdEncoding.EncodeToString([]byte("AKIAZ3MHXQ4T7KPLN2VB")) + "\n",
	})
	x := ArchiveExtractor{Engine: New().Engine, Depth: 1}
	f := extract.File{Path: "app.zip", Size: int64(len(zip))}
	r, err := x.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(zip), TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Secrets) != 1 || r.Secrets[0].Path != "app.zip!/k8s/secret.yaml" || r.Secrets[0].Line != 5 ||
		r.Secrets[0].Encoding != "base64 (Secret aws data.id)" {
		t.Errorf("secrets: %+v", r.Secrets)
	}
}

package manifest

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func TestSecretData(t *testing.T) {
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
  wrapped: |
    ` + b64("AKIAZ3MHXQ4T")[:8] + `
    ` + b64("AKIAZ3MHXQ4T")[8:] + `
  empty: ""
  bad: "!!not base64"
  list: [a, b]
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Secret
  metadata: {name: token}
  data: {t: ` + b64("tok") + `}
`
	var got []string
	for _, v := range SecretData("deploy/secret.yaml", []byte(text)) {
		got = append(got, fmt.Sprintf("%s %s=%q :%d", v.Secret, v.Key, v.Value, v.Line))
	}
	want := []string{
		`shop/db password="Xk48Lm2Vn9Rb4Tk1" :14`,
		`shop/db wrapped="AKIAZ3MHXQ4T" :15`,
		`shop/db empty="" :18`,
		`token t="tok" :28`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A file that breaks still gives the values before the break.
	broken := text[:strings.Index(text, "---\napiVersion: v1\nkind: List")] + "---\n: [\n"
	if got := SecretData("x.yaml", []byte(broken)); len(got) != 3 {
		t.Errorf("broken file: %d values, want 3", len(got))
	}
}

func FuzzSecretData(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: dG9r, w: \"dG9r\\n\"}\n"))
	f.Add([]byte("kind: Secret\napiVersion: v1\ndata: &d {a: *d}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range SecretData("f.yaml", data) {
			if v.Line < 1 || len(v.Value) > MaxSecretValue {
				t.Errorf("bad value %+v", v)
			}
		}
	})
}

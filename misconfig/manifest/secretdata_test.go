package manifest

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestSecretData(t *testing.T) {
	data, err := os.ReadFile("testdata/secrets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range SecretData("deploy/secrets.yaml", data) {
		got = append(got, fmt.Sprintf("%s %s=%q :%d", v.Secret, v.Key, v.Value, v.Line))
	}
	want := []string{
		`shop/db password="Xk48Lm2Vn9Rb4Tk1" :15`,
		`shop/db wrapped="AKIAZ3MHXQ4T" :16`,
		`shop/db empty="" :19`,
		`token t="tok" :31`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A file that breaks still gives the values before the break.
	broken := string(data[:strings.Index(string(data), "---\napiVersion: v1\nkind: List")]) + "---\n: [\n"
	if got := SecretData("x.yaml", []byte(broken)); len(got) != 3 {
		t.Errorf("broken file: %d values, want 3", len(got))
	}
}

func FuzzSecretData(f *testing.F) {
	data, _ := os.ReadFile("testdata/secrets.yaml")
	f.Add(data)
	f.Add([]byte("kind: Secret\napiVersion: v1\ndata: &d {a: *d}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range SecretData("f.yaml", data) {
			if v.Line < 1 || len(v.Value) > MaxSecretValue {
				t.Errorf("bad value %+v", v)
			}
		}
	})
}

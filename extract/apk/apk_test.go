package apk

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/alpine314-installed")
	if err != nil {
		t.Fatal(err)
	}
	f := extract.File{Path: "lib/apk/db/installed", Mode: 0o644, Size: int64(len(data))}
	if !(Extractor{}).Required(f) {
		t.Fatal("Required = false")
	}
	res, err := Extractor{}.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Packages); n != 26 {
		t.Errorf("got %d packages, want the fixture's 26 stanzas", n)
	}
	out, _ := json.MarshalIndent(res.Packages, "", "  ")
	golden.Check(t, "alpine314.golden.json", append(out, '\n'), *update)

	byName := map[string]int{}
	for i, p := range res.Packages {
		byName[p.Name] = i
	}
	ssl := res.Packages[byName["libssl1.1"]]
	if ssl.Version != "1.1.1k-r0" || ssl.SourceName != "openssl" || ssl.Arch != "armv7" || strings.Join(ssl.Licenses, "|") != "OpenSSL" {
		t.Errorf("libssl1.1 = %+v", ssl)
	}
	if l := res.Packages[byName["musl-utils"]].Licenses; strings.Join(l, "|") != "MIT|BSD|GPL2+" {
		t.Errorf("musl-utils licenses = %q", l)
	}
	if l := res.Packages[byName["libretls"]].Licenses; strings.Join(l, "|") != "ISC AND (BSD-3-Clause OR MIT)" {
		t.Errorf("libretls licenses = %q", l)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // name@version/origin, |-joined
		wantErr bool
	}{
		{"minimal", "P:a\nV:1-r0\n", "a@1-r0/a", false},
		{"crlf and no trailing blank", "P:a\r\nV:1\r\no:src\r\n\r\nP:b\r\nV:2", "a@1/src|b@2/b", false},
		{"many blank lines", "\n\n\nP:a\nV:1\n\n\n\nP:b\nV:2\n\n", "a@1/a|b@2/b", false},
		{"stanza without version skipped", "P:a\n\nP:b\nV:2\n", "b@2/b", false},
		{"junk lines ignored", "garbage\nP:a\nxx\nV:1\n", "a@1/a", false},
		{"name with a slash rejected", "P:../x\nV:1\n\nP:ok\nV:1\n", "ok@1/ok", false},
		{"empty", "", "", true},
		{"only stanzas without names", "V:1\n\nV:2\n", "", true},
		{"binary", "\x00\x01\x02P:a\x00", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := Parse([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+"@"+p.Version+"/"+p.SourceName)
			}
			if strings.Join(got, "|") != tt.want {
				t.Errorf("got %q, want %q", strings.Join(got, "|"), tt.want)
			}
		})
	}
}

func TestHugeAndInvalidInput(t *testing.T) {
	long := "P:a\nV:1\nT:" + strings.Repeat("x", 10<<20) + "\n"
	if pkgs, err := Parse([]byte(long)); err != nil || len(pkgs) != 1 {
		t.Errorf("10 MB line: %d packages, %v", len(pkgs), err)
	}
	bad := "P:caf\xe9\nV:1\xff\n"
	if pkgs, err := Parse([]byte(bad)); err != nil || len(pkgs) != 1 {
		t.Errorf("invalid UTF-8: %d packages, %v", len(pkgs), err)
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile("testdata/alpine314-installed")
	f.Add(seed[:2000])
	f.Add([]byte("P:a\r\nV:\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := Parse(data)
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("package without name or version: %+v", p)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	seed, err := os.ReadFile("testdata/alpine314-installed")
	if err != nil {
		b.Fatal(err)
	}
	// Replicate to about 1 MB, the size of a large image's database.
	data := bytes.Repeat(append(seed, '\n'), (1<<20)/len(seed)+1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

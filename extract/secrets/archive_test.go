package secrets

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"slices"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/secret"
)

const token = "ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge"

func zipped(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	}) {
		w, _ := zw.Create(name)
		w.Write([]byte(files[name]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarGzipped(t *testing.T, name string, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
	tw.Write(body)
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// TestArchiveExtractor finds a token in a Spring Boot style jar shipped
// inside a tarball, and passes over the members the file scanner would.
func TestArchiveExtractor(t *testing.T) {
	jar := zipped(t, map[string]string{
		"BOOT-INF/classes/application.properties": "github.token=" + token + "\n",
		"BOOT-INF/classes/App.class":              "github.token=" + token + "\n",
		"node_modules/x/test.js":                  "const t = '" + token + "'\n",
	})
	tgz := tarGzipped(t, "opt/app.jar", jar)
	x := ArchiveExtractor{Engine: secret.New(secret.Builtin(), secret.Options{})}
	f := extract.File{Path: "srv/release.tar.gz", Mode: fs.FileMode(0o644), Size: int64(len(tgz))}
	if !x.Required(f) {
		t.Fatal("a tarball is not required")
	}
	for _, p := range []string{"usr/share/doc/x/changelog.gz", "app/node_modules/a/b.tgz", "a.txt"} {
		if x.Required(extract.File{Path: p, Mode: 0o644, Size: 10}) {
			t.Errorf("%s is required", p)
		}
	}
	tests := []struct {
		depth int
		want  []string
	}{
		{1, nil},
		{2, []string{"srv/release.tar.gz!/opt/app.jar!/BOOT-INF/classes/application.properties"}},
	}
	for _, tt := range tests {
		x.Depth = tt.depth
		r, err := x.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(tgz), TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range r.Secrets {
			got = append(got, s.Path)
			if s.Match == token || s.Line != 1 {
				t.Errorf("finding %+v: want a redacted match on line 1", s)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("depth %d: secrets in %q, want %q", tt.depth, got, tt.want)
		}
	}
	if v1, v2 := (ArchiveExtractor{Engine: x.Engine, Depth: 1}).Version(), (ArchiveExtractor{Engine: x.Engine, Depth: 2}).Version(); v1 == v2 {
		t.Error("the cache version does not change with the depth")
	}
}

// TestArchiveExtractorKeepsPartial reports the secrets found before an
// archive broke a limit, along with the error.
func TestArchiveExtractorKeepsPartial(t *testing.T) {
	files := map[string]string{"a.env": "GITHUB_TOKEN=" + token + "\n"}
	for i := range 50 {
		files["z"+string(rune('a'+i%26))+string(rune('a'+i/26))] = "x"
	}
	data := zipped(t, files)
	x := ArchiveExtractor{Engine: secret.New(secret.Builtin(), secret.Options{}), Depth: 1}
	x.Limits.MaxEntries = 100 // the directory check passes...
	x.Limits.MaxBytes = 60    // ...the byte budget does not
	r, err := x.Extract(context.Background(), extract.Input{File: extract.File{Path: "a.zip", Size: int64(len(data))}, Content: bytes.NewReader(data), TempDir: t.TempDir()})
	if err == nil {
		t.Fatal("no error over the byte budget")
	}
	if len(r.Secrets) != 1 {
		t.Errorf("secrets = %v, want the one found before the limit", r.Secrets)
	}
}

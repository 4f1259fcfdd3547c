package dpkg

import (
	"bytes"
	"context"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
)

func TestCopyrightGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/copyright/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	got := map[string][]string{}
	for _, d := range dirs {
		rel := "usr/share/doc/" + filepath.Base(d) + "/copyright"
		f := extract.File{Path: rel, Mode: 0o644}
		if !(Copyright{}).Required(f) {
			t.Fatalf("Required(%s) = false", rel)
		}
		data, err := os.ReadFile(filepath.Join(d, "copyright"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Copyright{}.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Licenses == nil || res.Licenses.Package != filepath.Base(d) || len(res.Licenses.Licenses) == 0 {
			t.Errorf("%s: licenses = %+v", rel, res.Licenses)
			continue
		}
		got[res.Licenses.Package] = res.Licenses.Licenses
	}
	golden.CheckJSON(t, "copyright.golden.json", got, *update)
}

func TestCopyrightRequired(t *testing.T) {
	for p, want := range map[string]bool{
		"usr/share/doc/bash/copyright":       true,
		"usr/share/doc/bash/copyright.gz":    false,
		"usr/share/doc/a/b/copyright":        false,
		"usr/share/doc//copyright":           false,
		"usr/local/share/doc/bash/copyright": false,
	} {
		if got := (Copyright{}).Required(extract.File{Path: p, Mode: 0o644}); got != want {
			t.Errorf("Required(%q) = %v, want %v", p, got, want)
		}
	}
}

func FuzzParseCopyright(f *testing.F) {
	f.Add([]byte("Format: x\nLicense: GPL-2+\n text\nLicense: MIT\n"))
	f.Add([]byte("see /usr/share/common-licenses/GPL-2."))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range ParseCopyright(data) {
			if l == "" {
				t.Fatal("empty license name")
			}
		}
	})
}

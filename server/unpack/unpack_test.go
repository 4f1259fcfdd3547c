package unpack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/testimage"
)

func tarOf(t testing.TB, files []testimage.File) []byte {
	t.Helper()
	data, err := testimage.Tar(files)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func dirNames(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestTar(t *testing.T) {
	dir := t.TempDir()
	files := []testimage.File{{Path: "./", Typeflag: tar.TypeDir}, {Path: "svc/", Typeflag: tar.TypeDir}, {Path: "svc/go.sum", Body: []byte("x")}, {Path: "deep/er/package-lock.json", Body: []byte("{}")}}
	if err := Tar(bytes.NewReader(tarOf(t, files)), dir, Limits{Bytes: 100, Entries: 10}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"svc/go.sum": "x", "deep/er/package-lock.json": "{}"} {
		if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(got) != want {
			t.Errorf("%s: %q %v", name, got, err)
		}
	}
	many := make([]testimage.File, 11)
	for i := range many {
		many[i] = testimage.File{Path: fmt.Sprintf("d/%d", i), Typeflag: tar.TypeDir}
	}
	if err := Tar(bytes.NewReader(tarOf(t, many)), t.TempDir(), Limits{Bytes: 1 << 30, Entries: 10}); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "entries") {
		t.Errorf("%d entries: %v", len(many), err)
	}
	if err := File(strings.NewReader("abc"), t.TempDir(), "requirements.txt", 2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file over the limit: %v", err)
	}
}

func TestEntryName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a", "a"}, {"./a/b", "a/b"}, {"a//b/", "a/b"}, {"./", "."}, {".", "."},
		{"..", ""}, {"a/../b", ""}, {"/a", ""}, {"a\\b", ""}, {"a\x00", ""}, {"", ""},
		{strings.Repeat("a/", maxNameDepth) + "a", ""}, {strings.Repeat("a", maxNameLen+1), ""},
	} {
		got, err := entryName(tt.in)
		if (err != nil) != (tt.want == "") || got != tt.want || (err != nil && !errors.Is(err, ErrBad)) {
			t.Errorf("entryName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzTar: whatever the tar, Tar writes only regular files and
// directories, only under its folder, within its budget.
func FuzzTar(f *testing.F) {
	f.Add(tarOf(f, []testimage.File{{Path: "a/requirements.txt", Body: []byte("requests==2.28.1\n")}, {Path: "b/", Typeflag: tar.TypeDir}}))
	f.Add(tarOf(f, []testimage.File{{Path: "../x", Body: []byte("x")}}))
	f.Add(tarOf(f, []testimage.File{{Path: "l", Typeflag: tar.TypeSymlink, Linkname: "/"}, {Path: "l/x", Body: []byte("x")}}))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(tarOf(f, []testimage.File{{Path: "x", Body: bytes.Repeat([]byte("x"), 1000)}}))
	zw.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		parent, err := os.MkdirTemp("", "fuzz-unpack-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(parent)
		dir := filepath.Join(parent, "in")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		const budget = 4096
		err = Tar(bytes.NewReader(data), dir, Limits{Bytes: budget, Entries: 100})
		if err != nil && !errors.Is(err, ErrBad) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("unsorted error: %v", err)
		}
		if names := dirNames(t, parent); len(names) != 1 {
			t.Fatalf("written beside the folder: %v", names)
		}
		var total int64
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			info, _ := d.Info()
			if !d.IsDir() && !info.Mode().IsRegular() {
				t.Fatalf("%s: mode %v", p, info.Mode())
			}
			if !d.IsDir() {
				total += info.Size()
			}
			return nil
		})
		if total > budget {
			t.Fatalf("%d bytes written, budget %d", total, budget)
		}
	})
}

// FuzzEntryName: a name entryName accepts never leaves the folder.
func FuzzEntryName(f *testing.F) {
	f.Add("a/b")
	f.Add("a/../../b")
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := entryName(s); err == nil && (strings.Contains("/"+n+"/", "/../") || strings.HasPrefix(n, "/")) {
			t.Fatalf("%q accepted as %q", s, n)
		}
	})
}

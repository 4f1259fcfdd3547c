package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// entry is one file of a test archive.
type entry struct {
	name string
	body []byte
}

func zipOf(t testing.TB, files ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarOf(t testing.TB, files ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(f.body)
	}
	tw.WriteHeader(&tar.Header{Name: "dir/", Mode: 0o755, Typeflag: tar.TypeDir})
	tw.WriteHeader(&tar.Header{Name: "link", Linkname: "/etc/shadow", Typeflag: tar.TypeSymlink})
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// walk collects "path=content" for every member handed out.
func walk(t testing.TB, data []byte, name string, lim Limits) ([]string, Stats, error) {
	t.Helper()
	var got []string
	st, err := Walk(context.Background(), bytes.NewReader(data), name, lim, func(m Member) error {
		b, err := io.ReadAll(m.Content)
		if err != nil {
			return err
		}
		got = append(got, m.Path+"="+string(b))
		return nil
	})
	return got, st, err
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestWalkFormats(t *testing.T) {
	inner := zipOf(t, entry{"BOOT-INF/classes/application.properties", []byte("spring.datasource.password=x\n")})
	tgz := gzipOf(t, tarOf(t, entry{"etc/app.yml", []byte("a: 1\n")}, entry{"./../../escape.txt", []byte("up\n")}))
	outer := zipOf(t,
		entry{"README.md", []byte("hi\n")},
		entry{"lib/app.jar", inner},
		entry{"dist/conf.tar.gz", tgz},
		entry{"notes.txt.gz", gzipOf(t, []byte("plain\n"))},
		entry{"broken.zip", []byte("PK\x03\x04 not really")},
	)
	tests := []struct {
		name, file string
		data       []byte
		depth      int
		want       []string
	}{
		{"zip, one level", "a.zip", outer, 1, []string{
			"a.zip!/README.md=hi\n", "a.zip!/lib/app.jar=" + string(inner), "a.zip!/dist/conf.tar.gz=" + string(tgz),
			"a.zip!/notes.txt.gz=" + string(gzipOf(t, []byte("plain\n"))), "a.zip!/broken.zip=PK\x03\x04 not really",
		}},
		{"zip, nested", "a.zip", outer, 2, []string{
			"a.zip!/README.md=hi\n",
			"a.zip!/lib/app.jar!/BOOT-INF/classes/application.properties=spring.datasource.password=x\n",
			"a.zip!/dist/conf.tar.gz!/etc/app.yml=a: 1\n",
			"a.zip!/dist/conf.tar.gz!/escape.txt=up\n",
			"a.zip!/notes.txt.gz!/notes.txt=plain\n",
		}},
		{"tar", "x.tar", tarOf(t, entry{"a", []byte("1")}, entry{"b/c", []byte("2")}), 1, []string{"x.tar!/a=1", "x.tar!/b/c=2"}},
		{"tgz", "x.tgz", tgz, 1, []string{"x.tgz!/etc/app.yml=a: 1\n", "x.tgz!/escape.txt=up\n"}},
		{"gzip file", "app.log.gz", gzipOf(t, []byte("line\n")), 1, []string{"app.log.gz!/app.log=line\n"}},
		// Made with bzip2(1) from settings.ini and readme.txt.
		{"tar.bz2", "f.tar.bz2", readFile(t, "fixture.tar.bz2"), 1, []string{
			"f.tar.bz2!/settings.ini=db_password = \"Xk48Lm2Vn9Rb4Tk1\"\n", "f.tar.bz2!/readme.txt=hello\n",
		}},
		{"bzip2 file", "one.ini.bz2", readFile(t, "one.ini.bz2"), 1, []string{"one.ini.bz2!/one.ini=db_password = \"Xk48Lm2Vn9Rb4Tk1\"\n"}},
		{"named wrong", "x.tar", zipOf(t, entry{"a", []byte("1")}), 1, []string{"x.tar!/a=1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := walk(t, tt.data, tt.file, Limits{MaxDepth: tt.depth})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("members:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSkippedNested(t *testing.T) {
	data := zipOf(t, entry{"ok.txt", []byte("ok")}, entry{"broken.jar", []byte("not a zip")}, entry{"big.txt", bytes.Repeat([]byte("x"), 100)})
	got, st, err := walk(t, data, "a.zip", Limits{MaxDepth: 2, MaxMember: 50})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.zip!/ok.txt=ok"}; !slices.Equal(got, want) {
		t.Errorf("members = %q, want %q", got, want)
	}
	if st.Skipped != 2 || st.Members != 1 || st.Archives != 2 {
		t.Errorf("stats = %+v, want 2 skipped, 1 member, 2 archives", st)
	}
}

// TestCorruptNested passes over a nested zip whose stored data fails its
// checksum, and goes on with the other members.
func TestCorruptNested(t *testing.T) {
	inner := zipOf(t, entry{"a.txt", []byte("inner")})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "lib/x.jar", Method: zip.Store, CRC32: 1,
		CompressedSize64: uint64(len(inner)), UncompressedSize64: uint64(len(inner))})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(inner)
	w, _ = zw.Create("z.txt")
	w.Write([]byte("after"))
	zw.Close()
	got, st, err := walk(t, buf.Bytes(), "a.zip", Limits{MaxDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.zip!/z.txt=after"}; !slices.Equal(got, want) || st.Skipped != 1 {
		t.Errorf("members %q, %d skipped; want %q, 1 skipped", got, st.Skipped, want)
	}
}

func TestNotAnArchive(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello"), []byte("PK\x03\x04"), {0x1f, 0x8b, 0, 0}} {
		if _, _, err := walk(t, data, "x.zip", Limits{}); err == nil {
			t.Errorf("%q: no error", data)
		}
	}
}

// gzipBomb is size bytes of zeros as concatenated gzip members of 1 MiB:
// a few kilobytes per gigabyte.
func gzipBomb(t testing.TB, size int64) []byte {
	member := gzipOf(t, make([]byte, 1<<20))
	return bytes.Repeat(member, int(size>>20))
}

func TestBombs(t *testing.T) {
	deep := zipOf(t, entry{"secret.txt", []byte("found")})
	for i := range 20 {
		deep = zipOf(t, entry{fmt.Sprintf("level%d.zip", i), deep})
	}
	manyEntries := make([]entry, 2000)
	for i := range manyEntries {
		manyEntries[i] = entry{fmt.Sprint(i), nil}
	}
	tests := []struct {
		name  string
		file  string
		data  []byte
		lim   Limits
		limit bool // an ErrLimit is wanted, not a quiet pass
	}{
		// A single compressed file is read only up to MaxMember.
		{"gzip of 2 GiB", "x.gz", gzipBomb(t, 2<<30), Limits{}, false},
		{"tar.gz bomb", "x.tgz", gzipOf(t, tarOf(t, entry{"a", []byte("1")})), Limits{MaxBytes: 100}, true},
		{"tar.gz over budget", "x.tgz", gzipOf(t, tarOf(t, entry{"zeros", make([]byte, 4<<20)})), Limits{MaxBytes: 1 << 20}, true},
		{"zip of zeros", "x.zip", zipOf(t, entry{"zeros", make([]byte, 8<<20)}), Limits{MaxBytes: 1 << 20}, true},
		{"deep nesting", "x.zip", deep, Limits{MaxDepth: 8}, false},
		{"many entries", "x.zip", zipOf(t, manyEntries...), Limits{MaxEntries: 1000}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st, err := walk(t, tt.data, tt.file, tt.lim)
			if tt.limit != errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want ErrLimit: %v", err, tt.limit)
			}
			if st.Archives > 20 {
				t.Errorf("opened %d archives", st.Archives)
			}
			for _, m := range got {
				if len(m) > 10<<20+100 {
					t.Errorf("member of %d bytes handed out", len(m))
				}
			}
		})
	}
	// The deep archive is opened down to the limit and no further.
	got, st, err := walk(t, deep, "x.zip", Limits{MaxDepth: 8})
	if err != nil || len(got) != 1 || st.Archives != 8 || !strings.HasPrefix(got[0], "x.zip!/level19.zip!/level18.zip") {
		t.Errorf("deep: %d archives, err %v, members %.80q", st.Archives, err, got)
	}
}

func TestSpooledZip(t *testing.T) {
	dir := t.TempDir()
	data := zipOf(t, entry{"a.txt", bytes.Repeat([]byte("a"), 4096)}, entry{"b.txt", []byte("b")})
	got, _, err := walk(t, data, "x.zip", Limits{InMemory: 1024, TempDir: dir})
	if err != nil || len(got) != 2 {
		t.Fatalf("walk through a temporary file: %v, %d members", err, len(got))
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Walk(ctx, bytes.NewReader(zipOf(t, entry{"a", nil})), "a.zip", Limits{}, func(Member) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{
		"a.zip": Zip, "A.JAR": Zip, "x/y.whl": Zip, "p.nupkg": Zip, "b.tar": Tar, "c.tar.gz": Gzip, "c.TGZ": Gzip,
		"d.bz2": Bzip2, "e.txt": None, "zip": None, "f.": None, "g.gzip2x": None, ".gz": Gzip,
	} {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzWalk(f *testing.F) {
	f.Add(zipOf(f, entry{"a.txt", []byte("x")}, entry{"b.jar", zipOf(f, entry{"c", []byte("y")})}), "a.zip")
	f.Add(gzipOf(f, tarOf(f, entry{"a", []byte("1")})), "a.tgz")
	f.Add(tarOf(f, entry{"a.gz", gzipOf(f, []byte("z"))}), "a.tar")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		lim := Limits{MaxBytes: 1 << 20, MaxEntries: 1000, MaxMember: 1 << 16, InMemory: 1 << 20, TempDir: t.TempDir()}
		n := 0
		_, _ = Walk(context.Background(), bytes.NewReader(data), name, lim, func(m Member) error {
			b, err := io.ReadAll(m.Content)
			if len(b) > 1<<16 {
				t.Fatalf("%s: %d bytes over MaxMember", m.Path, len(b))
			}
			if strings.Contains(m.Path, "/../") {
				t.Fatalf("unclean path %q", m.Path)
			}
			n++
			return err
		})
		if n > 1000 {
			t.Fatalf("%d members over MaxEntries", n)
		}
	})
}

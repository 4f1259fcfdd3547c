package layerfs

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/extract/dpkg"
	"github.com/bulwark-sec/bulwark/extract/osrelease"
	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/inventory"
)

var exts = []extract.Extractor{dpkg.Extractor{}, osrelease.Extractor{}}

// ent is a tar entry for building test layers.
type ent struct {
	name, body, link string
	typ              byte
}

func tarOf(t testing.TB, entries ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if typ != tar.TypeReg {
			h.Size = 0
		}
		if typ == tar.TypeDir {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func walkBytes(t testing.TB, data []byte) *LayerResult {
	t.Helper()
	r, err := walkTar(context.Background(), tar.NewReader(bytes.NewReader(data)), Options{Extractors: exts})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCleanPath(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"usr/bin/ls", "usr/bin/ls", true},
		{"./usr/bin/", "usr/bin", true},
		{"/etc/passwd", "etc/passwd", true},
		{"./", "", true},
		{"a//b/./c", "a/b/c", true},
		{"a/../b", "b", true},
		{"../etc/passwd", "", false},
		{"a/../../etc", "", false},
		{"/../x", "", false},
	}
	for _, tt := range tests {
		got, ok := CleanPath(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CleanPath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWalkTarEntries(t *testing.T) {
	r := walkBytes(t, tarOf(t,
		ent{name: "./", typ: tar.TypeDir},
		ent{name: "./etc/", typ: tar.TypeDir},
		ent{name: "./etc/os-release", body: "ID=debian\nVERSION_ID=\"12\"\n"},
		ent{name: "../../escape", body: "x"},
		ent{name: "etc/.wh.motd"},
		ent{name: "opt/app/.wh..wh..opq"},
		ent{name: "bin/sh", typ: tar.TypeSymlink, link: "dash"},
		ent{name: "bin/hard", typ: tar.TypeLink, link: "./bin/dash"},
	))
	var paths []string
	for _, e := range r.Entries {
		paths = append(paths, e.Path)
	}
	if got, want := strings.Join(paths, " "), "etc etc/os-release bin/sh bin/hard"; got != want {
		t.Errorf("entries = %q, want %q", got, want)
	}
	if fmt.Sprint(r.Whiteouts) != "[etc/motd]" || fmt.Sprint(r.Opaque) != "[opt/app]" {
		t.Errorf("whiteouts %v, opaque %v", r.Whiteouts, r.Opaque)
	}
	if len(r.Warnings) != 1 || r.Warnings[0].Path != "../../escape" {
		t.Errorf("warnings = %+v, want one for the escaping entry", r.Warnings)
	}
	if len(r.Files) != 1 || r.Files[0].Result.OS == nil || r.Files[0].Result.OS.Family != "debian" {
		t.Errorf("files = %+v, want os-release read", r.Files)
	}
	if h := r.Entries[3]; !h.HardLink || h.Linkname != "bin/dash" {
		t.Errorf("hard link entry = %+v", h)
	}
}

func TestWalkTarLimits(t *testing.T) {
	data := tarOf(t, ent{name: "a"}, ent{name: "b"}, ent{name: "c"})
	_, err := walkTar(context.Background(), tar.NewReader(bytes.NewReader(data)), Options{MaxEntries: 2})
	if !errors.Is(err, ErrTooManyEntries) {
		t.Errorf("err = %v, want ErrTooManyEntries", err)
	}
	_, err = walkTar(context.Background(), tar.NewReader(bytes.NewReader(data[:700])), Options{})
	if err == nil || !strings.Contains(err.Error(), "read tar") {
		t.Errorf("truncated tar: err = %v", err)
	}
	// A file over the extractor's limit is skipped with a warning.
	big := tarOf(t, ent{name: "etc/os-release", body: strings.Repeat("#", 100<<10)})
	r := walkBytes(t, big)
	if len(r.Files) != 0 || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, "limit") {
		t.Errorf("oversized file: files %v warnings %v", r.Files, r.Warnings)
	}
}

type panicky struct{}

func (panicky) Name() string                 { return "panicky" }
func (panicky) Version() int                 { return 1 }
func (panicky) MaxSize() int64               { return 1 << 20 }
func (panicky) Required(f extract.File) bool { return f.Path == "boom" }
func (panicky) Extract(context.Context, extract.Input) (extract.Result, error) {
	panic("bad input")
}

func TestExtractorPanicIsAWarning(t *testing.T) {
	data := tarOf(t, ent{name: "boom", body: "x"}, ent{name: "after", body: "y"})
	r, err := walkTar(context.Background(), tar.NewReader(bytes.NewReader(data)), Options{Extractors: []extract.Extractor{panicky{}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, "crashed") || len(r.Entries) != 2 {
		t.Errorf("warnings %+v entries %d", r.Warnings, len(r.Entries))
	}
}

// hasher is an extractor that reports a digest of as much of a file as it
// reads (all of it, or the first stop bytes) as a package version.
type hasher struct {
	name string
	stop int64
	fail bool
}

func (h hasher) Name() string               { return h.name }
func (hasher) Version() int                 { return 1 }
func (hasher) MaxSize() int64               { return 64 << 20 }
func (hasher) Required(f extract.File) bool { return strings.HasPrefix(f.Path, "data/") }
func (h hasher) Extract(_ context.Context, in extract.Input) (extract.Result, error) {
	r := in.Content
	if h.stop > 0 {
		r = io.LimitReader(r, h.stop)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return extract.Result{}, err
	}
	if h.fail {
		return extract.Result{}, errors.New("refused")
	}
	return extract.Result{Packages: []inventory.Package{{Name: h.name, Version: fmt.Sprintf("%d:%x", len(data), crc(data))}}}, nil
}

func crc(b []byte) uint32 {
	var c uint32
	for _, x := range b {
		c = c*31 + uint32(x)
	}
	return c
}

// TestSharedFile checks that every extractor wanting the same file sees its
// exact bytes, whether the file is small enough to be read once into
// memory or large enough to be streamed to all of them together, and that
// one stopping early or failing does not disturb the others or the walk.
func TestSharedFile(t *testing.T) {
	for _, size := range []int{10, fanOutSize + 12345, 5 * fanOutSize} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte(i * 7 / 3)
		}
		xs := []extract.Extractor{hasher{name: "all"}, hasher{name: "head", stop: 100}, hasher{name: "fails", fail: true}, hasher{name: "all2"}}
		data := tarOf(t, ent{name: "data/f", body: string(body)}, ent{name: "data/g", body: "after"})
		r, err := walkTar(context.Background(), tar.NewReader(bytes.NewReader(data)), Options{Extractors: xs})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, f := range r.Files {
			got[f.Path+" "+f.Extractor] = f.Result.Packages[0].Version
		}
		whole := fmt.Sprintf("%d:%x", size, crc(body))
		head := fmt.Sprintf("%d:%x", min(size, 100), crc(body[:min(size, 100)]))
		if got["data/f all"] != whole || got["data/f all2"] != whole || got["data/f head"] != head {
			t.Errorf("size %d: got %v, want all=%s head=%s", size, got, whole, head)
		}
		if got["data/g all"] != fmt.Sprintf("5:%x", crc([]byte("after"))) {
			t.Errorf("size %d: next file read wrong: %v", size, got)
		}
		if len(r.Warnings) != 2 || !strings.Contains(r.Warnings[0].Message, "refused") {
			t.Errorf("size %d: warnings %+v", size, r.Warnings)
		}
	}
}

func status(pkgs ...string) string {
	var b strings.Builder
	for _, p := range pkgs {
		name, ver, _ := strings.Cut(p, "=")
		fmt.Fprintf(&b, "Package: %s\nStatus: install ok installed\nVersion: %s\nArchitecture: amd64\n\n", name, ver)
	}
	return b.String()
}

func TestMerge(t *testing.T) {
	const st = "var/lib/dpkg/status"
	layers := []*LayerResult{
		walkBytes(t, tarOf(t,
			ent{name: "etc/", typ: tar.TypeDir},
			ent{name: "etc/motd", body: "hi"},
			ent{name: "etc/os-release", body: "ID=debian\nVERSION_ID=12\n"},
			ent{name: "opt/app/old.txt", body: "old"},
			ent{name: "opt/app/keep/x", body: "x"},
			ent{name: "srv/data/a", body: "a"},
			ent{name: st, body: status("libc6=2.36-9", "bash=5.2-1")},
		)),
		walkBytes(t, tarOf(t,
			ent{name: "etc/.wh.motd"},
			ent{name: "opt/app/.wh..wh..opq"},
			ent{name: "opt/app/new.txt", body: "new"},
			ent{name: "srv/data", body: "now a file"},
			ent{name: st, body: status("libc6=2.36-9", "bash=5.2-2", "curl=7.88")},
		)),
		walkBytes(t, tarOf(t,
			ent{name: "etc/motd", body: "back"},
			ent{name: st, body: status("libc6=2.36-9", "bash=5.2-2", "curl=7.88", "jq=1.6")},
		)),
	}
	fs := Merge(layers)

	var visible []string
	fs.Walk(func(f File) bool {
		if !f.Mode.IsDir() {
			visible = append(visible, fmt.Sprintf("%s@%d", f.Path, f.Layer))
		}
		return true
	})
	wantVisible := "etc/motd@2 etc/os-release@0 opt/app/new.txt@1 srv/data@1 var/lib/dpkg/status@2"
	if got := strings.Join(visible, " "); got != wantVisible {
		t.Errorf("visible files:\n got %s\nwant %s", got, wantVisible)
	}

	var hidden []string
	for _, h := range fs.Hidden {
		if !h.Mode.IsDir() {
			hidden = append(hidden, fmt.Sprintf("%s@%d-by-%d", h.Path, h.Layer, h.HiddenBy))
		}
	}
	sort.Strings(hidden)
	wantHidden := "etc/motd@0-by-1 opt/app/keep/x@0-by-1 opt/app/old.txt@0-by-1 srv/data/a@0-by-1 var/lib/dpkg/status@0-by-1 var/lib/dpkg/status@1-by-2"
	if got := strings.Join(hidden, " "); got != wantHidden {
		t.Errorf("hidden files:\n got %s\nwant %s", got, wantHidden)
	}

	var pkgs []string
	for _, f := range fs.Found {
		for _, p := range f.Result.Packages {
			pkgs = append(pkgs, fmt.Sprintf("%s=%s@%d", p.Name, p.Version, p.Layer))
		}
	}
	// libc6 is unchanged since layer 0, bash was upgraded in layer 1,
	// curl came with layer 1 and jq with layer 2.
	wantPkgs := "libc6=2.36-9@0 bash=5.2-2@1 curl=7.88@1 jq=1.6@2"
	if got := strings.Join(pkgs, " "); got != wantPkgs {
		t.Errorf("packages:\n got %s\nwant %s", got, wantPkgs)
	}
}

func TestMergeDeletedDatabaseForgetsPackages(t *testing.T) {
	const st = "var/lib/dpkg/status"
	fs := Merge([]*LayerResult{
		walkBytes(t, tarOf(t, ent{name: st, body: status("a=1")})),
		walkBytes(t, tarOf(t, ent{name: "var/lib/.wh.dpkg"})),
		walkBytes(t, tarOf(t, ent{name: st, body: status("a=1")})),
	})
	if len(fs.Found) != 1 || fs.Found[0].Result.Packages[0].Layer != 2 {
		t.Errorf("found = %+v, want package a introduced again by layer 2", fs.Found)
	}
	fs = Merge([]*LayerResult{
		walkBytes(t, tarOf(t, ent{name: st, body: status("a=1")})),
		walkBytes(t, tarOf(t, ent{name: "var/lib/.wh.dpkg"})),
	})
	if len(fs.Found) != 0 {
		t.Errorf("found = %+v after the database was deleted", fs.Found)
	}
}

// memCache is an in-memory Cache for tests.
type memCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *memCache) Get(k string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *memCache) Put(k string, v []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = v
	return nil
}

// fixtureSource builds a source from the real Debian layer fixtures in
// ../testdata/images plus extra in-memory layers, counting layer opens.
func fixtureSource(t testing.TB, opens *atomic.Int32, extra ...[]byte) *image.Source {
	t.Helper()
	src := &image.Source{}
	add := func(diffID string, open func() (io.ReadCloser, error)) {
		i := len(src.Layers)
		src.Layers = append(src.Layers, image.Layer{
			Layer: inventory.Layer{Index: i, DiffID: diffID},
			Open: func() (io.ReadCloser, error) {
				opens.Add(1)
				return open()
			},
		})
	}
	for _, name := range []string{"layer0.tar.gz", "layer1.tar.gz"} {
		p := filepath.Join("..", "testdata", "images", name)
		add("sha256:fixture-"+name, func() (io.ReadCloser, error) {
			f, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			zr, err := gzip.NewReader(f)
			if err != nil {
				f.Close()
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{zr, f}, nil
		})
	}
	for i, data := range extra {
		add(fmt.Sprintf("sha256:extra-%d", i), func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		})
	}
	return src
}

func TestWalkRealDebianLayers(t *testing.T) {
	var opens atomic.Int32
	deleteDoc := tarOf(t, ent{name: "usr/share/doc/netbase/.wh.copyright"})
	src := fixtureSource(t, &opens, deleteDoc)
	cache := &memCache{m: map[string][]byte{}}
	results, err := Walk(context.Background(), src, Options{Extractors: exts, Cache: cache, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	fs := Merge(results)

	want, err := os.ReadFile("../testdata/images/layer1.dpkg-query.txt")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var os12 *inventory.OS
	for _, f := range fs.Found {
		if f.Result.OS != nil && f.Path == "usr/lib/os-release" {
			os12 = f.Result.OS
		}
		for _, p := range f.Result.Packages {
			got = append(got, fmt.Sprintf("%s %s %s L%d", p.Name, p.Version, p.Arch, p.Layer))
		}
	}
	// dpkg-query lists name version arch state; all three are present.
	var wantLines []string
	for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		f := strings.Fields(line)
		layer := 0
		if f[0] == "ca-certificates" {
			layer = 1
		}
		wantLines = append(wantLines, fmt.Sprintf("%s %s %s L%d", f[0], f[1], f[2], layer))
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("packages:\n got %q\nwant %q", got, wantLines)
	}
	if os12 == nil || os12.Family != "debian" || os12.Version != "12" {
		t.Errorf("os = %+v, want debian 12 from usr/lib/os-release", os12)
	}
	if f, ok := fs.Stat("usr/share/doc/netbase/copyright"); ok {
		t.Errorf("deleted file still visible: %+v", f)
	}
	deleted := false
	for _, h := range fs.Hidden {
		if h.Path == "usr/share/doc/netbase/copyright" && h.Layer == 0 && h.HiddenBy == 2 {
			deleted = true
		}
	}
	if !deleted {
		t.Error("deleted file not listed as hidden by layer 2")
	}
	if n := opens.Load(); n != 3 {
		t.Errorf("layers opened %d times, want 3", n)
	}

	// A second walk is served from the cache without reading a layer.
	again, err := Walk(context.Background(), src, Options{Extractors: exts, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	if n := opens.Load(); n != 3 {
		t.Errorf("cached walk opened layers: %d opens in all", n)
	}
	if len(again) != 3 || len(again[0].Entries) != len(results[0].Entries) || len(again[1].Files) != len(results[1].Files) {
		t.Error("cached results differ from the walked ones")
	}
	// Another extractor set must not reuse those entries.
	if _, err := Walk(context.Background(), src, Options{Extractors: exts[:1], Cache: cache}); err != nil {
		t.Fatal(err)
	}
	if n := opens.Load(); n != 6 {
		t.Errorf("a different extractor set reused the cache: %d opens", n)
	}
}

func TestWalkCancelled(t *testing.T) {
	var opens atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Walk(ctx, fixtureSource(t, &opens), Options{Extractors: exts}); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestWalkRootDir(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	write := func(dir, p, body string) {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(root, "usr/lib/os-release", "ID=alpine\nVERSION_ID=3.20.3\n")
	write(root, "proc/self/status", "not scanned")
	// A package database outside the root, reachable only through
	// symlinks: the walk must not read it.
	write(outside, "dpkg/status", status("evil=1"))
	if err := os.MkdirAll(filepath.Join(root, "var/lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "var/lib/dpkg-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "dpkg"), filepath.Join(root, "var/lib/dpkg")); err != nil {
		t.Fatal(err)
	}
	// A symlink loop is listed, not followed.
	if err := os.Symlink("loop", filepath.Join(root, "loop")); err != nil {
		t.Fatal(err)
	}
	results, err := Walk(context.Background(), &image.Source{RootDir: root}, Options{Extractors: exts})
	if err != nil {
		t.Fatal(err)
	}
	fs := Merge(results)
	for _, f := range fs.Found {
		if len(f.Result.Packages) > 0 {
			t.Errorf("read packages through a symlink out of the root: %+v", f)
		}
	}
	if len(fs.Found) != 1 || fs.Found[0].Result.OS.Family != "alpine" {
		t.Errorf("found = %+v, want the alpine os-release", fs.Found)
	}
	if _, ok := fs.Stat("proc/self/status"); ok {
		t.Error("walked /proc")
	}
	if f, ok := fs.Stat("loop"); !ok || f.Linkname != "loop" {
		t.Errorf("symlink loop entry = %+v, %v", f, ok)
	}

	// A source folder skips version-control data at any depth, and has no
	// kernel views to skip.
	write(root, "app/.git/objects/x", "x")
	results, err = Walk(context.Background(), &image.Source{RootDir: root, Project: true}, Options{Extractors: exts})
	if err != nil {
		t.Fatal(err)
	}
	fs = Merge(results)
	if _, ok := fs.Stat("app/.git/objects/x"); ok {
		t.Error("walked .git in a source folder")
	}
	if _, ok := fs.Stat("proc/self/status"); !ok {
		t.Error("skipped a folder named proc in a source folder")
	}
}

func FuzzWalkTar(f *testing.F) {
	f.Add(tarOf(f, ent{name: "var/lib/dpkg/status", body: status("a=1")}, ent{name: "etc/.wh.x"}))
	f.Add(tarOf(f, ent{name: "../x", body: "y"}, ent{name: "a", typ: tar.TypeLink, link: "../../b"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := walkTar(context.Background(), tar.NewReader(bytes.NewReader(data)), Options{Extractors: exts, MaxEntries: 1000})
		if err != nil {
			return
		}
		for _, e := range r.Entries {
			if strings.HasPrefix(e.Path, "/") || e.Path == ".." || strings.HasPrefix(e.Path, "../") {
				t.Fatalf("unclean path %q", e.Path)
			}
		}
		Merge([]*LayerResult{r, r})
	})
}

func BenchmarkMerge(b *testing.B) {
	var es []ent
	for i := 0; i < 20000; i++ {
		es = append(es, ent{name: fmt.Sprintf("usr/share/d%d/f%d", i%200, i), body: "x"})
	}
	l := walkBytes(b, tarOf(b, es...))
	b.ResetTimer()
	for b.Loop() {
		Merge([]*LayerResult{l, l, l})
	}
}

// BenchmarkWalkTar measures the walk's own cost on an uncompressed layer of
// 20,000 files (about 80 MB) with a dpkg database among them: the floor
// under every scan, before decompression.
func BenchmarkWalkTar(b *testing.B) {
	status, err := os.ReadFile("../extract/dpkg/testdata/status")
	if err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("x", 4000)
	es := []ent{{name: "var/lib/dpkg/status", body: string(status)}}
	for i := 0; i < 20000; i++ {
		es = append(es, ent{name: fmt.Sprintf("usr/lib/d%d/file%d.so", i%300, i), body: body})
	}
	data := tarOf(b, es...)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		r, err := walkTar(context.Background(), tar.NewReader(bytes.NewReader(data)), Options{Extractors: exts})
		if err != nil || len(r.Files) != 1 {
			b.Fatal(err)
		}
	}
}

// lockingCache is a memCache with one lock per key, as a cache shared by
// several processes provides.
type lockingCache struct {
	memCache
	locks sync.Map // key → *sync.Mutex
}

func (c *lockingCache) Lock(ctx context.Context, key string) (func(), error) {
	m, _ := c.locks.LoadOrStore(key, &sync.Mutex{})
	m.(*sync.Mutex).Lock()
	return m.(*sync.Mutex).Unlock, nil
}

func TestConcurrentWalksShareLockedCache(t *testing.T) {
	var opens atomic.Int32
	src := fixtureSource(t, &opens, tarOf(t, ent{name: "etc/hello", body: "hi"}))
	cache := &lockingCache{memCache: memCache{m: map[string][]byte{}}}
	const walkers = 4
	var wg sync.WaitGroup
	errs := make(chan error, walkers)
	for range walkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Walk(context.Background(), src, Options{Extractors: exts, Cache: cache, Parallel: 3})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := opens.Load(), int32(len(src.Layers)); got != want {
		t.Errorf("%d concurrent walks opened layers %d times, want each of the %d layers once", walkers, got, want)
	}
}

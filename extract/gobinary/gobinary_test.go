package gobinary

import (
	"bytes"
	"compress/gzip"
	"context"
	"debug/buildinfo"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

func run(t *testing.T, data []byte, mode os.FileMode) []inventory.Package {
	t.Helper()
	f := extract.File{Path: "usr/local/bin/app", Mode: mode, Size: int64(len(data))}
	res, err := Extractor{}.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	return res.Packages
}

func lines(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.Version)
	}
	sort.Strings(out)
	return out
}

// goVersionM lists what `go version -m` says the binary holds, in the same
// form, as the independent check.
func goVersionM(t *testing.T, bin string) []string {
	t.Helper()
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	var want []string
	for i, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		switch {
		case i == 0 && len(f) == 2:
			want = append(want, "stdlib "+StdlibVersion(f[1]))
		case len(f) >= 3 && f[0] == "mod" && f[2] != "(devel)":
			want = append(want, f[1]+" "+f[2])
		case len(f) >= 3 && f[0] == "dep":
			want = append(want, f[1]+" "+f[2])
		case len(f) >= 3 && f[0] == "=>":
			// The replacement is what was linked.
			want[len(want)-1] = f[1] + " " + f[2]
			if len(f) < 3 || strings.HasPrefix(f[1], ".") || strings.HasPrefix(f[1], "/") {
				want = want[:len(want)-1]
			}
		}
	}
	sort.Strings(want)
	return want
}

func TestRealBinary(t *testing.T) {
	f, err := os.Open("testdata/scanme.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, _ := gzip.NewReader(f)
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !(Extractor{}).Required(extract.File{Mode: 0o755, Size: int64(len(data))}) {
		t.Fatal("Required = false for an executable")
	}
	got := lines(run(t, data, 0o755))
	want := []string{"github.com/google/uuid v1.3.0", "golang.org/x/text v0.3.7", "stdlib v1.26.8"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	bin := filepath.Join(t.TempDir(), "scanme")
	os.WriteFile(bin, data, 0o755)
	if m := goVersionM(t, bin); strings.Join(m, "|") != strings.Join(got, "|") {
		t.Errorf("go version -m says %q, we say %q", m, got)
	}
}

// TestBuiltPIE builds a stripped position-independent binary with a
// replaced dependency, offline (the dependency is a local directory).
func TestBuiltPIE(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	dir := t.TempDir()
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/pie\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n\nreplace example.com/dep => ./dep\n")
	write("main.go", "package main\n\nimport \"example.com/dep\"\n\nfunc main() { dep.Hello() }\n")
	write("dep/go.mod", "module example.com/dep\n\ngo 1.21\n")
	write("dep/dep.go", "package dep\n\nfunc Hello() { println(\"hi\") }\n")
	// With a build ID the linker writes its note and the file is read
	// whole; with an empty one there is no note and the file is scanned
	// as it streams past.
	for _, ldflags := range []string{"-s -w", "-s -w -buildid="} {
		bin := filepath.Join(dir, "pie")
		cmd := exec.Command("go", "build", "-buildmode=pie", "-ldflags="+ldflags, "-o", bin, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			if runtime.GOOS != "linux" {
				t.Skipf("pie build: %v", err)
			}
			t.Fatalf("go build: %v\n%s", err, out)
		}
		data, _ := os.ReadFile(bin)
		if note, want := hasGoNote(data[:headSize]), !strings.Contains(ldflags, "buildid"); note != want {
			t.Errorf("%s: hasGoNote = %v, want %v", ldflags, note, want)
		}
		got := lines(run(t, data, 0o755))
		// The local replacement has no version; only the toolchain remains.
		if len(got) != 1 || !strings.HasPrefix(got[0], "stdlib v1.") {
			t.Errorf("%s: got %q", ldflags, got)
		}
		if m := goVersionM(t, bin); strings.Join(m, "|") != strings.Join(got, "|") {
			t.Errorf("%s: go version -m says %q, we say %q", ldflags, m, got)
		}
	}
}

// TestScanMatchesBuildinfo runs the streaming scan over a real binary,
// delivered in awkward pieces so that the header and its strings straddle
// reads, and checks it against the standard library's reader.
func TestScanMatchesBuildinfo(t *testing.T) {
	f, err := os.Open("testdata/scanme.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, _ := gzip.NewReader(f)
	data, _ := io.ReadAll(zr)
	if !hasGoNote(data[:headSize]) {
		t.Error("no Go note in a Go binary")
	}
	if hasGoNote(mustRead(t, "/bin/true")) {
		t.Error("Go note in /bin/true")
	}
	want, err := buildinfo.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]io.Reader{
		"whole":    bytes.NewReader(data[headSize:]),
		"halves":   iotest.HalfReader(bytes.NewReader(data[headSize:])),
		"one byte": iotest.OneByteReader(bytes.NewReader(data[headSize:])),
	} {
		got, err := scan(data[:headSize], r)
		if err != nil || got == nil {
			t.Fatalf("%s: scan = %v, %v", name, got, err)
		}
		if got.String() != want.String() || got.GoVersion != want.GoVersion {
			t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
		}
	}
	// A magic that is not aligned, or not followed by a valid header, is
	// passed over.
	junk := append(bytes.Repeat([]byte{0}, 3), buildInfoMagic...)
	junk = append(junk, bytes.Repeat([]byte{8, 2}, 40)...)
	if got, err := scan(junk, bytes.NewReader(nil)); got != nil || err != nil {
		t.Errorf("junk: %v, %v", got, err)
	}
}

func TestNotGo(t *testing.T) {
	for name, data := range map[string][]byte{
		"shell script":  []byte("#!/bin/sh\necho hi\n"),
		"C binary":      mustRead(t, "/bin/true"),
		"truncated ELF": append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...),
		"junk":          bytes.Repeat([]byte{0xff}, 4096),
	} {
		if pkgs := run(t, data, 0o755); len(pkgs) != 0 {
			t.Errorf("%s: %d packages", name, len(pkgs))
		}
	}
	if (Extractor{}).Required(extract.File{Mode: 0o644, Size: 1 << 20}) {
		t.Error("Required a non-executable file")
	}
}

func mustRead(t *testing.T, p string) []byte {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Skip(err)
	}
	return data
}

func TestStdlibVersion(t *testing.T) {
	for in, want := range map[string]string{
		"go1.22.1":                "v1.22.1",
		"go1.21":                  "v1.21.0",
		"go1.21rc2":               "v1.21.0-rc.2",
		"go1.20.3 X:boringcrypto": "v1.20.3",
		"go1":                     "v1.0.0",
		"devel +abc":              "",
		"":                        "",
	} {
		if got := StdlibVersion(in); got != want {
			t.Errorf("StdlibVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPlatform: GOOS/GOARCH from the build settings go on every package,
// since some Go records hold only on some platforms.
func TestPlatform(t *testing.T) {
	setting := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	for _, c := range []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{setting("-buildmode", "pie", "CGO_ENABLED", "1", "GOARCH", "amd64", "GOOS", "linux", "GOAMD64", "v1"), "linux/amd64"},
		{setting("GOOS", "windows"), "windows/"},
		{setting("GOARCH", "arm64"), "/arm64"},
		{nil, ""}, // before Go 1.18: no settings
	} {
		bi := &buildinfo.BuildInfo{GoVersion: "go1.21.0", Settings: c.settings,
			Deps: []*debug.Module{{Path: "golang.org/x/text", Version: "v0.3.7"}}}
		pkgs := Packages(bi)
		if len(pkgs) != 2 {
			t.Fatalf("%v: %d packages", c.settings, len(pkgs))
		}
		for _, p := range pkgs {
			if p.Platform != c.want {
				t.Errorf("%v: %s platform %q, want %q", c.settings, p.Name, p.Platform, c.want)
			}
		}
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Add([]byte("MZ\x90\x00"))
	seed := append([]byte("\x7fELF"), make([]byte, 12)...)
	seed = append(seed, buildInfoMagic...)
	seed = append(seed, 8, 2)
	seed = append(seed, make([]byte, 16)...)
	seed = append(seed, 4, 'g', 'o', '1', '.', 40)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		Extractor{}.Extract(context.Background(), extract.Input{File: extract.File{Path: "x", Mode: 0o755}, Content: bytes.NewReader(data)})
	})
}

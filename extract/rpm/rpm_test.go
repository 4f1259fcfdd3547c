package rpm

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixtures = []struct {
	file, path, backend string
}{
	{"centos5-Packages.gz", "var/lib/rpm/Packages", "bdb_ro"},
	{"cbl-mariner2-rpmdb.sqlite.gz", "var/lib/rpm/rpmdb.sqlite", "sqlite"},
	{"sle15-bci-Packages.db.gz", "usr/lib/sysimage/rpm/Packages.db", "ndb"},
}

func unzip(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func extractBytes(t testing.TB, data []byte, p string) ([]inventory.Package, error) {
	t.Helper()
	f := extract.File{Path: p, Mode: 0o644, Size: int64(len(data))}
	if !(Extractor{}).Required(f) {
		t.Fatalf("Required(%s) = false", p)
	}
	res, err := Extractor{}.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(data), TempDir: t.TempDir()})
	return res.Packages, err
}

func TestGolden(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			pkgs, err := extractBytes(t, unzip(t, fx.file), fx.path)
			if err != nil {
				t.Fatal(err)
			}
			out, _ := json.MarshalIndent(pkgs, "", "  ")
			golden.Check(t, strings.TrimSuffix(fx.file, ".gz")+".golden.json", append(out, '\n'), *update)
		})
	}
}

// TestAgreesWithRPM compares the packages with what rpm itself lists from
// the same database. Debian's rpm reads SQLite and (read-only) BerkeleyDB;
// it is built without NDB, so that format is checked against known facts
// in TestNDB instead.
func TestAgreesWithRPM(t *testing.T) {
	if _, err := exec.LookPath("rpm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("rpm is required in CI (apt-get install rpm)")
		}
		t.Skip("rpm not installed")
	}
	for _, fx := range fixtures {
		if fx.backend == "ndb" {
			continue
		}
		t.Run(fx.file, func(t *testing.T) {
			data := unzip(t, fx.file)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(fx.path)), data, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("rpm", "--dbpath", dir, "--define", "_db_backend "+fx.backend, "-qa",
				"--qf", `%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n`)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("rpm: %v", err)
			}
			var want []string
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Fields(line)
				if f[0] == "gpg-pubkey" {
					continue
				}
				f[1] = strings.TrimPrefix(f[1], "0:")
				want = append(want, strings.Join(f, " "))
			}
			pkgs, err := extractBytes(t, data, fx.path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				ver := p.SourceVersion
				if i := strings.IndexByte(ver, ':'); i >= 0 {
					ver = ver[i+1:] // source rpm file names carry no epoch
				}
				src := p.SourceName + "-" + ver + ".src.rpm"
				got = append(got, strings.Join([]string{p.Name, p.Version, p.Arch, src}, " "))
			}
			sort.Strings(want)
			sort.Strings(got)
			if len(got) != len(want) {
				t.Fatalf("got %d packages, rpm lists %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("got %q, rpm says %q", got[i], want[i])
				}
			}
		})
	}
}

// TestNDB checks the SLE 15 NDB database against packages known to be in
// that image (as go-rpmdb's own tests list them).
func TestNDB(t *testing.T) {
	pkgs, err := extractBytes(t, unzip(t, "sle15-bci-Packages.db.gz"), "usr/lib/sysimage/rpm/Packages.db")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"system-user-root": "20190513-3.3.1 noarch system-user-root",
		"glibc":            "2.31-9.3.2 x86_64 glibc",
		"libpcre1":         "8.45-20.10.1 x86_64 pcre",
		"libreadline7":     "7.0-19.6.1 x86_64 bash",
		"libstdc++6":       "11.2.1+git610-1.3.9 x86_64 gcc11",
	}
	found := 0
	for _, p := range pkgs {
		if w, ok := want[p.Name]; ok {
			found++
			if got := p.Version + " " + p.Arch + " " + p.SourceName; got != w {
				t.Errorf("%s: got %q, want %q", p.Name, got, w)
			}
		}
	}
	if found != len(want) {
		t.Errorf("found %d of %d known packages", found, len(want))
	}
}

func TestBadDatabases(t *testing.T) {
	good := unzip(t, "cbl-mariner2-rpmdb.sqlite.gz")
	bdb := unzip(t, "centos5-Packages.gz")
	for name, data := range map[string][]byte{
		"empty":              nil,
		"random":             bytes.Repeat([]byte("\x13\x37garbage"), 5000),
		"truncated sqlite":   good[:len(good)/4],
		"truncated bdb":      bdb[:8192],
		"sqlite header only": good[:100],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := extractBytes(t, data, "var/lib/rpm/Packages")
			if err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestParseSourceRPM(t *testing.T) {
	tests := []struct {
		in, name, ver string
		ok            bool
	}{
		{"openssl-3.0.7-24.el9.src.rpm", "openssl", "3.0.7-24.el9", true},
		{"gcc11-11.2.1+git610-1.3.9.src.rpm", "gcc11", "11.2.1+git610-1.3.9", true},
		{"python3-pip-wheel-21.2.3-6.el9.src.rpm", "python3-pip-wheel", "21.2.3-6.el9", true},
		{"kernel-5.14.0-1.nosrc.rpm", "kernel", "5.14.0-1", true},
		{"(none)", "", "", false},
		{"a-1.src.rpm", "", "", false},
		{"-1-2.src.rpm", "", "", false},
		{"a--2.src.rpm", "", "", false},
	}
	for _, tt := range tests {
		n, v, ok := ParseSourceRPM(tt.in)
		if n != tt.name || v != tt.ver || ok != tt.ok {
			t.Errorf("ParseSourceRPM(%q) = %q, %q, %v", tt.in, n, v, ok)
		}
	}
}

func FuzzExtract(f *testing.F) {
	for _, fx := range fixtures {
		data := unzip(f, fx.file)
		f.Add(data[:min(len(data), 16384)])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		extractBytes(t, data, "var/lib/rpm/rpmdb.sqlite")
	})
}

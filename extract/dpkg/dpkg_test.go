package dpkg

import (
	"bytes"
	"context"
	"flag"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

func extractFile(t *testing.T, p, rel string) []inventory.Package {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Extractor{}.Extract(context.Background(), extract.Input{
		File:    extract.File{Path: rel, Mode: 0o644, Size: int64(len(data))},
		Content: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("Extract(%s): %v", p, err)
	}
	return res.Packages
}

func TestStatusGolden(t *testing.T) {
	pkgs := extractFile(t, "testdata/status", statusPath)
	if len(pkgs) != 703 {
		t.Errorf("got %d packages, want 703", len(pkgs))
	}
	golden.CheckJSON(t, "status.golden.json", pkgs, *update)
}

// TestAgreesWithDpkgQuery checks the parser against dpkg itself on the same
// database: every package dpkg lists as present, with the same version,
// architecture and source, and nothing else.
func TestAgreesWithDpkgQuery(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dpkg-query is required in CI")
		}
		t.Skip("dpkg-query not installed")
	}
	admin := t.TempDir()
	data, err := os.ReadFile("testdata/status")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(admin, "status"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"info", "updates"} {
		if err := os.Mkdir(filepath.Join(admin, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("dpkg-query", "--admindir="+admin, "-W",
		"-f", `${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n`).Output()
	if err != nil {
		t.Fatalf("dpkg-query: %v", err)
	}
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		state, rest, _ := strings.Cut(line, "\t")
		if state == "not-installed" || state == "config-files" {
			continue
		}
		want = append(want, rest)
	}
	var got []string
	for _, p := range extractFile(t, "testdata/status", statusPath) {
		got = append(got, strings.Join([]string{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion}, "\t"))
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parser and dpkg-query disagree:\n got %d packages\nwant %d packages", len(got), len(want))
		for i := 0; i < len(got) && i < len(want); i++ {
			if got[i] != want[i] {
				t.Errorf("first difference: got %q, want %q", got[i], want[i])
				break
			}
		}
	}
}

func TestDistrolessStatusD(t *testing.T) {
	names, err := filepath.Glob("testdata/status.d/*")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var all []inventory.Package
	for _, n := range names {
		rel := "var/lib/dpkg/status.d/" + filepath.Base(n)
		if !(Extractor{}).Required(extract.File{Path: rel, Mode: 0o644}) {
			t.Errorf("Required(%s) = false", rel)
		}
		pkgs := extractFile(t, n, rel)
		if len(pkgs) != 1 {
			t.Fatalf("%s: got %d packages, want 1", n, len(pkgs))
		}
		all = append(all, pkgs...)
	}
	golden.CheckJSON(t, "status.d.golden.json", all, *update)
}

func TestRequired(t *testing.T) {
	tests := []struct {
		path string
		mode os.FileMode
		want bool
	}{
		{"var/lib/dpkg/status", 0o644, true},
		{"var/lib/dpkg/status", os.ModeSymlink, false},
		{"var/lib/dpkg/status-old", 0o644, false},
		{"var/lib/dpkg/status.d/libc6", 0o644, true},
		{"var/lib/dpkg/status.d/libc6.md5sums", 0o644, false},
		{"var/lib/dpkg/status.d/sub/x", 0o644, false},
		{"usr/var/lib/dpkg/status", 0o644, false},
	}
	for _, tt := range tests {
		if got := (Extractor{}).Required(extract.File{Path: tt.path, Mode: tt.mode}); got != tt.want {
			t.Errorf("Required(%q, %v) = %v, want %v", tt.path, tt.mode, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // name version arch source sourceVersion
		wantErr bool
	}{
		{
			name: "states",
			in: "Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n" +
				"Package: b\nStatus: deinstall ok config-files\nVersion: 2.0\n\n" +
				"Package: c\nStatus: purge ok not-installed\nVersion: 3\n\n" +
				"Package: d\nStatus: install ok half-configured\nVersion: 4\nSource: dsrc (4-1)\n\n" +
				"Package: e\nStatus: install ok unpacked\nVersion: 1:5\nSource: esrc\n",
			want: []string{"a 1.0 amd64 a 1.0", "d 4  dsrc 4-1", "e 1:5  esrc 1:5"},
		},
		{
			name: "crlf, continuation lines and no final newline",
			in:   "Package: a\r\nVersion: 1\r\nDescription: x\r\n more\r\n .\r\nConffiles:\r\n /etc/a 123\r\n\r\n\r\nPackage: b\r\nVersion: 2",
			want: []string{"a 1  a 1", "b 2  b 2"},
		},
		{
			name: "stanza without version is skipped",
			in:   "Package: a\n\nPackage: b\nVersion: 2\n",
			want: []string{"b 2  b 2"},
		},
		{
			name: "crafted names are rejected",
			in:   "Package: ../../etc\nVersion: 1\n\nPackage: ok\nVersion: 1\n",
			want: []string{"ok 1  ok 1"},
		},
		{name: "empty", in: "", wantErr: true},
		{name: "blank lines only", in: "\n\n\r\n", wantErr: true},
		{name: "no valid stanza", in: "Package: a\n\nfoo\n", wantErr: true},
		{name: "binary junk", in: "\x00\x01\x02\xff\xfe", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := Parse([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, strings.Join([]string{p.Name, p.Version, p.Arch, p.SourceName, p.SourceVersion}, " "))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHugeLine(t *testing.T) {
	in := "Package: a\nVersion: 1\nDescription: " + strings.Repeat("x", 20<<20) + "\n"
	pkgs, err := Parse([]byte(in))
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("got %d packages, err %v", len(pkgs), err)
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile("testdata/status")
	f.Add(seed[:4096])
	f.Add([]byte("Package: a\nVersion: 1\nSource: b (2)\nStatus: install ok installed\n"))
	f.Add([]byte("Package: a\r\nVersion:\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := Parse(data)
		if err == nil && len(pkgs) == 0 && len(bytes.TrimSpace(data)) == 0 {
			t.Fatal("empty input parsed without error")
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("package without name or version: %+v", p)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/status")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

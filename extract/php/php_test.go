package php

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestGolden(t *testing.T) {
	tests := []struct {
		file  string
		parse func([]byte) ([]inventory.Package, error)
	}{
		{"composer.lock", ParseLock},
		{"installed.json", ParseInstalled},
		{"installed-composer1.json", ParseInstalled},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pkgs, err := tt.parse(read(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			golden.CheckJSON(t, tt.file+".golden.json", pkgs, *update)
		})
	}
}

// summary renders packages as sorted "name version licenses" lines.
func summary(pkgs []inventory.Package) string {
	var lines []string
	for _, p := range pkgs {
		lines = append(lines, p.Name+" "+p.Version+" "+strings.Join(p.Licenses, ","))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// TestLockAgreesWithComposer compares with `composer show --locked
// --format=json`, Composer's own reading of the fixture lock.
func TestLockAgreesWithComposer(t *testing.T) {
	var ref struct {
		Locked []struct{ Name, Version string }
	}
	if err := json.Unmarshal(read(t, "composer-show-locked.json"), &ref); err != nil {
		t.Fatal(err)
	}
	var want []inventory.Package
	for _, p := range ref.Locked {
		want = append(want, inventory.Package{Name: p.Name, Version: normalizeVersion(p.Version)})
	}
	got, err := ParseLock(read(t, "composer.lock"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i].Licenses = nil
	}
	if g, w := summary(got), summary(want); g != w || len(want) < 15 {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

// TestInstalledAgreesWithComposer compares both installed.json forms with
// `composer licenses --format=json`, which reads the installed packages.
func TestInstalledAgreesWithComposer(t *testing.T) {
	var ref struct {
		Dependencies map[string]struct {
			Version string
			License []string
		}
	}
	if err := json.Unmarshal(read(t, "composer-licenses.json"), &ref); err != nil {
		t.Fatal(err)
	}
	var want []inventory.Package
	for name, p := range ref.Dependencies {
		want = append(want, inventory.Package{Name: name, Version: normalizeVersion(p.Version), Licenses: p.License})
	}
	for _, file := range []string{"installed.json", "installed-composer1.json"} {
		got, err := ParseInstalled(read(t, file))
		if err != nil {
			t.Fatal(err)
		}
		if g, w := summary(got), summary(want); g != w || len(want) < 15 {
			t.Errorf("%s: got\n%s\nwant\n%s", file, g, w)
		}
	}
}

func TestForms(t *testing.T) {
	tests := []struct {
		name     string
		parse    func([]byte) ([]inventory.Package, error)
		in, want string // want: summary lines joined by ";", or "error"
	}{
		{"lock with dev packages", ParseLock, `{"packages": [{"name": "a/b", "version": "v1.2.3", "license": ["MIT"]}],
			"packages-dev": [{"name": "c/d", "version": "V2.0", "license": "BSD-3-Clause"}]}`, "a/b 1.2.3 MIT;c/d 2.0 BSD-3-Clause"},
		{"branch versions as written", ParseLock, `{"packages": [{"name": "a/b", "version": "dev-main"}, {"name": "a/c", "version": "2.x-dev"}, {"name": "a/d", "version": "v"}, {"name": "a/e", "version": "vendor-1"}]}`,
			"a/b dev-main ;a/c 2.x-dev ;a/d v ;a/e vendor-1 "},
		{"licenses: odd shapes ignored", ParseLock, `{"packages": [{"name": "a/b", "version": "1", "license": {"x": 1}}, {"name": "a/c", "version": "1", "license": [" ", "(MIT or GPL-2.0-only)"]}, {"name": "a/d", "version": "1", "license": null}]}`,
			"a/b 1 ;a/c 1 (MIT or GPL-2.0-only);a/d 1 "},
		{"empty lock", ParseLock, `{"packages": [], "packages-dev": null}`, ""},
		{"lock without packages", ParseLock, `{"content-hash": "x"}`, "error"},
		{"lock packages an object", ParseLock, `{"packages": {"a/b": "1"}}`, "error"},
		{"lock name a number", ParseLock, `{"packages": [{"name": 5, "version": "1"}]}`, "error"},
		{"lock version null", ParseLock, `{"packages": [{"name": "a/b", "version": null}]}`, "error"},
		{"lock entry null", ParseLock, `{"packages": [null]}`, "error"},
		{"lock entry a string", ParseLock, `{"packages": ["a/b"]}`, "error"},
		{"lock dev entry empty", ParseLock, `{"packages": [], "packages-dev": [{}]}`, "error"},
		{"lock is a list", ParseLock, `[{"name": "a/b", "version": "1"}]`, "error"},
		{"lock is a string", ParseLock, `"composer.lock"`, "error"},
		{"composer 1 installed", ParseInstalled, ` [{"name": "a/b", "version": "v1.0.0"}]`, "a/b 1.0.0 "},
		{"composer 2 installed", ParseInstalled, `{"packages": [{"name": "a/b", "version": "1.0.0"}], "dev": true, "dev-package-names": []}`, "a/b 1.0.0 "},
		{"installed without packages", ParseInstalled, `{"dev": true}`, "error"},
		{"installed packages null", ParseInstalled, `{"packages": null}`, "error"},
		{"installed is a number", ParseInstalled, `42`, "error"},
		{"installed list of lists", ParseInstalled, `[[]]`, "error"},
		{"installed trailing junk", ParseInstalled, `{"packages": []} x`, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := tt.parse([]byte(tt.in))
			var got string
			if err != nil {
				got = "error"
			} else {
				got = strings.ReplaceAll(summary(pkgs), "\n", ";")
				for _, p := range pkgs {
					if p.Type != inventory.TypeComposer || p.Layer != -1 || p.Dependency != "" {
						t.Errorf("type %q layer %d dependency %q", p.Type, p.Layer, p.Dependency)
					}
				}
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q (err %v)", got, tt.want, err)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	tests := []struct {
		ex   extract.Extractor
		path string
		want bool
	}{
		{LockExtractor{}, "var/www/html/composer.lock", true},
		{LockExtractor{}, "composer.lock", true},
		{LockExtractor{}, "app/vendor/composer.lock", true},
		{LockExtractor{}, "var/www/html/vendor/symfony/console/composer.lock", false},
		{LockExtractor{}, "var/www/html/composer.json", false},
		{InstalledExtractor{}, "var/www/html/vendor/composer/installed.json", true},
		{InstalledExtractor{}, "app/lib/composer/installed.json", true},
		{InstalledExtractor{}, "var/www/html/vendor/installed.json", false},
		{InstalledExtractor{}, "usr/lib/node_modules/x/installed.json", false},
		{InstalledExtractor{}, "var/www/html/vendor/composer/installed.php", false},
	}
	for _, tt := range tests {
		if got := tt.ex.Required(extract.File{Path: tt.path, Mode: 0o644}); got != tt.want {
			t.Errorf("%s.Required(%s) = %v, want %v", tt.ex.Name(), tt.path, got, tt.want)
		}
		if tt.ex.Required(extract.File{Path: tt.path, Mode: fs.ModeSymlink}) {
			t.Errorf("%s.Required accepts a symlink", tt.ex.Name())
		}
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		ex         extract.Extractor
		path, file string
	}{
		{LockExtractor{}, "var/www/html/composer.lock", "composer.lock"},
		{InstalledExtractor{}, "var/www/html/vendor/composer/installed.json", "installed.json"},
	}
	for _, tt := range tests {
		res, err := tt.ex.Extract(context.Background(), extract.Input{
			File: extract.File{Path: tt.path}, Content: strings.NewReader(string(read(t, tt.file))),
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Packages) != 17 || res.Packages[0].Location != tt.path {
			t.Errorf("%s: got %d packages, first %+v", tt.ex.Name(), len(res.Packages), res.Packages[0])
		}
		_, err = tt.ex.Extract(context.Background(), extract.Input{File: extract.File{Path: tt.path}, Content: strings.NewReader("{")})
		if err == nil || !strings.HasPrefix(err.Error(), tt.ex.Name()+": "+tt.path+": ") {
			t.Errorf("error %v does not name the extractor and file", err)
		}
	}
}

// TestMalformed feeds truncations, junk, one huge line and deep nesting to
// both parsers: each must return without panicking, and only well-formed
// packages when it returns no error.
func TestMalformed(t *testing.T) {
	junk := make([]byte, 64<<10)
	x := uint32(2463534242)
	for i := range junk {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		junk[i] = byte(x)
	}
	bad := map[string][]byte{
		"binary junk":  junk,
		"10 MB line":   []byte(`{"packages": [` + strings.Repeat(`{"name": "a/b", "version": 1},`, 10<<20/30) + `]}`),
		"deep nesting": []byte(strings.Repeat("[", 10<<20)),
		"deep objects": []byte(`{"packages": ` + strings.Repeat(`{"a":`, 1<<20)),
		"NUL bytes":    make([]byte, 4096),
		"empty":        nil,
	}
	for name, in := range bad {
		if _, err := ParseLock(in); err == nil {
			t.Errorf("lock: %s: no error", name)
		}
		if _, err := ParseInstalled(in); err == nil {
			t.Errorf("installed: %s: no error", name)
		}
	}
	long := []byte(`{"packages": [{"name": "a/` + strings.Repeat("b", 10<<20) + `", "version": "1.0"}]}`)
	if pkgs, err := ParseLock(long); err != nil || len(pkgs) != 1 {
		t.Errorf("10 MB name: %v", err)
	}
	for _, file := range []string{"composer.lock", "installed.json"} {
		data := bytes.TrimSpace(read(t, file))
		for i := 0; i < len(data); i++ {
			pkgs, err := ParseLock(data[:i])
			if err == nil {
				t.Fatalf("%s: prefix %d parsed: %d packages", file, i, len(pkgs))
			}
			_, _ = ParseInstalled(data[:i])
		}
	}
}

// check is the fuzzers' invariant: a parse that succeeds yields packages
// with a name and a version.
func check(t *testing.T, pkgs []inventory.Package, err error) {
	if err != nil {
		return
	}
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" || p.Type != inventory.TypeComposer {
			t.Fatalf("bad package %+v", p)
		}
	}
}

func FuzzParseLock(f *testing.F) {
	f.Add(read(f, "composer.lock"))
	f.Add([]byte(`{"packages": [{"name": "a/b", "version": "v1", "license": "MIT"}], "packages-dev": []}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseLock(data)
		check(t, pkgs, err)
	})
}

func FuzzParseInstalled(f *testing.F) {
	f.Add(read(f, "installed.json"))
	f.Add(read(f, "installed-composer1.json"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseInstalled(data)
		check(t, pkgs, err)
	})
}

func BenchmarkParseLock(b *testing.B) {
	data := read(b, "composer.lock")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLock(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseInstalled(b *testing.B) {
	data := read(b, "installed.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseInstalled(data); err != nil {
			b.Fatal(err)
		}
	}
}

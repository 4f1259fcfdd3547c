package ruby

import (
	"context"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

// lockFixtures are the lockfiles in testdata: one bundler wrote, one
// written by hand (see SOURCES.md).
var lockFixtures = []string{"Gemfile.lock", "rails-app.Gemfile.lock"}

func TestLockGolden(t *testing.T) {
	for _, name := range lockFixtures {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			pkgs, err := ParseLock(data)
			if err != nil {
				t.Fatal(err)
			}
			golden.CheckJSON(t, name+".golden.json", pkgs, *update)
		})
	}
}

// TestLockAgreesWithBundler compares with Bundler::LockfileParser's reading
// of the same files, recorded in testdata/<lockfile>.bundler.txt by
// testdata/lockref.rb.txt: every spec's name, version and platform, and
// the names under DEPENDENCIES.
func TestLockAgreesWithBundler(t *testing.T) {
	for _, name := range lockFixtures {
		t.Run(name, func(t *testing.T) {
			ref, err := os.ReadFile("testdata/" + name + ".bundler.txt")
			if err != nil {
				t.Fatal(err)
			}
			// Bundler lists a spec once per platform; this package folds
			// platforms of one version together.
			platforms := map[string][]string{}
			var want []string
			for _, line := range strings.Split(strings.TrimSpace(string(ref)), "\n") {
				f := strings.Fields(line)
				switch {
				case f[0] == "spec" && len(f) == 5:
					k := f[1] + " " + f[2]
					if platforms[k] == nil {
						want = append(want, k)
					}
					platforms[k] = append(platforms[k], f[3])
				case f[0] == "dep" && len(f) == 2:
					want = append(want, "direct "+f[1])
				default:
					t.Fatalf("bad reference line %q", line)
				}
			}
			for i, w := range want {
				if p := platforms[w]; len(p) == 1 && p[0] != "ruby" {
					want[i] += " " + p[0]
				}
			}
			data, _ := os.ReadFile("testdata/" + name)
			pkgs, err := ParseLock(data)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, strings.TrimSpace(p.Name+" "+p.Version+" "+p.Arch))
				if p.Dependency == inventory.DependencyDirect {
					got = append(got, "direct "+p.Name)
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestLockForms(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // "name version arch dependency;..." or "error"
	}{
		{"platforms fold", `GEM
  remote: https://rubygems.org/
  specs:
    nokogiri (1.15.4-x86_64-linux)
      racc (~> 1.4)
    nokogiri (1.15.4-aarch64-linux)
      racc (~> 1.4)
    pg (1.5.4-x86_64-linux-gnu)
    racc (1.7.1)
    json (2.6.3-java)

DEPENDENCIES
  nokogiri
  pg (~> 1.1)!
`, "nokogiri 1.15.4  direct;pg 1.5.4 x86_64-linux-gnu direct;racc 1.7.1  transitive;json 2.6.3 java transitive"},
		{"no DEPENDENCIES says nothing of dependency kind", `GEM
  specs:
    rake (13.0.6)
`, "rake 13.0.6  "},
		{"git, path and plugin sources", `GIT
  remote: https://github.com/rails/rails.git
  revision: 0123456789abcdef
  specs:
    rails (7.2.0.alpha)

PATH
  remote: .
  specs:
    myapp (0.1.0)

PLUGIN SOURCE
  remote: https://gems.example.com
  type: example
  specs:
    private-gem (1.0.0)

CHECKSUMS
  rails (7.2.0.alpha) sha256=abc
`, "rails 7.2.0.alpha  ;myapp 0.1.0  ;private-gem 1.0.0  "},
		{"CRLF", "GEM\r\n  remote: https://rubygems.org/\r\n  specs:\r\n    rack (2.2.8)\r\n\r\nDEPENDENCIES\r\n  rack\r\n", "rack 2.2.8  direct"},
		{"lines outside specs are not gems", `GEM
  remote: https://rubygems.org/
    stray (1.0)
  specs:
    rack (2.2.8)
`, "rack 2.2.8  "},
		{"empty lockfile sections", "DEPENDENCIES\n\nBUNDLED WITH\n   2.4.19\n", ""},
		{"merge conflict", "GEM\n  specs:\n<<<<<<< HEAD\n    rack (2.2.8)\n=======\n    rack (2.2.7)\n>>>>>>> main\n", "error"},
		{"spec without version", "GEM\n  specs:\n    rack\n", "error"},
		{"spec with a bad version", "GEM\n  specs:\n    rack (latest)\n", "error"},
		{"spec with a bad name", "GEM\n  specs:\n    r@ck (1.0)\n", "error"},
		{"no sections", "rack (2.2.8)\n", "error"},
		{"empty", "", "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pkgs, err := ParseLock([]byte(tt.in))
			var got string
			if err != nil {
				got = "error"
			} else {
				var parts []string
				for _, p := range pkgs {
					parts = append(parts, p.Name+" "+p.Version+" "+p.Arch+" "+p.Dependency)
					if p.Type != inventory.TypeGem || p.Layer != -1 {
						t.Errorf("type %q layer %d", p.Type, p.Layer)
					}
				}
				got = strings.Join(parts, ";")
			}
			if got != tt.want {
				t.Errorf("got  %q\nwant %q (err %v)", got, tt.want, err)
			}
		})
	}
}

func TestLockRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"srv/app/Gemfile.lock", true},
		{"Gemfile.lock", true},
		{"app/gems.locked", true},
		{"usr/local/bundle/gems/rails-7.0.8/Gemfile.lock", false},
		{"var/lib/gems/3.1.0/bundler/gems/hello_git-20743cacd4f4/Gemfile.lock", false},
		{"srv/app/Gemfile", false},
		{"srv/app/Gemfile.lock.orig", false},
	}
	for _, tt := range tests {
		if got := (LockExtractor{}).Required(extract.File{Path: tt.path, Mode: 0o644}); got != tt.want {
			t.Errorf("Required(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if (LockExtractor{}).Required(extract.File{Path: "Gemfile.lock", Mode: fs.ModeDir}) {
		t.Error("Required accepts a directory")
	}
}

func TestLockExtract(t *testing.T) {
	f, err := os.Open("testdata/Gemfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := (LockExtractor{}).Extract(context.Background(), extract.Input{File: extract.File{Path: "srv/app/Gemfile.lock"}, Content: f})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Packages) != 11 || res.Packages[0].Location != "srv/app/Gemfile.lock" {
		t.Errorf("got %+v", res.Packages)
	}
	_, err = (LockExtractor{}).Extract(context.Background(), extract.Input{File: extract.File{Path: "Gemfile.lock"}, Content: strings.NewReader("junk")})
	if err == nil || !strings.Contains(err.Error(), "gemfile-lock: Gemfile.lock:") {
		t.Errorf("error %v does not name the extractor and file", err)
	}
}

func TestLockMalformed(t *testing.T) {
	data, err := os.ReadFile("testdata/rails-app.Gemfile.lock")
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		pkgs, err := ParseLock(data[:i])
		if err != nil {
			continue
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("prefix %d: empty package %+v", i, p)
			}
		}
	}
	for name, in := range malformedInputs() {
		if _, err := ParseLock(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	long := "GEM\n  specs:\n    a (" + strings.Repeat("1.", 5<<20) + "0)\n"
	if pkgs, err := ParseLock([]byte(long)); err != nil || len(pkgs) != 1 {
		t.Errorf("10 MB version: %v", err)
	}
}

func FuzzParseLock(f *testing.F) {
	for _, name := range lockFixtures {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseLock(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range pkgs {
			if !gemNameRE.MatchString(p.Name) || !gemVersionRE.MatchString(p.Version) || strings.Contains(p.Version, "-") {
				t.Fatalf("bad package %+v", p)
			}
			if k := p.Name + " " + p.Version; seen[k] {
				t.Fatalf("duplicate %s", k)
			} else {
				seen[k] = true
			}
		}
	})
}

func BenchmarkParseLock(b *testing.B) {
	data, err := os.ReadFile("testdata/rails-app.Gemfile.lock")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLock(data); err != nil {
			b.Fatal(err)
		}
	}
}

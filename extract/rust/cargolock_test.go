package rust

import (
	"bytes"
	"context"
	"flag"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

var lockfiles = []string{"v1", "v3-git", "v4"}

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLockGolden(t *testing.T) {
	for _, name := range lockfiles {
		t.Run(name, func(t *testing.T) {
			f := extract.File{Path: "src/app/Cargo.lock", Mode: 0o644}
			in := extract.Input{File: f, Content: bytes.NewReader(mustRead(t, "testdata/"+name+".Cargo.lock"))}
			res, err := LockExtractor{}.Extract(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			golden.CheckJSON(t, name+".golden.json", res.Packages, *update)
		})
	}
}

// TestLockAgreesWithCargoTree compares with `cargo tree` over the same
// lockfile and workspace, recorded in testdata: every crate it shows that
// is not local, and as direct those one level below a workspace member.
func TestLockAgreesWithCargoTree(t *testing.T) {
	for _, name := range lockfiles {
		t.Run(name, func(t *testing.T) {
			all, direct := map[string]bool{}, map[string]bool{}
			for _, line := range strings.Split(string(mustRead(t, "testdata/"+name+".cargo-tree.txt")), "\n") {
				f := strings.Fields(line)
				// "1regex v1.7.1" or "2log v0.3.9 (https://...)"; local
				// crates show their directory.
				if len(f) < 2 || (len(f) > 2 && strings.HasPrefix(f[2], "(/")) {
					continue
				}
				depth, crate := f[0][:1], f[0][1:]+" "+strings.TrimPrefix(f[1], "v")
				all[crate] = true
				if depth == "1" {
					direct[crate] = true
				}
			}
			var want []string
			for c := range all {
				kind := inventory.DependencyTransitive
				if direct[c] {
					kind = inventory.DependencyDirect
				}
				want = append(want, c+" "+kind)
			}
			pkgs, err := ParseLock(mustRead(t, "testdata/"+name+".Cargo.lock"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+" "+p.Version+" "+p.Dependency)
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestLockForms(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // name@version:dependency, space-separated
	}{
		{
			// Before cargo 0.22 the root crate had a table of its own.
			name: "root table",
			in: `[root]
name = "old"
version = "0.1.0"
dependencies = ["libc 0.2.20 (registry+https://github.com/rust-lang/crates.io-index)"]

[[package]]
name = "libc"
version = "0.2.20"
source = "registry+https://github.com/rust-lang/crates.io-index"
`,
			want: "libc@0.2.20:direct",
		},
		{
			name: "no local crate",
			in: `version = 3
[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["b"]
[[package]]
name = "b"
version = "2.0.0"
source = "sparse+https://index.crates.io/"
`,
			want: "a@1.0.0: b@2.0.0:",
		},
		{
			// The same name and version from two sources: the source
			// says which one the workspace uses.
			name: "source disambiguates",
			in: `version = 4
[[package]]
name = "app"
version = "0.1.0"
dependencies = ["x 1.0.0 (git+https://example.com/x#abc)", "y"]
[[package]]
name = "x"
version = "1.0.0"
source = "git+https://example.com/x#abc"
[[package]]
name = "x"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
[[package]]
name = "y"
version = "0.3.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = ["x 1.0.0 (registry+https://github.com/rust-lang/crates.io-index)"]
`,
			want: "x@1.0.0:direct x@1.0.0:transitive y@0.3.0:direct",
		},
		{
			name: "strings and comments hold brackets",
			in: `# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[
version = 4
[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://x/{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{"
`,
			want: "a@1.0.0:",
		},
		{name: "empty", in: "", want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := ParseLock([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+"@"+p.Version+":"+p.Dependency)
				if p.Type != inventory.TypeCargo || p.Layer != -1 {
					t.Errorf("bad package %+v", p)
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func TestLockMalformed(t *testing.T) {
	v4 := mustRead(t, "testdata/v4.Cargo.lock")
	for name, in := range map[string]string{
		"truncated":      string(v4[:bytes.Index(v4, []byte("registry+"))+5]),
		"junk":           "\x00\xff\xfe garbage [[[",
		"wrong type":     "[[package]]\nname = 3\n",
		"deep arrays":    "a = " + strings.Repeat("[", 100000),
		"inline table":   "a = " + strings.Repeat("{b=", 100000) + "1" + strings.Repeat("}", 100000),
		"bad dependency": "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [1]\n",
		"name not text":  "[[package]]\nname = [\"a\"]\n",
		"deps not array": "[[package]]\ndependencies = \"a\"\n",
		"two values":     "version = 3 4\n",
		"no value":       "version =\n",
		"no equals":      "version 3\n",
		"bad escape":     "[[package]]\nname = \"a\\q\"\n",
		"bad unicode":    "[[package]]\nname = \"a\\uD800\"\n",
		"open string":    "[[package]]\nname = \"a\n\"\n",
		"open literal":   "[[package]]\nname = 'a\n",
		"open array":     "[[package]]\ndependencies = [\"a\",\n",
		"open header":    "[[package]\n",
		"multi-line":     "[[package]]\nname = \"\"\"a\"\"\"\n",
		"not UTF-8":      "[[package]]\nname = \"\xff\"\n",
		"control char":   "[[package]]\nname = \"a\x01\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseLock([]byte(in)); err == nil {
				t.Error("no error")
			}
		})
	}
	_, err := LockExtractor{}.Extract(context.Background(), extract.Input{
		File: extract.File{Path: "app/Cargo.lock"}, Content: strings.NewReader("[[[")})
	if err == nil || !strings.Contains(err.Error(), "cargo-lock: app/Cargo.lock:") {
		t.Errorf("error without context: %v", err)
	}
}

func TestLockRequired(t *testing.T) {
	for p, want := range map[string]bool{
		"app/Cargo.lock":                        true,
		"Cargo.lock":                            true,
		"app/cargo.lock":                        false,
		"app/Cargo.toml":                        false,
		"root/.cargo/registry/src/x/Cargo.lock": false,
		"usr/share/cargo/registry/regex-1.7.1/Cargo.lock": false,
	} {
		if got := (LockExtractor{}).Required(extract.File{Path: p, Mode: 0o644}); got != want {
			t.Errorf("Required(%s) = %v, want %v", p, got, want)
		}
	}
	if (LockExtractor{}).Required(extract.File{Path: "Cargo.lock", Mode: os.ModeDir}) {
		t.Error("Required a directory")
	}
}

// referenceLock decodes a lockfile with a general TOML decoder.
func referenceLock(data []byte) (lockDoc, error) {
	type pkg struct {
		Name         string   `toml:"name"`
		Version      string   `toml:"version"`
		Source       string   `toml:"source"`
		Dependencies []string `toml:"dependencies"`
	}
	var v struct {
		Package []pkg `toml:"package"`
		Root    *pkg  `toml:"root"`
	}
	if _, err := toml.Decode(string(data), &v); err != nil {
		return lockDoc{}, err
	}
	var doc lockDoc
	for _, p := range v.Package {
		doc.packages = append(doc.packages, lockPackage(p))
	}
	if v.Root != nil {
		r := lockPackage(*v.Root)
		doc.root = &r
	}
	return doc, nil
}

// TestLockAgreesWithTOML reads the fixtures and other lockfile-shaped TOML
// with BurntSushi/toml too.
func TestLockAgreesWithTOML(t *testing.T) {
	inputs := map[string][]byte{}
	for _, name := range lockfiles {
		inputs[name] = mustRead(t, "testdata/"+name+".Cargo.lock")
	}
	inputs["forms"] = []byte(`# comment
version = 4 # trailing
"quoted top" = 1979-05-27T07:32:00Z
[[ package ]]
"name" = 'lit\eral'
version = "1.0.0\u00e9\U0001F600\t\"\\"
source = "registry+x" # comment
checksum = "abc"
dependencies = [ # comment
  'a', "b 1.0" ,
  # comment
]
sub.name = "not the package's"

[package.extra]
name = "not the package's"

[[package]]
name = ""
dependencies = []

[[patch.unused]]
name = "p"
version = "2.0.0"

[metadata]
"checksum a 1.0.0 (registry+x)" = "abc"
`)
	inputs["root"] = []byte("[root]\r\nname = \"r\"\r\nversion = \"0.1.0\"\r\ndependencies = [\"a 1 (x)\"]\r\n")
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			want, err := referenceLock(data)
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			got, err := decodeLock(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normalize(got), normalize(want)) {
				t.Errorf("got\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

// normalize makes empty and nil dependency lists equal.
func normalize(doc lockDoc) lockDoc {
	out := lockDoc{root: doc.root}
	for _, p := range doc.packages {
		if len(p.Dependencies) == 0 {
			p.Dependencies = nil
		}
		out.packages = append(out.packages, p)
	}
	if out.root != nil && len(out.root.Dependencies) == 0 {
		r := *out.root
		r.Dependencies = nil
		out.root = &r
	}
	return out
}

// caseVariants reports whether data spells a key the lockfile decoder
// knows in other letter cases: the reference decoder matches keys to
// struct fields regardless of case, which TOML and cargo do not.
func caseVariants(data []byte) bool {
	lower := bytes.ToLower(data)
	for _, k := range []string{"package", "root", "name", "version", "source", "dependencies"} {
		if bytes.Count(lower, []byte(k)) != bytes.Count(data, []byte(k)) {
			return true
		}
	}
	return false
}

// FuzzParseLock also decodes each input with the reference decoder, and
// where both succeed they must agree.
func FuzzParseLock(f *testing.F) {
	for _, name := range lockfiles {
		data, _ := os.ReadFile("testdata/" + name + ".Cargo.lock")
		f.Add(data)
	}
	f.Add([]byte("[root]\nname = \"a\"\nversion = \"1\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseLock(data)
		if err != nil && pkgs != nil {
			t.Fatal("packages with an error")
		}
		if got, err := decodeLock(data); err == nil && len(data) < 16<<10 && !caseVariants(data) {
			if want, err := referenceLock(data); err == nil && !reflect.DeepEqual(normalize(got), normalize(want)) {
				t.Fatalf("got\n%+v\nreference\n%+v", got, want)
			}
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("empty crate: %+v", p)
			}
		}
	})
}

func BenchmarkParseLock(b *testing.B) {
	data := mustRead(b, "testdata/v3-git.Cargo.lock")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseLock(data); err != nil {
			b.Fatal(err)
		}
	}
}

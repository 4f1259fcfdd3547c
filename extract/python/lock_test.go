package python

import (
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

// lockfiles are the lockfile fixtures and the extractor for each.
var lockfiles = []struct {
	path  string
	x     extract.Extractor
	parse func([]byte) ([]inventory.Package, error)
}{
	{"poetry/poetry.lock", PoetryExtractor{}, ParsePoetryLock},
	{"poetry/lock-2.1/poetry.lock", PoetryExtractor{}, ParsePoetryLock},
	{"pipenv/webapp/Pipfile.lock", PipenvExtractor{}, ParsePipfileLock},
	{"pipenv/osv-redhat/Pipfile.lock", PipenvExtractor{}, ParsePipfileLock},
	{"uv/uv.lock", UVExtractor{}, ParseUVLock},
	{"pylock/pylock.toml", PylockExtractor{}, ParsePylock},
}

func TestLockGolden(t *testing.T) {
	for _, l := range lockfiles {
		t.Run(l.path, func(t *testing.T) {
			pkgs := extractFile(t, l.x, l.path)
			golden.CheckJSON(t, l.path+".golden.json", pkgs, *update)
		})
	}
}

// TestLocksAgreeWithPython compares with Python's tomllib and json reading
// of the same files, recorded by testdata/lockfiles.py: every entry is
// reported once except local source trees and unpinned Pipfile.lock
// entries.
func TestLocksAgreeWithPython(t *testing.T) {
	data, err := os.ReadFile("testdata/lockfiles.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Files map[string][]struct{ Pin, Source string } `json:"files"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Files) != len(lockfiles) {
		t.Errorf("recorded %d lockfiles, the test has %d", len(rec.Files), len(lockfiles))
	}
	for _, l := range lockfiles {
		entries, ok := rec.Files[l.path]
		if !ok {
			t.Errorf("%s: not recorded", l.path)
			continue
		}
		want := map[string]bool{}
		for _, e := range entries {
			switch {
			case e.Source == "directory", e.Source == "editable", e.Source == "virtual":
			case strings.HasSuffix(e.Pin, "@"): // no version: a local Pipfile.lock entry
			default:
				want[e.Pin] = true
			}
		}
		data, err := os.ReadFile(filepath.Join("testdata", l.path))
		if err != nil {
			t.Fatal(err)
		}
		pkgs, err := l.parse(data)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, p := range pkgs {
			pin := p.Name + "@" + p.Version
			if got[pin] {
				t.Errorf("%s: %s reported twice", l.path, pin)
			}
			got[pin] = true
			if !want[pin] {
				t.Errorf("%s: %s not in Python's reading", l.path, pin)
			}
		}
		for pin := range want {
			if !got[pin] {
				t.Errorf("%s: %s missing", l.path, pin)
			}
		}
	}
}

func TestUVLockDirect(t *testing.T) {
	data, err := os.ReadFile("testdata/uv/uv.lock")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := ParseUVLock(data)
	if err != nil {
		t.Fatal(err)
	}
	// The project (webapp) requires flask, requests and the workspace
	// member shared-lib, and its dev group pyparsing and six; shared-lib
	// requires idna.
	direct := map[string]bool{"flask": true, "requests": true, "pyparsing": true, "six": true, "idna": true}
	for _, p := range pkgs {
		want := inventory.DependencyTransitive
		if direct[p.Name] {
			want = inventory.DependencyDirect
		}
		if p.Dependency != want {
			t.Errorf("%s: %q, want %q", p.Name, p.Dependency, want)
		}
	}
}

func TestUVLockForms(t *testing.T) {
	in := `version = 1
revision = 3
requires-python = ">=3.10"
resolution-markers = [
    "python_full_version >= '3.12'",
    "python_full_version < '3.12'",
]

[[package]]
name = "numpy"
version = "1.26.4"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version < '3.12'"]

[[package]]
name = "numpy"
version = "2.1.3"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["python_full_version >= '3.12'"]

[[package]]
name = "pandas"
version = "2.2.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "numpy", version = "1.26.4", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version < '3.12'" },
    { name = "numpy", version = "2.1.3", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= '3.12'" },
]

[[package]]
name = "scripts"
source = { virtual = "." }
dependencies = [
    { name = "numpy", version = "2.1.3", source = { registry = "https://pypi.org/simple" }, marker = "python_full_version >= '3.12'" },
    { name = "tool" },
]

[package.optional-dependencies]
data = [
    { name = "pandas" },
]

[[package]]
name = "tool"
version = "0.1.0"
source = { git = "https://github.com/example/tool?rev=v0.1.0#0123456789abcdef0123456789abcdef01234567" }

[[package]]
name = "dynamic"
source = { directory = "libs/dynamic" }
`
	pkgs, err := ParseUVLock([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+"@"+p.Version+":"+p.Dependency)
	}
	want := "numpy@1.26.4:transitive numpy@2.1.3:direct pandas@2.2.3:direct tool@0.1.0:direct"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}

	// Without a local project, the lock says nothing about direct
	// dependencies.
	pkgs, err = ParseUVLock([]byte("version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"x\" }\n"))
	if err != nil || len(pkgs) != 1 || pkgs[0].Dependency != "" {
		t.Errorf("got %+v, %v", pkgs, err)
	}
}

func TestPipfileLockForms(t *testing.T) {
	in := `{
    "_meta": {"pipfile-spec": 6, "requires": {"python_version": "3.12"}},
    "default": {
        "requests": {"hashes": ["sha256:aa"], "index": "pypi", "version": "==2.32.3"},
        "arbitrary": {"version": "===1.0-custom"},
        "django": {"git": "https://github.com/django/django.git", "ref": "0123abc"},
        "project": {"editable": true, "path": "."},
        "loose": {"version": "*"}
    },
    "develop": {
        "requests": {"version": "==2.32.3"},
        "pytest": {"version": "==8.3.3", "markers": "python_version >= '3.8'"}
    }
}`
	pkgs, err := ParsePipfileLock([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := pins(pkgs)
	if want := "arbitrary@1.0-custom requests@2.32.3 pytest@8.3.3"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestLockRequired(t *testing.T) {
	cases := []struct {
		x    extract.Extractor
		path string
		want bool
	}{
		{PoetryExtractor{}, "app/poetry.lock", true},
		{PoetryExtractor{}, "poetry.lock", true},
		{PoetryExtractor{}, "app/Poetry.lock", false},
		{PoetryExtractor{}, "usr/lib/python3/dist-packages/x/poetry.lock", false},
		{PipenvExtractor{}, "srv/app/Pipfile.lock", true},
		{PipenvExtractor{}, "srv/app/Pipfile", false},
		{PipenvExtractor{}, "venv/lib/python3.12/site-packages/x/Pipfile.lock", false},
		{UVExtractor{}, "work/uv.lock", true},
		{UVExtractor{}, "work/uv.lock.bak", false},
		{UVExtractor{}, "usr/local/lib/python3.12/site-packages/pkg/uv.lock", false},
	}
	for _, c := range cases {
		if got := c.x.Required(extract.File{Path: c.path}); got != c.want {
			t.Errorf("%s.Required(%s) = %v, want %v", c.x.Name(), c.path, got, c.want)
		}
	}
}

func TestLockMalformed(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	junk := make([]byte, 256<<10)
	rng.Read(junk)
	deep := func(open, close string, n int) []byte {
		return []byte("a = " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n))
	}
	cases := []struct {
		name string
		in   []byte
	}{
		{"binary junk", junk},
		{"deep arrays", deep("[", "]", 1_000_000)},
		{"deep inline tables", deep("{b=", "}", 1_000_000)},
		{"unterminated deep arrays", []byte("a = " + strings.Repeat("[", 1_000_000))},
		{"long dotted key", []byte(strings.Repeat("a.", 100_000) + "b = 1\n")},
		{"long dotted table", []byte("[[package]]\nname = \"x\"\nversion = \"1\"\n[package." + strings.Repeat("a.", 100_000) + "b]\n")},
		{"wrong type", []byte("[[package]]\nname = 5\nversion = \"1\"\n")},
		{"package not a table", []byte("package = \"x\"\n")},
		{"no name", []byte("[[package]]\nversion = \"1\"\nsource = { registry = \"x\" }\n")},
		{"merge conflict", []byte("[[package]]\nname = \"a\"\n<<<<<<< HEAD\nversion = \"1\"\n=======\nversion = \"2\"\n>>>>>>> b\n")},
	}
	for _, c := range cases {
		for _, parse := range []struct {
			name string
			f    func([]byte) ([]inventory.Package, error)
		}{{"poetry", ParsePoetryLock}, {"uv", ParseUVLock}} {
			t.Run(c.name+"/"+parse.name, func(t *testing.T) {
				start := time.Now()
				if _, err := parse.f(c.in); err == nil {
					t.Error("no error")
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("took %v", d)
				}
			})
		}
	}
	for name, in := range map[string][]byte{
		"binary junk":    junk,
		"deep arrays":    []byte(strings.Repeat("[", 1_000_000) + strings.Repeat("]", 1_000_000)),
		"deep objects":   []byte(strings.Repeat(`{"a":`, 1_000_000) + "1" + strings.Repeat("}", 1_000_000)),
		"wrong type":     []byte(`{"default": {"a": "==1"}}`),
		"version number": []byte(`{"default": {"a": {"version": 1}}}`),
		"not an object":  []byte(`["default"]`),
		"truncated":      []byte(`{"default": {"a": {"version": "==1"`),
	} {
		t.Run(name+"/pipfile", func(t *testing.T) {
			if _, err := ParsePipfileLock(in); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestCheckTOMLNesting(t *testing.T) {
	ok := []string{
		"[[package]]\nwheels = [\n    { url = \"x\", hash = \"y\" },\n]\n",
		`a = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["` + "\n",
		`a = '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\'` + "\n" + `b = "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["`,
		"a = \"\"\"\n" + strings.Repeat("{", 100) + "\"\"\"\"\nb = 1\n",
		"a = '''" + strings.Repeat("[", 100) + "''''\n",
		"# " + strings.Repeat("[", 100) + "\nb = [1]\n",
		"a = [" + strings.Repeat("[1], ", 1000) + "]\n", // wide, not deep
		strings.Repeat("]", 100) + "\na = [[1]]\n",
		"[package.metadata.requires-dev]\na.b.c = 1.5\nv = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5, 22.5, 23.5, 24.5, 25.5, 26.5, 27.5, 28.5, 29.5, 30.5, 31.5, 32.5, 33.5]\n",
		`"a.b"."c.d" = 1` + "\n",
	}
	for _, in := range ok {
		if err := checkTOMLNesting([]byte(in)); err != nil {
			t.Errorf("%.40q: %v", in, err)
		}
	}
	bad := []string{
		"a = " + strings.Repeat("[", maxTOMLNesting+1),
		"a = " + strings.Repeat("{b = ", maxTOMLNesting+1),
		"a = \"x\"\nb = " + strings.Repeat("[", maxTOMLNesting+1),
		"a = \"unterminated\nb = " + strings.Repeat("[", maxTOMLNesting+1), // a basic string ends at its line
		strings.Repeat("a.", maxTOMLNesting+1) + "b = 1\n",
		"[" + strings.Repeat("a.", maxTOMLNesting+1) + "b]\n",
		"x = { " + strings.Repeat(`"a".`, maxTOMLNesting+1) + "b = 1 }\n",
	}
	for _, in := range bad {
		if err := checkTOMLNesting([]byte(in)); err == nil {
			t.Errorf("%.40q: no error", in)
		}
	}
}

func FuzzParsePoetryLock(f *testing.F) {
	fuzzLock(f, ParsePoetryLock, "testdata/poetry/poetry.lock", "testdata/poetry/lock-2.1/poetry.lock")
}

func FuzzParseUVLock(f *testing.F) {
	fuzzLock(f, ParseUVLock, "testdata/uv/uv.lock")
}

func FuzzParsePylock(f *testing.F) {
	fuzzLock(f, ParsePylock, "testdata/pylock/pylock.toml")
}

func FuzzParsePipfileLock(f *testing.F) {
	fuzzLock(f, ParsePipfileLock, "testdata/pipenv/webapp/Pipfile.lock", "testdata/pipenv/osv-redhat/Pipfile.lock")
}

func fuzzLock(f *testing.F, parse func([]byte) ([]inventory.Package, error), seeds ...string) {
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := parse(data)
		if err != nil {
			return
		}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.Type != inventory.TypePyPI || p.Layer != -1 {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func BenchmarkParsePoetryLock(b *testing.B) {
	benchLock(b, ParsePoetryLock, "testdata/poetry/poetry.lock")
}

func BenchmarkParseUVLock(b *testing.B) {
	benchLock(b, ParseUVLock, "testdata/uv/uv.lock")
}

func BenchmarkParsePipfileLock(b *testing.B) {
	benchLock(b, ParsePipfileLock, "testdata/pipenv/osv-redhat/Pipfile.lock")
}

func benchLock(b *testing.B, parse func([]byte) ([]inventory.Package, error), file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPylockForms(t *testing.T) {
	// PEP 751's forms: a wheel release, an sdist, a VCS checkout with and
	// without a version, the project's own source tree, an archive URL.
	in := `lock-version = "1.0"
environments = ["sys_platform == 'linux'"]
requires-python = ">=3.9"
created-by = "pip"

[[packages]]
name = "Werkzeug"
version = "0.11.1"
wheels = [{ name = "Werkzeug-0.11.1-py2.py3-none-any.whl", url = "https://files.pythonhosted.org/w.whl", hashes = { sha256 = "aa" } }]

[[packages]]
name = "pyyaml"
version = "5.3.1"
sdist = { name = "PyYAML-5.3.1.tar.gz", url = "https://files.pythonhosted.org/p.tar.gz", hashes = { sha256 = "bb" } }

[[packages]]
name = "tool"
version = "0.1.0"
vcs = { type = "git", url = "https://github.com/example/tool", commit-id = "0123456789abcdef0123456789abcdef01234567" }

[[packages]]
name = "unversioned"
vcs = { type = "git", url = "https://github.com/example/unversioned", commit-id = "0123456789abcdef0123456789abcdef01234567" }

[[packages]]
name = "webapp"
version = "1.0.0"
directory = { path = ".", editable = true }

[[packages]]
name = "archived"
version = "2.0"
archive = { url = "https://example.com/archived-2.0.tar.gz", hashes = { sha256 = "cc" } }
`
	pkgs, err := ParsePylock([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := pins(pkgs)
	if want := "Werkzeug@0.11.1 pyyaml@5.3.1 tool@0.1.0 archived@2.0"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := ParsePylock([]byte("[[packages]]\nversion = \"1\"\n")); err == nil {
		t.Error("a package without a name: no error")
	}

	for _, c := range []struct {
		path string
		want bool
	}{
		{"app/pylock.toml", true},
		{"pylock.dev.toml", true},
		{"app/pylock..toml", false},
		{"app/pylock.a.b.toml", false},
		{"app/pylock.toml.bak", false},
		{"usr/lib/python3/dist-packages/x/pylock.toml", false},
	} {
		if got := (PylockExtractor{}).Required(extract.File{Path: c.path}); got != c.want {
			t.Errorf("Required(%s) = %v, want %v", c.path, got, c.want)
		}
	}
}

package pnpm

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/internal/yamltree"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixtures = []string{"pnpm-lock-v5.4.yaml", "pnpm-lock-v6.0.yaml", "pnpm-lock-v9.0.yaml"}

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func uniq(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func ids(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+"@"+p.Version)
	}
	return uniq(out)
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		var missing, extra []string
		for _, w := range want {
			if !slices.Contains(got, w) {
				missing = append(missing, w)
			}
		}
		for _, g := range got {
			if !slices.Contains(want, g) {
				extra = append(extra, g)
			}
		}
		t.Errorf("%s: %d packages, want %d\nmissing %v\nextra %v", what, len(got), len(want), missing, extra)
	}
}

func TestGolden(t *testing.T) {
	for _, file := range fixtures {
		t.Run(file, func(t *testing.T) {
			pkgs, err := Parse(read(t, file))
			if err != nil {
				t.Fatal(err)
			}
			golden.CheckJSON(t, strings.TrimSuffix(file, ".yaml")+".golden.json", pkgs, *update)
		})
	}
}

// pnpmLs reads `pnpm ls -r --depth Infinity --json`: every package each
// project has installed, by real name ("from") and version, and those at
// the top of each project, its direct dependencies. Workspace links are
// the project's own code.
func pnpmLs(t *testing.T) (all, top []string) {
	zr, err := gzip.NewReader(bytes.NewReader(read(t, "pnpm-ls.json.gz")))
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		From         string           `json:"from"`
		Version      string           `json:"version"`
		Dependencies map[string]*node `json:"dependencies"`
	}
	var projects []struct {
		Dependencies, DevDependencies map[string]*node
	}
	if err := json.NewDecoder(zr).Decode(&projects); err != nil {
		t.Fatal(err)
	}
	var walk func(map[string]*node, bool)
	walk = func(deps map[string]*node, isTop bool) {
		for _, d := range deps {
			if strings.HasPrefix(d.Version, "link:") {
				continue
			}
			all = append(all, d.From+"@"+d.Version)
			if isTop {
				top = append(top, d.From+"@"+d.Version)
			}
			walk(d.Dependencies, false)
		}
	}
	for _, p := range projects {
		walk(p.Dependencies, true)
		walk(p.DevDependencies, true)
	}
	return uniq(all), uniq(top)
}

// TestAgreesWithPnpmLs compares each lockfile version with pnpm's own view
// of the installed tree. pnpm 7, 8 and 9 installed the same tree from the
// same manifests and printed the same list.
func TestAgreesWithPnpmLs(t *testing.T) {
	all, top := pnpmLs(t)
	if len(all) < 80 {
		t.Fatalf("reference has only %d packages", len(all))
	}
	for _, file := range fixtures {
		t.Run(file, func(t *testing.T) {
			pkgs, err := Parse(read(t, file))
			if err != nil {
				t.Fatal(err)
			}
			sameSet(t, file, ids(pkgs), all)
			var direct []string
			for _, p := range pkgs {
				if p.Dependency == inventory.DependencyDirect {
					direct = append(direct, p.Name+"@"+p.Version)
				}
			}
			sameSet(t, file+" direct", uniq(direct), top)
		})
	}
}

func TestExtract(t *testing.T) {
	in := extract.Input{File: extract.File{Path: "app/pnpm-lock.yaml"}, Content: bytes.NewReader(read(t, fixtures[2]))}
	res, err := Extractor{}.Extract(context.Background(), in)
	if err != nil || len(res.Packages) < 80 || res.Packages[0].Location != "app/pnpm-lock.yaml" {
		t.Errorf("%d packages, %v", len(res.Packages), err)
	}
	_, err = Extractor{}.Extract(context.Background(), extract.Input{
		File: extract.File{Path: "app/pnpm-lock.yaml"}, Content: strings.NewReader("lockfileVersion: [\n"),
	})
	if err == nil || !strings.HasPrefix(err.Error(), "pnpm-lock: app/pnpm-lock.yaml: ") {
		t.Errorf("error %v", err)
	}
}

func TestRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"pnpm-lock.yaml", true},
		{"usr/src/app/pnpm-lock.yaml", true},
		{"app/node_modules/.pnpm/lock.yaml", false},
		{"app/node_modules/foo/pnpm-lock.yaml", false},
		{"node_modules/foo/pnpm-lock.yaml", false},
		{"app/pnpm-lock.yml", false},
	}
	for _, tt := range tests {
		if got := (Extractor{}).Required(extract.File{Path: tt.path}); got != tt.want {
			t.Errorf("Required(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Extractor{}.Required(extract.File{Path: "usr/src/app/pnpm-lock.yaml"}) }); n != 0 {
		t.Errorf("Required allocates %v times", n)
	}
}

func TestForms(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"5.x single project", `lockfileVersion: 5.3
specifiers:
  a: ^1.0.0
  al: npm:@s/b@^2.0.0
dependencies:
  a: 1.0.0_c@3.0.0
  al: /@s/b/2.0.0
  loc: link:../loc
devDependencies:
  g: github.com/x/g/abc123
packages:
  /a/1.0.0_c@3.0.0:
    resolution: {integrity: sha512-x}
  /@s/b/2.0.0:
    resolution: {integrity: sha512-x}
  /c/3.0.0:
    resolution: {integrity: sha512-x}
  /c/3.0.0_x@1.0.0+y@2.0.0:
    resolution: {integrity: sha512-x}
  github.com/x/g/abc123:
    resolution: {tarball: https://codeload.github.com/x/g/tar.gz/abc123}
    name: g
    version: 0.3.0
  file:vendor/local:
    resolution: {directory: vendor/local, type: directory}
    name: local
    version: 0.1.0
  registry.example.com/noname/1.0.0:
    resolution: {integrity: sha512-x}
`, []string{"@s/b@2.0.0 direct", "a@1.0.0 direct", "c@3.0.0 transitive", "g@0.3.0 direct"}},
		{"6.0 single project", `lockfileVersion: '6.0'
dependencies:
  a:
    specifier: ^1.0.0
    version: 1.0.0(c@3.0.0)(d@4.0.0)
  al:
    specifier: npm:@s/b@^2.0.0
    version: /@s/b@2.0.0
packages:
  /a@1.0.0(c@3.0.0)(d@4.0.0):
    resolution: {integrity: sha512-x}
  /@s/b@2.0.0:
    resolution: {integrity: sha512-x}
  /c@3.0.0:
    resolution: {integrity: sha512-x}
  /odd:
    resolution: {integrity: sha512-x}
`, []string{"@s/b@2.0.0 direct", "a@1.0.0 direct", "c@3.0.0 transitive"}},
		{"9.0 workspace", `lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a:
        specifier: ^1.0.0
        version: 1.0.0(c@3.0.0)
      t:
        specifier: https://example.com/t.tgz
        version: '@s/t@https://example.com/t.tgz'
  packages/w:
    dependencies:
      al:
        specifier: npm:@s/b@^2.0.0
        version: '@s/b@2.0.0'
      app:
        specifier: workspace:*
        version: link:../..
packages:
  a@1.0.0:
    resolution: {integrity: sha512-x}
  '@s/b@2.0.0':
    resolution: {integrity: sha512-x}
  '@s/t@https://example.com/t.tgz':
    resolution: {tarball: https://example.com/t.tgz}
    version: 5.0.0
  '@s/u@https://example.com/u.tgz':
    resolution: {tarball: https://example.com/u.tgz}
  local@file:vendor/local:
    resolution: {directory: vendor/local, type: directory}
    version: 0.1.0
  c@3.0.0: {}
`, []string{"@s/b@2.0.0 direct", "@s/t@5.0.0 direct", "a@1.0.0 direct", "c@3.0.0 transitive"}},
	}
	for _, tt := range tests {
		pkgs, err := Parse([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		var got []string
		for _, p := range pkgs {
			got = append(got, p.Name+"@"+p.Version+" "+p.Dependency)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// billionLaughs is the classic alias bomb: nine levels of nine aliases
// each, aimed at fields the parser decodes.
const billionLaughs = `lockfileVersion: '9.0'
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
packages: *i
importers: *i
`

// mapBomb nests aliases of maps, which do decode into importers.
const mapBomb = `lockfileVersion: '9.0'
a: &a {a: {version: '1'}, b: {version: '1'}, c: {version: '1'}, d: {version: '1'}, e: {version: '1'}, f: {version: '1'}, g: {version: '1'}, h: {version: '1'}}
b: &b {dependencies: *a, devDependencies: *a, optionalDependencies: *a}
c: &c {a: *b, b: *b, c: *b, d: *b, e: *b, f: *b, g: *b, h: *b, i: *b}
importers: {a: *b, b: *b, c: *b, d: *b, e: *b, f: *b, g: *b, h: *b, i: *b, j: *b, k: *b, l: *b, m: *b, n: *b, o: *b, p: *b, q: *b}
`

func TestMalformed(t *testing.T) {
	v9 := read(t, "pnpm-lock-v9.0.yaml")
	tests := map[string]string{
		"truncated":         string(v9[:bytes.Index(v9, []byte("'@babel/code-frame@7.22.13':"))+10]),
		"empty":             "",
		"no version":        "packages:\n  /a/1.0.0: {}\n",
		"bad version":       "lockfileVersion: x\n",
		"version type":      "lockfileVersion: [1]\n",
		"packages type":     "lockfileVersion: 5.4\npackages: [1, 2]\n",
		"entry version map": "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    version: {x: 1}\n",
		"dependency type":   "lockfileVersion: '6.0'\ndependencies:\n  a: [1]\n",
		"billion laughs":    billionLaughs,
		"deep nesting":      "lockfileVersion: '9.0'\nx: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n",
	}
	for name, in := range tests {
		start := time.Now()
		if pkgs, err := Parse([]byte(in)); err == nil {
			t.Errorf("%s: no error, %d packages", name, len(pkgs))
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
	// A few aliases are followed; this one expands into a few hundred
	// small maps, which is within the budget.
	if pkgs, err := Parse([]byte(mapBomb)); err != nil || len(pkgs) != 0 {
		t.Errorf("map bomb: %v %v", pkgs, err)
	}
	// Scaled up, the same shape would visit n² nodes from a document of
	// size n; the walk's budget stops it.
	start := time.Now()
	if _, err := Parse(aliasBomb(5000)); err != yamltree.ErrTooComplex {
		t.Errorf("alias bomb: %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("alias bomb took %v", d)
	}
}

// aliasBomb builds n importers that each alias one map of n dependencies.
func aliasBomb(n int) []byte {
	var b strings.Builder
	b.WriteString("lockfileVersion: '9.0'\na: &a {")
	for i := range n {
		fmt.Fprintf(&b, "k%d: {version: '1'}, ", i)
	}
	b.WriteString("}\nb: &b {dependencies: *a, devDependencies: *a, optionalDependencies: *a}\nimporters: {")
	for i := range n {
		fmt.Fprintf(&b, "i%d: *b, ", i)
	}
	b.WriteString("}\n")
	return []byte(b.String())
}

// TestLinear guards against quadratic decoding: yaml.v3's struct decoder
// compares every key of a mapping with every other, which made 40,000
// packages take seconds. Four times the packages must take about four
// times as long, not sixteen. Time is this process's CPU time, not the
// wall clock, so that other work on a busy machine does not count, and the
// best of three runs evens out the rest.
func TestLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	lock := func(n int) []byte {
		var b strings.Builder
		b.WriteString("lockfileVersion: 5.4\npackages:\n")
		for i := range n {
			fmt.Fprintf(&b, "  /pkg-%d/1.0.%d:\n    resolution: {integrity: sha512-abc}\n    dev: false\n", i, i)
		}
		return []byte(b.String())
	}
	best := func(data []byte, want int) time.Duration {
		var d time.Duration
		for i := range 3 {
			start := cpuTime(t)
			pkgs, err := Parse(data)
			if err != nil || len(pkgs) != want {
				t.Fatalf("%d packages, %v", len(pkgs), err)
			}
			if e := cpuTime(t) - start; i == 0 || e < d {
				d = e
			}
		}
		return d
	}
	small, large := best(lock(10000), 10000), best(lock(40000), 40000)
	if large > 10*small {
		t.Errorf("10,000 packages took %v, 40,000 took %v", small, large)
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func FuzzParse(f *testing.F) {
	for _, name := range fixtures {
		f.Add(read(f, name))
	}
	f.Add([]byte(billionLaughs))
	f.Add([]byte(mapBomb))
	f.Add(aliasBomb(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := Parse(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" || p.Type != inventory.TypeNPM || p.Layer != -1 {
				t.Fatalf("bad package %+v", p)
			}
			if seen[p.Name+"@"+p.Version] {
				t.Fatalf("duplicate %s@%s", p.Name, p.Version)
			}
			seen[p.Name+"@"+p.Version] = true
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, name := range fixtures {
		data := read(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

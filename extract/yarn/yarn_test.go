package yarn

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/internal/yamltree"
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

func ids(pkgs []inventory.Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+"@"+p.Version)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	slices.Sort(want)
	want = slices.Compact(want)
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

// extractFile runs the extractor on a fixture as the layer walk would,
// through the streaming path.
func extractFile(t *testing.T, name string) []inventory.Package {
	t.Helper()
	in := extract.Input{File: extract.File{Path: "app/yarn.lock"}, Content: bytes.NewReader(read(t, name))}
	res, err := Extractor{}.Extract(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Packages {
		if p.Location != "app/yarn.lock" {
			t.Fatalf("location %q", p.Location)
		}
	}
	return res.Packages
}

func TestGolden(t *testing.T) {
	for _, file := range []string{"yarn-classic.lock", "yarn-berry.lock"} {
		t.Run(file, func(t *testing.T) {
			pkgs, err := Parse(read(t, file))
			if err != nil {
				t.Fatal(err)
			}
			golden.CheckJSON(t, strings.TrimSuffix(file, ".lock")+".golden.json", pkgs, *update)
			// The extractor streams; it must agree with Parse.
			got := extractFile(t, file)
			for i := range got {
				got[i].Location = ""
			}
			if !slices.Equal(ids(got), ids(pkgs)) {
				t.Error("Extract and Parse disagree")
			}
		})
	}
}

// TestClassicAgreesWithYarnList compares with `yarn list --json`, Yarn 1's
// own view of the installed tree. Shadow nodes name ranges, not packages;
// yarn list shows the alias old-ms under its alias name.
func TestClassicAgreesWithYarnList(t *testing.T) {
	type node struct {
		Name     string  `json:"name"`
		Shadow   bool    `json:"shadow"`
		Children []*node `json:"children"`
	}
	var ref struct {
		Data struct{ Trees []*node }
	}
	if err := json.Unmarshal(read(t, "yarn-list.json"), &ref); err != nil {
		t.Fatal(err)
	}
	var want []string
	var walk func([]*node)
	walk = func(ns []*node) {
		for _, n := range ns {
			if !n.Shadow {
				want = append(want, strings.Replace(n.Name, "old-ms@", "ms@", 1))
			}
			walk(n.Children)
		}
	}
	walk(ref.Data.Trees)
	if len(want) < 80 {
		t.Fatalf("reference has only %d packages", len(want))
	}
	pkgs, err := ParseClassic(bytes.NewReader(read(t, "yarn-classic.lock")))
	if err != nil {
		t.Fatal(err)
	}
	sameSet(t, "classic", ids(pkgs), want)
	for _, p := range pkgs {
		if p.Dependency != "" {
			t.Errorf("classic lockfile does not say which are direct: %+v", p)
		}
	}
}

// TestBerryAgreesWithYarnInfo compares with `yarn info --all --recursive
// --name-only --json`, Yarn 4's list of every resolution in the project.
// Its npm: lines are the packages; workspace: and link: ones are the
// project's own; the patch: line is a second copy of resolve@npm:1.22.14.
func TestBerryAgreesWithYarnInfo(t *testing.T) {
	var want []string
	for line := range strings.Lines(string(read(t, "yarn-info.json"))) {
		var res string
		if err := json.Unmarshal([]byte(line), &res); err != nil {
			t.Fatal(err)
		}
		if name, version, ok := strings.Cut(res[1:], "@npm:"); ok {
			want = append(want, res[:1]+name+"@"+version)
		}
	}
	if len(want) < 80 {
		t.Fatalf("reference has only %d packages", len(want))
	}
	pkgs, err := ParseBerry(read(t, "yarn-berry.lock"))
	if err != nil {
		t.Fatal(err)
	}
	sameSet(t, "berry", ids(pkgs), want)

	// Direct: what berry-package.json and its workspace packages/util ask
	// for (minus the link: one), under real names.
	var direct []string
	for _, p := range pkgs {
		if p.Dependency == inventory.DependencyDirect {
			direct = append(direct, p.Name+"@"+p.Version)
		} else if p.Dependency != inventory.DependencyTransitive {
			t.Errorf("no dependency kind: %+v", p)
		}
	}
	sameSet(t, "berry direct", direct, []string{
		"@babel/code-frame@7.29.7", "express@4.18.2", "lodash@4.17.20", "minimist@1.2.5",
		"ms@2.0.0", "ms@2.1.2", "resolve@1.22.14",
	})
}

func TestRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"yarn.lock", true},
		{"usr/src/app/yarn.lock", true},
		{"app/node_modules/foo/yarn.lock", false},
		{"node_modules/foo/yarn.lock", false},
		{"app/yarn.lock.bak", false},
		{"app/xyarn.lock", false},
	}
	for _, tt := range tests {
		if got := (Extractor{}).Required(extract.File{Path: tt.path}); got != tt.want {
			t.Errorf("Required(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Extractor{}.Required(extract.File{Path: "usr/src/app/yarn.lock"}) }); n != 0 {
		t.Errorf("Required allocates %v times", n)
	}
}

func TestClassicForms(t *testing.T) {
	in := "# yarn lockfile v1\r\n\r\n" +
		"\"@s/a@^1.0.0\", \"@s/a@^1.1.0\":\r\n" +
		"  version \"1.2.0\"\r\n" +
		"  dependencies:\r\n" +
		"    version \"9.9.9\"\r\n" +
		"\r\n" +
		"b@1:\n  version 2.0.0\n  resolved \"https://registry.yarnpkg.com/b/-/b-2.0.0.tgz\"\n\n" +
		"old@npm:@s/c@3.0.0:\n  version \"3.0.0\"\n\n" +
		"local@file:./vendor/local:\n  version \"0.1.0\"\n\n" +
		"linked@link:../linked:\n  version \"0.0.0\"\n\n" +
		"noversion@1:\n  resolved \"x\"\n\n" +
		"b@^2:\n\tversion \"2.0.0\"\n" +
		"tabbed@1:\n\tversion \"1.0.0\"\n\tdependencies:\n\t\tx \"1\"\n"
	pkgs, err := ParseClassic(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(pkgs), " "); got != "@s/a@1.2.0 @s/c@3.0.0 b@2.0.0 tabbed@1.0.0" {
		t.Errorf("got %s", got)
	}
}

func TestBerryForms(t *testing.T) {
	in := `__metadata:
  version: 8

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    a: "npm:^1.0.0"
    g: "https://github.com/x/g.git"
    p: "patch:p@npm%3A1.0.0#./p.patch"

"a@npm:^1.0.0":
  version: 1.0.0
  resolution: "a@npm:1.0.0::__archiveUrl=https%3A%2F%2Fexample.com%2Fa.tgz"

"g@https://github.com/x/g.git":
  version: 0.3.0
  resolution: "g@https://github.com/x/g.git#commit=abc"

"p@patch:p@npm%3A1.0.0#./p.patch":
  version: 1.0.0
  resolution: "p@patch:p@npm%3A1.0.0#./p.patch::version=1.0.0&hash=abc"

"w@patch:w@workspace%3Apackages/w#./w.patch":
  version: 0.0.0-use.local
  resolution: "w@patch:w@workspace%3Apackages/w#./w.patch::version=0.0.0-use.local&hash=def"

"v@virtual:abc#npm:2.0.0":
  version: 2.0.0
  resolution: "v@virtual:abc#npm:2.0.0"

"bad@patch:bad@npm%ZZ#x":
  version: 1.0.0
  resolution: "bad@patch:bad@npm%ZZ#x"

"portal@portal:../p":
  version: 0.0.0-use.local
  resolution: "portal@portal:../p::locator=app%40workspace%3A."

"noversion@https://example.com/n.tgz":
  resolution: "noversion@https://example.com/n.tgz"
`
	pkgs, err := ParseBerry([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+"@"+p.Version+" "+p.Dependency)
	}
	want := []string{"a@1.0.0 direct", "g@0.3.0 direct", "p@1.0.0 direct", "v@2.0.0 transitive"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestResolveDepth(t *testing.T) {
	res := "a@npm:1.0.0"
	for range maxResolutionDepth + 2 {
		res = "a@virtual:h#" + strings.TrimPrefix(res, "a@")
	}
	if _, _, ok := resolve(res); ok {
		t.Error("unbounded unwrapping")
	}
}

// billionLaughs is the classic alias bomb: nine levels of ten aliases each.
const billionLaughs = `__metadata:
  version: 8
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`

func TestMalformed(t *testing.T) {
	berry := read(t, "yarn-berry.lock")
	tests := map[string]string{
		"classic no colon":      "# yarn lockfile v1\nfoo@1\n  version \"1\"\n",
		"classic indented":      "  version \"1.0.0\"\n",
		"classic long line":     "a@" + strings.Repeat("x", maxLine+10) + ":\n",
		"classic empty header":  ":\n  version \"1\"\n",
		"berry truncated":       string(berry[:bytes.Index(berry, []byte(`"accepts@npm`))+8]),
		"berry no metadata":     "\"a@npm:1\":\n  version: 1\n",
		"berry scalar entry":    "__metadata: 5\n",
		"berry dependency type": "__metadata:\n  version: 8\n\"a@npm:1\":\n  dependencies: [1, 2]\n",
		"berry list":            "__metadata:\n  version: 8\n- a\n",
		"billion laughs":        billionLaughs,
		"deep nesting":          "__metadata:\n  version: 8\nx: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n",
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
	if _, err := ParseBerry([]byte("\"a@npm:1\":\n  version: 1\n")); err == nil {
		t.Error("berry without __metadata: no error")
	}
	// Aliases multiply the work of a walk; its budget stops that.
	start := time.Now()
	if _, err := ParseBerry(aliasBomb(5000)); err != yamltree.ErrTooComplex {
		t.Errorf("alias bomb: %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("alias bomb took %v", d)
	}
	// Via the extractor, the error names the extractor and the file.
	_, err := Extractor{}.Extract(context.Background(), extract.Input{
		File: extract.File{Path: "app/yarn.lock"}, Content: strings.NewReader("garbage\n"),
	})
	if err == nil || !strings.HasPrefix(err.Error(), "yarn-lock: app/yarn.lock: ") {
		t.Errorf("error %v", err)
	}
	// An empty lockfile (a project without dependencies) is not an error.
	if pkgs, err := Parse(nil); err != nil || len(pkgs) != 0 {
		t.Errorf("empty: %v %v", pkgs, err)
	}
}

// aliasBomb builds n entries that each alias one entry of n dependencies.
func aliasBomb(n int) []byte {
	var b strings.Builder
	b.WriteString("__metadata:\n  version: 8\n\"a@npm:1\": &a {version: 1.0.0, resolution: \"a@npm:1.0.0\", dependencies: {")
	for i := range n {
		fmt.Fprintf(&b, "k%d: \"npm:1\", ", i)
	}
	b.WriteString("}}\n")
	for i := range n {
		fmt.Fprintf(&b, "\"e%d@npm:1\": *a\n", i)
	}
	return []byte(b.String())
}

func checkPackages(t *testing.T, pkgs []inventory.Package) {
	t.Helper()
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
}

func FuzzParseClassic(f *testing.F) {
	f.Add(read(f, "yarn-classic.lock"))
	f.Add([]byte("a@1, \"@s/b@npm:c@2\":\n  version \"1\"\n  deps:\n    x 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseClassic(bytes.NewReader(data))
		if err == nil {
			checkPackages(t, pkgs)
		}
	})
}

func FuzzParseBerry(f *testing.F) {
	f.Add(read(f, "yarn-berry.lock"))
	f.Add([]byte(billionLaughs))
	f.Add(aliasBomb(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseBerry(data)
		if err == nil {
			checkPackages(t, pkgs)
		}
	})
}

func BenchmarkParseClassic(b *testing.B) {
	data := read(b, "yarn-classic.lock")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseClassic(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBerry(b *testing.B) {
	data := read(b, "yarn-berry.lock")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseBerry(data); err != nil {
			b.Fatal(err)
		}
	}
}

package npm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

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
		{"package-lock-v1.json", ParseLock},
		{"package-lock-v2.json", ParseLock},
		{"package-lock-v3.json", ParseLock},
		{"package-lock-workspaces.json", ParseLock},
		{"json-schema-0.2.3.package.json", ParsePackageJSON},
		{"kind-of-1.1.0.package.json", ParsePackageJSON},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pkgs, err := tt.parse(read(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			golden.CheckJSON(t, strings.TrimSuffix(tt.file, ".json")+".golden.json", pkgs, *update)
		})
	}
}

// npmLs reads `npm ls --all --json` output: the installed tree, keyed by
// the name each package is installed as. It returns every name@version in
// the tree and the names at its top, the project's direct dependencies.
func npmLs(t *testing.T, name string) (all []string, top []string) {
	t.Helper()
	type node struct {
		Version      string           `json:"version"`
		Dependencies map[string]*node `json:"dependencies"`
	}
	var root node
	if err := json.Unmarshal(read(t, name), &root); err != nil {
		t.Fatal(err)
	}
	var walk func(map[string]*node)
	walk = func(deps map[string]*node) {
		for n, d := range deps {
			all = append(all, n+"@"+d.Version)
			walk(d.Dependencies)
		}
	}
	walk(root.Dependencies)
	for n := range root.Dependencies {
		top = append(top, n)
	}
	return uniq(all), uniq(top)
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

// TestLockAgreesWithNpmLs compares each lockfile version with `npm ls --all
// --json`, npm's own view of the tree the same lock installs (the three
// fixtures pin one tree, and npm ls printed the same for each).
func TestLockAgreesWithNpmLs(t *testing.T) {
	all, top := npmLs(t, "npm-ls.json")
	if len(all) < 80 {
		t.Fatalf("reference has only %d packages", len(all))
	}
	for _, file := range []string{"package-lock-v1.json", "package-lock-v2.json", "package-lock-v3.json"} {
		t.Run(file, func(t *testing.T) {
			pkgs, err := ParseLock(read(t, file))
			if err != nil {
				t.Fatal(err)
			}
			sameSet(t, file, ids(pkgs), all)
			if file == "package-lock-v1.json" {
				for _, p := range pkgs {
					if p.Dependency != "" {
						t.Errorf("v1 lockfile does not say which dependencies are direct, got %+v", p)
					}
				}
				return
			}
			var direct []string
			for _, p := range pkgs {
				switch p.Dependency {
				case inventory.DependencyDirect:
					direct = append(direct, p.Name)
				case inventory.DependencyTransitive:
				default:
					t.Errorf("no dependency kind: %+v", p)
				}
			}
			sameSet(t, file+" direct", uniq(direct), top)
		})
	}
}

func TestLockWorkspaces(t *testing.T) {
	pkgs, err := ParseLock(read(t, "package-lock-workspaces.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+"@"+p.Version+" "+p.Dependency)
	}
	// The workspace "util" (packages/util, linked from node_modules/util)
	// is the project's own code; ms@2.1.2 is what it asks for; old-ms is
	// an alias of ms@2.0.0. npm ls (npm-ls-workspaces.json) shows the
	// same tree under the installed names.
	want := []string{"is-number@7.0.0 direct", "ms@2.0.0 direct", "ms@2.1.2 direct"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// installedTree reads a tar of the package.json files of a real
// node_modules tree, offers each to the extractor's Required, and extracts
// those it wants. It returns the packages and the paths it refused.
func installedTree(t *testing.T, name string) (pkgs []inventory.Package, refused []string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(read(t, name)))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var x InstalledExtractor
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		f := extract.File{Path: h.Name, Mode: h.FileInfo().Mode(), Size: h.Size}
		if !x.Required(f) {
			refused = append(refused, h.Name)
			continue
		}
		res, err := x.Extract(context.Background(), extract.Input{File: f, Content: io.LimitReader(tr, x.MaxSize())})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Packages {
			if p.Location != h.Name {
				t.Errorf("location %q, want %q", p.Location, h.Name)
			}
		}
		pkgs = append(pkgs, res.Packages...)
	}
	return pkgs, refused
}

// TestInstalledAgreesWithNpmLs walks the npm-installed tree the v3 lock
// describes and compares with npm ls. The tree holds every package.json
// under node_modules, including resolve's test fixtures, which must be
// refused.
func TestInstalledAgreesWithNpmLs(t *testing.T) {
	all, _ := npmLs(t, "npm-ls.json")
	pkgs, refused := installedTree(t, "node_modules.tar.gz")
	sameSet(t, "installed", ids(pkgs), all)
	if len(refused) == 0 {
		t.Error("no package.json refused; the fixture has resolve's test fixtures")
	}
	for _, p := range refused {
		if !strings.Contains(p, "node_modules/resolve/test/") {
			t.Errorf("refused %s", p)
		}
	}
}

// TestInstalledPnpmLayout walks a tree pnpm 9 installed
// (node_modules/.pnpm/<id>/node_modules/<name>) and compares with `pnpm ls
// -r --depth Infinity --json`.
func TestInstalledPnpmLayout(t *testing.T) {
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
	var want []string
	var walk func(map[string]*node)
	walk = func(deps map[string]*node) {
		for _, d := range deps {
			if !strings.HasPrefix(d.Version, "link:") { // a workspace
				want = append(want, d.From+"@"+d.Version)
			}
			walk(d.Dependencies)
		}
	}
	for _, p := range projects {
		walk(p.Dependencies)
		walk(p.DevDependencies)
	}
	pkgs, refused := installedTree(t, "node_modules-pnpm.tar.gz")
	sameSet(t, "pnpm installed", ids(pkgs), uniq(want))
	if len(refused) != 0 {
		t.Errorf("refused %v", refused)
	}
}

func TestInstalledManifest(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"node_modules/lodash/package.json", true},
		{"usr/src/app/node_modules/express/package.json", true},
		{"app/node_modules/@babel/code-frame/package.json", true},
		{"app/node_modules/send/node_modules/ms/package.json", true},
		{"app/node_modules/@a/b/node_modules/@c/d/node_modules/e/package.json", true},
		{"usr/local/lib/node_modules/npm/package.json", true},
		{"usr/local/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json", true},
		{"app/node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/package.json", true},
		{"app/node_modules/.pnpm/@babel+core@7.0.0/node_modules/@babel/core/package.json", true},
		{"my_node_modules/x/node_modules/lodash/package.json", true},

		{"package.json", false},
		{"usr/src/app/package.json", false},
		{"node_modules/package.json", false},
		{"node_modules/lodash/lib/package.json", false},
		{"node_modules/resolve/test/resolver/baz/package.json", false},
		{"node_modules/resolve/test/shadowed_core/node_modules/util/package.json", false},
		{"node_modules/@babel/package.json", false},
		{"node_modules/@babel/@x/package.json", false},
		{"node_modules/.bin/package.json", false},
		{"node_modules/.cache/x/package.json", false},
		{"node_modules/_x/package.json", false},
		{"node_modules/.pnpm/lodash@4.17.21/package.json", false},
		{"node_modules/.pnpm/node_modules/lodash/package.json", false},
		{"node_modules//package.json", false},
		{"node_modules/lodash//package.json", false},
		{"my_node_modules/lodash/package.json", false},
		{"node_modules/lodash/package.json.bak", false},
		{"node_modules/lodash/xpackage.json", false},
	}
	for _, tt := range tests {
		if got := InstalledManifest(tt.path); got != tt.want {
			t.Errorf("InstalledManifest(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, tt := range tests {
			InstalledExtractor{}.Required(extract.File{Path: tt.path})
			LockExtractor{}.Required(extract.File{Path: tt.path})
		}
	})
	if allocs != 0 {
		t.Errorf("Required allocates %v times", allocs)
	}
	if (InstalledExtractor{}).Required(extract.File{Path: "node_modules/x/package.json", Mode: fs.ModeSymlink}) {
		t.Error("a symlink is required")
	}
}

func TestLockRequired(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"package-lock.json", true},
		{"usr/src/app/package-lock.json", true},
		{"app/npm-shrinkwrap.json", true},
		{"app/node_modules/.package-lock.json", false},
		{"app/node_modules/foo/package-lock.json", false},
		{"node_modules/foo/npm-shrinkwrap.json", false},
		{"app/package.json", false},
		{"app/xpackage-lock.json", false},
	}
	for _, tt := range tests {
		if got := (LockExtractor{}).Required(extract.File{Path: tt.path}); got != tt.want {
			t.Errorf("Required(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestLicenses(t *testing.T) {
	tests := []struct {
		json string
		want []string
	}{
		{`{"name":"a","version":"1.0.0","license":"MIT"}`, []string{"MIT"}},
		{`{"name":"a","version":"1.0.0","license":"(MIT OR Apache-2.0)"}`, []string{"(MIT OR Apache-2.0)"}},
		{`{"name":"a","version":"1.0.0","license":{"type":"BSD","url":"x"}}`, []string{"BSD"}},
		{`{"name":"a","version":"1.0.0","licenses":[{"type":"MIT"},{"type":"GPL-2.0"}]}`, []string{"MIT", "GPL-2.0"}},
		{`{"name":"a","version":"1.0.0","licenses":["ISC"]}`, []string{"ISC"}},
		{`{"name":"a","version":"1.0.0","licenses":{"type":"MIT"}}`, []string{"MIT"}},
		{`{"name":"a","version":"1.0.0","licenses":"MIT"}`, []string{"MIT"}},
		{`{"name":"a","version":"1.0.0","license":"MIT","licenses":[{"type":"BSD"}]}`, []string{"MIT"}},
		{`{"name":"a","version":"1.0.0","license":"","licenses":[{"type":"BSD"}]}`, []string{"BSD"}},
		{`{"name":"a","version":"1.0.0","license":5}`, nil},
		{`{"name":"a","version":"1.0.0","license":[5,{"type":7},"MIT","MIT"]}`, []string{"MIT"}},
		{`{"name":"a","version":"1.0.0","license":null}`, nil},
	}
	for _, tt := range tests {
		pkgs, err := ParsePackageJSON([]byte(tt.json))
		if err != nil || len(pkgs) != 1 {
			t.Errorf("%s: %v %v", tt.json, pkgs, err)
			continue
		}
		if !slices.Equal(pkgs[0].Licenses, tt.want) {
			t.Errorf("%s: licenses %q, want %q", tt.json, pkgs[0].Licenses, tt.want)
		}
	}
}

// TestVendored covers packages an installed package bundles in its vendor
// folder (typescript 7 ships vscode-jsonrpc there), and the package.json
// files in a package's own folders that are no package (terser's dist/).
func TestVendored(t *testing.T) {
	jsonrpc, err := os.ReadFile("testdata/typescript-7.0.2-vendor-vscode-jsonrpc.package.json")
	if err != nil {
		t.Fatal(err)
	}
	terserDist, err := os.ReadFile("testdata/terser-5.51.4-dist.package.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		data []byte
		want []string // name@version; nil when the file is not read at all
	}{
		{"srv/app/node_modules/typescript/vendor/vscode-jsonrpc/package.json", jsonrpc, []string{"vscode-jsonrpc@9.0.0"}},
		{"node_modules/a/node_modules/@s/b/vendor/vscode-jsonrpc/package.json", jsonrpc, []string{"vscode-jsonrpc@9.0.0"}},
		{"node_modules/typescript/vendor/@x/vscode-jsonrpc/package.json", []byte(`{"name":"@x/vscode-jsonrpc","version":"1.0.0"}`), []string{"@x/vscode-jsonrpc@1.0.0"}},
		// Read, but not a package: another name than its folder's, or private.
		{"node_modules/typescript/vendor/jsonrpc/package.json", jsonrpc, []string{}},
		{"node_modules/terser/vendor/dist/package.json", terserDist, []string{}},
		// Not read: outside vendor/, or vendor/ not in an installed package.
		{"node_modules/terser/dist/package.json", terserDist, nil},
		{"node_modules/typescript/lib/vendor/vscode-jsonrpc/package.json", jsonrpc, nil},
		{"srv/app/vendor/vscode-jsonrpc/package.json", jsonrpc, nil},
		{"node_modules/typescript/vendor/vscode-jsonrpc/lib/package.json", jsonrpc, nil},
		{"node_modules/typescript/vendor/@x/package.json", jsonrpc, nil},
		{"node_modules/typescript/vendor/.cache/package.json", jsonrpc, nil},
		{"node_modules/typescript/vendor/package.json", jsonrpc, nil},
	}
	var x InstalledExtractor
	allocs := testing.AllocsPerRun(100, func() {
		for _, tt := range tests {
			x.Required(extract.File{Path: tt.path})
		}
	})
	if allocs != 0 {
		t.Errorf("Required allocates %v times", allocs)
	}
	for _, tt := range tests {
		if got := x.Required(extract.File{Path: tt.path}); got != (tt.want != nil) {
			t.Errorf("Required(%q) = %v", tt.path, got)
			continue
		}
		if tt.want == nil {
			continue
		}
		res, err := x.Extract(context.Background(), extract.Input{File: extract.File{Path: tt.path}, Content: bytes.NewReader(tt.data)})
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		got := []string{}
		for _, p := range res.Packages {
			got = append(got, p.Name+"@"+p.Version)
			if p.Location != tt.path {
				t.Errorf("%s: location %q", tt.path, p.Location)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestPackageJSONSkipsAndErrors(t *testing.T) {
	tests := []struct {
		json    string
		want    int
		wantErr bool
	}{
		{`{"name":"a","version":"1.0.0"}`, 1, false},
		{"\xef\xbb\xbf" + `{"name":"a","version":"1.0.0"}`, 1, false},
		{`{"name":"a"}`, 0, false},
		{`{"version":"1.0.0"}`, 0, false},
		{`{"name":"  ","version":"1.0.0"}`, 0, false},
		{`{}`, 0, false},
		{`null`, 0, false},
		{`{"name":"a","version":5}`, 0, true},
		{`{"name":["a"],"version":"1.0.0"}`, 0, true},
		{`{"name":"a","version":"1.0.0"`, 0, true},
		{`[]`, 0, true},
		{``, 0, true},
	}
	for _, tt := range tests {
		pkgs, err := ParsePackageJSON([]byte(tt.json))
		if (err != nil) != tt.wantErr || len(pkgs) != tt.want {
			t.Errorf("%q: %d packages, error %v", tt.json, len(pkgs), err)
		}
	}
}

func TestLockMalformed(t *testing.T) {
	v3 := read(t, "package-lock-v3.json")
	tests := map[string]string{
		"truncated":       string(v3[:len(v3)/2]),
		"empty":           "",
		"array":           "[]",
		"no version":      `{"packages":{}}`,
		"version type":    `{"lockfileVersion":3,"packages":{"node_modules/a":{"version":5}}}`,
		"name type":       `{"lockfileVersion":3,"packages":{"node_modules/a":{"name":true,"version":"1.0.0"}}}`,
		"packages type":   `{"lockfileVersion":3,"packages":[]}`,
		"v1 version type": `{"lockfileVersion":1,"dependencies":{"a":{"version":1.5}}}`,
		"lockfile type":   `{"lockfileVersion":"3"}`,
	}
	for name, in := range tests {
		if pkgs, err := ParseLock([]byte(in)); err == nil {
			t.Errorf("%s: no error, %d packages", name, len(pkgs))
		}
	}
	// Via the extractor, the error names the extractor and the file.
	_, err := LockExtractor{}.Extract(context.Background(), extract.Input{
		File: extract.File{Path: "app/package-lock.json"}, Content: strings.NewReader("{"),
	})
	if err == nil || !strings.HasPrefix(err.Error(), "npm-lock: app/package-lock.json: ") {
		t.Errorf("error %v", err)
	}
}

func TestLockEdgeCases(t *testing.T) {
	in := `{
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app", "dependencies": {"a": "^1"}, "peerDependencies": {"p": "*"}},
    "node_modules/a": {"version": "1.0.0", "license": {"type": "MIT"}},
    "node_modules/a/node_modules/p": {"version": "2.0.0"},
    "node_modules/p": {"version": "1.0.0"},
    "node_modules/b": {"version": "1.0.0", "dev": true, "license": ["ISC", "ISC"]},
    "node_modules/no-version": {},
    "node_modules/local": {"version": "file:vendor/local"},
    "node_modules/lnk": {"resolved": "vendor/lnk", "link": true},
    "vendor/lnk": {"name": "lnk", "version": "0.1.0", "dependencies": {"b": "1"}},
    "node_modules/@s/c": {"version": "3.0.0"}
  }
}`
	pkgs, err := ParseLock([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+"@"+p.Version+" "+p.Dependency+" "+strings.Join(p.Licenses, ","))
	}
	want := []string{
		"@s/c@3.0.0 transitive ",
		"a@1.0.0 direct MIT",
		"b@1.0.0 direct ISC", // the linked folder vendor/lnk asks for it
		"p@1.0.0 direct ",
		"p@2.0.0 transitive ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}

	// The hidden lockfile shape (no root entry): no dependency kinds.
	pkgs, err = ParseLock([]byte(`{"lockfileVersion":3,"packages":{"node_modules/a":{"version":"1.0.0"}}}`))
	if err != nil || len(pkgs) != 1 || pkgs[0].Dependency != "" {
		t.Errorf("hidden lockfile: %+v %v", pkgs, err)
	}

	// Version 1: aliases, local folders, null entries, nesting.
	pkgs, err = ParseLock([]byte(`{"lockfileVersion":1,"dependencies":{
		"old-ms": {"version": "npm:ms@2.0.0"},
		"sc": {"version": "npm:@s/c@1.0.0"},
		"local": {"version": "file:vendor/local"},
		"nil": null,
		"a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0", "dependencies": {"a": {"version": "1.0.0"}}}}}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(pkgs), " "); got != "@s/c@1.0.0 a@1.0.0 b@2.0.0 ms@2.0.0" {
		t.Errorf("v1: %s", got)
	}
}

// deepV1 builds a version 1 lockfile whose dependencies nest depth deep.
func deepV1(depth int) []byte {
	var b strings.Builder
	b.WriteString(`{"lockfileVersion":1`)
	for range depth {
		b.WriteString(`,"dependencies":{"a":{"version":"1.0.0"`)
	}
	b.WriteString(strings.Repeat("}}", depth))
	b.WriteString("}")
	return []byte(b.String())
}

func TestLockDeepNesting(t *testing.T) {
	start := time.Now()
	// 10,000 levels is 20,000 levels of JSON: past encoding/json's limit.
	if _, err := ParseLock(deepV1(10000)); err == nil {
		t.Error("10000 levels: no error")
	}
	// Within the limit the tree is walked without recursion.
	pkgs, err := ParseLock(deepV1(4000))
	if err != nil || len(pkgs) != 1 {
		t.Errorf("4000 levels: %d packages, %v", len(pkgs), err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func FuzzParseLock(f *testing.F) {
	for _, name := range []string{"package-lock-v1.json", "package-lock-v2.json", "package-lock-v3.json", "package-lock-workspaces.json"} {
		f.Add(read(f, name))
	}
	f.Add(deepV1(50))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseLock(data)
		if err != nil {
			return
		}
		checkPackages(t, pkgs)
	})
}

func FuzzParsePackageJSON(f *testing.F) {
	for _, name := range []string{"json-schema-0.2.3.package.json", "kind-of-1.1.0.package.json", "project-package.json"} {
		f.Add(read(f, name))
	}
	f.Add([]byte(`{"name":"a","version":"1.0.0","license":[{"type":"MIT"},"ISC"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParsePackageJSON(data)
		if err != nil {
			return
		}
		if len(pkgs) > 1 {
			t.Fatalf("%d packages from one manifest", len(pkgs))
		}
		checkPackages(t, pkgs)
	})
}

func FuzzInstalledManifest(f *testing.F) {
	f.Add("node_modules/@a/b/node_modules/c/package.json")
	f.Add("x/node_modules/.pnpm/a@1/node_modules/a/package.json")
	f.Fuzz(func(t *testing.T, p string) {
		if InstalledManifest(p) && (!strings.HasSuffix(p, "/package.json") || !strings.Contains(p, "node_modules/")) {
			t.Fatalf("accepted %q", p)
		}
	})
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

func BenchmarkParseLock(b *testing.B) {
	for _, name := range []string{"package-lock-v1.json", "package-lock-v3.json"} {
		data := read(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := ParseLock(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParsePackageJSON(b *testing.B) {
	data := read(b, "kind-of-1.1.0.package.json")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParsePackageJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRequired(b *testing.B) {
	f := extract.File{Path: "usr/src/app/node_modules/@babel/code-frame/node_modules/chalk/package.json", Mode: 0o644}
	var x InstalledExtractor
	for b.Loop() {
		x.Required(f)
	}
}

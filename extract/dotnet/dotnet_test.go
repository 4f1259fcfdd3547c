package dotnet

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

func mustRead(t testing.TB, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		file, path string
		x          extract.Extractor
	}{
		{"OrderService.deps.json", "app/OrderService.deps.json", DepsExtractor{}},
		{"WeatherApi.deps.json", "app/WeatherApi.deps.json", DepsExtractor{}},
		{"OrderService.packages.lock.json", "src/OrderService/packages.lock.json", LockExtractor{}},
		{"cpm.packages.lock.json", "src/Cpm/packages.lock.json", LockExtractor{}},
		{"OrderService.csproj", "src/OrderService/OrderService.csproj", ProjectExtractor{}},
		{"packages.config", "src/Legacy/packages.config", ProjectExtractor{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := extract.File{Path: tc.path, Mode: 0o644}
			if !tc.x.Required(f) {
				t.Fatalf("%s does not want %s", tc.x.Name(), tc.path)
			}
			res, err := tc.x.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(mustRead(t, "testdata/"+tc.file))})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range res.Packages {
				if p.Type != inventory.TypeNuGet || p.Name == "" || p.Version == "" || p.Location != tc.path || p.Layer != -1 {
					t.Errorf("bad package %+v", p)
				}
			}
			golden.CheckJSON(t, tc.file+".golden.json", res.Packages, *update)
		})
	}
}

func lines(pkgs []inventory.Package) string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+" "+p.Version+" "+p.Dependency)
	}
	return strings.Join(out, "\n")
}

// TestDepsAgreesWithLock checks the two files of the same application
// against each other: the restore's lock file and the build's deps.json
// name the same packages, equally direct.
func TestDepsAgreesWithLock(t *testing.T) {
	deps, err := ParseDeps(mustRead(t, "testdata/OrderService.deps.json"))
	if err != nil {
		t.Fatal(err)
	}
	lock, err := ParseLock(mustRead(t, "testdata/OrderService.packages.lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if lines(deps) != lines(lock) {
		t.Errorf("deps.json:\n%s\npackages.lock.json:\n%s", lines(deps), lines(lock))
	}
	// The project file's references with one version are among the
	// lock file's direct packages.
	proj, err := ParseProject(mustRead(t, "testdata/OrderService.csproj"))
	if err != nil {
		t.Fatal(err)
	}
	direct := map[string]bool{}
	for _, p := range lock {
		if p.Dependency == inventory.DependencyDirect {
			direct[p.Name+" "+p.Version] = true
		}
	}
	for _, p := range proj {
		if !direct[p.Name+" "+p.Version] && p.Name != "StyleCop.Analyzers" && p.Name != "Swashbuckle.AspNetCore" {
			t.Errorf("%s %s: not direct in the lock file", p.Name, p.Version)
		}
	}
}

func TestDepsRoot(t *testing.T) {
	// Two projects that nothing references: the file's name says which
	// is the application; without it, neither is direct nor transitive.
	doc := `{"runtimeTarget":{"name":"t"},"targets":{"t":{
		"App/1.0.0":{"dependencies":{"A":"1.0.0"}},
		"Tests/1.0.0":{"dependencies":{"B":"2.0.0"}},
		"A/1.0.0":{},"B/2.0.0":{}}},
		"libraries":{"App/1.0.0":{"type":"project"},"Tests/1.0.0":{"type":"project"},
		"A/1.0.0":{"type":"package"},"B/2.0.0":{"type":"package"},
		"Ref/4.0.0":{"type":"reference"},"bad":{"type":"package"}}}`
	for app, want := range map[string]string{
		"App":   "A 1.0.0 direct\nB 2.0.0 transitive",
		"Tests": "A 1.0.0 transitive\nB 2.0.0 direct",
		"":      "A 1.0.0 \nB 2.0.0 ",
		"Other": "A 1.0.0 \nB 2.0.0 ",
	} {
		pkgs, err := parseDeps([]byte(doc), app)
		if err != nil {
			t.Fatal(err)
		}
		if got := lines(pkgs); got != want {
			t.Errorf("app %q: got\n%s\nwant\n%s", app, got, want)
		}
	}
	// A single target needs no runtime target to find it; a BOM is
	// allowed.
	pkgs, err := ParseDeps([]byte("\xef\xbb\xbf" + `{"targets":{"x":{"App/1.0.0":{"dependencies":{"A":"1.0.0"}}}},
		"libraries":{"App/1.0.0":{"type":"project"},"A/1.0.0":{"type":"package"}}}`))
	if err != nil || lines(pkgs) != "A 1.0.0 direct" {
		t.Errorf("got %q, %v", lines(pkgs), err)
	}
}

func TestProjectForms(t *testing.T) {
	pkgs, err := ParseProject([]byte(`<Project>
  <PropertyGroup><V>1.2.3</V><Loop>$(Loop)</Loop></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="A" Version="$(v)" />
    <PackageReference Include="B" VersionOverride="2.0.0" Version="1.0.0" />
    <PackageReference Include="C"><VersionOverride>3.0.0</VersionOverride></PackageReference>
    <PackageReference Include="D" Version="$(Loop)" />
    <PackageReference Include="E" />
    <PackageReference Include="" Version="1.0.0" />
    <PackageReference Include="F" Version="1.0.0+build.5" />
  </ItemGroup>
  <Target Name="X"><PackageReference Include="G" Version="1.0.0" /></Target>
</Project>`))
	if err != nil {
		t.Fatal(err)
	}
	want := "A 1.2.3 direct\nB 2.0.0 direct\nC 3.0.0 direct\nF 1.0.0+build.5 direct"
	if got := lines(pkgs); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestMalformed(t *testing.T) {
	deep := strings.Repeat("[", 20000)
	for _, tc := range []struct {
		name  string
		parse func([]byte) ([]inventory.Package, error)
		in    string
	}{
		{"deps truncated", ParseDeps, string(mustRead(t, "testdata/OrderService.deps.json")[:500])},
		{"deps junk", ParseDeps, "\x00\xff junk"},
		{"deps no libraries", ParseDeps, `{"targets":{}}`},
		{"deps wrong type", ParseDeps, `{"libraries":{"A/1":{"type":3}}}`},
		{"deps deep", ParseDeps, `{"libraries":` + deep},
		{"lock truncated", ParseLock, string(mustRead(t, "testdata/OrderService.packages.lock.json")[:300])},
		{"lock no dependencies", ParseLock, `{"version":1}`},
		{"lock wrong type", ParseLock, `{"dependencies":{"net6.0":[]}}`},
		{"lock deep", ParseLock, `{"dependencies":` + deep},
		{"project truncated", ParseProject, string(mustRead(t, "testdata/OrderService.csproj")[:300])},
		{"project not project", ParseProject, `<html><body/></html>`},
		{"project junk", ParseProject, "<Project><<>"},
		{"project deep", ParseProject, "<Project>" + strings.Repeat("<a>", 1000)},
		{"config not config", ParsePackagesConfig, `<Project/>`},
		{"config deep", ParsePackagesConfig, "<packages>" + strings.Repeat("<a>", 1000)},
		{"config truncated", ParsePackagesConfig, `<packages><package id="a" version="1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.parse([]byte(tc.in)); err == nil {
				t.Error("no error")
			}
		})
	}
	_, err := LockExtractor{}.Extract(context.Background(), extract.Input{
		File: extract.File{Path: "a/packages.lock.json"}, Content: strings.NewReader("{")})
	if err == nil || !strings.HasPrefix(err.Error(), "nuget-lock: a/packages.lock.json: ") {
		t.Errorf("error without context: %v", err)
	}
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		x     extract.Extractor
		path  string
		wants bool
	}{
		{DepsExtractor{}, "app/My.App.deps.json", true},
		{DepsExtractor{}, "usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json", true},
		{DepsExtractor{}, "app/.deps.json", false},
		{DepsExtractor{}, "app/My.App.runtimeconfig.json", false},
		{LockExtractor{}, "src/packages.lock.json", true},
		{LockExtractor{}, "src/package-lock.json", false},
		{ProjectExtractor{}, "src/A/A.csproj", true},
		{ProjectExtractor{}, "src/A/A.fsproj", true},
		{ProjectExtractor{}, "src/A/A.vbproj", true},
		{ProjectExtractor{}, "src/A/packages.config", true},
		{ProjectExtractor{}, "src/A/A.csproj.user", false},
		{ProjectExtractor{}, "src/A/A.sln", false},
	} {
		if got := tc.x.Required(extract.File{Path: tc.path, Mode: 0o644}); got != tc.wants {
			t.Errorf("%s.Required(%s) = %v", tc.x.Name(), tc.path, got)
		}
		if tc.x.Required(extract.File{Path: tc.path, Mode: os.ModeDir | 0o755}) {
			t.Errorf("%s wants directory %s", tc.x.Name(), tc.path)
		}
	}
}

func fuzzSeeds(f *testing.F, files ...string) {
	for _, name := range files {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func checkFuzz(t *testing.T, pkgs []inventory.Package, err error) {
	if err != nil && pkgs != nil {
		t.Fatal("packages with an error")
	}
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" {
			t.Fatalf("empty package: %+v", p)
		}
	}
}

func FuzzParseDeps(f *testing.F) {
	fuzzSeeds(f, "OrderService.deps.json", "WeatherApi.deps.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := parseDeps(data, "OrderService")
		checkFuzz(t, pkgs, err)
	})
}

func FuzzParseLock(f *testing.F) {
	fuzzSeeds(f, "OrderService.packages.lock.json", "cpm.packages.lock.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseLock(data)
		checkFuzz(t, pkgs, err)
	})
}

func FuzzParseProject(f *testing.F) {
	fuzzSeeds(f, "OrderService.csproj")
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParseProject(data)
		checkFuzz(t, pkgs, err)
	})
}

func FuzzParsePackagesConfig(f *testing.F) {
	fuzzSeeds(f, "packages.config")
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, err := ParsePackagesConfig(data)
		checkFuzz(t, pkgs, err)
	})
}

func BenchmarkParseDeps(b *testing.B) {
	data := mustRead(b, "testdata/OrderService.deps.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDeps(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLock(b *testing.B) {
	data := mustRead(b, "testdata/OrderService.packages.lock.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLock(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseProject(b *testing.B) {
	data := mustRead(b, "testdata/OrderService.csproj")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseProject(data); err != nil {
			b.Fatal(err)
		}
	}
}

package gomod

import (
	"flag"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/golden"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/bulwark.go.mod")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	golden.CheckJSON(t, "bulwark.golden.json", pkgs, *update)
}

// TestAgreesWithGoCommand compares with `go mod edit -json`, the Go
// toolchain's own reading of the same file.
func TestAgreesWithGoCommand(t *testing.T) {
	out, err := exec.Command("go", "mod", "edit", "-json", "testdata/bulwark.go.mod").Output()
	if err != nil {
		t.Skipf("go mod edit: %v", err)
	}
	// Require entries look like {"Path": "x", "Version": "v1", "Indirect": true}.
	var want []string
	for _, block := range strings.Split(string(out), "{")[1:] {
		if !strings.Contains(block, `"Path"`) || !strings.Contains(block, `"Version"`) || strings.Contains(block, `"Module"`) {
			continue
		}
		get := func(key string) string {
			_, rest, _ := strings.Cut(block, `"`+key+`": "`)
			v, _, _ := strings.Cut(rest, `"`)
			return v
		}
		kind := "direct"
		if strings.Contains(block, `"Indirect": true`) {
			kind = "transitive"
		}
		want = append(want, get("Path")+" "+get("Version")+" "+kind)
	}
	data, _ := os.ReadFile("testdata/bulwark.go.mod")
	pkgs, _ := Parse(data)
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+" "+p.Version+" "+p.Dependency)
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestReplaceAndForms(t *testing.T) {
	in := `module x

go 1.22

require example.com/single v1.0.0
require (
	"example.com/quoted" v1.1.0
	example.com/ind v0.2.0 // indirect
	example.com/local v1.0.0
	example.com/moved v1.2.0
)

replace example.com/local => ../local
replace (
	example.com/moved v1.2.0 => example.com/fork v1.2.1
)
`
	pkgs, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+"@"+p.Version+":"+p.Dependency)
	}
	want := "example.com/single@v1.0.0:direct example.com/quoted@v1.1.0:direct example.com/ind@v0.2.0:transitive example.com/fork@v1.2.1:direct"
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

func FuzzParse(f *testing.F) {
	data, _ := os.ReadFile("testdata/bulwark.go.mod")
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := Parse(data)
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("empty module: %+v", p)
			}
		}
	})
}

package python

import (
	"context"
	"encoding/json"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

// extractFile runs an extractor on a testdata file, with its path relative
// to testdata as the location.
func extractFile(t testing.TB, x extract.Extractor, rel string) []inventory.Package {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	file := extract.File{Path: rel}
	if !x.Required(extract.File{Path: rel}) {
		t.Fatalf("%s: Required is false", rel)
	}
	res, err := x.Extract(context.Background(), extract.Input{File: file, Content: f})
	if err != nil {
		t.Fatal(err)
	}
	return res.Packages
}

// pins writes packages as "name@version", space-separated, in order.
func pins(pkgs []inventory.Package) string {
	s := make([]string, len(pkgs))
	for i, p := range pkgs {
		s[i] = p.Name + "@" + p.Version
	}
	return strings.Join(s, " ")
}

func TestRequirementsGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/requirements/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, file := range files {
		rel := strings.TrimPrefix(filepath.ToSlash(file), "testdata/")
		t.Run(filepath.Base(file), func(t *testing.T) {
			pkgs := extractFile(t, RequirementsExtractor{}, rel)
			golden.CheckJSON(t, strings.TrimSuffix(rel, ".txt")+".golden.json", pkgs, *update)
		})
	}
}

// TestRequirementsAgreesWithPipFreeze checks the pip freeze fixture against
// the distributions it was made from: every line is a pin of an installed
// distribution's metadata.
func TestRequirementsAgreesWithPipFreeze(t *testing.T) {
	data, err := os.ReadFile("testdata/requirements/pip-freeze.txt")
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := ParseRequirements(data)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(strings.TrimSpace(string(data)), "\n") + 1
	if len(pkgs) != lines {
		t.Errorf("%d packages from %d lines", len(pkgs), lines)
	}
	for _, p := range pkgs {
		if p.Name == "" || p.Version == "" || strings.ContainsAny(p.Version, " =") {
			t.Errorf("bad pin %+v", p)
		}
	}
}

func TestParseRequirementsForms(t *testing.T) {
	in := "\ufeff# comment\n" +
		"Django==4.2.7  # trailing comment\n" +
		"requests[socks,security] == 2.31.0 ; python_version >= \"3.8\" \\\n" +
		"    --hash=sha256:aaa \\\n" +
		"    --hash=sha256:bbb\n" +
		"arbitrary===1.0-weird\n" +
		"old-style (==0.9)\n" +
		"zope.interface==6.1\r\n" +
		"pytest==8.0.0;python_version>'3.8'\n" +
		"wild==1.4.*\n" +
		"range>=1.0,<2\n" +
		"two==1.0,==1.0\n" +
		"unpinned\n" +
		"-r base.txt\n" +
		"-c constraints.txt\n" +
		"-e git+https://github.com/org/repo.git#egg=repo\n" +
		"--index-url https://example.com/simple\n" +
		"pkg @ https://example.com/pkg-1.0.tar.gz\n" +
		"https://example.com/other-2.0.whl\n" +
		"./local/path\n" +
		"envvar==${VERSION}\n" +
		"-bad==1\n" +
		"Django==4.2.7\n" + // duplicate
		"frag==1.0#not-a-version\n" +
		"last==3.0 \\"
	pkgs, err := ParseRequirements([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := pins(pkgs)
	want := "Django@4.2.7 requests@2.31.0 arbitrary@1.0-weird old-style@0.9 zope.interface@6.1 pytest@8.0.0 last@3.0"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestRequirementsRequired(t *testing.T) {
	cases := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"app/requirements.txt", 0, true},
		{"requirements.txt", 0, true},
		{"srv/requirements-dev.txt", 0, true},
		{"srv/requirements_prod.txt", 0, true},
		{"srv/requirements/base.txt", 0, true},
		{"requirements/prod.txt", 0, true},
		{"app/requirements.in", 0, false},
		{"app/dev-requirements.txt", 0, true},
		{"python/container/py37/base_image_requirements.txt", 0, true},
		{"app/requirements-notes.md", 0, false},
		{"app/requirements.txt", fs.ModeDir, false},
		{"usr/lib/python3/dist-packages/foo/requirements.txt", 0, false},
		{"usr/local/lib/python3.12/site-packages/foo/requirements/base.txt", 0, false},
		{"app/notes.txt", 0, false},
	}
	var x RequirementsExtractor
	for _, c := range cases {
		if got := x.Required(extract.File{Path: c.path, Mode: c.mode}); got != c.want {
			t.Errorf("Required(%s) = %v, want %v", c.path, got, c.want)
		}
	}
}

func TestRequirementsMalformed(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	junk := make([]byte, 64<<10)
	rng.Read(junk)
	junk[100] = 0
	if _, err := ParseRequirements(junk); err == nil {
		t.Error("binary junk accepted")
	}
	_, err := RequirementsExtractor{}.Extract(context.Background(), extract.Input{
		File: extract.File{Path: "app/requirements.txt"}, Content: strings.NewReader("a==1\x00"),
	})
	if err == nil || !strings.Contains(err.Error(), "pip-requirements: app/requirements.txt:") {
		t.Errorf("err = %v", err)
	}
	// Text that is no requirements file gives nothing, not an error.
	pkgs, err := ParseRequirements([]byte(strings.Repeat("\\\n", 1000) + strings.Repeat("[[[[", 1000)))
	if err != nil || len(pkgs) != 0 {
		t.Errorf("got %v, %v", pkgs, err)
	}
}

func FuzzParseRequirements(f *testing.F) {
	files, _ := filepath.Glob("testdata/requirements/*.txt")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data)
	}
	f.Add([]byte("a[b]==1;c \\\n --hash=x\n-r x\nd @ e\nf (==2)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := ParseRequirements(data)
		for _, p := range pkgs {
			if !validName(p.Name) || p.Version == "" || strings.ContainsAny(p.Version, " \t\n,;") {
				t.Fatalf("bad package %+v", p)
			}
		}
	})
}

func BenchmarkParseRequirements(b *testing.B) {
	data, err := os.ReadFile("testdata/requirements/pip-compile-hashes.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequirements(data); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRequirementsAgreesWithPip compares with pip's own parser, recorded
// by testdata/pip_requirements.py: the same pins from every fixture.
func TestRequirementsAgreesWithPip(t *testing.T) {
	data, err := os.ReadFile("testdata/pip-requirements.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Files map[string][]string `json:"files"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/requirements/*.txt")
	if len(rec.Files) != len(files) {
		t.Errorf("pip read %d files, testdata has %d", len(rec.Files), len(files))
	}
	for file, want := range rec.Files {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		pkgs, err := ParseRequirements(data)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		got := []string{}
		for _, p := range pkgs {
			got = append(got, p.Name+"@"+p.Version)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s:\ngot %s\npip %s", file, strings.Join(got, " "), strings.Join(want, " "))
		}
	}
}

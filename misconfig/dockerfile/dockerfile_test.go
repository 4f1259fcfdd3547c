package dockerfile

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

var update = flag.Bool("update", false, "rewrite golden files")

// result is a finding as the golden files keep it: the check's own text
// (rationale, fix, references) is the same for every finding and is
// tested once, in TestChecksValid.
type result struct {
	CheckID   string `json:"checkID"`
	Severity  string `json:"severity"`
	StartLine int    `json:"startLine"`
	EndLine   int    `json:"endLine"`
	Stage     string `json:"stage,omitempty"`
	Message   string `json:"message"`
}

func results(fs []misconfig.Finding) []result {
	out := []result{}
	for _, f := range fs {
		out = append(out, result{f.CheckID, f.Severity, f.StartLine, f.EndLine, f.Resource.Container, f.Message})
	}
	return out
}

// TestGolden scans every testdata/*.Dockerfile and compares the findings
// with testdata/*.golden.json. A file NAME.dockerignore next to one means
// its build context has a .dockerignore.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.Dockerfile")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, p := range files {
		name := strings.TrimSuffix(filepath.Base(p), ".Dockerfile")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			_, err = os.Stat(filepath.Join("testdata", name+".dockerignore"))
			opts := Options{Dockerignore: err == nil}
			fs, err := Scan(filepath.Base(p), data, opts)
			if err != nil {
				t.Fatal(err)
			}
			checkFindings(t, fs, data)
			golden.CheckJSON(t, name+".golden.json", results(fs), *update)
		})
	}
}

// checkFindings checks what every finding must satisfy: a known check,
// its severity, lines inside the file, a message.
func checkFindings(t *testing.T, fs []misconfig.Finding, data []byte) {
	t.Helper()
	checks := map[string]misconfig.Check{}
	for _, c := range Checks() {
		checks[c.ID] = c
	}
	lines := strings.Count(string(data), "\n") + 1
	for _, f := range fs {
		c, ok := checks[f.CheckID]
		switch {
		case !ok:
			t.Errorf("unknown check %s", f.CheckID)
		case f.Severity != c.Severity || f.Title != c.Title || f.Fix != c.Fix:
			t.Errorf("%s: finding does not carry its check's fields", f.CheckID)
		case f.StartLine < 1 || f.EndLine < f.StartLine || f.EndLine > lines:
			t.Errorf("%s: lines %d-%d outside 1-%d", f.CheckID, f.StartLine, f.EndLine, lines)
		case f.Message == "":
			t.Errorf("%s: empty message", f.CheckID)
		}
	}
}

// TestGuideExamples pins what the product guide promises about its two
// example Dockerfiles.
func TestGuideExamples(t *testing.T) {
	scan := func(name string) []misconfig.Finding {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Scan(name, data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	has := func(fs []misconfig.Finding, id string, line int) bool {
		for _, f := range fs {
			if f.CheckID == id && f.StartLine == line {
				return true
			}
		}
		return false
	}
	vuln := scan("vulnerable.Dockerfile")
	if !has(vuln, checkLatestTag.ID, 2) {
		t.Errorf("vulnerable: no %s (latest base image) on line 2", checkLatestTag.ID)
	}
	if !has(vuln, checkRootUser.ID, 5) {
		t.Errorf("vulnerable: no %s (root user) on line 5", checkRootUser.ID)
	}
	for _, f := range vuln {
		if f.CheckID == checkRootUser.ID && !strings.Contains(f.Message, "USER root ") {
			t.Errorf("vulnerable: root user message %q does not name root", f.Message)
		}
	}
	for _, f := range scan("secure.Dockerfile") {
		if severity.Rank(f.Severity) >= severity.Rank(severity.High) {
			t.Errorf("secure: %s finding %s on line %d: %s", f.Severity, f.CheckID, f.StartLine, f.Message)
		}
	}
}

func TestChecksValid(t *testing.T) {
	cs := Checks()
	if err := misconfig.Validate(cs); err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if want := fmt.Sprintf("BW-DF-%03d", i+1); c.ID != want {
			t.Errorf("check %d has ID %s, want %s", i, c.ID, want)
		}
		if len(c.References) == 0 {
			t.Errorf("%s: no references", c.ID)
		}
	}
	cs[0].Title = "changed"
	if Checks()[0].Title == "changed" {
		t.Error("Checks shares its slice between calls")
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		data string
		want string
	}{
		{"empty", "", "no instructions"},
		{"comments only", "# nothing\n\n", "no instructions"},
		{"too large", "FROM a\n" + strings.Repeat("#", MaxSize), "limit"},
		{"too many instructions", strings.Repeat("RUN x\n", MaxInstructions+1), "limit"},
		{"unterminated heredoc", "FROM a\nRUN <<EOF\necho hi\n", "heredoc"},
		{"bad env", "FROM a\nENV A=1 B\n", "="},
		{"bad json", "FROM a\nCMD [\"a\", 1]\n", "string"},
		{"long line", "FROM a\nRUN " + strings.Repeat("x", 100<<10) + "\n", "max allowed size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := Scan("Dockerfile", []byte(c.data), Options{})
			if err == nil {
				t.Fatalf("no error; findings %v", fs)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "dockerfile: Dockerfile: ") {
				t.Errorf("error %q, want it to name the file and contain %q", err, c.want)
			}
			if errors.Is(err, errInternal) {
				t.Errorf("internal error: %v", err)
			}
		})
	}
}

package compose

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/misconfig"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestChecksValid(t *testing.T) {
	cs := Checks()
	if err := misconfig.Validate(cs); err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if want := fmt.Sprintf("BW-CMP-%03d", i+1); c.ID != want {
			t.Errorf("check %d has ID %s, want %s", i, c.ID, want)
		}
		if c.Target != misconfig.TargetCompose || len(c.References) == 0 {
			t.Errorf("%s: target %q, %d references", c.ID, c.Target, len(c.References))
		}
	}
	// A fresh slice each call: changing one does not change the next.
	cs[0].Title = "changed"
	cs[0].References[0] = "changed"
	if again := Checks(); again[0].Title == "changed" || again[0].References[0] == "changed" {
		t.Error("Checks returns shared state")
	}
}

// golden is the part of a finding the golden files pin: what, where, on
// which service.
type golden struct {
	CheckID  string `json:"checkID"`
	Line     int    `json:"line"`
	Resource string `json:"resource"`
	Message  string `json:"message"`
}

// TestGolden scans real Compose files from compose-go, buildkit and the
// Docker CLI (see testdata/SOURCES.md) and compares every finding.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/real/*.y*ml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := Scan(f, data)
			if err != nil {
				t.Fatal(err)
			}
			var got []golden
			for _, x := range fs {
				if x.File != f || x.Target != misconfig.TargetCompose || x.Rationale == "" {
					t.Errorf("finding %+v: file, target or rationale not set", x)
				}
				got = append(got, golden{x.CheckID, x.StartLine, x.Resource.String(), x.Message})
			}
			compareGolden(t, strings.TrimSuffix(f, filepath.Ext(f))+".golden.json", got)
		})
	}
}

func compareGolden(t *testing.T, path string, got []golden) {
	t.Helper()
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *update {
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != string(out) {
		t.Errorf("%s differs; got:\n%s", path, out)
	}
}

// ids lists "checkID@line/service" for the findings, sorted as Scan sorts.
func ids(fs []misconfig.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s@%d/%s", f.CheckID, f.StartLine, f.Resource.Name))
	}
	return out
}

func has(fs []misconfig.Finding, want string) bool {
	for _, s := range ids(fs) {
		if s == want {
			return true
		}
	}
	return false
}

func TestInterpolationNeverFails(t *testing.T) {
	data := []byte(`services:
  app:
    image: nginx:${TAG:?set TAG}
    privileged: ${PRIV}
    read_only: ${RO:-true}
    mem_limit: ${MEM:-256m}
    cap_add: ["${CAP:-SYS_ADMIN}"]
    ports: ["${PORT:-5432}:5432"]
`)
	fs, err := Scan("compose.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(ids(fs), " ")
	// The unset ${PRIV} is not privileged; the defaults apply; the image
	// tag from a required but missing variable is unknown, not a finding.
	want := "BW-CMP-002@7/app BW-CMP-013@8/app"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestProfilesAndJobs(t *testing.T) {
	data := []byte(`services:
  debug:
    image: busybox:1.36
    profiles: [debug]
    privileged: true
jobs:
  migrate:
    image: busybox:1.36
    network_mode: host
`)
	fs, err := Scan("compose.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if !has(fs, "BW-CMP-001@5/debug") {
		t.Errorf("service behind a profile not checked: %v", ids(fs))
	}
	var job bool
	for _, f := range fs {
		if f.CheckID == "BW-CMP-005" && f.Resource.Kind == "job" && f.Resource.Name == "migrate" && f.StartLine == 9 {
			job = true
		}
	}
	if !job {
		t.Errorf("job not checked: %v", ids(fs))
	}
}

// TestAnchors: a setting shared through a YAML anchor and merge key is
// reported on every service using it, at the line that wrote it.
func TestAnchors(t *testing.T) {
	data := []byte(`x-base: &base
  image: app:1.0
  privileged: true
  read_only: true
  mem_limit: 1g
services:
  a:
    <<: *base
  b:
    <<: [*base]
    privileged: false
`)
	fs, err := Scan("compose.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(ids(fs), " "); got != "BW-CMP-017@2/a BW-CMP-017@2/b BW-CMP-001@3/a" {
		t.Errorf("got %s", got)
	}
}

func TestExtendsInsideFolder(t *testing.T) {
	f := "testdata/extends/compose.yaml"
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Scan(f, data)
	if err != nil {
		t.Fatal(err)
	}
	// Inherited settings are reported at the service that inherits them.
	got := strings.Join(ids(fs), " ")
	// read_only and mem_limit come from the bases too: no finding for them
	// on web and worker. The base named through base.yaml (compose-go's
	// own example, which extends again inside itself) has an untagged image.
	want := "BW-CMP-001@4/web BW-CMP-017@8/web BW-CMP-006@9/worker BW-CMP-017@9/worker BW-CMP-012@13/chain BW-CMP-015@13/chain BW-CMP-016@13/chain BW-CMP-017@13/chain"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestExtendsConfined: a base outside the file's folder, or remote, is not
// read; the file's own settings are still checked and the error says why.
func TestExtendsConfined(t *testing.T) {
	for _, tt := range []struct{ file, errText, want string }{
		{"testdata/extends/outside.yaml", "outside the compose file's folder", "BW-CMP-005@7/app"},
		{"testdata/extends/remote.yaml", "is not fetched", ""},
	} {
		data, err := os.ReadFile(tt.file)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := Scan(tt.file, data)
		if err == nil || !strings.Contains(err.Error(), tt.errText) {
			t.Errorf("%s: error %v, want one containing %q", tt.file, err, tt.errText)
		}
		for _, f := range fs {
			if f.CheckID == "BW-CMP-001" || f.CheckID == "BW-CMP-006" {
				t.Errorf("%s: setting from an unread base reported: %s", tt.file, f.Message)
			}
		}
		if tt.want != "" && !has(fs, tt.want) {
			t.Errorf("%s: own settings not checked: %v", tt.file, ids(fs))
		}
	}
}

func TestExtendsSymlinkEscape(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	base := filepath.Join(outside, "base.yaml")
	if err := os.WriteFile(base, []byte("services:\n  base:\n    image: a:1\n    privileged: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(base, filepath.Join(dir, "base.yaml")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	file := filepath.Join(dir, "compose.yaml")
	data := []byte("services:\n  app:\n    extends: {file: base.yaml, service: base}\n")
	fs, err := Scan(file, data)
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("error %v, want the symlink refused", err)
	}
	if has(fs, "BW-CMP-001@2/app") {
		t.Error("base read through a symlink leaving the folder")
	}
}

// TestNoOtherFiles: include and env_file are not read.
func TestNoOtherFiles(t *testing.T) {
	f := "testdata/extends/include.yaml"
	data, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Scan(f, data)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range fs {
		if x.Resource.Name != "app" || x.CheckID == "BW-CMP-014" {
			t.Errorf("finding from another file: %s %s", x.CheckID, x.Message)
		}
	}
}

func TestBadInput(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 8; i++ {
		name := fmt.Sprintf("l%d", i)
		bomb += fmt.Sprintf("%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	bomb += "services:\n  app:\n    image: a:1\n    command: *l7\n"
	tests := []struct {
		name string
		data string
		is   error
	}{
		{"alias bomb", bomb, ErrTooComplex},
		{"deep nesting", strings.Repeat("[", 5000) + strings.Repeat("]", 5000), nil},
		{"too big", "services: {}\n" + strings.Repeat("#", MaxSize), nil},
		{"syntax error", "services:\n  app:\n    image: [a\n", nil},
		{"not a mapping", "- a\n- b\n", nil},
		{"services not a mapping", "services: [a, b]\n", nil},
		{"empty", "", nil},
		{"null service", "services:\n  app:\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			fs, err := Scan("compose.yaml", []byte(tt.data))
			if err == nil {
				t.Fatalf("no error; findings %v", ids(fs))
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func BenchmarkScan(b *testing.B) {
	data, err := os.ReadFile("testdata/real/full-example.yml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Scan("full-example.yml", data); err != nil {
			b.Fatal(err)
		}
	}
}

package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// careless is a host tree; its modes and owners are as git checked them
// out, so the test asserts only what daemon.json and the units say.
const careless = "../../misconfig/host/testdata/careless"

func TestHostCommand(t *testing.T) {
	t.Setenv("DOCKER_HOST", "") // no containers: the tree alone
	code, out, errOut := bulwark(t, "host", "--root", careless, "--format", "json", "--severity", "HIGH,CRITICAL",
		"--skip-checks", "bw-host-020", "--exit-code", "5", "--quiet")
	if code != 5 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if r.Artifact.Kind != "host" || r.Artifact.Name != careless {
		t.Errorf("artifact %+v", r.Artifact)
	}
	got := map[string]bool{}
	for _, f := range r.Misconfigurations {
		got[f.CheckID+" "+f.File] = true
		if f.Severity != "HIGH" && f.Severity != "CRITICAL" {
			t.Errorf("--severity ignored: %s %s", f.CheckID, f.Severity)
		}
		if f.Level == 0 || f.Assessment == "" {
			t.Errorf("%s: no level or assessment", f.CheckID)
		}
	}
	for _, want := range []string{
		"BW-HOST-008 etc/docker/daemon.json",
		"BW-HOST-010 lib/systemd/system/docker.service",
		"BW-HOST-010 lib/systemd/system/docker.socket",
	} {
		if !got[want] {
			t.Errorf("no %s finding: %v", want, got)
		}
	}
	if got["BW-HOST-020 etc/docker/daemon.json"] {
		t.Error("--skip-checks ignored")
	}
	if len(r.SuppressedMisconfigurations) != 1 || r.SuppressedMisconfigurations[0].CheckID != "BW-HOST-001" {
		t.Errorf("suppressed: %+v", r.SuppressedMisconfigurations)
	}

	code, out, _ = bulwark(t, "host", "--root", careless, "--format", "sarif", "--quiet")
	if code != 0 || !strings.Contains(out, `"ruleId": "BW-HOST-010"`) {
		t.Errorf("sarif: exit %d\n%.300s", code, out)
	}
	if code, out, _ = bulwark(t, "host", "--list-checks"); code != 0 || !strings.Contains(out, "BW-HOST-050") {
		t.Errorf("--list-checks: exit %d\n%s", code, out)
	}
	if code, out, _ = bulwark(t, "config", "--list-checks"); code != 0 || !strings.Contains(out, "BW-HOST-025") {
		t.Errorf("config --list-checks lacks the host checks: exit %d", code)
	}
	if code, _, _ = bulwark(t, "host", careless); code != 2 {
		t.Errorf("a positional argument: exit %d, want 2", code)
	}
	if code, _, errOut = bulwark(t, "host", "--root", "/nonexistent/root"); code != 1 || !strings.Contains(errOut, "nonexistent") {
		t.Errorf("missing root: exit %d %q", code, errOut)
	}

	// A daemon that does not answer: a warning, and the tree's audit.
	sock := "unix://" + filepath.Join(t.TempDir(), "none.sock")
	t.Setenv("DOCKER_HOST", sock)
	code, out, errOut = bulwark(t, "host", "--root", careless, "--format", "json")
	if code != 0 || !strings.Contains(errOut, "docker info and containers not checked (CIS sections 2 and 5 read the files only): cannot reach the Docker Engine at "+sock) {
		t.Errorf("unreachable daemon: exit %d, stderr %q", code, errOut)
	}
	if r := decode(t, out); len(r.Misconfigurations) == 0 || len(r.Warnings) == 0 {
		t.Errorf("unreachable daemon: %d findings, warnings %+v", len(r.Misconfigurations), r.Warnings)
	}
}

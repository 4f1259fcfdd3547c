package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const project = "../../misconfig/audit/testdata/project"

func TestConfigCommand(t *testing.T) {
	code, out, errOut := bulwark(t, "config", project, "--format", "json", "--severity", "CRITICAL", "--exit-code", "3", "--quiet")
	if code != 3 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if r.Artifact.Kind != "config" || r.ConfigFiles != 13 {
		t.Errorf("artifact %+v, %d files", r.Artifact, r.ConfigFiles)
	}
	var got []string
	for _, f := range r.Misconfigurations {
		got = append(got, f.CheckID+" "+f.File)
	}
	want := "BW-CMP-001 docker-compose.yml, BW-CMP-003 docker-compose.yml, BW-PSS-privileged k8s/pod-vulnerable.yaml"
	if strings.Join(got, ", ") != want {
		t.Errorf("CRITICAL findings: %v", got)
	}
	// One by an annotation (k8s/binding.yaml), one by a comment in a
	// chart template.
	if len(r.SuppressedMisconfigurations) != 2 || r.SuppressedMisconfigurations[0].Suppression == "" {
		t.Errorf("suppressed: %+v", r.SuppressedMisconfigurations)
	}
	if len(r.Warnings) != 2 {
		t.Errorf("warnings: %+v", r.Warnings)
	}

	// SARIF has a result per finding with its file and line.
	_, out, _ = bulwark(t, "config", project, "--format", "sarif", "--skip-checks", "BW-DF-038", "--quiet")
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }     `json:"artifactLocation"`
						Region           *struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, res := range sarif.Runs[0].Results {
		if res.RuleID == "BW-DF-038" {
			t.Error("--skip-checks ignored")
		}
		l := res.Locations[0].PhysicalLocation
		if res.RuleID == "BW-DF-003" && l.ArtifactLocation.URI == "vulnerable/Dockerfile" && l.Region != nil && l.Region.StartLine == 5 {
			found = true
		}
	}
	if !found {
		t.Error("SARIF lacks BW-DF-003 at vulnerable/Dockerfile:5")
	}

	// The table, custom policies, and the check list.
	policy := filepath.Join(t.TempDir(), "p.yaml")
	if err := os.WriteFile(policy, []byte("checks:\n- {id: ORG-1, title: Pods are named, severity: HIGH, kinds: [Pod], expression: 'has(object.metadata) && has(object.metadata.name)'}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = bulwark(t, "config", filepath.Join(project, "k8s"), "--policy", policy, "--severity", "HIGH", "--quiet")
	if code != 0 || !strings.Contains(out, "ORG-1") || !strings.Contains(out, "pod-secure.yaml:2") {
		t.Errorf("table with policy (exit %d):\n%s", code, out)
	}
	_, out, _ = bulwark(t, "config", "--list-checks", "--policy", policy)
	for _, id := range []string{"BW-DF-001", "BW-IMG-001", "BW-PSS-privileged", "BW-RBAC-013", "BW-NET-001", "BW-CMP-003", "ORG-1"} {
		if !strings.Contains(out, id) {
			t.Errorf("--list-checks lacks %s", id)
		}
	}
	if code, _, errOut := bulwark(t, "config", project, "--pss-version", "v9"); code != exitError || !strings.Contains(errOut, "v9") {
		t.Errorf("bad --pss-version: exit %d: %s", code, errOut)
	}
	if code, _, _ := bulwark(t, "config"); code != exitUsage {
		t.Errorf("no path: exit %d", code)
	}
}

func TestImageMisconfig(t *testing.T) {
	tar := plantedImage(t)
	code, out, errOut := bulwark(t, "image", "--input", tar, "--scanners", "misconfig", "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := map[string]bool{}
	for _, f := range decode(t, out).Misconfigurations {
		got[f.CheckID+" "+f.File] = true
	}
	for _, want := range []string{
		"BW-IMG-001 config.User",
		"BW-IMG-002 config.Healthcheck",
		"BW-IMG-005 root/.git-credentials",
		"BW-IMG-005 root/.ssh/id_ed25519",
		"BW-IMG-009 history[0].created_by",
	} {
		if !got[want] {
			t.Errorf("missing %s in %v", want, got)
		}
	}
	code, _, _ = bulwark(t, "image", "--input", tar, "--scanners", "misconfig", "--no-cache", "--severity", "HIGH", "--skip-checks", "BW-IMG-005", "--exit-code", "7")
	if code != 7 {
		t.Errorf("exit %d, want 7 (the root user is HIGH)", code)
	}
}

func TestFSCommand(t *testing.T) {
	code, out, errOut := bulwark(t, "fs", project, "--scanners", "secret,misconfig", "--format", "json", "--severity", "CRITICAL,HIGH", "--quiet", "--exit-code", "4")
	if code != 4 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if r.Artifact.Kind != "directory" || r.ConfigFiles != 13 || len(r.Misconfigurations) == 0 {
		t.Errorf("kind %s, %d config files, %d misconfigurations", r.Artifact.Kind, r.ConfigFiles, len(r.Misconfigurations))
	}
	for _, f := range r.Misconfigurations {
		if f.Severity != "CRITICAL" && f.Severity != "HIGH" {
			t.Errorf("--severity not applied: %s %s", f.CheckID, f.Severity)
		}
	}
	if code, _, _ := bulwark(t, "fs", project, project); code != exitUsage {
		t.Errorf("two folders: exit %d", code)
	}
}

package audit

import (
	"context"
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

func render(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "files: %d\n", res.Files)
	for _, f := range res.Findings {
		fmt.Fprintf(&b, "%s %s %s:%d %s | %s\n", f.Severity, f.CheckID, f.File, f.StartLine, f.Resource, f.Message)
	}
	for _, f := range res.Suppressed {
		fmt.Fprintf(&b, "suppressed %s %s:%d (%s)\n", f.CheckID, f.File, f.StartLine, f.Suppression)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(&b, "warning %s: %s\n", w.Path, w.Message)
	}
	return b.String()
}

func TestProject(t *testing.T) {
	res, err := Path(context.Background(), "testdata/project", Options{})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "project.golden", []byte(render(res)), *update)

	// The guide's examples: each line marked unsafe has a finding; the
	// secure ones have nothing HIGH or CRITICAL.
	at := map[string]bool{}
	for _, f := range res.Findings {
		at[fmt.Sprintf("%s:%d %s", f.File, f.StartLine, f.CheckID)] = true
		if (f.File == "secure/Dockerfile" || f.File == "k8s/pod-secure.yaml") && severity.Rank(f.Severity) >= severity.Rank(severity.High) {
			t.Errorf("secure example: %s %s:%d %s", f.CheckID, f.File, f.StartLine, f.Message)
		}
	}
	for _, want := range []string{
		"vulnerable/Dockerfile:2 BW-DF-001",           // FROM ubuntu:latest
		"vulnerable/Dockerfile:5 BW-DF-003",           // USER root
		"k8s/pod-vulnerable.yaml:8 BW-PSS-privileged", // privileged: true
		"k8s/pod-vulnerable.yaml:9 BW-K8S-001",        // runAsRoot is not a field
		"k8s/pod-vulnerable.yaml:7 BW-PSS-runAsNonRoot",
		"docker-compose.yml:6 BW-CMP-003", // the Docker socket
		"k8s/role.yaml:7 BW-RBAC-005",     // resolved through k8s/binding.yaml
		"overlay/prod/kustomization.yaml:0 BW-PSS-hostNamespaces",
		"chart/templates/deployment.yaml:10 BW-K8S-007", // mapped back to the template
	} {
		if !at[want] {
			t.Errorf("no finding %s", want)
		}
	}
}

func TestOptions(t *testing.T) {
	// A chart value changes what is found; skipped checks are gone.
	res, err := Path(context.Background(), "testdata/project/chart", Options{
		HelmSet:    []string{"hostNetwork=true"},
		SkipChecks: map[string]bool{"BW-K8S-010": true, "BW-K8S-011": true},
	})
	if err != nil {
		t.Fatal(err)
	}
	var host, probes bool
	for _, f := range res.Findings {
		host = host || f.CheckID == "BW-PSS-hostNamespaces"
		probes = probes || f.CheckID == "BW-K8S-010" || f.CheckID == "BW-K8S-011"
	}
	if !host || probes {
		t.Errorf("--helm-set hostNetwork=true: hostNamespaces %v; skipped probe checks present %v", host, probes)
	}
	if _, err := Path(context.Background(), "testdata/project", Options{PSSVersion: "v2.0"}); err == nil {
		t.Error("bad PSS version accepted")
	}
	// A single file.
	res, err = Path(context.Background(), "testdata/project/vulnerable/Dockerfile", Options{})
	if err != nil || res.Files != 1 || len(res.Findings) == 0 {
		t.Errorf("single Dockerfile: %v files, %d findings, %v", res.Files, len(res.Findings), err)
	}
}

func TestHostileInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// 50 MB of manifests: refused with a warning; the rest is checked.
	var big strings.Builder
	for big.Len() < 50<<20 {
		fmt.Fprintf(&big, "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata: {k: v}\n", big.Len())
	}
	write("big.yaml", []byte(big.String()))
	write("ok/pod.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n  hostPID: true\n  containers: [{name: c, image: nginx:1.27}]\n"))
	write("unknown.yaml", []byte("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n"))
	write("chart/Chart.yaml", []byte("apiVersion: v2\nname: broken\nversion: 0.1.0\n"))
	write("chart/templates/x.yaml", []byte("{{ fail \"no\" }}\n"))
	// A symlink out of the folder is not followed.
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "escape.yaml")); err != nil {
		t.Fatal(err)
	}
	res, err := Path(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := render(res)
	for _, want := range []string{"warning big.yaml: file too large", "warning chart: helm:", "BW-PSS-hostNamespaces ok/pod.yaml:5"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "escape.yaml") || strings.Contains(out, "root:") {
		t.Errorf("followed a symlink out of the folder:\n%s", out)
	}
}

func TestChecksValid(t *testing.T) {
	if err := misconfig.Validate(Checks()); err != nil {
		t.Fatal(err)
	}
	if n := len(Checks()); n < 100 {
		t.Errorf("%d checks", n)
	}
}

// BenchmarkPath audits the folder $BULWARK_CONFIG_BENCH (bench/config.sh
// generates 10,000 manifests) and reports files/s.
func BenchmarkPath(b *testing.B) {
	dir := os.Getenv("BULWARK_CONFIG_BENCH")
	if dir == "" {
		b.Skip("BULWARK_CONFIG_BENCH is not set")
	}
	var files int
	for i := 0; i < b.N; i++ {
		res, err := Path(context.Background(), dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		files = res.Files
	}
	b.ReportMetric(float64(files)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/report"
)

func debianImage(t *testing.T) v1.Image {
	t.Helper()
	var layers []v1.Layer
	for _, n := range []string{"layer0.tar.gz", "layer1.tar.gz"} {
		l, err := tarball.LayerFromFile(filepath.Join("..", "..", "testdata", "images", n))
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, l)
	}
	// A third layer deletes a file, as rm in a Dockerfile does.
	l, err := testimage.Layer([]testimage.File{{Path: "usr/share/doc/netbase/.wh.copyright"}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimage.Image(append(layers, l)...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func bulwark(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func decode(t *testing.T, s string) report.Report {
	t.Helper()
	var r report.Report
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, s)
	}
	return r
}

func packageLines(r report.Report) string {
	var lines []string
	for _, p := range r.Inventory.Packages {
		lines = append(lines, p.Name+" "+p.Version+" "+p.Arch+" L"+string(rune('0'+p.Layer)))
	}
	return strings.Join(lines, "\n")
}

// TestSBOMDockerArchive scans a docker-archive of the real Debian layers and
// compares the package list with what dpkg-query said about the same root
// (testdata/images/layer1.dpkg-query.txt).
func TestSBOMDockerArchive(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "debian.tar")
	if err := testimage.WriteDockerArchive(archive, "debian:12", debianImage(t)); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache")
	code, out, errOut := bulwark(t, "sbom", "--input", archive, "--format", "json", "--cache-dir", cache)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	want := "base-files 12.4+deb12u15 amd64 L0\nca-certificates 20250419~deb12u2 all L1\nnetbase 6.4 all L0"
	if got := packageLines(r); got != want {
		t.Errorf("packages:\n%s\nwant\n%s", got, want)
	}
	q, err := os.ReadFile("../../testdata/images/layer1.dpkg-query.txt")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSpace(string(q)), "\n") + 1; n != len(r.Inventory.Packages) {
		t.Errorf("dpkg-query lists %d packages, bulwark %d", n, len(r.Inventory.Packages))
	}
	if r.Artifact.Kind != "docker-archive" || len(r.Inventory.Layers) != 3 || r.Inventory.OS.Family != "debian" {
		t.Errorf("artifact %+v, %d layers, os %+v", r.Artifact, len(r.Inventory.Layers), r.Inventory.OS)
	}

	// A warm run reads the cache and says the same.
	if _, err := os.Stat(filepath.Join(cache, "layers.db")); err != nil {
		t.Fatalf("no cache written: %v", err)
	}
	code, out2, _ := bulwark(t, "sbom", archive+"", "--input", archive, "--format", "json", "--cache-dir", cache)
	if code != exitUsage {
		t.Errorf("two targets: exit %d, want %d", code, exitUsage)
	}
	code, out2, errOut = bulwark(t, "sbom", "--format", "json", "--cache-dir", cache, "--input", archive)
	if code != 0 || packageLines(decode(t, out2)) != want {
		t.Errorf("warm run: exit %d %s", code, errOut)
	}
	if ents, _ := os.ReadDir(cache); len(ents) != 1 {
		t.Errorf("cache dir holds %d entries after the scan, want only layers.db", len(ents))
	}

	// Every format, to a file.
	for _, format := range []string{"table", "json", "cyclonedx", "spdx-json"} {
		p := filepath.Join(dir, "out."+format)
		code, _, errOut := bulwark(t, "sbom", "--input", archive, "--no-cache", "--format", format, "--output", p)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, errOut)
		}
		data, _ := os.ReadFile(p)
		if !bytes.Contains(data, []byte("ca-certificates")) {
			t.Errorf("%s output lacks a package:\n%s", format, data)
		}
	}
}

func TestSBOMRootfs(t *testing.T) {
	code, out, errOut := bulwark(t, "sbom", "--rootfs", "../../extract/osrelease/testdata", "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if r := decode(t, out); r.Artifact.Kind != "rootfs" || len(r.Inventory.Packages) != 0 {
		t.Errorf("report %+v", r.Artifact)
	}
}

func TestSBOMDir(t *testing.T) {
	dir := t.TempDir()
	gomod, err := os.ReadFile("../../extract/gomod/testdata/bulwark.go.mod")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "svc", ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, "svc", "go.mod"), gomod, 0o644)
	os.WriteFile(filepath.Join(dir, "svc", ".git", "go.mod"), []byte("module x\nrequire evil.example/x v1.0.0\n"), 0o644)
	code, out, errOut := bulwark(t, "sbom", "--dir", dir, "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if r.Artifact.Kind != "directory" || len(r.Inventory.Packages) == 0 {
		t.Fatalf("artifact %+v, %d packages", r.Artifact, len(r.Inventory.Packages))
	}
	for _, p := range r.Inventory.Packages {
		if p.Location != "svc/go.mod" || p.Type != "golang" || !strings.HasPrefix(p.PURL, "pkg:golang/") {
			t.Errorf("package %+v", p)
		}
	}
	// Only distribution packages: none in a Go project.
	code, out, errOut = bulwark(t, "sbom", "--dir", dir, "--pkg-types", "os", "--format", "json", "--no-cache")
	if r := decode(t, out); code != 0 || len(r.Inventory.Packages) != 0 {
		t.Errorf("--pkg-types os: exit %d, %d packages: %s", code, len(r.Inventory.Packages), errOut)
	}
}

func TestSBOMRegistry(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{Htpasswd: map[string]string{"ci": "pa55"}})
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	ref := host + "/library/debian:12"
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, debianImage(t), remote.WithAuth(&authn.Basic{Username: "ci", Password: "pa55"})); err != nil {
		t.Fatal(err)
	}
	// Flags may follow the reference.
	code, out, errOut := bulwark(t, "sbom", ref, "--username", "ci", "--password", "pa55", "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decode(t, out)
	if len(rep.Inventory.Packages) != 3 || rep.Artifact.Kind != "registry" || rep.Inventory.Layers[0].Digest == "" {
		t.Errorf("report: %+v %d packages", rep.Artifact, len(rep.Inventory.Packages))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sbom", ref, "--username", "ci", "--password", "wrong"}, "access denied"},
		{[]string{"sbom", ref}, "access denied"},
		{[]string{"sbom", host + "/library/debian:13", "--username", "ci", "--password", "pa55"}, "not found"},
		{[]string{"sbom", "127.0.0.1:9/x:1"}, "cannot reach registry"},
	} {
		code, _, errOut := bulwark(t, append(tc.args, "--no-cache")...)
		if code != exitError || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 and one line with %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notimage.tar")
	data, _ := testimage.Tar([]testimage.File{{Path: "readme", Body: []byte("hi")}})
	os.WriteFile(notImage, data, 0o644)
	bomb := filepath.Join(dir, "bomb.tar")
	l, _ := testimage.LayerFromTar(append(data[:len(data)-1024], make([]byte, 8<<20)...))
	img, _ := testimage.Image(l)
	if err := testimage.WriteDockerArchive(bomb, "bomb:1", img); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Usage"},
		{[]string{"frobnicate"}, exitUsage, "unknown command"},
		{[]string{"sbom"}, exitUsage, "exactly one"},
		{[]string{"sbom", "--format", "xml", "--rootfs", dir}, exitUsage, "unknown --format"},
		{[]string{"sbom", "--pkg-types", "apps", "--rootfs", dir}, exitUsage, "unknown --pkg-types"},
		{[]string{"sbom", "--bogus"}, exitUsage, "not defined"},
		{[]string{"sbom", "--input", filepath.Join(dir, "missing.tar")}, exitError, "no such file"},
		{[]string{"sbom", "--input", notImage}, exitError, "not an image"},
		{[]string{"sbom", "--input", dir}, exitError, "--rootfs"},
		{[]string{"sbom", "--input", bomb, "--max-layer-size", "1048576", "--no-cache"}, exitError, "larger than the size limit"},
	} {
		code, _, errOut := bulwark(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
	if code, out, _ := bulwark(t, "version"); code != 0 || !strings.HasPrefix(out, "bulwark ") {
		t.Errorf("version: %d %q", code, out)
	}
}

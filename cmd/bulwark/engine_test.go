package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/internal/testdockerd"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/result"
)

// TestSBOMDockerEngine reads an image from a real dockerd's API: imported
// from a Debian-like root file system, as docker import makes one.
// engineRootfs is a Debian-like root file system with two packages.
func engineRootfs(t *testing.T) []byte {
	t.Helper()
	rootfs, err := testimage.Tar([]testimage.File{
		{Path: "etc/", Typeflag: '5'},
		{Path: "etc/os-release", Body: []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n")},
		{Path: "var/lib/dpkg/status", Body: []byte("Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n" +
			"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u1\n\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return rootfs
}

// engineArchive writes engineRootfs as a one-layer image in a
// docker-archive tagged tag, for the engines that load or import those.
func engineArchive(t *testing.T, tag string) (string, v1.Image) {
	t.Helper()
	layer, err := testimage.LayerFromTar(engineRootfs(t))
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimage.Image(layer)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "image.tar")
	if err := testimage.WriteDockerArchive(archive, tag, img); err != nil {
		t.Fatal(err)
	}
	return archive, img
}

// engineSBOM runs bulwark sbom on ref and checks the artifact's kind and
// name and the packages of engineRootfs; it returns the artifact.
func engineSBOM(t *testing.T, ref, kind string) result.Artifact {
	t.Helper()
	code, out, errOut := bulwark(t, "sbom", ref, "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", ref, code, errOut)
	}
	rep := decode(t, out)
	a := rep.Artifact
	if a.Kind != kind || a.Name != ref || !strings.HasPrefix(a.ImageID, "sha256:") || len(a.RepoTags) != 1 {
		t.Errorf("%s: artifact: %+v", ref, a)
	}
	if os := rep.Inventory.OS; os == nil || os.Family != "debian" || os.Version != "12" {
		t.Errorf("%s: OS: %+v", ref, rep.Inventory.OS)
	}
	var names []string
	for _, p := range rep.Inventory.Packages {
		names = append(names, p.Name+"@"+p.Version)
	}
	if strings.Join(names, " ") != "base-files@12.4+deb12u5 libc6@2.36-9+deb12u1" {
		t.Errorf("%s: packages: %v", ref, names)
	}
	return a
}

func TestSBOMDockerEngine(t *testing.T) {
	d := testdockerd.Start(t)
	d.Import(t, "bulwark-test/debian", "12", engineRootfs(t))
	t.Setenv("DOCKER_HOST", d.Host)

	a := engineSBOM(t, "docker://bulwark-test/debian:12", result.KindDockerDaemon)
	if a.RepoTags[0] != "bulwark-test/debian:12" {
		t.Errorf("repo tags: %v", a.RepoTags)
	}

	// The same image through bulwark image, named by its ID: glibc before
	// DSA-5514-1, as debianRootfs.
	code, out, errOut := bulwark(t, "image", "docker://"+a.ImageID, "--cache-dir", importDB(t), "--offline", "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("image by ID: exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	var ids []string
	for _, v := range r.Vulnerabilities {
		ids = append(ids, v.ID+"/"+v.Package.Name)
	}
	if r.Artifact.ImageID != a.ImageID || strings.Join(ids, " ") != "CVE-2023-4527/libc6 CVE-2023-4806/libc6 CVE-2023-4911/libc6" {
		t.Errorf("image by ID: %+v, findings %v", r.Artifact, ids)
	}

	for _, tc := range []struct {
		host, ref, want string
	}{
		{d.Host, "docker://bulwark-test/debian:13", "no such image in the Docker Engine at " + d.Host},
		{"unix://" + filepath.Join(t.TempDir(), "none.sock"), "docker://bulwark-test/debian:12", "cannot reach the Docker Engine at unix://"},
		{"ftp://x", "docker://a", `scheme "ftp" is not unix or tcp`},
	} {
		t.Setenv("DOCKER_HOST", tc.host)
		code, _, errOut := bulwark(t, "sbom", tc.ref, "--no-cache")
		if code != exitError || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s at %s: exit %d, stderr %q; want exit 1 and one line with %q", tc.ref, tc.host, code, errOut, tc.want)
		}
	}
}

// TestSBOMPodman reads an image from a real Podman service's
// Docker-compatible API, loaded into it from a docker-archive.
func TestSBOMPodman(t *testing.T) {
	p := testdockerd.StartPodman(t)
	archive, img := engineArchive(t, "bulwark-test/pod:1")
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	p.Load(t, data)
	t.Setenv("CONTAINER_HOST", p.Host)

	a := engineSBOM(t, "podman://bulwark-test/pod:1", result.KindPodman)
	if want, _ := img.ConfigName(); a.ImageID != want.String() {
		t.Errorf("image ID %s, want %s", a.ImageID, want)
	}

	// A bare name: not in the Docker Engine (none here), so Podman's.
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	engineSBOM(t, "bulwark-test/pod:1", result.KindPodman)

	t.Setenv("CONTAINER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	code, _, errOut := bulwark(t, "sbom", "podman://bulwark-test/pod:1", "--no-cache")
	if code != exitError || !strings.Contains(errOut, "cannot reach the Podman service at unix://") {
		t.Errorf("no service: exit %d, stderr %q", code, errOut)
	}
}

// TestSBOMLocalEngine finds an image by a bare name, with no scheme, in
// the real dockerd: a short name goes to the local engines before the
// registry. A name with a registry host that the registry cannot serve
// falls back to the engine too.
func TestSBOMLocalEngine(t *testing.T) {
	d := testdockerd.Start(t)
	d.Import(t, "bulwark-test/local", "1", engineRootfs(t))
	d.Import(t, "127.0.0.1:1/bulwark-test/local", "2", engineRootfs(t))
	t.Setenv("DOCKER_HOST", d.Host)
	t.Setenv("CONTAINER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))

	engineSBOM(t, "bulwark-test/local:1", result.KindDockerDaemon)
	engineSBOM(t, "127.0.0.1:1/bulwark-test/local:2", result.KindDockerDaemon)

	// Neither the engine nor the registry has it: the registry's error.
	code, _, errOut := bulwark(t, "sbom", "127.0.0.1:1/bulwark-test/local:3", "--no-cache")
	if code != exitError || !strings.Contains(errOut, "127.0.0.1:1") {
		t.Errorf("missing everywhere: exit %d, stderr %q", code, errOut)
	}
}

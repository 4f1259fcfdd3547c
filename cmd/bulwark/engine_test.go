package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/testdockerd"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/report"
)

// debianFiles is a Debian-like root file system: os-release and a dpkg
// status with two packages.
var debianFiles = []testimage.File{
	{Path: "etc/", Typeflag: '5'},
	{Path: "etc/os-release", Body: []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n")},
	{Path: "var/lib/dpkg/status", Body: []byte("Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\n" +
		"Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u1\n\n")},
}

// packageNames lists a report's packages as name@version.
func packageNames(rep report.Report) string {
	var names []string
	for _, p := range rep.Inventory.Packages {
		names = append(names, p.Name+"@"+p.Version)
	}
	return strings.Join(names, " ")
}

// TestSBOMDockerEngine reads an image from a real dockerd's API: imported
// from a Debian-like root file system, as docker import makes one.
func TestSBOMDockerEngine(t *testing.T) {
	d := testdockerd.Start(t)
	rootfs, err := testimage.Tar(debianFiles)
	if err != nil {
		t.Fatal(err)
	}
	d.Import(t, "bulwark-test/debian", "12", rootfs)
	t.Setenv("DOCKER_HOST", d.Host)

	code, out, errOut := bulwark(t, "sbom", "docker://bulwark-test/debian:12", "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decode(t, out)
	a := rep.Artifact
	if a.Kind != "docker-daemon" || a.Name != "docker://bulwark-test/debian:12" || !strings.HasPrefix(a.ImageID, "sha256:") ||
		len(a.RepoTags) != 1 || a.RepoTags[0] != "bulwark-test/debian:12" {
		t.Errorf("artifact: %+v", a)
	}
	if os := rep.Inventory.OS; os == nil || os.Family != "debian" || os.Version != "12" {
		t.Errorf("OS: %+v", rep.Inventory.OS)
	}
	if names := packageNames(rep); names != "base-files@12.4+deb12u5 libc6@2.36-9+deb12u1" {
		t.Errorf("packages: %v", names)
	}

	// The same image through bulwark image, named by its ID: glibc before
	// DSA-5514-1, as debianRootfs.
	code, out, errOut = bulwark(t, "image", "docker://"+a.ImageID, "--cache-dir", importDB(t), "--offline", "--format", "json", "--no-cache")
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

package main

import (
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/internal/testcontainerd"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/result"
)

// TestSBOMContainerd reads an image from a real containerd's content
// store: a docker-archive imported with ctr, as containerd's own CLI does.
func TestSBOMContainerd(t *testing.T) {
	d := testcontainerd.Start(t)
	archive, img := engineArchive(t, "bulwark-test/debian:12")
	d.Import(t, "default", archive)
	t.Setenv("CONTAINERD_ADDRESS", d.Socket)
	t.Setenv("CONTAINERD_NAMESPACE", "")
	configDigest, _ := img.ConfigName()

	// ctr stores the name as docker.io/bulwark-test/debian:12; the short
	// name finds it as well.
	for _, ref := range []string{"containerd://bulwark-test/debian:12", "containerd://docker.io/bulwark-test/debian:12"} {
		a := engineSBOM(t, ref, result.KindContainerd)
		if a.ImageID != configDigest.String() || len(a.RepoDigests) != 1 || !strings.HasPrefix(a.RepoDigests[0], "docker.io/bulwark-test/debian@sha256:") {
			t.Errorf("%s: artifact: %+v (images: %s)", ref, a, d.Images(t, "default"))
		}
	}

	for _, tc := range []struct {
		address, ns, ref, want string
	}{
		{d.Socket, "", "containerd://bulwark-test/debian:13", `no image bulwark-test/debian:13 in namespace "default" of containerd at ` + d.Socket},
		{d.Socket, "other", "containerd://bulwark-test/debian:12", `in namespace "other"`},
		{filepath.Join(t.TempDir(), "none.sock"), "", "containerd://bulwark-test/debian:12", "cannot reach containerd at /"},
	} {
		t.Setenv("CONTAINERD_ADDRESS", tc.address)
		t.Setenv("CONTAINERD_NAMESPACE", tc.ns)
		code, _, errOut := bulwark(t, "sbom", tc.ref, "--no-cache")
		if code != exitError || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s at %s: exit %d, stderr %q; want exit 1 and one line with %q", tc.ref, tc.address, code, errOut, tc.want)
		}
	}

	// --namespace wins over $CONTAINERD_NAMESPACE.
	t.Setenv("CONTAINERD_ADDRESS", d.Socket)
	t.Setenv("CONTAINERD_NAMESPACE", "other")
	if code, _, errOut := bulwark(t, "sbom", "containerd://bulwark-test/debian:12", "--namespace", "default", "--no-cache"); code != 0 {
		t.Errorf("--namespace default: exit %d: %s", code, errOut)
	}
	if code, _, errOut := bulwark(t, "sbom", "containerd://bulwark-test/debian:12", "--namespace", "k8s.io", "--no-cache"); code != exitError || !strings.Contains(errOut, `in namespace "k8s.io"`) {
		t.Errorf("--namespace k8s.io: exit %d: %s", code, errOut)
	}
}

// TestSBOMContainerdIndex picks one platform's image of a multi-platform
// index that containerd keeps as the image's target.
func TestSBOMContainerdIndex(t *testing.T) {
	d := testcontainerd.Start(t)
	var imgs []v1.Image
	for _, arch := range []string{"amd64", "arm64"} {
		layer, err := testimage.Layer([]testimage.File{{Path: "etc/os-release", Body: []byte("ID=alpine\nVERSION_ID=3.20.0\n")},
			{Path: "lib/apk/db/installed", Body: []byte("P:musl\nV:1.2.5-r0\nA:" + map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[arch] + "\n\n")}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := testimage.ImageFor("linux", arch, layer)
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	idx, err := testimage.Index(imgs...)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "multi.tar")
	if err := testimage.WriteOCIArchiveIndex(archive, idx); err != nil {
		t.Fatal(err)
	}
	d.Import(t, "default", archive, "--all-platforms", "--index-name", "example.com/multi:1")
	t.Setenv("CONTAINERD_ADDRESS", d.Socket)
	for arch, i := range map[string]int{"amd64": 0, "arm64": 1} {
		code, out, errOut := bulwark(t, "sbom", "containerd://example.com/multi:1", "--platform", "linux/"+arch, "--format", "json", "--no-cache")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s (images: %s)", arch, code, errOut, d.Images(t, "default"))
		}
		want, _ := imgs[i].ConfigName()
		if a := decode(t, out).Artifact; a.Architecture != arch || a.ImageID != want.String() {
			t.Errorf("%s: artifact %+v", arch, a)
		}
	}
	code, _, errOut := bulwark(t, "sbom", "containerd://example.com/multi:1", "--platform", "linux/s390x", "--no-cache")
	if code != exitError || !strings.Contains(errOut, "has no image for platform linux/s390x") {
		t.Errorf("s390x: exit %d, %q", code, errOut)
	}
}

package image

import (
	"context"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/result"
)

const baseDigest = "sha256:2b0f0a9d1e5c2c4d7a1f3e8b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d"

func labelled(t *testing.T, labels, annotations map[string]string) v1.Image {
	t.Helper()
	img := smallImage(t, "amd64", "base")
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = labels
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	if annotations != nil {
		img = mutate.Annotations(img, annotations).(v1.Image)
	}
	return img
}

func TestBaseImage(t *testing.T) {
	labels := map[string]string{annotationBaseName: "docker.io/library/debian:12", annotationBaseDigest: baseDigest}
	annotations := map[string]string{annotationBaseName: "docker.io/library/alpine:3.20"}
	tests := []struct {
		name          string
		labels, annot map[string]string
		layout        bool
		want          *result.BaseImage
	}{
		{name: "labels in a docker-archive", labels: labels,
			want: &result.BaseImage{Name: "docker.io/library/debian:12", Digest: baseDigest, Source: "label"}},
		{name: "manifest annotations win in an OCI layout", labels: labels, annot: annotations, layout: true,
			want: &result.BaseImage{Name: "docker.io/library/alpine:3.20", Source: "annotation"}},
		{name: "labels in an OCI layout", labels: labels, layout: true,
			want: &result.BaseImage{Name: "docker.io/library/debian:12", Digest: baseDigest, Source: "label"}},
		{name: "none declared", labels: map[string]string{"maintainer": "x"}},
		{name: "hostile values", labels: map[string]string{annotationBaseName: "evil\x1b[2J\nname", annotationBaseDigest: "sha256:nothex"},
			want: &result.BaseImage{Name: "evil[2Jname", Source: "label"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := labelled(t, tt.labels, tt.annot)
			var target string
			if tt.layout {
				target = filepath.Join(t.TempDir(), "layout")
				if err := testimage.WriteOCILayout(target, "", img); err != nil {
					t.Fatal(err)
				}
			} else {
				target = filepath.Join(t.TempDir(), "image.tar")
				if err := testimage.WriteDockerArchive(target, "x:1", img); err != nil {
					t.Fatal(err)
				}
			}
			src, err := Open(context.Background(), target, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			got := src.Artifact.BaseImage
			if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Errorf("base image = %+v, want %+v", got, tt.want)
			}
		})
	}
}

package verify

import (
	"context"
	"crypto"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/result"
)

func TestOpenErrors(t *testing.T) {
	dir, p, _ := imageLayout(t)
	if err := p.AppendImage(mustImage(t, "app v2"), layout.WithAnnotations(map[string]string{refName: "v2"})); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "app.tar")
	os.WriteFile(archive, []byte("not a layout"), 0o644)
	docker := filepath.Join(t.TempDir(), "docker.tar")
	if err := testimage.WriteDockerArchive(docker, "app:v1", mustImage(t, "app")); err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]string{
		dir:                   "holds 2 images; pick one",
		dir + ":v3":           `no image named "v3"`,
		archive:               "not a readable tar archive",
		docker:                "a docker-archive cannot hold them",
		"":                    "no image named",
		"UPPER/Case:bad tag!": "neither an OCI layout nor an image reference",
		t.TempDir():           "not an OCI layout",
	} {
		if _, err := Open(context.Background(), target, image.Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", target, err, want)
		}
	}
	if src, err := Open(context.Background(), dir+":v2", image.Options{}); err != nil || src.Pinned() != dir+":v2" {
		t.Errorf("v2: %v", err)
	}
	// One image beside its signature tag and a nameless referrer: no
	// selector needed.
	one, p1, img := imageLayout(t)
	d, _ := img.Digest()
	appendReferrer(t, p1, img, []byte("{}"))
	appendSigTag(t, p1, d, mustImage(t, "sig"))
	if src, err := Open(context.Background(), one, image.Options{}); err != nil || src.Subject() != d {
		t.Errorf("one image: %v", err)
	}
}

// TestBounds: a signature manifest with more layers than are read fails
// with a reason instead of being read.
func TestBounds(t *testing.T) {
	dir, p, img := imageLayout(t)
	d, _ := img.Digest()
	sig := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	for i := 0; i <= maxLayers; i++ {
		var err error
		sig, err = mutate.Append(sig, mutate.Addendum{Layer: static.NewLayer([]byte(fmt.Sprint(i)), mediaSimpleSigning)})
		if err != nil {
			t.Fatal(err)
		}
	}
	appendSigTag(t, p, d, sig)
	expect(t, checkLayout(t, dir, Options{Keys: []crypto.PublicKey{&mustECKey(t).PublicKey}}), result.SigInvalid)
}

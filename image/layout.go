package image

import (
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/bulwark-sec/bulwark/result"
)

// refNameAnnotation is how an OCI layout names its images.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// openLayoutDir opens an OCI image layout directory. sel, when set, picks
// the manifest whose ref.name annotation matches; otherwise the platform
// decides among several images.
func openLayoutDir(dir, target, sel string, opts Options) (*Source, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("image: open OCI layout %s: %w", dir, err)
	}
	plat, err := opts.platform()
	if err != nil {
		return nil, err
	}
	img, desc, err := pickImage(idx, sel, plat, 0)
	if err != nil {
		return nil, fmt.Errorf("image: OCI layout %s: %w", target, err)
	}
	art := result.Artifact{Name: target, Kind: result.KindOCILayout, ManifestDigest: desc.Digest.String()}
	if ref := desc.Annotations[refNameAnnotation]; ref != "" {
		art.RepoTags = []string{ref}
	}
	raw := func(l v1.Layer) func() (io.ReadCloser, error) { return l.Compressed }
	return fromImage(img, art, raw, true, opts)
}

// pickImage chooses one image from an index: by ref name when sel is set,
// by platform when several images remain, descending into nested indexes
// (docker save's layouts and multi-platform images both nest).
func pickImage(idx v1.ImageIndex, sel string, plat *v1.Platform, depth int) (v1.Image, v1.Descriptor, error) {
	if depth > 4 {
		return nil, v1.Descriptor{}, fmt.Errorf("indexes nested more than 4 deep")
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	cands := im.Manifests
	if sel != "" {
		var named []v1.Descriptor
		var names []string
		for _, d := range cands {
			n := d.Annotations[refNameAnnotation]
			if n != "" {
				names = append(names, n)
			}
			if n == sel || strings.HasSuffix(n, ":"+sel) {
				named = append(named, d)
			}
		}
		if len(named) == 0 {
			return nil, v1.Descriptor{}, fmt.Errorf("no image named %q (names: %s)", sel, strings.Join(names, ", "))
		}
		cands = named
	}
	if len(cands) > 1 {
		var match []v1.Descriptor
		for _, d := range cands {
			if d.Platform != nil && d.Platform.Satisfies(*plat) {
				match = append(match, d)
			}
		}
		if len(match) == 0 {
			return nil, v1.Descriptor{}, fmt.Errorf("%d images and none for platform %s (%s)", len(cands), plat, platforms(cands))
		}
		cands = match[:1]
	}
	if len(cands) == 0 {
		return nil, v1.Descriptor{}, fmt.Errorf("the index lists no image")
	}
	d := cands[0]
	switch {
	case d.MediaType.IsImage():
		img, err := idx.Image(d.Digest)
		return img, d, err
	case d.MediaType.IsIndex():
		child, err := idx.ImageIndex(d.Digest)
		if err != nil {
			return nil, v1.Descriptor{}, err
		}
		img, cd, err := pickImage(child, "", plat, depth+1)
		if err != nil {
			return nil, v1.Descriptor{}, err
		}
		if cd.Annotations == nil && d.Annotations != nil {
			cd.Annotations = d.Annotations
		}
		return img, cd, nil
	default:
		return nil, v1.Descriptor{}, fmt.Errorf("manifest %s has media type %s, not an image", d.Digest, d.MediaType)
	}
}

func platforms(ds []v1.Descriptor) string {
	var ps []string
	for _, d := range ds {
		if d.Platform != nil {
			ps = append(ps, d.Platform.String())
		} else {
			ps = append(ps, "unknown platform")
		}
	}
	return strings.Join(ps, ", ")
}

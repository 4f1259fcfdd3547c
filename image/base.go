package image

import (
	"strings"
	"unicode"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/result"
)

// The OCI annotations (image-spec annotations.md) that name the image an
// image was built from. BuildKit writes them as manifest annotations;
// many builds set them as labels.
const (
	annotationBaseName   = "org.opencontainers.image.base.name"
	annotationBaseDigest = "org.opencontainers.image.base.digest"
)

// maxBaseName bounds the declared name kept in a report.
const maxBaseName = 512

// baseImage reads the declared base image from the manifest's annotations,
// else from the config's labels, or returns nil. The values come from the
// image and end up on terminals: control characters are dropped, the name
// is bounded, and a digest that is not one is left out.
func baseImage(annotations, labels map[string]string) *result.BaseImage {
	for _, src := range []struct {
		m    map[string]string
		kind string
	}{{annotations, "annotation"}, {labels, "label"}} {
		name := clean(src.m[annotationBaseName])
		digest := clean(src.m[annotationBaseDigest])
		if _, err := v1.NewHash(digest); err != nil {
			digest = ""
		}
		if name == "" && digest == "" {
			continue
		}
		return &result.BaseImage{Name: name, Digest: digest, Source: src.kind}
	}
	return nil
}

func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if len(s) > maxBaseName {
		s = strings.ToValidUTF8(s[:maxBaseName], "")
	}
	return s
}

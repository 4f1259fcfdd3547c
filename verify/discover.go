package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/bulwark-sec/bulwark/attest"
)

// Media types of the layers that carry signatures.
const (
	// cosign's simple signing payload; the signature is an annotation.
	mediaSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"
	// a DSSE envelope (cosign's attestations).
	mediaDSSE = "application/vnd.dsse.envelope.v1+json"
	// Sigstore bundles, v0.3 and later spelling and the older one.
	mediaBundlePrefix    = "application/vnd.dev.sigstore.bundle"
	mediaBundleV03       = "application/vnd.dev.sigstore.bundle.v0.3+json"
	annotationSignature  = "dev.cosignproject.cosign/signature"
	annotationCert       = "dev.sigstore.cosign/certificate"
	annotationChain      = "dev.sigstore.cosign/chain"
	annotationBundleType = "dev.sigstore.bundle.predicateType"
)

// Bounds on what a registry can make a check read: manifests referring
// to the image, and signature layers in one manifest. Past them the check
// fails rather than reading on or silently skipping some.
const (
	maxReferrers = 256
	maxLayers    = 64
)

// found is one manifest that may carry signatures.
type found struct {
	subject  v1.Hash // the digest it was found for
	location string  // "tag sha256-….sig" or "referrer sha256:…"
	img      v1.Image
}

// discover lists the manifests published for the image: cosign's .sig
// and .att tags, then its OCI 1.1 referrers; for its digest and the
// others whose signatures count.
func discover(ctx context.Context, src Source) ([]found, error) {
	var out []found
	for _, subject := range append([]v1.Hash{src.Subject()}, src.Also()...) {
		for _, suffix := range []string{".sig", ".att"} {
			tag := subject.Algorithm + "-" + subject.Hex + suffix
			img, err := src.Tagged(ctx, tag)
			if err != nil {
				return nil, err
			}
			if img != nil {
				out = append(out, found{subject: subject, location: "tag " + tag, img: img})
			}
		}
		refs, err := src.Referrers(ctx, subject)
		if err != nil {
			return nil, err
		}
		if len(refs) > maxReferrers {
			return nil, fmt.Errorf("verify: %s has %d referrers; more than %d are not read", subject, len(refs), maxReferrers)
		}
		for _, d := range refs {
			if !d.MediaType.IsImage() && d.MediaType != "" {
				continue // an index refers to the image: not a signature
			}
			img, err := src.Manifest(ctx, d.Digest)
			if err != nil {
				return nil, err
			}
			out = append(out, found{subject: subject, location: "referrer " + d.Digest.String(), img: img})
		}
	}
	return out, nil
}

// isSignatureLayer says whether a layer's media type is one this package
// reads.
func isSignatureLayer(mt types.MediaType) bool {
	s := string(mt)
	return s == mediaSimpleSigning || s == mediaDSSE || bytes.HasPrefix([]byte(s), []byte(mediaBundlePrefix))
}

// readBlob reads a layer of a signature manifest whole, bounded, and
// checks it against its digest: a registry or layout that serves other
// bytes makes the signature corrupt, whatever those bytes are.
func readBlob(img v1.Image, d v1.Descriptor, limit int64) ([]byte, error) {
	if d.Size > limit {
		return nil, fmt.Errorf("blob %s of %d bytes exceeds %d", d.Digest, d.Size, limit)
	}
	l, err := img.LayerByDigest(d.Digest)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", d.Digest, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("blob %s exceeds %d bytes", d.Digest, limit)
	}
	if d.Digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("blob %s: unsupported digest algorithm", d.Digest)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != d.Digest.Hex {
		return nil, fmt.Errorf("blob content has digest sha256:%s, not the %s its manifest names", got, d.Digest)
	}
	return data, nil
}

func (o Options) maxBlob() int64 {
	if o.MaxBlob > 0 {
		return o.MaxBlob
	}
	return attest.MaxSize
}

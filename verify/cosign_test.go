package verify

import (
	"bytes"
	"context"
	"crypto"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/testcosign"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/result"
)

// signed is an image in a test registry that real cosign signed and
// attested with a key, and another key that did not sign it.
type signed struct {
	dir, repo     string
	digest        v1.Hash
	img           v1.Image
	key, otherKey crypto.PublicKey
}

// sbomPredicate is a CycloneDX document cosign attests.
const sbomPredicate = `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":"zlib","version":"1.3"},{"type":"library","name":"openssl","version":"3.0.15"}]}`

func newSigned(t *testing.T, repoName string, signArgs, attestArgs []string) *signed {
	t.Helper()
	testcosign.Path(t)
	addr := testregistry.Start(t, testregistry.Options{})
	s := &signed{dir: t.TempDir(), repo: addr + "/" + repoName}
	s.img = mustImage(t, "app v1")
	s.digest = push(t, s.repo+":v1", s.img)
	testcosign.Run(t, s.dir, "generate-key-pair")
	other := filepath.Join(s.dir, "other")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	testcosign.Run(t, other, "generate-key-pair")
	s.key, s.otherKey = mustKey(t, filepath.Join(s.dir, "cosign.pub")), mustKey(t, filepath.Join(other, "cosign.pub"))
	if err := os.WriteFile(filepath.Join(s.dir, "sbom.json"), []byte(sbomPredicate), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := s.repo + "@" + s.digest.String()
	testcosign.Run(t, s.dir, append(append([]string{"sign", "--key", "cosign.key"}, testcosign.Registry...), append(signArgs, ref)...)...)
	testcosign.Run(t, s.dir, append(append([]string{"attest", "--key", "cosign.key", "--predicate", "sbom.json", "--type", "cyclonedx"}, testcosign.Registry...), append(attestArgs, ref)...)...)
	return s
}

func mustImage(t *testing.T, content string) v1.Image {
	t.Helper()
	img, err := testimage.Image(mustLayer(t, content))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func push(t *testing.T, ref string, img v1.Image) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustKey(t *testing.T, path string) crypto.PublicKey {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParsePublicKey(data)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func check(t *testing.T, target string, opts Options, iopts image.Options) *result.SignatureCheck {
	t.Helper()
	iopts.Insecure = true
	src, err := Open(context.Background(), target, iopts)
	if err != nil {
		t.Fatal(err)
	}
	chk, err := Check(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	return chk
}

func TestCosignKey(t *testing.T) {
	s := newSigned(t, "app", nil, nil)
	good := Options{Keys: []crypto.PublicKey{s.key}}

	chk := check(t, s.repo+":v1", good, image.Options{})
	if !chk.Verified || chk.Subject != s.digest.String() {
		t.Fatalf("signed image does not verify: %+v", chk)
	}
	kinds := map[string]result.Signature{}
	for _, sig := range chk.Signatures {
		if !sig.Verified {
			t.Errorf("%s at %s: %s: %s", sig.Kind, sig.Location, sig.Reason, sig.Detail)
		}
		kinds[sig.Kind] = sig
	}
	att := kinds[result.SignatureKindAttestation]
	if att.PredicateType != "https://cyclonedx.org/bom" || att.Predicate == nil || att.Predicate.Components != 2 ||
		!strings.HasSuffix(att.Location, ".att") {
		t.Errorf("attestation: %+v %+v", att, att.Predicate)
	}
	if sig := kinds[result.SignatureKindSignature]; sig.Signer != "key "+KeyID(s.key) || !strings.HasSuffix(sig.Location, ".sig") {
		t.Errorf("signature: %+v", sig)
	}

	// cosign save writes an OCI layout with the signatures beside the
	// image, named by kind.
	saved := filepath.Join(t.TempDir(), "saved")
	testcosign.Run(t, s.dir, "save", "--allow-insecure-registry", "--allow-http-registry", "--dir", saved, s.repo+":v1")
	chk = check(t, saved, good, image.Options{})
	if !chk.Verified || chk.Subject != s.digest.String() || len(chk.Signatures) != 2 {
		t.Errorf("cosign save layout: %+v", chk)
	}

	// Each way of breaking it fails with its own reason.
	t.Run("wrong key", func(t *testing.T) {
		chk := check(t, s.repo+":v1", Options{Keys: []crypto.PublicKey{s.otherKey}}, image.Options{})
		expect(t, chk, result.SigWrongKey)
	})
	t.Run("no key", func(t *testing.T) {
		expect(t, check(t, s.repo+":v1", Options{}, image.Options{}), result.SigNoTrust)
	})
	t.Run("corrupted in transit", func(t *testing.T) {
		// A registry (or a man in the middle) serves other bytes for
		// the signature payload than its digest names.
		payload := layerDigest(t, s.repo, s.digest, ".sig")
		rt := corrupting{base: http.DefaultTransport, path: "/blobs/" + payload.String()}
		chk := check(t, s.repo+":v1", good, image.Options{Transport: rt})
		expect(t, chk, result.SigCorrupt)
	})
	t.Run("payload altered", func(t *testing.T) {
		// The payload is changed and the manifest re-pushed with it: the
		// signature no longer covers it.
		repo := s.repo + "-altered"
		d := push(t, repo+":v1", s.img)
		sig := sigImage(t, s.repo, s.digest, ".sig")
		m, _ := sig.Manifest()
		l, _ := sig.LayerByDigest(m.Layers[0].Digest)
		payload := readAll(t, l)
		altered := bytes.Replace(payload, []byte(`"optional":null`), []byte(`"optional":{"by":"mallory"}`), 1)
		if bytes.Equal(altered, payload) {
			t.Fatalf("payload has no optional field to alter: %s", payload)
		}
		newSig := replaceLayer(t, sig, m.Layers[0], altered)
		pushTag(t, repo, d, ".sig", newSig)
		expect(t, check(t, repo+":v1", good, image.Options{}), result.SigWrongKey)
	})
	t.Run("modified image under the same tag", func(t *testing.T) {
		repo := s.repo + "-retag"
		push(t, repo+":v1", s.img)
		pushTag(t, repo, s.digest, ".sig", sigImage(t, s.repo, s.digest, ".sig"))
		expectOK(t, check(t, repo+":v1", good, image.Options{}))
		push(t, repo+":v1", mustImage(t, "app v1, with a backdoor"))
		expect(t, check(t, repo+":v1", good, image.Options{}), result.SigNoSignature)
	})
	t.Run("layer swapped, signature copied", func(t *testing.T) {
		// A layer is swapped and the old signature copied to the new
		// digest's tag: it verifies, but names the old image.
		repo := s.repo + "-swap"
		evil, err := mutate.AppendLayers(mustImageBase(t), mustLayer(t, "app v1, with a backdoor"))
		if err != nil {
			t.Fatal(err)
		}
		d := push(t, repo+":v1", evil)
		pushTag(t, repo, d, ".sig", sigImage(t, s.repo, s.digest, ".sig"))
		pushTag(t, repo, d, ".att", sigImage(t, s.repo, s.digest, ".att"))
		chk := check(t, repo+":v1", good, image.Options{})
		expect(t, chk, result.SigDigestMismatch)
		for _, sig := range chk.Signatures {
			if sig.Reason != result.SigDigestMismatch {
				t.Errorf("%s: %s (%s), want digest-mismatch", sig.Location, sig.Reason, sig.Detail)
			}
		}
	})
}

// TestCosignBundleAndReferrers: cosign's Sigstore bundle format, and its
// legacy signature stored as an OCI 1.1 referrer; Debian's registry has
// no referrers API, so both go through the fallback tag.
func TestCosignBundleAndReferrers(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		signArgs, attestArgs []string
		format               string
		attLocation          string // where the attestation is found
	}{
		{"bundle", []string{"--new-bundle-format"}, []string{"--new-bundle-format"}, "bundle", "referrer sha256:"},
		// cosign attest has no referrers mode: its .att tag stays.
		{"referrers", []string{"--registry-referrers-mode=oci-1-1"}, nil, "cosign", "tag sha256-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSigned(t, "app-"+tc.name, tc.signArgs, tc.attestArgs)
			chk := check(t, s.repo+":v1", Options{Keys: []crypto.PublicKey{s.key}}, image.Options{})
			expectOK(t, chk)
			var sig, att int
			for _, g := range chk.Signatures {
				if !g.Verified || g.Format != tc.format {
					t.Errorf("%+v", g)
				}
				switch g.Kind {
				case result.SignatureKindSignature:
					sig++
					if !strings.HasPrefix(g.Location, "referrer sha256:") {
						t.Errorf("signature at %s, want a referrer", g.Location)
					}
				case result.SignatureKindAttestation:
					att++
					if g.Predicate == nil || g.Predicate.Components != 2 || !strings.HasPrefix(g.Location, tc.attLocation) {
						t.Errorf("attestation at %s, predicate %+v", g.Location, g.Predicate)
					}
				}
			}
			if sig != 1 || att != 1 {
				t.Errorf("%d signatures and %d attestations, want 1 and 1: %+v", sig, att, chk.Signatures)
			}
			expect(t, check(t, s.repo+":v1", Options{Keys: []crypto.PublicKey{s.otherKey}}, image.Options{}), result.SigWrongKey)
		})
	}
}

func expectOK(t *testing.T, chk *result.SignatureCheck) {
	t.Helper()
	if !chk.Verified {
		t.Fatalf("not verified: %s: %s", chk.Reason, chk.Detail)
	}
}

func expect(t *testing.T, chk *result.SignatureCheck, reason string) {
	t.Helper()
	if chk.Verified || chk.Reason != reason {
		t.Fatalf("verified=%v reason %q (%s), want %q", chk.Verified, chk.Reason, chk.Detail, reason)
	}
	if chk.Detail == "" {
		t.Errorf("reason %s without detail", reason)
	}
}

func mustLayer(t *testing.T, content string) v1.Layer {
	t.Helper()
	l, err := testimage.Layer([]testimage.File{{Path: "etc/app", Body: []byte(content)}})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustImageBase(t *testing.T) v1.Image {
	t.Helper()
	img, err := testimage.Image()
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func sigImage(t *testing.T, repo string, d v1.Hash, suffix string) v1.Image {
	t.Helper()
	r, err := name.ParseReference(repo+":"+d.Algorithm+"-"+d.Hex+suffix, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func pushTag(t *testing.T, repo string, d v1.Hash, suffix string, img v1.Image) {
	t.Helper()
	push(t, repo+":"+d.Algorithm+"-"+d.Hex+suffix, img)
}

func layerDigest(t *testing.T, repo string, d v1.Hash, suffix string) v1.Hash {
	t.Helper()
	m, err := sigImage(t, repo, d, suffix).Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return m.Layers[0].Digest
}

func readAll(t *testing.T, l v1.Layer) []byte {
	t.Helper()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replaceLayer is the signature manifest with one layer's bytes replaced,
// its annotations (the signature) kept.
func replaceLayer(t *testing.T, img v1.Image, old v1.Descriptor, data []byte) v1.Image {
	t.Helper()
	out := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	out = mutate.ConfigMediaType(out, types.OCIConfigJSON)
	out, err := mutate.Append(out, mutate.Addendum{Layer: static.NewLayer(data, old.MediaType), Annotations: old.Annotations})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// corrupting flips a byte of the responses to one path.
type corrupting struct {
	base http.RoundTripper
	path string
}

func (c corrupting) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, c.path) || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body[len(body)/2] ^= 0x20
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// TestCosignPlatformManifest: cosign signed a platform's manifest of a
// multi-platform image, not the index; that signature counts for the
// platform the scan reads, and not for another.
func TestCosignPlatformManifest(t *testing.T) {
	testcosign.Path(t)
	addr := testregistry.Start(t, testregistry.Options{})
	dir := t.TempDir()
	testcosign.Run(t, dir, "generate-key-pair")
	key := mustKey(t, filepath.Join(dir, "cosign.pub"))
	var imgs []v1.Image
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := testimage.ImageFor("linux", arch, mustLayer(t, "app for "+arch))
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	idx, err := testimage.Index(imgs...)
	if err != nil {
		t.Fatal(err)
	}
	repo := addr + "/multi"
	r, _ := name.ParseReference(repo+":v1", name.Insecure)
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	amd64, _ := imgs[0].Digest()
	indexDigest, _ := idx.Digest()
	testcosign.Run(t, dir, append(append([]string{"sign", "--key", "cosign.key"}, testcosign.Registry...), repo+"@"+amd64.String())...)

	chk := check(t, repo+":v1", Options{Keys: []crypto.PublicKey{key}}, image.Options{Platform: "linux/amd64"})
	expectOK(t, chk)
	if chk.Subject != indexDigest.String() || len(chk.Signatures) != 1 || !strings.Contains(chk.Signatures[0].Location, amd64.Hex) {
		t.Errorf("subject %s, signatures %+v", chk.Subject, chk.Signatures)
	}
	expect(t, check(t, repo+":v1", Options{Keys: []crypto.PublicKey{key}}, image.Options{Platform: "linux/arm64"}), result.SigNoSignature)
}

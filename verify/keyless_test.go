package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/bulwark-sec/bulwark/attest"
	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/result"
)

// A local certificate authority stands in for Fulcio: its leaf
// certificates carry Fulcio's OIDC issuer extension and an identity in
// the subject alternative name, and a trusted_root.json lists it with no
// transparency log, so verification uses the current time.

var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

const (
	testIdentity = "https://github.com/bulwark-sec/app/.github/workflows/release.yml@refs/tags/v1"
	testIssuer   = "https://token.actions.githubusercontent.com"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T, cn string) testCA {
	t.Helper()
	key := mustECKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"bulwark-test"}},
		NotBefore:             time.Now().Add(-48 * time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert: cert, key: key}
}

func mustECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// leaf issues a code-signing certificate for identity from issuer, valid
// from notBefore to notAfter.
func (ca testCA) leaf(t *testing.T, identity, issuer string, notBefore, notAfter time.Time) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := mustECKey(t)
	u, err := url.Parse(identity)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := asn1.Marshal(issuer) // the v2 extension is a DER UTF8String
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		URIs:         []*url.URL{u},
		ExtraExtensions: []pkix.Extension{
			{Id: oidIssuerV1, Value: []byte(issuer)},
			{Id: oidIssuerV2, Value: v2},
		},
	}
	return ca.issue(t, tmpl, key), key
}

// issue signs a certificate for key's public half.
func (ca testCA) issue(t *testing.T, tmpl *x509.Certificate, key *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// trustedRoot writes Sigstore's trusted_root.json with the CA alone.
func trustedRootJSON(t *testing.T, ca testCA) []byte {
	t.Helper()
	doc := map[string]any{
		"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
		"certificateAuthorities": []any{map[string]any{
			"subject":   map[string]any{"organization": "bulwark-test", "commonName": ca.cert.Subject.CommonName},
			"uri":       "https://ca.bulwark.test",
			"certChain": map[string]any{"certificates": []any{map[string]any{"rawBytes": base64.StdEncoding.EncodeToString(ca.cert.Raw)}}},
			"validFor":  map[string]any{"start": ca.cert.NotBefore.UTC().Format(time.RFC3339)},
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(t *testing.T, key *ecdsa.PrivateKey, data []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(data)
	sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// keylessBundle is a Sigstore bundle (v0.3) of a DSSE envelope of a
// statement about digest, signed by the leaf's key; no transparency log
// entry; an RFC 3161 timestamp of the signature when stamp is set.
func keylessBundle(t *testing.T, cert *x509.Certificate, key *ecdsa.PrivateKey, digest v1.Hash, predicateType, predicate string, stamp func([]byte) []byte) []byte {
	t.Helper()
	stmt, err := attest.NewStatement("app", digest.String(), predicateType, json.RawMessage(predicate))
	if err != nil {
		t.Fatal(err)
	}
	sig := sign(t, key, attest.PAE(attest.PayloadType, stmt))
	material := map[string]any{
		"certificate": map[string]any{"rawBytes": base64.StdEncoding.EncodeToString(cert.Raw)},
	}
	if stamp != nil {
		material["timestampVerificationData"] = map[string]any{"rfc3161Timestamps": []any{
			map[string]any{"signedTimestamp": base64.StdEncoding.EncodeToString(stamp(sig))},
		}}
	}
	b := map[string]any{
		"mediaType":            mediaBundleV03,
		"verificationMaterial": material,
		"dsseEnvelope": map[string]any{
			"payload":     base64.StdEncoding.EncodeToString(stmt),
			"payloadType": attest.PayloadType,
			"signatures":  []any{map[string]any{"sig": base64.StdEncoding.EncodeToString(sig)}},
		},
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// cosignKeyless is cosign's .sig manifest for a keyless signature: the
// simple signing payload, its signature and the certificate as
// annotations.
func cosignKeyless(t *testing.T, cert *x509.Certificate, key *ecdsa.PrivateKey, digest v1.Hash) v1.Image {
	t.Helper()
	payload := []byte(`{"critical":{"identity":{"docker-reference":"app"},"image":{"docker-manifest-digest":"` + digest.String() + `"},"type":"cosign container image signature"},"optional":null}`)
	ann := map[string]string{
		annotationSignature: base64.StdEncoding.EncodeToString(sign(t, key, payload)),
		annotationCert:      string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
	}
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer: static.NewLayer(payload, mediaSimpleSigning), Annotations: ann,
	})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// keylessLayout writes an OCI layout with the image (ref name v1), its
// cosign .sig and a bundle referrer, both signed by cert.
func keylessLayout(t *testing.T, cert *x509.Certificate, key *ecdsa.PrivateKey) string {
	t.Helper()
	dir, p, img := imageLayout(t)
	d, _ := img.Digest()
	appendSigTag(t, p, d, cosignKeyless(t, cert, key, d))
	appendReferrer(t, p, img, keylessBundle(t, cert, key, d, attest.CycloneDX, sbomPredicate, nil))
	return dir
}

// checkLayout checks the image v1 of an OCI layout.
func checkLayout(t *testing.T, dir string, opts Options) *result.SignatureCheck {
	t.Helper()
	return check(t, dir+":v1", opts, image.Options{})
}

// keylessPolicy trusts the CA and what extra adds to the trusted root
// (tlogs, timestampAuthorities), for the test identity.
func keylessPolicy(t *testing.T, ca testCA, extra map[string]any) Options {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(trustedRootJSON(t, ca), &doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range extra {
		doc[k] = v
	}
	js, _ := json.Marshal(doc)
	tr, err := root.NewTrustedRootFromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	return Options{TrustedRoot: tr, Identities: []Identity{{Subject: testIdentity, Issuer: testIssuer}}}
}

// appendSigTag adds sig to the layout as cosign's .sig tag of digest d.
func appendSigTag(t *testing.T, p layout.Path, d v1.Hash, sig v1.Image) {
	t.Helper()
	if err := p.AppendImage(sig, layout.WithAnnotations(map[string]string{refName: "sha256-" + d.Hex + ".sig"})); err != nil {
		t.Fatal(err)
	}
}

// imageLayout writes an OCI layout with one image, ref name v1.
func imageLayout(t *testing.T) (string, layout.Path, v1.Image) {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	img := mustImage(t, "app v1")
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{refName: "v1"})); err != nil {
		t.Fatal(err)
	}
	return dir, p, img
}

// appendReferrer adds a manifest whose subject is img and whose layer is
// the bundle.
func appendReferrer(t *testing.T, p layout.Path, img v1.Image, bundle []byte) {
	t.Helper()
	d, _ := img.Digest()
	m, _ := img.Manifest()
	raw, _ := img.RawManifest()
	subject := v1.Descriptor{MediaType: m.MediaType, Digest: d, Size: int64(len(raw))}
	bundleImg, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer: static.NewLayer(bundle, mediaBundleV03),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(mutate.Subject(bundleImg, subject).(v1.Image)); err != nil {
		t.Fatal(err)
	}
}

func TestKeyless(t *testing.T) {
	ca := newCA(t, "bulwark test CA")
	rootPath := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(rootPath, trustedRootJSON(t, ca), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := root.NewTrustedRootFromPath(rootPath)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	good := Options{TrustedRoot: tr, Identities: []Identity{{Subject: testIdentity, Issuer: testIssuer}}}
	valid, validKey := ca.leaf(t, testIdentity, testIssuer, now.Add(-time.Hour), now.Add(time.Hour))
	expired, expiredKey := ca.leaf(t, testIdentity, testIssuer, now.Add(-3*time.Hour), now.Add(-2*time.Hour))
	other := newCA(t, "another CA")
	stranger, strangerKey := other.leaf(t, testIdentity, testIssuer, now.Add(-time.Hour), now.Add(time.Hour))

	for _, tc := range []struct {
		name   string
		cert   *x509.Certificate
		key    *ecdsa.PrivateKey
		opts   Options
		reason string // "" verifies
	}{
		{"valid", valid, validKey, good, ""},
		{"identity by regexp", valid, validKey, Options{TrustedRoot: tr, Identities: []Identity{{SubjectRegexp: `^https://github\.com/bulwark-sec/`, Issuer: testIssuer}}}, ""},
		{"other identity", valid, validKey, Options{TrustedRoot: tr, Identities: []Identity{{Subject: "https://github.com/mallory/app/.github/workflows/release.yml@refs/tags/v1", Issuer: testIssuer}}}, result.SigIdentityMismatch},
		{"other issuer", valid, validKey, Options{TrustedRoot: tr, Identities: []Identity{{Subject: testIdentity, Issuer: "https://accounts.google.com"}}}, result.SigIdentityMismatch},
		{"expired without timestamp", expired, expiredKey, good, result.SigExpiredCertificate},
		{"untrusted CA", stranger, strangerKey, good, result.SigUntrustedCertificate},
		{"signed by another key", valid, strangerKey, good, result.SigBadSignature},
		{"no identities", valid, validKey, Options{Keys: []crypto.PublicKey{&validKey.PublicKey}}, result.SigNoTrust},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := keylessLayout(t, tc.cert, tc.key)
			chk := checkLayout(t, dir, tc.opts)
			// The same layout packed as an oci-archive says the same.
			archive := filepath.Join(t.TempDir(), "app.oci.tar")
			if err := testimage.WriteOCIArchiveOfLayout(archive, dir); err != nil {
				t.Fatal(err)
			}
			if again := check(t, archive+":v1", tc.opts, image.Options{}); again.Verified != chk.Verified || again.Reason != chk.Reason {
				t.Errorf("oci-archive: %v %s, layout: %v %s", again.Verified, again.Reason, chk.Verified, chk.Reason)
			}
			if len(chk.Signatures) != 2 {
				t.Fatalf("found %d signatures, want the .sig and the bundle: %+v", len(chk.Signatures), chk.Signatures)
			}
			for _, s := range chk.Signatures {
				t.Logf("%s %s: verified=%v %s: %s", s.Format, s.Kind, s.Verified, s.Reason, s.Detail)
				if tc.reason == "" && !s.Verified {
					t.Errorf("%s (%s): %s: %s", s.Location, s.Format, s.Reason, s.Detail)
				}
				if tc.reason != "" && (s.Verified || s.Reason != tc.reason) {
					t.Errorf("%s (%s): verified=%v %s (%s), want %s", s.Location, s.Format, s.Verified, s.Reason, s.Detail, tc.reason)
				}
			}
			if tc.reason == "" {
				expectOK(t, chk)
				if s := chk.Signatures[0]; s.Signer != testIdentity+" from "+testIssuer {
					t.Errorf("signer %q", s.Signer)
				}
			}
		})
	}
}

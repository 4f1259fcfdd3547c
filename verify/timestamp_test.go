package verify

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/bulwark-sec/bulwark/attest"
	"github.com/bulwark-sec/bulwark/result"
)

// A local timestamp authority: an RFC 3161 timestamp of the signature,
// made while the certificate was valid, lets an expired certificate's
// signature verify; one made after it expired does not.

// tsa issues a timestamping certificate from ca (its extended key usage
// critical, as RFC 3161 requires) and returns a function that stamps a
// signature at a given time.
func (ca testCA) tsa(t *testing.T) (*x509.Certificate, func(at time.Time) func([]byte) []byte) {
	t.Helper()
	key := mustECKey(t)
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(2),
		Subject:         pkix.Name{CommonName: "bulwark test TSA"},
		NotBefore:       time.Now().Add(-24 * time.Hour),
		NotAfter:        time.Now().Add(24 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	cert := ca.issue(t, tmpl, key)
	return cert, func(at time.Time) func([]byte) []byte {
		return func(sig []byte) []byte {
			sum := sha256.Sum256(sig)
			ts := timestamp.Timestamp{
				HashAlgorithm:     crypto.SHA256,
				HashedMessage:     sum[:],
				Time:              at,
				SerialNumber:      big.NewInt(at.UnixNano()),
				Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 2},
				AddTSACertificate: true,
			}
			resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}
	}
}

func TestKeylessTimestamp(t *testing.T) {
	ca := newCA(t, "bulwark test CA")
	tsaCA := newCA(t, "bulwark test TSA root")
	tsaCert, stampAt := tsaCA.tsa(t)
	opts := keylessPolicy(t, ca, map[string]any{"timestampAuthorities": []any{map[string]any{
		"subject": map[string]any{"organization": "bulwark-test", "commonName": "bulwark test TSA"},
		"uri":     "https://tsa.bulwark.test",
		"certChain": map[string]any{"certificates": []any{
			map[string]any{"rawBytes": base64.StdEncoding.EncodeToString(tsaCert.Raw)},
			map[string]any{"rawBytes": base64.StdEncoding.EncodeToString(tsaCA.cert.Raw)},
		}},
		"validFor": map[string]any{"start": tsaCA.cert.NotBefore.UTC().Format(time.RFC3339)},
	}}})
	now := time.Now()
	expired, key := ca.leaf(t, testIdentity, testIssuer, now.Add(-3*time.Hour), now.Add(-2*time.Hour))

	for _, tc := range []struct {
		name   string
		stamp  func([]byte) []byte
		reason string
	}{
		{"stamped while valid", stampAt(now.Add(-150 * time.Minute)), ""},
		{"stamped after expiry", stampAt(now.Add(-time.Hour)), result.SigExpiredCertificate},
		{"stamp of another signature", func([]byte) []byte { return stampAt(now.Add(-150 * time.Minute))([]byte("other")) }, result.SigInvalid},
		{"no stamp", nil, result.SigExpiredCertificate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, p, img := imageLayout(t)
			d, _ := img.Digest()
			appendReferrer(t, p, img, keylessBundle(t, expired, key, d, attest.CosignSign, `{}`, tc.stamp))
			chk := checkLayout(t, dir, opts)
			if tc.reason == "" {
				expectOK(t, chk)
				s := chk.Signatures[0]
				if s.SignedAt == nil || s.SignedAt.Sub(now.Add(-150*time.Minute)).Abs() > time.Second {
					t.Errorf("signed at %v", s.SignedAt)
				}
				return
			}
			expect(t, chk, tc.reason)
			t.Logf("%s: %s", chk.Reason, chk.Detail)
		})
	}
}

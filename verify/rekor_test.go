package verify

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/bulwark-sec/bulwark/result"
)

// A local stand-in for Rekor: a log key in the trusted root, and cosign's
// dev.sigstore.cosign/bundle annotation with a hashedrekord entry and its
// signed entry timestamp, as cosign writes for a keyless signature. The
// integrated time shows the short-lived certificate was valid at signing.

type testLog struct {
	key *ecdsa.PrivateKey
	id  []byte // sha256 of the DER public key, Rekor's log ID
}

func newLog(t *testing.T) testLog {
	k := mustECKey(t)
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	id := sha256.Sum256(der)
	return testLog{key: k, id: id[:]}
}

func (l testLog) trustedRootEntry(t *testing.T, since time.Time) map[string]any {
	der, err := x509.MarshalPKIXPublicKey(&l.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{
		"baseUrl":       "https://rekor.bulwark.test",
		"hashAlgorithm": "SHA2_256",
		"publicKey": map[string]any{
			"rawBytes":   base64.StdEncoding.EncodeToString(der),
			"keyDetails": "PKIX_ECDSA_P256_SHA_256",
			"validFor":   map[string]any{"start": since.UTC().Format(time.RFC3339)},
		},
		"logId": map[string]any{"keyId": base64.StdEncoding.EncodeToString(l.id)},
	}
}

// annotation is cosign's Rekor bundle annotation for a hashedrekord entry
// of (payload, sig, cert) integrated at the time given, its SET signed by
// signer.
func (l testLog) annotation(t *testing.T, signer *ecdsa.PrivateKey, payload, sig []byte, cert *x509.Certificate, at time.Time) string {
	t.Helper()
	sum := sha256.Sum256(payload)
	body, err := json.Marshal(map[string]any{
		"apiVersion": "0.0.1", "kind": "hashedrekord",
		"spec": map[string]any{
			"data": map[string]any{"hash": map[string]any{"algorithm": "sha256", "value": hex.EncodeToString(sum[:])}},
			"signature": map[string]any{
				"content":   base64.StdEncoding.EncodeToString(sig),
				"publicKey": map[string]any{"content": base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))},
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	payloadJSON := map[string]any{ // json.Marshal sorts the keys: canonical
		"body": base64.StdEncoding.EncodeToString(body), "integratedTime": at.Unix(), "logIndex": 42, "logID": hex.EncodeToString(l.id),
	}
	canonical, err := json.Marshal(payloadJSON)
	if err != nil {
		t.Fatal(err)
	}
	set := sign(t, signer, canonical)
	out, err := json.Marshal(map[string]any{"SignedEntryTimestamp": base64.StdEncoding.EncodeToString(set), "Payload": payloadJSON})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestKeylessRekorBundleAnnotation(t *testing.T) {
	ca := newCA(t, "bulwark test CA")
	log := newLog(t)
	opts := keylessPolicy(t, ca, map[string]any{"tlogs": []any{log.trustedRootEntry(t, time.Now().Add(-24*time.Hour))}})
	now := time.Now()
	// A short-lived certificate, long expired, as Fulcio's are.
	cert, key := ca.leaf(t, testIdentity, testIssuer, now.Add(-3*time.Hour), now.Add(-3*time.Hour+10*time.Minute))
	signedAt := now.Add(-3*time.Hour + 5*time.Minute)
	stranger := mustECKey(t)

	for _, tc := range []struct {
		name   string
		setKey *ecdsa.PrivateKey
		at     time.Time
		body   []byte // the payload the entry records (default the signed one)
		reason string
	}{
		{"logged while valid", log.key, signedAt, nil, ""},
		{"logged after expiry", log.key, now.Add(-time.Hour), nil, result.SigExpiredCertificate},
		{"SET by another key", stranger, signedAt, nil, result.SigInvalid},
		{"entry of another payload", log.key, signedAt, []byte("another payload"), result.SigInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, p, img := imageLayout(t)
			d, _ := img.Digest()
			payload := []byte(`{"critical":{"identity":{"docker-reference":"app"},"image":{"docker-manifest-digest":"` + d.String() + `"},"type":"cosign container image signature"},"optional":null}`)
			sig := sign(t, key, payload)
			logged := payload
			if tc.body != nil {
				logged = tc.body
			}
			ann := map[string]string{
				annotationSignature: base64.StdEncoding.EncodeToString(sig),
				annotationCert:      string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})),
				annotationRekor:     log.annotation(t, tc.setKey, logged, sig, cert, tc.at),
			}
			sigImg, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
				Layer: static.NewLayer(payload, mediaSimpleSigning), Annotations: ann,
			})
			if err != nil {
				t.Fatal(err)
			}
			appendSigTag(t, p, d, sigImg)
			chk := checkLayout(t, dir, opts)
			if tc.reason == "" {
				expectOK(t, chk)
				if at := chk.Signatures[0].SignedAt; at == nil || at.Unix() != signedAt.Unix() {
					t.Errorf("signed at %v, want %v", at, signedAt)
				}
				return
			}
			expect(t, chk, tc.reason)
			t.Logf("%s: %s", chk.Reason, chk.Detail)
		})
	}
}

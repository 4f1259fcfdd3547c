package verify

import (
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/bulwark-sec/bulwark/result"
)

// FuzzEntity: whatever a registry serves as a signature layer (a
// Sigstore bundle, a DSSE envelope, a simple signing payload with its
// annotations, the Rekor one included) is turned into a bundle and checked, or rejected with a
// reason; never a crash, never verified without a key.
func FuzzEntity(f *testing.F) {
	f.Add(0, []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"x"}},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"c2ln"}]}}`), "", "", "")
	f.Add(0, []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.1","verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"MAA="}]}},"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AAAA"},"signature":"c2ln"}}`), "", "", "")
	f.Add(1, []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEifQ==","signatures":[{"sig":"c2ln"}]}`), "", "", "")
	f.Add(2, []byte(`{"critical":{"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"}}`), "MEUCIQ==", "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", `{"SignedEntryTimestamp":"c2V0","Payload":{"body":"eyJraW5kIjoiaGFzaGVkcmVrb3JkIiwiYXBpVmVyc2lvbiI6IjAuMC4xIn0=","integratedTime":1,"logIndex":1,"logID":"00"}}`)
	f.Fuzz(func(t *testing.T, which int, data []byte, sig, cert, rekor string) {
		mt := []types.MediaType{mediaBundleV03, mediaDSSE, mediaSimpleSigning}[uint(which)%3]
		d := v1.Descriptor{MediaType: mt, Annotations: map[string]string{annotationSignature: sig}}
		if cert != "" {
			d.Annotations[annotationCert] = cert
		}
		if rekor != "" {
			d.Annotations[annotationRekor] = rekor
		}
		e, err := makeEntity(d, data)
		if err != nil {
			return
		}
		c := checker{subject: v1.Hash{Algorithm: "sha256", Hex: "00"}}
		s := result.Signature{}
		c.verify(e, &s)
		if s.Verified {
			t.Fatalf("verified with no key or root: %+v", s)
		}
		if s.Reason == "" {
			t.Fatalf("failed without a reason: %+v", s)
		}
	})
}

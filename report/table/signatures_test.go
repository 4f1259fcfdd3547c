package table

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

func TestSignatures(t *testing.T) {
	r := &report.Report{
		Artifact: result.Artifact{Name: "registry.example/app:1.4", Kind: result.KindRegistry},
		Signatures: &result.SignatureCheck{
			Subject: "sha256:5f1b", Policy: "key sha256:00",
			Reason: result.SigWrongKey, Detail: "the signature does not verify with the key given",
			Signatures: []result.Signature{
				{Kind: "signature", Format: "cosign", Location: "tag sha256-5f1b.sig", Reason: result.SigWrongKey, Detail: "the signature does not verify with the key given"},
				{Kind: "attestation", Format: "bundle", Location: "referrer sha256:77", Verified: true, Signer: "key sha256:00",
					PredicateType: "https://cyclonedx.org/bom", Predicate: &result.Predicate{Kind: "sbom", Format: "cyclonedx", Components: 12}},
				{Kind: "attestation", Format: "cosign", Location: "tag sha256-5f1b.att", Reason: result.SigDigestMismatch, Detail: "names another image"},
			},
		},
	}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"manifest:  sha256:5f1b",
		"signature: NOT VERIFIED: wrong-key (policy: key sha256:00)",
		"signature    wrong-key        cosign  tag sha256-5f1b.sig",
		"attestation  verified         bundle  referrer sha256:77   key sha256:00  cyclonedx SBOM, 12 packages",
		"attestation at tag sha256-5f1b.att: names another image",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Count(out, "does not verify with the key given") != 1 {
		t.Errorf("the verdict's detail is repeated:\n%s", out)
	}
}

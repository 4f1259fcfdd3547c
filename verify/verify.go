// Package verify finds the signatures and attestations published for an
// image and checks them: cosign's sha256-<hex>.sig and .att tags, OCI 1.1
// referrers (the API or the fallback tag), and Sigstore bundles; against a
// public key, or keyless against certificate identities and a trusted root
// read from a file, offline. Every signature is turned into a Sigstore
// bundle and verified by sigstore-go; what sigstore-go does not judge (the
// payload naming the image) is checked here. Each result carries the
// reason it failed.
package verify

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/bulwark-sec/bulwark/attest"
	"github.com/bulwark-sec/bulwark/result"
)

// Options say what a signature must satisfy.
type Options struct {
	// Keys: a signature made with any of them passes.
	Keys []crypto.PublicKey
	// Identities: keyless signatures whose certificate names one of
	// them, and chains to a certificate authority of TrustedRoot, pass.
	Identities []Identity
	// TrustedRoot holds the certificate authorities, transparency logs
	// and timestamp authorities (Sigstore's trusted_root.json).
	TrustedRoot root.TrustedMaterial
	// MaxBlob bounds a signature blob (default attest.MaxSize).
	MaxBlob int64
}

// Identity is a certificate identity: the subject alternative name and
// the OIDC issuer, each exactly or by a regular expression.
type Identity struct {
	Subject, SubjectRegexp string
	Issuer, IssuerRegexp   string
}

func (id Identity) String() string {
	s, i := id.Subject, id.Issuer
	if s == "" {
		s = "~" + id.SubjectRegexp
	}
	if i == "" {
		i = "~" + id.IssuerRegexp
	}
	return s + " from " + i
}

// Policy describes the options for a report.
func (o Options) Policy() string {
	var parts []string
	for _, k := range o.Keys {
		parts = append(parts, "key "+KeyID(k))
	}
	for _, id := range o.Identities {
		parts = append(parts, "identity "+id.String())
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " or ")
}

// KeyID names a public key by the SHA-256 of its DER encoding.
func KeyID(k crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "unknown"
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Check finds every signature and attestation of the image in src and
// verifies each. The check is Verified when a signature (not only an
// attestation) passes.
func Check(ctx context.Context, src Source, opts Options) (*result.SignatureCheck, error) {
	_, chk, err := run(ctx, src, opts, "")
	return chk, err
}

// Verified is an attestation that passed, with its statement.
type Verified struct {
	Location  string
	Statement *attest.Statement
}

// Attestations does what Check does, and returns the statements of the
// verified attestations of a predicate kind (attest.Kind), for a caller
// that uses their content.
func Attestations(ctx context.Context, src Source, opts Options, kind string) ([]Verified, *result.SignatureCheck, error) {
	return run(ctx, src, opts, kind)
}

func run(ctx context.Context, src Source, opts Options, keep string) ([]Verified, *result.SignatureCheck, error) {
	subject := src.Subject()
	found, err := discover(ctx, src)
	if err != nil {
		return nil, nil, err
	}
	chk := &result.SignatureCheck{Subject: subject.String(), Policy: opts.Policy()}
	c := checker{opts: opts, keep: keep}
	for _, f := range found {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		chk.Signatures = append(chk.Signatures, c.check(f)...)
	}
	chk.Verified, chk.Reason, chk.Detail = verdict(chk.Signatures)
	return c.kept, chk, nil
}

// verdict: verified when a signature is; otherwise the reason of the
// first signature that failed, or no-signature.
func verdict(sigs []result.Signature) (bool, string, string) {
	for _, s := range sigs {
		if s.Kind == result.SignatureKindSignature && s.Verified {
			return true, "", ""
		}
	}
	for _, s := range sigs {
		if s.Kind == result.SignatureKindSignature {
			return false, s.Reason, s.Detail
		}
	}
	return false, result.SigNoSignature, "no signature names this digest (looked for the cosign .sig tag and OCI referrers)"
}

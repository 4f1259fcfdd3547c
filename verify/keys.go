package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"os"

	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// ParsePublicKey reads a PEM public key (PKIX or PKCS#1): ECDSA, RSA or
// Ed25519, as cosign writes them.
func ParsePublicKey(pemData []byte) (crypto.PublicKey, error) {
	k, err := cryptoutils.UnmarshalPEMToPublicKey(pemData)
	if err != nil {
		return nil, fmt.Errorf("verify: public key: %w", err)
	}
	switch k.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey, ed25519.PublicKey:
		return k, nil
	}
	return nil, fmt.Errorf("verify: public key: %T is not supported", k)
}

// Policy is what the command line gives: key files, an identity and its
// issuer (exact or as regular expressions), a trusted root file.
type Policy struct {
	KeyFiles                 []string
	Identity, IdentityRegexp string
	Issuer, IssuerRegexp     string
	TrustedRoot              string
}

// Empty says whether nothing was asked for.
func (p Policy) Empty() bool {
	return len(p.KeyFiles) == 0 && p.Identity == "" && p.IdentityRegexp == "" && p.Issuer == "" && p.IssuerRegexp == "" && p.TrustedRoot == ""
}

// ErrPolicy marks a policy that cannot be used as given.
var ErrPolicy = errors.New("verify: policy")

// Load reads the keys and the trusted root the policy names.
func (p Policy) Load() (Options, error) {
	var o Options
	for _, f := range p.KeyFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return o, fmt.Errorf("verify: --key: %w", err)
		}
		k, err := ParsePublicKey(data)
		if err != nil {
			return o, fmt.Errorf("%s: %w", f, err)
		}
		o.Keys = append(o.Keys, k)
	}
	hasID := p.Identity != "" || p.IdentityRegexp != ""
	hasIssuer := p.Issuer != "" || p.IssuerRegexp != ""
	switch {
	case hasID != hasIssuer:
		return o, fmt.Errorf("%w: keyless verification needs both --certificate-identity and --certificate-oidc-issuer (or their -regexp forms)", ErrPolicy)
	case hasID && p.TrustedRoot == "":
		return o, fmt.Errorf("%w: keyless verification needs --trusted-root (Sigstore's trusted_root.json; fetch it with 'cosign trusted-root create' or from the TUF repository once, then verify offline)", ErrPolicy)
	case hasID:
		id := Identity{Subject: p.Identity, SubjectRegexp: p.IdentityRegexp, Issuer: p.Issuer, IssuerRegexp: p.IssuerRegexp}
		if _, err := sgverify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.Subject, id.SubjectRegexp); err != nil {
			return o, fmt.Errorf("%w: %v", ErrPolicy, err)
		}
		o.Identities = append(o.Identities, id)
	}
	if p.TrustedRoot != "" {
		data, err := os.ReadFile(p.TrustedRoot)
		if err != nil {
			return o, fmt.Errorf("verify: --trusted-root: %w", err)
		}
		tr, err := root.NewTrustedRootFromJSON(data)
		if err != nil {
			return o, fmt.Errorf("verify: --trusted-root %s: %w", p.TrustedRoot, err)
		}
		o.TrustedRoot = tr
	}
	if len(o.Keys) == 0 && len(o.Identities) == 0 {
		return o, fmt.Errorf("%w: give --key, or --certificate-identity with --certificate-oidc-issuer and --trusted-root", ErrPolicy)
	}
	return o, nil
}

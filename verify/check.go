package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/bulwark-sec/bulwark/attest"
	"github.com/bulwark-sec/bulwark/result"
)

// Bundle media types: v0.1 for the bundles made here from cosign's
// layers (it takes a certificate chain without further options).
const mediaBundleV01 = "application/vnd.dev.sigstore.bundle+json;version=0.1"

// errInvalid marks signatures that were read but do not hold together
// (a log entry that does not match the signature, say).
var errInvalid = errors.New("invalid signature bundle")

// checker verifies the signatures of one image.
type checker struct {
	opts    Options
	subject v1.Hash
	keep    string // attest.Kind of the statements to keep
	kept    []Verified
}

// entity is one signature made ready for sigstore-go.
type entity struct {
	bundle   *bundle.Bundle
	artifact []byte // the signed payload of a message signature
	digest   []byte // or the SHA-256 it signs (a bundle's over the manifest)
	envelope []byte // the DSSE payload, when it is one
	kind     string // signature or attestation
}

// check verifies every signature layer of one manifest.
func (c *checker) check(f found) []result.Signature {
	c.subject = f.subject
	m, err := f.img.Manifest()
	if err != nil {
		return []result.Signature{{Kind: result.SignatureKindSignature, Format: "cosign", Location: f.location, Reason: result.SigCorrupt, Detail: err.Error()}}
	}
	if len(m.Layers) > maxLayers {
		return []result.Signature{{Kind: result.SignatureKindSignature, Format: "cosign", Location: f.location, Reason: result.SigInvalid,
			Detail: fmt.Sprintf("%d layers; more than %d are not read", len(m.Layers), maxLayers)}}
	}
	var out []result.Signature
	for _, l := range m.Layers {
		if !isSignatureLayer(l.MediaType) {
			continue // an SBOM or other attachment
		}
		s := result.Signature{Location: f.location, Kind: result.SignatureKindSignature, Format: "cosign"}
		if strings.HasPrefix(string(l.MediaType), mediaBundlePrefix) {
			s.Format = "bundle"
		}
		if l.MediaType == mediaDSSE {
			s.Kind = result.SignatureKindAttestation
		}
		if t := m.Annotations[annotationBundleType]; t != "" {
			s.PredicateType, s.Kind = t, kindOf(t)
		}
		data, err := readBlob(f.img, l, c.opts.maxBlob())
		if err != nil {
			s.Reason, s.Detail = result.SigCorrupt, err.Error()
			out = append(out, s)
			continue
		}
		e, err := makeEntity(l, data)
		if err != nil {
			s.Reason, s.Detail = result.SigCorrupt, err.Error()
			if errors.Is(err, errInvalid) {
				s.Reason = result.SigInvalid
			}
			out = append(out, s)
			continue
		}
		if e.kind != "" {
			s.Kind = e.kind
		}
		if ms := e.bundle.GetMessageSignature(); ms != nil && e.artifact == nil {
			// A bundle's message signature over the manifest itself.
			if !bytes.Equal(ms.GetMessageDigest().GetDigest(), hashBytes(c.subject)) {
				s.Reason, s.Detail = result.SigDigestMismatch, fmt.Sprintf("the bundle signs another digest than %s", c.subject)
				out = append(out, s)
				continue
			}
			e.digest = hashBytes(c.subject)
		}
		c.verify(e, &s)
		out = append(out, s)
	}
	return out
}

func kindOf(predicateType string) string {
	if attest.Kind(predicateType) == attest.KindSignature {
		return result.SignatureKindSignature
	}
	return result.SignatureKindAttestation
}

// makeEntity turns a layer into a Sigstore bundle: a bundle layer is one;
// cosign's simple signing layer is a message signature over the payload,
// its DSSE layer an envelope; certificates come from the annotations.
func makeEntity(l v1.Descriptor, data []byte) (*entity, error) {
	if strings.HasPrefix(string(l.MediaType), mediaBundlePrefix) {
		var b bundle.Bundle
		if err := b.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("sigstore bundle: %w", err)
		}
		e := &entity{bundle: &b}
		if env := b.GetDsseEnvelope(); env != nil {
			e.envelope = env.GetPayload()
			e.kind = kindOf(peekPredicate(e.envelope))
		}
		return e, nil
	}
	material, err := material(l.Annotations)
	if err != nil {
		return nil, err
	}
	if a := l.Annotations[annotationRekor]; a != "" {
		entry, err := rekorEntry(a)
		if err != nil {
			return nil, err
		}
		material.TlogEntries = append(material.TlogEntries, entry)
	}
	pb := &protobundle.Bundle{MediaType: mediaBundleV01, VerificationMaterial: material}
	e := &entity{}
	switch l.MediaType {
	case mediaSimpleSigning:
		sig, err := base64.StdEncoding.DecodeString(l.Annotations[annotationSignature])
		if err != nil || len(sig) == 0 {
			return nil, fmt.Errorf("the %s annotation holds no base64 signature", annotationSignature)
		}
		sum := sha256.Sum256(data)
		pb.Content = &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: sum[:]},
			Signature:     sig,
		}}
		e.artifact, e.kind = data, result.SignatureKindSignature
	case mediaDSSE:
		env, err := attest.DecodeEnvelope(data)
		if err != nil {
			return nil, err
		}
		d := &protodsse.Envelope{Payload: env.Payload, PayloadType: env.PayloadType}
		for _, s := range env.Signatures {
			d.Signatures = append(d.Signatures, &protodsse.Signature{Sig: s.Sig, Keyid: s.KeyID})
		}
		pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: d}
		e.envelope, e.kind = env.Payload, kindOf(peekPredicate(env.Payload))
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalid, err)
	}
	e.bundle = b
	return e, nil
}

// peekPredicate reads a statement's predicate type before it is
// verified, only to say what it claims to be.
func peekPredicate(payload []byte) string {
	var s struct {
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(payload, &s) != nil {
		return ""
	}
	return s.PredicateType
}

// material is the verification material cosign's annotations give: a
// certificate with its chain, or (none) a public key the verifier holds.
func material(ann map[string]string) (*protobundle.VerificationMaterial, error) {
	leaf := ann[annotationCert]
	if leaf == "" {
		return &protobundle.VerificationMaterial{Content: &protobundle.VerificationMaterial_PublicKey{
			PublicKey: &protocommon.PublicKeyIdentifier{},
		}}, nil
	}
	certs, err := pemCertificates([]byte(leaf + "\n" + ann[annotationChain]))
	if err != nil {
		return nil, fmt.Errorf("certificate annotation: %w", err)
	}
	chain := &protocommon.X509CertificateChain{}
	for _, der := range certs {
		chain.Certificates = append(chain.Certificates, &protocommon.X509Certificate{RawBytes: der})
	}
	return &protobundle.VerificationMaterial{Content: &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: chain}}, nil
}

func pemCertificates(data []byte) ([][]byte, error) {
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q is not a certificate", b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return nil, err
		}
		out = append(out, b.Bytes)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return out, nil
}

// verify checks one entity against the options and fills in s.
func (c *checker) verify(e *entity, s *result.Signature) {
	vc, err := e.bundle.VerificationContent()
	if err != nil {
		s.Reason, s.Detail = result.SigCorrupt, err.Error()
		return
	}
	var res *sgverify.VerificationResult
	if cert := vc.Certificate(); cert != nil {
		res = c.verifyKeyless(e, cert, s)
	} else {
		res = c.verifyKey(e, s)
	}
	if res == nil {
		return
	}
	for _, ts := range res.VerifiedTimestamps {
		if ts.Type == "CurrentTime" {
			continue
		}
		if t := ts.Timestamp; s.SignedAt == nil || t.Before(*s.SignedAt) {
			s.SignedAt = &t
		}
	}
	c.checkPayload(e, s)
}

// verifyKey tries each key; sigstore-go checks the signature.
func (c *checker) verifyKey(e *entity, s *result.Signature) *sgverify.VerificationResult {
	if len(c.opts.Keys) == 0 {
		s.Reason, s.Detail = result.SigNoTrust, "signed with a key, and no --key was given"
		return nil
	}
	var firstErr error
	for _, k := range c.opts.Keys {
		v, err := signature.LoadDefaultVerifier(k)
		if err != nil {
			s.Reason, s.Detail = result.SigInvalid, fmt.Sprintf("key %s: %v", KeyID(k), err)
			return nil
		}
		keys := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
		})
		var trusted root.TrustedMaterial = keys
		// A key has no validity period, so no time is needed: no
		// observer timestamps, unless the signature carries
		// transparency log entries and a trusted root can check them.
		vopts := []sgverify.VerifierOption{sgverify.WithNoObserverTimestamps()}
		if entries, _ := e.bundle.TlogEntries(); len(entries) > 0 && c.opts.TrustedRoot != nil {
			trusted = root.TrustedMaterialCollection{c.opts.TrustedRoot, keys}
			vopts = []sgverify.VerifierOption{sgverify.WithTransparencyLog(1), sgverify.WithObserverTimestamps(1)}
		}
		res, err := verifyWith(trusted, vopts, e, sgverify.WithKey())
		if err == nil {
			s.Verified, s.Signer = true, "key "+KeyID(k)
			return res
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	s.Reason, s.Detail = classify(firstErr, result.SigWrongKey)
	if s.Reason == result.SigWrongKey {
		s.Detail = "the signature does not verify with the key given (" + c.opts.Policy() + "): signed with another key, or altered after signing"
	}
	return nil
}

// verifyKeyless checks a certificate's identity and time first, so that
// those reasons are named, then has sigstore-go verify the chain and the
// signature.
func (c *checker) verifyKeyless(e *entity, cert *x509.Certificate, s *result.Signature) *sgverify.VerificationResult {
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		s.Reason, s.Detail = result.SigCorrupt, "certificate: "+err.Error()
		return nil
	}
	s.Signer = sum.SubjectAlternativeName + " from " + sum.Issuer
	if len(c.opts.Identities) == 0 || c.opts.TrustedRoot == nil {
		s.Reason, s.Detail = result.SigNoTrust, "signed keylessly by "+s.Signer+"; checking it needs --certificate-identity, --certificate-oidc-issuer and --trusted-root"
		return nil
	}
	var ids []sgverify.PolicyOption
	matched := false
	for _, id := range c.opts.Identities {
		ci, err := sgverify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.Subject, id.SubjectRegexp)
		if err != nil {
			s.Reason, s.Detail = result.SigInvalid, "identity: "+err.Error()
			return nil
		}
		if ci.Verify(sum) == nil {
			matched = true
		}
		ids = append(ids, sgverify.WithCertificateIdentity(ci))
	}
	if !matched {
		s.Reason, s.Detail = result.SigIdentityMismatch, "the certificate names "+s.Signer+", which is not an allowed identity ("+c.opts.Policy()+")"
		return nil
	}
	entries, _ := e.bundle.TlogEntries()
	stamps, _ := e.bundle.Timestamps()
	var vopts []sgverify.VerifierOption
	if len(entries) > 0 {
		vopts = append(vopts, sgverify.WithTransparencyLog(1))
	}
	if len(entries) > 0 || len(stamps) > 0 {
		vopts = append(vopts, sgverify.WithObserverTimestamps(1))
	} else {
		// No observer: the certificate must be valid now. That is what
		// makes a Rekor-less signature by a long-lived certificate
		// verifiable, and an expired one fail.
		now := time.Now()
		if now.After(cert.NotAfter) || now.Before(cert.NotBefore) {
			s.Reason = result.SigExpiredCertificate
			s.Detail = fmt.Sprintf("the certificate is valid from %s to %s, not now, and the signature carries no timestamp (no transparency log entry, no RFC 3161 timestamp) showing it signed within that time",
				cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
			return nil
		}
		vopts = append(vopts, sgverify.WithCurrentTime())
	}
	if len(c.opts.TrustedRoot.CTLogs()) > 0 {
		vopts = append(vopts, sgverify.WithSignedCertificateTimestamps(1))
	}
	res, err := verifyWith(c.opts.TrustedRoot, vopts, e, ids...)
	if err != nil {
		s.Reason, s.Detail = classify(err, result.SigBadSignature)
		if s.Reason == result.SigUntrustedCertificate {
			if at, ok := outsideValidity(c.opts.TrustedRoot, vopts, e, cert); ok {
				s.Reason = result.SigExpiredCertificate
				s.Detail = fmt.Sprintf("the signature was made at %s (a verified timestamp), when the certificate, valid from %s to %s, was not valid",
					at.UTC().Format(time.RFC3339), cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
			}
		}
		return nil
	}
	s.Verified = true
	return res
}

// outsideValidity returns a verified timestamp of the signature that
// falls outside the certificate's validity, telling an expired
// certificate from an untrusted one.
func outsideValidity(trusted root.TrustedMaterial, vopts []sgverify.VerifierOption, e *entity, cert *x509.Certificate) (time.Time, bool) {
	v, err := sgverify.NewVerifier(trusted, vopts...)
	if err != nil {
		return time.Time{}, false
	}
	logged, err := v.VerifyTransparencyLogInclusion(e.bundle)
	if err != nil {
		return time.Time{}, false
	}
	stamps, err := v.VerifyObserverTimestamps(e.bundle, logged)
	if err != nil {
		return time.Time{}, false
	}
	for _, ts := range stamps {
		if ts.Timestamp.Before(cert.NotBefore) || ts.Timestamp.After(cert.NotAfter) {
			return ts.Timestamp, true
		}
	}
	return time.Time{}, false
}

// verifyWith runs sigstore-go. A message signature is checked over the
// payload; a DSSE envelope's subjects are checked by checkPayload.
func verifyWith(trusted root.TrustedMaterial, vopts []sgverify.VerifierOption, e *entity, popts ...sgverify.PolicyOption) (*sgverify.VerificationResult, error) {
	v, err := sgverify.NewVerifier(trusted, vopts...)
	if err != nil {
		return nil, err
	}
	artifact := sgverify.WithoutArtifactUnsafe()
	switch {
	case e.artifact != nil:
		artifact = sgverify.WithArtifact(bytes.NewReader(e.artifact))
	case e.digest != nil:
		artifact = sgverify.WithArtifactDigest("sha256", e.digest)
	}
	return v.Verify(e.bundle, sgverify.NewPolicy(artifact, popts...))
}

// classify names the stage of sigstore-go's verification that failed;
// badSig is the reason for a signature that does not verify.
func classify(err error, badSig string) (string, string) {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "failed to verify signature"):
		return badSig, msg
	case strings.Contains(msg, "failed to verify leaf certificate"):
		return result.SigUntrustedCertificate, "the certificate does not chain to a certificate authority of the trusted root (at the signing time): " + msg
	case strings.Contains(msg, "failed to verify certificate identity"):
		return result.SigIdentityMismatch, msg
	case strings.Contains(msg, "integrated time outside certificate validity"):
		return result.SigExpiredCertificate, "the transparency log entry was integrated when the certificate was not valid: " + msg
	}
	return result.SigInvalid, msg
}

// simpleSigning is cosign's signed payload (the "simple signing" format
// of containers/image).
type simpleSigning struct {
	Critical struct {
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
}

// checkPayload checks what a verified signature says: that it names this
// image.
func (c *checker) checkPayload(e *entity, s *result.Signature) {
	fail := func(reason, detail string) { s.Verified, s.Reason, s.Detail = false, reason, detail }
	switch {
	case e.artifact != nil:
		var p simpleSigning
		if err := json.Unmarshal(e.artifact, &p); err != nil {
			fail(result.SigCorrupt, "signed payload is not a simple signing document: "+err.Error())
			return
		}
		if got := p.Critical.Image.DockerManifestDigest; got != c.subject.String() {
			fail(result.SigDigestMismatch, fmt.Sprintf("the signature is for image %s, not %s", orNone(got), c.subject))
		}
	case e.envelope != nil:
		st, err := attest.DecodeStatement(e.envelope)
		if err != nil {
			fail(result.SigCorrupt, "signed payload: "+err.Error())
			return
		}
		s.PredicateType = st.PredicateType
		if !st.Names(c.subject.String()) {
			fail(result.SigDigestMismatch, fmt.Sprintf("the statement's subjects do not include %s", c.subject))
			return
		}
		if s.Kind == result.SignatureKindAttestation {
			if p, err := st.Summarize(); err == nil {
				s.Predicate = &p
			}
		}
		if c.keep != "" && attest.Kind(st.PredicateType) == c.keep {
			c.kept = append(c.kept, Verified{Location: s.Location, Statement: st})
		}
	}
}

func hashBytes(h v1.Hash) []byte {
	b, _ := hex.DecodeString(h.Hex)
	return b
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

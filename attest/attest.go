// Package attest reads and writes in-toto attestations: DSSE envelopes,
// in-toto statements, and the predicates Bulwark understands (SLSA
// provenance v0.2 and v1, CycloneDX and SPDX SBOMs, OpenVEX, vulnerability
// scans). It verifies nothing; package verify checks the signatures.
package attest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/result"
)

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

// The statement types in-toto has published.
const (
	StatementV01 = "https://in-toto.io/Statement/v0.1"
	StatementV1  = "https://in-toto.io/Statement/v1"
)

// MaxSize bounds an envelope or statement read from a registry or file.
const MaxSize = 64 << 20

// Envelope is a DSSE envelope with its payload decoded.
type Envelope struct {
	PayloadType string
	Payload     []byte
	Signatures  []Signature
}

// Signature is one DSSE signature.
type Signature struct {
	KeyID string
	Sig   []byte
}

type envelopeJSON struct {
	PayloadType string `json:"payloadType"`
	Payload     string `json:"payload"`
	Signatures  []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
}

// DecodeEnvelope parses a DSSE envelope (JSON, base64 payload and
// signatures).
func DecodeEnvelope(data []byte) (*Envelope, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("dsse: envelope of %d bytes exceeds %d", len(data), MaxSize)
	}
	var raw envelopeJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("dsse: %w", err)
	}
	if raw.PayloadType == "" {
		return nil, errors.New("dsse: no payloadType")
	}
	payload, err := decodeBase64(raw.Payload)
	if err != nil {
		return nil, fmt.Errorf("dsse: payload: %w", err)
	}
	env := &Envelope{PayloadType: raw.PayloadType, Payload: payload}
	for i, s := range raw.Signatures {
		sig, err := decodeBase64(s.Sig)
		if err != nil {
			return nil, fmt.Errorf("dsse: signature %d: %w", i, err)
		}
		if len(sig) == 0 {
			return nil, fmt.Errorf("dsse: signature %d is empty", i)
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: s.KeyID, Sig: sig})
	}
	if len(env.Signatures) == 0 {
		return nil, errors.New("dsse: no signatures")
	}
	return env, nil
}

// decodeBase64 accepts standard and URL-safe base64, padded or not, as
// DSSE implementations write both.
func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// PAE is DSSE's pre-authentication encoding of a payload: the bytes a
// signature covers.
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// Statement is an in-toto statement: what it is about (subjects, by
// digest) and what it says (a typed predicate).
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate,omitempty"`
}

// Subject is one artifact a statement is about.
type Subject struct {
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest"`
}

// DecodeStatement parses an in-toto statement (v0.1 or v1) and checks
// what every use of it relies on: a known type, subjects with hex digests,
// a predicate type.
func DecodeStatement(data []byte) (*Statement, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("in-toto: statement of %d bytes exceeds %d", len(data), MaxSize)
	}
	var s Statement
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("in-toto: %w", err)
	}
	if s.Type != StatementV01 && s.Type != StatementV1 {
		return nil, fmt.Errorf("in-toto: unknown statement type %q", s.Type)
	}
	if s.PredicateType == "" {
		return nil, errors.New("in-toto: no predicateType")
	}
	if len(s.Subject) == 0 {
		return nil, errors.New("in-toto: no subject")
	}
	for i, sub := range s.Subject {
		if len(sub.Digest) == 0 {
			return nil, fmt.Errorf("in-toto: subject %d has no digest", i)
		}
		for alg, d := range sub.Digest {
			if _, err := hex.DecodeString(d); err != nil || d == "" {
				return nil, fmt.Errorf("in-toto: subject %d: %s digest %q is not hex", i, alg, d)
			}
		}
	}
	return &s, nil
}

// Names reports whether a subject of the statement has the digest, given
// as "algorithm:hex".
func (s *Statement) Names(digest string) bool {
	i := strings.LastIndexByte(digest, ':') // hex has no colon
	if i < 0 {
		return false
	}
	alg, want := digest[:i], digest[i+1:]
	for _, sub := range s.Subject {
		if d, ok := sub.Digest[alg]; ok && strings.EqualFold(d, want) {
			return true
		}
	}
	return false
}

// NewStatement writes an in-toto v1 statement about one artifact, given by
// name and "algorithm:hex" digest.
func NewStatement(name, digest, predicateType string, predicate json.RawMessage) ([]byte, error) {
	alg, h, ok := strings.Cut(digest, ":")
	if !ok || alg == "" {
		return nil, fmt.Errorf("in-toto: digest %q is not algorithm:hex", digest)
	}
	if _, err := hex.DecodeString(h); err != nil || h == "" {
		return nil, fmt.Errorf("in-toto: digest %q is not algorithm:hex", digest)
	}
	if !json.Valid(predicate) {
		return nil, errors.New("in-toto: predicate is not JSON")
	}
	s := Statement{
		Type:          StatementV1,
		Subject:       []Subject{{Name: name, Digest: map[string]string{alg: h}}},
		PredicateType: predicateType,
		Predicate:     predicate,
	}
	return json.MarshalIndent(s, "", "  ")
}

// ForImage writes an in-toto statement whose subject is an image: its
// name without tag or digest, and its manifest digest.
func ForImage(a result.Artifact, predicateType string, predicate []byte) ([]byte, error) {
	if a.ManifestDigest == "" {
		return nil, fmt.Errorf("in-toto: %s has no manifest digest to name as the subject (attest an image from a registry or an OCI layout)", a.Name)
	}
	return NewStatement(repository(a.Name), a.ManifestDigest, predicateType, predicate)
}

// repository is an image name without its digest or tag.
func repository(name string) string {
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	return name
}

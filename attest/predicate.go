package attest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bulwark-sec/bulwark/result"
)

// Predicate types, as cosign and the specifications name them.
const (
	SLSAProvenanceV02 = "https://slsa.dev/provenance/v0.2"
	SLSAProvenanceV1  = "https://slsa.dev/provenance/v1"
	CycloneDX         = "https://cyclonedx.org/bom"
	SPDX              = "https://spdx.dev/Document"
	OpenVEX           = "https://openvex.dev/ns"
	CosignVuln        = "https://cosign.sigstore.dev/attestation/vuln/v1"
	InTotoVulns       = "https://in-toto.io/attestation/vulns/v0.1"
	// CosignSign is the predicate of the statement cosign signs in the
	// Sigstore bundle format: a plain signature of the subject.
	CosignSign = "https://sigstore.dev/cosign/sign/v1"
)

// Kinds of predicate.
const (
	KindProvenance = "provenance"
	KindSBOM       = "sbom"
	KindVEX        = "vex"
	KindVulnScan   = "vuln-scan"
	KindSignature  = "signature"
	KindOther      = "other"
)

// Kind says what a predicate type is. Versioned spellings
// (https://cyclonedx.org/bom/v1.5, https://spdx.dev/Document/v2.3,
// https://openvex.dev/ns/v0.2.0) count as their family.
func Kind(predicateType string) string {
	switch {
	case predicateType == SLSAProvenanceV02 || predicateType == SLSAProvenanceV1:
		return KindProvenance
	case family(predicateType, CycloneDX) || family(predicateType, SPDX):
		return KindSBOM
	case family(predicateType, OpenVEX):
		return KindVEX
	case predicateType == CosignVuln || predicateType == InTotoVulns:
		return KindVulnScan
	case predicateType == CosignSign:
		return KindSignature
	}
	return KindOther
}

func family(t, base string) bool {
	return t == base || strings.HasPrefix(t, base+"/")
}

// Summarize decodes the predicate as its type says and picks out what a
// reader wants to see first.
func (s *Statement) Summarize() (result.Predicate, error) {
	sum := result.Predicate{Kind: Kind(s.PredicateType)}
	var err error
	switch {
	case s.PredicateType == SLSAProvenanceV02:
		var p struct {
			Builder    struct{ ID string } `json:"builder"`
			BuildType  string              `json:"buildType"`
			Invocation struct {
				ConfigSource struct {
					URI string `json:"uri"`
				} `json:"configSource"`
			} `json:"invocation"`
			Materials []struct {
				URI string `json:"uri"`
			} `json:"materials"`
		}
		if err = s.decode(&p); err == nil {
			sum.Builder, sum.BuildType = p.Builder.ID, p.BuildType
			sum.Sources = appendURI(sum.Sources, p.Invocation.ConfigSource.URI)
			for _, m := range p.Materials {
				sum.Sources = appendURI(sum.Sources, m.URI)
			}
		}
	case s.PredicateType == SLSAProvenanceV1:
		var p struct {
			BuildDefinition struct {
				BuildType            string `json:"buildType"`
				ResolvedDependencies []struct {
					URI string `json:"uri"`
				} `json:"resolvedDependencies"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Builder struct{ ID string } `json:"builder"`
			} `json:"runDetails"`
		}
		if err = s.decode(&p); err == nil {
			sum.Builder, sum.BuildType = p.RunDetails.Builder.ID, p.BuildDefinition.BuildType
			for _, d := range p.BuildDefinition.ResolvedDependencies {
				sum.Sources = appendURI(sum.Sources, d.URI)
			}
		}
	case family(s.PredicateType, CycloneDX):
		var p struct {
			BOMFormat  string            `json:"bomFormat"`
			Components []json.RawMessage `json:"components"`
		}
		if err = s.decode(&p); err == nil {
			sum.Format, sum.Components = "cyclonedx", len(p.Components)
		}
	case family(s.PredicateType, SPDX):
		var p struct {
			SPDXVersion string            `json:"spdxVersion"`
			Packages    []json.RawMessage `json:"packages"`
		}
		if err = s.decode(&p); err == nil {
			sum.Format, sum.Components = "spdx", len(p.Packages)
		}
	case family(s.PredicateType, OpenVEX):
		var p struct {
			Statements []json.RawMessage `json:"statements"`
		}
		if err = s.decode(&p); err == nil {
			sum.Statements = len(p.Statements)
		}
	case s.PredicateType == CosignVuln:
		var p struct {
			Scanner struct {
				URI    string          `json:"uri"`
				Result json.RawMessage `json:"result"`
			} `json:"scanner"`
		}
		if err = s.decode(&p); err == nil {
			sum.Scanner = p.Scanner.URI
		}
	case s.PredicateType == InTotoVulns:
		var p struct {
			Scanner struct {
				URI    string            `json:"uri"`
				Result []json.RawMessage `json:"result"`
			} `json:"scanner"`
		}
		if err = s.decode(&p); err == nil {
			sum.Scanner, sum.Results = p.Scanner.URI, len(p.Scanner.Result)
		}
	}
	if err != nil {
		return sum, fmt.Errorf("in-toto: %s predicate: %w", s.PredicateType, err)
	}
	return sum, nil
}

func (s *Statement) decode(v any) error {
	if len(s.Predicate) == 0 {
		return fmt.Errorf("no predicate")
	}
	return json.Unmarshal(s.Predicate, v)
}

func appendURI(list []string, uri string) []string {
	if uri == "" {
		return list
	}
	for _, u := range list {
		if u == uri {
			return list
		}
	}
	return append(list, uri)
}

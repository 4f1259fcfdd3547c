package triage

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulwark-sec/bulwark/result"
)

// OpenVEX statuses (https://github.com/openvex/spec).
const (
	VEXNotAffected        = "not_affected"
	VEXFixed              = "fixed"
	VEXAffected           = "affected"
	VEXUnderInvestigation = "under_investigation"
)

// VEX is a parsed OpenVEX document.
type VEX struct {
	Path       string
	ID         string         `json:"@id"`
	Statements []VEXStatement `json:"statements"`
}

// VEXStatement says what one vulnerability means for some products.
type VEXStatement struct {
	Vulnerability   vexVulnerability `json:"vulnerability"`
	Products        []vexProduct     `json:"products"`
	Status          string           `json:"status"`
	Justification   string           `json:"justification,omitempty"`
	ImpactStatement string           `json:"impact_statement,omitempty"`
	StatusNotes     string           `json:"status_notes,omitempty"`
}

// vexVulnerability is {"name": "CVE-..."} in OpenVEX 0.2, a plain string
// in 0.0.1; both are read.
type vexVulnerability struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
}

func (v *vexVulnerability) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		v.Name = s
		return nil
	}
	type plain vexVulnerability
	return json.Unmarshal(b, (*plain)(v))
}

// vexProduct is {"@id": "pkg:...", "subcomponents": [...]} in OpenVEX
// 0.2, a plain string in 0.0.1.
type vexProduct struct {
	ID            string       `json:"@id"`
	Subcomponents []vexProduct `json:"subcomponents,omitempty"`
}

func (p *vexProduct) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		p.ID = s
		return nil
	}
	type plain vexProduct
	return json.Unmarshal(b, (*plain)(p))
}

// MaxVEXFile bounds a VEX document.
const MaxVEXFile = 64 << 20

// LoadVEX reads an OpenVEX document.
func LoadVEX(path string) (*VEX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vex: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxVEXFile+1))
	if err != nil {
		return nil, fmt.Errorf("vex %s: %w", path, err)
	}
	if len(data) > MaxVEXFile {
		return nil, fmt.Errorf("vex %s: over the %d MiB limit", path, MaxVEXFile>>20)
	}
	v, err := ParseVEX(data)
	if err != nil {
		return nil, fmt.Errorf("vex %s: %w", path, err)
	}
	v.Path = path
	return v, nil
}

// ParseVEX decodes an OpenVEX document.
func ParseVEX(data []byte) (*VEX, error) {
	var v VEX
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	for i, s := range v.Statements {
		if s.Vulnerability.Name == "" {
			return nil, fmt.Errorf("statement %d names no vulnerability", i+1)
		}
		switch s.Status {
		case VEXNotAffected, VEXFixed, VEXAffected, VEXUnderInvestigation:
		default:
			return nil, fmt.Errorf("statement %d: unknown status %q", i+1, s.Status)
		}
	}
	return &v, nil
}

// statement finds the statement that sets a finding aside: a not_affected
// or fixed statement about one of its IDs whose products include the
// package (by package URL), directly or as a subcomponent of any product —
// the image itself, typically. The last matching statement wins, as later
// statements in a document supersede earlier ones.
func (x *VEX) statement(v *result.Vulnerability) *VEXStatement {
	var found *VEXStatement
	for i := range x.Statements {
		s := &x.Statements[i]
		if !hasID(v, s.Vulnerability.Name) && !anyID(v, s.Vulnerability.Aliases) {
			continue
		}
		if !s.covers(v.Package) {
			continue
		}
		found = s
	}
	if found == nil || (found.Status != VEXNotAffected && found.Status != VEXFixed) {
		return nil
	}
	return found
}

func anyID(v *result.Vulnerability, ids []string) bool {
	for _, id := range ids {
		if hasID(v, id) {
			return true
		}
	}
	return false
}

func (s *VEXStatement) covers(p result.PackageRef) bool {
	for _, prod := range s.Products {
		if strings.HasPrefix(prod.ID, "pkg:") && purlMatches(prod.ID, p.PURL) {
			return true
		}
		for _, sub := range prod.Subcomponents {
			if purlMatches(sub.ID, p.PURL) {
				return true
			}
		}
	}
	return false
}

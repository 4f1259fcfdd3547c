// Package osv holds the parts of the Open Source Vulnerability format
// (https://ossf.github.io/osv-schema/) that Bulwark reads: a record's
// identity and aliases, what it affects (package, version ranges and
// explicit versions) and how severe it is. Fields Bulwark does not use are
// ignored, so records from newer schema versions still load.
package osv

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Vulnerability is one OSV record.
type Vulnerability struct {
	SchemaVersion string      `json:"schema_version,omitempty"`
	ID            string      `json:"id"`
	Modified      string      `json:"modified,omitempty"`
	Published     string      `json:"published,omitempty"`
	Withdrawn     string      `json:"withdrawn,omitempty"`
	Aliases       []string    `json:"aliases,omitempty"`
	Upstream      []string    `json:"upstream,omitempty"`
	Related       []string    `json:"related,omitempty"`
	Summary       string      `json:"summary,omitempty"`
	Details       string      `json:"details,omitempty"`
	Severity      []Severity  `json:"severity,omitempty"`
	Affected      []Affected  `json:"affected,omitempty"`
	References    []Reference `json:"references,omitempty"`
	// DatabaseSpecific is kept raw: each database puts its own fields
	// there (GitHub's "severity", for one).
	DatabaseSpecific json.RawMessage `json:"database_specific,omitempty"`
}

// Severity is a scored severity: Type is CVSS_V2, CVSS_V3, CVSS_V4,
// Ubuntu, ...; Score is the vector or the distribution's label.
type Severity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

// Affected says which versions of one package a record affects.
type Affected struct {
	Package           Package         `json:"package"`
	Severity          []Severity      `json:"severity,omitempty"`
	Ranges            []Range         `json:"ranges,omitempty"`
	Versions          []string        `json:"versions,omitempty"`
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific,omitempty"`
	DatabaseSpecific  json.RawMessage `json:"database_specific,omitempty"`
}

// Package names a package within an ecosystem ("Debian:12", "npm", ...).
type Package struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
	Purl      string `json:"purl,omitempty"`
}

// GoImport is one entry of a Go vulnerability database record's
// ecosystem_specific.imports: a vulnerable package, the platforms it is
// vulnerable on (none listed: all) and its vulnerable symbols.
type GoImport struct {
	Path    string   `json:"path"`
	GOOS    []string `json:"goos,omitempty"`
	GOARCH  []string `json:"goarch,omitempty"`
	Symbols []string `json:"symbols,omitempty"`
}

// GoImports reads the Go vulnerability database's ecosystem_specific of
// an affected entry; other databases' (and malformed ones) give none.
func (a Affected) GoImports() []GoImport {
	var es struct {
		Imports []GoImport `json:"imports"`
	}
	if len(a.EcosystemSpecific) == 0 || json.Unmarshal(a.EcosystemSpecific, &es) != nil {
		return nil
	}
	return es.Imports
}

// Range types.
const (
	RangeEcosystem = "ECOSYSTEM"
	RangeSemver    = "SEMVER"
	RangeGit       = "GIT"
)

// Range is a list of events over one version scheme.
type Range struct {
	Type   string  `json:"type"`
	Repo   string  `json:"repo,omitempty"`
	Events []Event `json:"events"`
}

// Event is one point of a range: exactly one field is set.
type Event struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
	Limit        string `json:"limit,omitempty"`
}

// Reference is a link about the vulnerability.
type Reference struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// MaxRecordSize bounds one record; the largest real ones (kernel records
// listing thousands of versions) are a few megabytes.
const MaxRecordSize = 32 << 20

// ErrNoID is Parse's error for JSON without a record ID: usually not an
// OSV record at all (an index, some other document), which readers of
// mixed folders pass over quietly.
var ErrNoID = errors.New("osv: record has no id")

// Parse decodes one record and checks the little the rest of Bulwark
// relies on: an ID, and affected packages that name an ecosystem and a
// package.
func Parse(data []byte) (*Vulnerability, error) {
	if len(data) > MaxRecordSize {
		return nil, fmt.Errorf("osv: record of %d bytes is over the %d byte limit", len(data), MaxRecordSize)
	}
	var v Vulnerability
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("osv: %w", err)
	}
	if strings.TrimSpace(v.ID) == "" {
		return nil, ErrNoID
	}
	for i, a := range v.Affected {
		if a.Package.Ecosystem == "" || a.Package.Name == "" {
			return nil, fmt.Errorf("osv: %s: affected[%d] names no ecosystem or package", v.ID, i)
		}
	}
	return &v, nil
}

// Ecosystem splits an ecosystem string into its base ("Debian", "npm")
// and its release suffix ("12", "v3.20", "22.04:LTS"), if any.
func Ecosystem(s string) (base, release string) {
	base, release, _ = strings.Cut(s, ":")
	return base, release
}

// IDs returns the record's own ID followed by its aliases and upstream
// IDs, without repeats.
func (v *Vulnerability) IDs() []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{{v.ID}, v.Aliases, v.Upstream} {
		for _, id := range list {
			if id != "" && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

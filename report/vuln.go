package report

import "github.com/bulwark-sec/bulwark/severity"

// Vulnerability statuses.
const (
	StatusFixed   = "fixed"   // a fixed version exists: upgrade to it
	StatusUnfixed = "unfixed" // affected, and no fix is published yet
)

// Vulnerability is one known vulnerability affecting one installed
// package: a CVE (or, where a record names no CVE, the record's own ID),
// with every advisory about it for this package folded in.
type Vulnerability struct {
	// ID is the CVE when there is one, else the advisory's ID.
	ID string `json:"id"`
	// Aliases are the other IDs of the same vulnerability: the advisories
	// (DSA-, GHSA-, GO-, ...) that matched and their aliases.
	Aliases []string   `json:"aliases,omitempty"`
	Package PackageRef `json:"package"`
	Status  string     `json:"status"`
	// FixedVersions are the versions that fix it, lowest first.
	FixedVersions []string        `json:"fixedVersions,omitempty"`
	Severity      string          `json:"severity"` // CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN
	CVSS          []severity.CVSS `json:"cvss,omitempty"`
	Title         string          `json:"title,omitempty"`
	Published     string          `json:"published,omitempty"`
	References    []string        `json:"references,omitempty"`
	// Records are the IDs of the OSV records that matched.
	Records []string `json:"records"`
	// KnownExploited is set when CISA's KEV catalog lists the CVE.
	KnownExploited bool `json:"knownExploited,omitempty"`
	// EPSS is the exploit prediction score, when known.
	EPSS *EPSS `json:"epss,omitempty"`
	// Suppression says why a suppressed finding does not count.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// PackageRef names the affected package as the inventory lists it, and
// the OSV ecosystem and name it was matched under.
type PackageRef struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	PURL      string `json:"purl,omitempty"`
	Location  string `json:"location,omitempty"`
	Layer     int    `json:"layer"`
	Ecosystem string `json:"ecosystem"`
	// MatchedName and MatchedVersion are what was looked up when they
	// differ from Name and Version (Debian source packages, say).
	MatchedName    string `json:"matchedName,omitempty"`
	MatchedVersion string `json:"matchedVersion,omitempty"`
}

// EPSS is FIRST's exploit prediction for a CVE.
type EPSS struct {
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
}

// Suppression sources.
const (
	SuppressedByIgnoreFile = "ignore-file"
	SuppressedByVEX        = "vex"
)

// Suppression records why a finding is not counted.
type Suppression struct {
	Source string `json:"source"`
	// Statement is the VEX status or the ignore rule that applied.
	Statement string `json:"statement,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// Document is the ignore file or VEX document.
	Document string `json:"document,omitempty"`
}

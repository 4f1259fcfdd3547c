// Package report defines the one Report type every output format reads.
// Formats live in sub-packages (report/table, report/jsonreport,
// report/cyclonedx, report/spdx) and never re-derive findings.
package report

import (
	"time"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/misconfig"
)

// SchemaVersion is the version of Bulwark's own JSON schema (docs/json.md).
// It changes only when a field is removed or its meaning changes.
const SchemaVersion = 1

// Artifact kinds.
const (
	KindDockerArchive = "docker-archive"
	KindOCILayout     = "oci-layout"
	KindOCIArchive    = "oci-archive"
	KindRegistry      = "registry"
	KindRootfs        = "rootfs"
	KindDirectory     = "directory"
	// KindConfig is a folder or file of configuration (Dockerfiles,
	// manifests, charts) checked by bulwark config.
	KindConfig = "config"
)

// Artifact is what was scanned.
type Artifact struct {
	// Name is how the user named it: a path or an image reference.
	Name string `json:"name"`
	Kind string `json:"kind"`
	// ImageID is the digest of the image config; empty for a rootfs.
	ImageID string `json:"imageID,omitempty"`
	// ManifestDigest is the digest of the image manifest when the source
	// provides one without recomputing it (registries, OCI layouts).
	ManifestDigest string   `json:"manifestDigest,omitempty"`
	RepoTags       []string `json:"repoTags,omitempty"`
	RepoDigests    []string `json:"repoDigests,omitempty"`
	Architecture   string   `json:"architecture,omitempty"`
	OS             string   `json:"os,omitempty"` // the image config's os, e.g. linux
}

// Warning is a problem that did not stop the scan: a file that could not be
// parsed, a layer entry that was skipped.
type Warning struct {
	Layer   int    `json:"layer"` // -1 when not tied to a layer
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Report is the result of one scan.
type Report struct {
	SchemaVersion int                 `json:"schemaVersion"`
	Tool          Tool                `json:"tool"`
	CreatedAt     time.Time           `json:"createdAt"`
	Artifact      Artifact            `json:"artifact"`
	Inventory     inventory.Inventory `json:"inventory"`
	// Vulnerabilities are the findings that count, most severe first;
	// nil when vulnerability scanning was not asked for.
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
	// Suppressed are findings an ignore file or VEX statement set aside.
	Suppressed []Vulnerability `json:"suppressed,omitempty"`
	// Database describes the vulnerability data used, when there was any.
	Database *Database `json:"database,omitempty"`
	// Secrets are the credentials found; nil when secret scanning was not
	// asked for.
	Secrets []Secret `json:"secrets,omitempty"`
	// Misconfigurations are the failed configuration checks, most severe
	// first; nil when configuration was not checked.
	Misconfigurations []misconfig.Finding `json:"misconfigurations,omitempty"`
	// SuppressedMisconfigurations were set aside by an inline comment, an
	// annotation or a skip list; each says why.
	SuppressedMisconfigurations []misconfig.Finding `json:"suppressedMisconfigurations,omitempty"`
	// ConfigFiles counts the configuration files checked.
	ConfigFiles int       `json:"configFiles,omitempty"`
	Warnings    []Warning `json:"warnings,omitempty"`
}

// Database describes the vulnerability database a scan matched against.
type Database struct {
	// Updated is when the oldest of the ecosystems used was last updated.
	Updated    time.Time `json:"updated"`
	Ecosystems []string  `json:"ecosystems"`
}

// Tool names the program that made the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Secret is one credential found in the image, redacted.
type Secret struct {
	RuleID   string `json:"ruleID"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	// Source is "layer" for a file, "config" for the image configuration.
	Source string `json:"source"`
	// Path is the file, or for the configuration the field ("Env",
	// "Labels", "History[3].created_by").
	Path  string `json:"path"`
	Line  int    `json:"line,omitempty"`
	Match string `json:"match"`
	// Encoding says how the secret was stored when not as plain text,
	// e.g. base64 in a Kubernetes Secret's data.
	Encoding string `json:"encoding,omitempty"`
	// Layer is the index of the layer holding the file (-1 for the
	// configuration); DiffID identifies it.
	Layer  int    `json:"layer"`
	DiffID string `json:"diffID,omitempty"`
	// DeletedBy is the layer that deleted or replaced the file, when a
	// later layer did: the secret is gone from the running container but
	// still in the image for anyone who pulls it.
	DeletedBy *int `json:"deletedBy,omitempty"`
}

// Package report defines the one Report type every output format reads.
// Formats live in sub-packages (report/table, report/jsonreport,
// report/cyclonedx, report/spdx) and never re-derive findings.
package report

import (
	"time"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/result"
)

// SchemaVersion is the version of Bulwark's own JSON schema (docs/json.md).
// It changes only when a field is removed or its meaning changes.
const SchemaVersion = 1

// Report is the result of one scan.
type Report struct {
	SchemaVersion int                 `json:"schemaVersion"`
	Tool          result.Tool         `json:"tool"`
	CreatedAt     time.Time           `json:"createdAt"`
	Artifact      result.Artifact     `json:"artifact"`
	Inventory     inventory.Inventory `json:"inventory"`
	// Vulnerabilities are the findings that count, most severe first;
	// nil when vulnerability scanning was not asked for.
	Vulnerabilities []result.Vulnerability `json:"vulnerabilities,omitempty"`
	// Suppressed are findings an ignore file or VEX statement set aside.
	Suppressed []result.Vulnerability `json:"suppressed,omitempty"`
	// Coverage says which packages the database could speak for; nil
	// when vulnerability scanning was not asked for.
	Coverage *result.Coverage `json:"coverage,omitempty"`
	// Database describes the vulnerability data used, when there was any.
	Database *result.Database `json:"database,omitempty"`
	// Secrets are the credentials found; nil when secret scanning was not
	// asked for.
	Secrets []result.Secret `json:"secrets,omitempty"`
	// Misconfigurations are the failed configuration checks, most severe
	// first; nil when configuration was not checked.
	Misconfigurations []misconfig.Finding `json:"misconfigurations,omitempty"`
	// SuppressedMisconfigurations were set aside by an inline comment, an
	// annotation or a skip list; each says why.
	SuppressedMisconfigurations []misconfig.Finding `json:"suppressedMisconfigurations,omitempty"`
	// ConfigFiles counts the configuration files checked.
	// Signatures: the image's signatures and attestations, and whether
	// one met the policy (bulwark verify, image --require-signature).
	Signatures *result.SignatureCheck `json:"signatures,omitempty"`

	ConfigFiles int              `json:"configFiles,omitempty"`
	Warnings    []result.Warning `json:"warnings,omitempty"`
}

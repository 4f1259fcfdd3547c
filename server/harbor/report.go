package harbor

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/cyclonedx"
	"github.com/bulwark-sec/bulwark/report/spdx"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/severity"
)

// ScannerID is the Scanner schema: who made a report.
type ScannerID struct {
	Name    string `json:"name"`
	Vendor  string `json:"vendor"`
	Version string `json:"version"`
}

// VulnerabilityReport is the HarborVulnerabilityReport schema, served as
// both MimeHarborReport and MimeSecurityReport.
type VulnerabilityReport struct {
	GeneratedAt     time.Time           `json:"generated_at"`
	Artifact        Artifact            `json:"artifact"`
	Scanner         ScannerID           `json:"scanner"`
	Severity        string              `json:"severity"`
	Vulnerabilities []VulnerabilityItem `json:"vulnerabilities"`
}

// VulnerabilityItem is one finding: the VulnerabilityItem schema.
type VulnerabilityItem struct {
	ID               string         `json:"id"`
	Package          string         `json:"package"`
	Version          string         `json:"version"`
	FixVersion       string         `json:"fix_version,omitempty"`
	Severity         string         `json:"severity"`
	Description      string         `json:"description,omitempty"`
	Links            []string       `json:"links,omitempty"`
	PreferredCVSS    *CVSSDetails   `json:"preferred_cvss,omitempty"`
	CWEIDs           []string       `json:"cwe_ids,omitempty"`
	VendorAttributes map[string]any `json:"vendor_attributes,omitempty"`
}

// CVSSDetails is the CVSSDetails schema: the CVSS 3.x and 2.0 base
// scores and vectors.
type CVSSDetails struct {
	ScoreV3  *float64 `json:"score_v3,omitempty"`
	ScoreV2  *float64 `json:"score_v2,omitempty"`
	VectorV3 string   `json:"vector_v3,omitempty"`
	VectorV2 string   `json:"vector_v2,omitempty"`
}

// SBOMReport is the HarborSbomReport schema: our CycloneDX or SPDX
// document under sbom, its format under media_type.
type SBOMReport struct {
	GeneratedAt      time.Time       `json:"generated_at"`
	Artifact         Artifact        `json:"artifact"`
	Scanner          ScannerID       `json:"scanner"`
	VendorAttributes map[string]any  `json:"vendor_attributes,omitempty"`
	MediaType        string          `json:"media_type"`
	SBOM             json.RawMessage `json:"sbom"`
}

// Severity maps Bulwark's rating (CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN) to
// Harbor's. Bulwark never rates a finding Negligible: its ratings are
// CVSS's and the databases', mapped one to one.
func Severity(s string) string {
	switch strings.ToUpper(s) {
	case "CRITICAL":
		return "Critical"
	case "HIGH":
		return "High"
	case "MEDIUM", "MODERATE":
		return "Medium"
	case "LOW":
		return "Low"
	case "NEGLIGIBLE":
		return "Negligible"
	}
	return "Unknown"
}

// artifactOf names the artifact a report is about as Harbor does: the
// repository and manifest digest of the reference the job scanned.
func artifactOf(r *report.Report) Artifact {
	var a Artifact
	if ref, err := name.ParseReference(r.Artifact.Name, name.WeakValidation); err == nil {
		a.Repository = ref.Context().RepositoryStr()
		if d, ok := ref.(name.Digest); ok {
			a.Digest = d.DigestStr()
		}
	}
	if r.Artifact.ManifestDigest != "" {
		a.Digest = r.Artifact.ManifestDigest
	}
	return a
}

// VulnerabilityReportOf turns a scan's report into Harbor's. Suppressed
// findings stay out: they do not count, here as everywhere.
func VulnerabilityReportOf(r *report.Report, scanner ScannerID) *VulnerabilityReport {
	out := &VulnerabilityReport{
		GeneratedAt:     r.CreatedAt.UTC(),
		Artifact:        artifactOf(r),
		Scanner:         scanner,
		Severity:        "Unknown",
		Vulnerabilities: make([]VulnerabilityItem, 0, len(r.Vulnerabilities)),
	}
	layers := map[int]inventory.Layer{}
	for _, l := range r.Inventory.Layers {
		layers[l.Index] = l
	}
	worst := ""
	for _, v := range r.Vulnerabilities {
		if severity.Rank(v.Severity) > severity.Rank(worst) {
			worst = v.Severity
		}
		out.Vulnerabilities = append(out.Vulnerabilities, vulnerabilityItem(v, layers))
	}
	out.Severity = Severity(worst)
	return out
}

func vulnerabilityItem(v result.Vulnerability, layers map[int]inventory.Layer) VulnerabilityItem {
	item := VulnerabilityItem{
		ID:            v.ID,
		Package:       v.Package.Name,
		Version:       v.Package.Version,
		FixVersion:    strings.Join(v.FixedVersions, ", "),
		Severity:      Severity(v.Severity),
		Description:   v.Title,
		Links:         links(v),
		PreferredCVSS: preferredCVSS(v.CVSS),
	}
	attrs := map[string]any{
		"package_type": v.Package.Type,
		"ecosystem":    v.Package.Ecosystem,
		"status":       v.Status,
	}
	if v.Package.PURL != "" {
		attrs["purl"] = v.Package.PURL
	}
	if v.Package.Location != "" {
		attrs["location"] = v.Package.Location
	}
	if l, ok := layers[v.Package.Layer]; ok {
		layer := map[string]any{"index": l.Index}
		if l.Digest != "" {
			layer["digest"] = l.Digest
		}
		if l.DiffID != "" {
			layer["diff_id"] = l.DiffID
		}
		if l.CreatedBy != "" {
			layer["created_by"] = l.CreatedBy
		}
		attrs["layer"] = layer
	}
	if len(v.Aliases) > 0 {
		attrs["aliases"] = v.Aliases
	}
	if len(v.Records) > 0 {
		attrs["records"] = v.Records
	}
	if len(v.CVSS) > 0 {
		all := make([]map[string]any, 0, len(v.CVSS))
		for _, c := range v.CVSS {
			all = append(all, map[string]any{"version": c.Version, "vector": c.Vector, "score": c.Score})
		}
		attrs["cvss"] = all
	}
	if v.KnownExploited {
		attrs["known_exploited"] = true
	}
	if v.EPSS != nil {
		attrs["epss"] = map[string]any{"score": v.EPSS.Score, "percentile": v.EPSS.Percentile}
	}
	if v.Published != "" {
		attrs["published"] = v.Published
	}
	item.VendorAttributes = attrs
	return item
}

// links are the finding's advisory page on osv.dev, which knows every ID
// the database holds, and the references the records give that are web
// addresses.
func links(v result.Vulnerability) []string {
	out := []string{"https://osv.dev/vulnerability/" + url.PathEscape(v.ID)}
	for _, ref := range v.References {
		u, err := url.Parse(ref)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || slices.Contains(out, ref) {
			continue
		}
		out = append(out, ref)
	}
	return out
}

// preferredCVSS picks the newest CVSS 3 rating and the CVSS 2 rating;
// CVSS 4.0 has no field in the schema and stays in vendor_attributes.
func preferredCVSS(all []result.CVSS) *CVSSDetails {
	var d CVSSDetails
	v3 := ""
	for _, c := range all {
		score := c.Score
		switch {
		case strings.HasPrefix(c.Version, "3") && c.Version >= v3:
			v3 = c.Version
			d.ScoreV3, d.VectorV3 = &score, c.Vector
		case strings.HasPrefix(c.Version, "2") && d.ScoreV2 == nil:
			d.ScoreV2, d.VectorV2 = &score, c.Vector
		}
	}
	if d.ScoreV3 == nil && d.ScoreV2 == nil {
		return nil
	}
	return &d
}

// SBOMReportOf renders the scan's inventory as mediaType (MediaSPDX or
// MediaCycloneDX) inside Harbor's SBOM envelope.
func SBOMReportOf(r *report.Report, scanner ScannerID, mediaType string) (*SBOMReport, error) {
	var buf bytes.Buffer
	attrs := map[string]any{"created_by": scanner.Name}
	switch mediaType {
	case MediaSPDX:
		if err := spdx.Write(&buf, r); err != nil {
			return nil, err
		}
		attrs["spec_version"] = "SPDX-2.3"
	case MediaCycloneDX:
		if err := cyclonedx.Write(&buf, r); err != nil {
			return nil, err
		}
		attrs["spec_version"] = "1.6"
	default:
		return nil, fmt.Errorf("harbor: no SBOM format %q", mediaType)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("harbor: %s document: %w", mediaType, err)
	}
	return &SBOMReport{
		GeneratedAt:      r.CreatedAt.UTC(),
		Artifact:         artifactOf(r),
		Scanner:          scanner,
		VendorAttributes: attrs,
		MediaType:        mediaType,
		SBOM:             compact.Bytes(),
	}, nil
}

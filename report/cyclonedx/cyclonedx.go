// Package cyclonedx writes a report as a CycloneDX 1.6 JSON SBOM, using
// the CycloneDX project's own Go library for the document model and
// encoding.
package cyclonedx

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/license"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/severity"
)

// Options make output reproducible in tests; zero values mean a random
// serial number and the report's own timestamp.
type Options struct {
	SerialNumber string // a urn:uuid:...
}

// Write writes r as CycloneDX 1.6 JSON.
func Write(w io.Writer, r *report.Report) error {
	return WriteWith(w, r, Options{})
}

// WriteWith writes r as CycloneDX 1.6 JSON with options.
func WriteWith(w io.Writer, r *report.Report, opts Options) error {
	bom := Build(r, opts)
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("cyclonedx: %w", err)
	}
	return nil
}

// Property names, in Bulwark's namespace (CycloneDX property taxonomy
// convention: <tool>:<name>).
const (
	propLayerIndex    = "bulwark:layer:index"
	propLayerDiffID   = "bulwark:layer:diffID"
	propLocation      = "bulwark:location"
	propSourceName    = "bulwark:package:sourceName"
	propSourceVersion = "bulwark:package:sourceVersion"
	propArch          = "bulwark:package:arch"
	propType          = "bulwark:package:type"
)

// Build returns the BOM for r.
func Build(r *report.Report, opts Options) *cdx.BOM {
	bom := cdx.NewBOM()
	bom.SerialNumber = opts.SerialNumber
	if bom.SerialNumber == "" {
		bom.SerialNumber = "urn:uuid:" + report.NewUUID()
	}
	root := rootComponent(r)
	bom.Metadata = &cdx.Metadata{
		Timestamp: r.CreatedAt.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type:    cdx.ComponentTypeApplication,
			Name:    r.Tool.Name,
			Version: r.Tool.Version,
		}}},
		Component: &root,
	}

	pkgs := append([]inventory.Package(nil), r.Inventory.Packages...)
	report.SortPackages(pkgs)
	components := make([]cdx.Component, 0, len(pkgs)+1)
	var refs []string
	if os := r.Inventory.OS; os != nil {
		c := cdx.Component{
			BOMRef:      "os:" + os.Family + "@" + os.Version,
			Type:        cdx.ComponentTypeOS,
			Name:        os.Family,
			Version:     os.Version,
			Description: os.Name,
		}
		components = append(components, c)
		refs = append(refs, c.BOMRef)
	}
	seen := map[string]int{}
	refOf := map[string]string{} // purl and location → bom-ref
	for _, p := range pkgs {
		c := component(p, r.Inventory.Layers)
		// The same package can sit in two databases of one image; keep
		// references unique without changing the common case.
		if n := seen[c.BOMRef]; n > 0 {
			c.BOMRef = fmt.Sprintf("%s#%d", c.BOMRef, n)
		}
		seen[c.BOMRef]++
		if k := p.PURL + "\x00" + p.Location; refOf[k] == "" {
			refOf[k] = c.BOMRef
		}
		components = append(components, c)
		refs = append(refs, c.BOMRef)
	}
	bom.Components = &components
	deps := []cdx.Dependency{{Ref: root.BOMRef, Dependencies: &refs}}
	bom.Dependencies = &deps
	if r.Database != nil {
		vulns := make([]cdx.Vulnerability, 0, len(r.Vulnerabilities)+len(r.Suppressed))
		for _, v := range append(append([]result.Vulnerability(nil), r.Vulnerabilities...), r.Suppressed...) {
			vulns = append(vulns, vulnerability(v, refOf[v.Package.PURL+"\x00"+v.Package.Location]))
		}
		bom.Vulnerabilities = &vulns
	}
	return bom
}

// vulnerability is one finding in CycloneDX's vulnerability form: the ID
// and its source, ratings from each CVSS vector (or the plain severity),
// the affected component, and for a suppressed finding the analysis a VEX
// consumer reads.
func vulnerability(v result.Vulnerability, ref string) cdx.Vulnerability {
	cv := cdx.Vulnerability{
		BOMRef:      v.ID + "/" + ref,
		ID:          v.ID,
		Source:      sourceOf(v.ID),
		Description: v.Title,
		Published:   v.Published,
		Affects:     &[]cdx.Affects{{Ref: ref}},
	}
	var ratings []cdx.VulnerabilityRating
	for _, c := range v.CVSS {
		score := c.Score
		method := map[string]cdx.ScoringMethod{"2.0": cdx.ScoringMethodCVSSv2, "3.0": cdx.ScoringMethodCVSSv3, "3.1": cdx.ScoringMethodCVSSv31, "4.0": cdx.ScoringMethodCVSSv4}[c.Version]
		ratings = append(ratings, cdx.VulnerabilityRating{Score: &score, Method: method, Vector: c.Vector, Severity: cdx.Severity(strings.ToLower(severity.FromScore(c.Score)))})
	}
	if len(ratings) == 0 {
		ratings = append(ratings, cdx.VulnerabilityRating{Severity: cdx.Severity(strings.ToLower(v.Severity)), Method: cdx.ScoringMethodOther})
	}
	cv.Ratings = &ratings
	if len(v.FixedVersions) > 0 {
		cv.Recommendation = "Upgrade " + v.Package.Name + " to " + v.FixedVersions[0]
	}
	var refs []cdx.VulnerabilityReference
	for _, a := range v.Aliases {
		refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: sourceOf(a)})
	}
	if len(refs) > 0 {
		cv.References = &refs
	}
	var adv []cdx.Advisory
	for _, u := range v.References {
		adv = append(adv, cdx.Advisory{URL: u})
	}
	if len(adv) > 0 {
		cv.Advisories = &adv
	}
	if s := v.Suppression; s != nil {
		a := &cdx.VulnerabilityAnalysis{Detail: s.Reason}
		switch s.Statement {
		case "fixed":
			a.State = cdx.IASResolved
		case "not_affected":
			a.State = cdx.IASNotAffected
		default:
			a.State = cdx.IASFalsePositive // an ignore-file rule: judged not to apply
		}
		cv.Analysis = a
	}
	return cv
}

// sourceOf names the database an ID comes from, by its prefix.
func sourceOf(id string) *cdx.Source {
	prefix, _, _ := strings.Cut(id, "-")
	switch prefix {
	case "CVE":
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case "GHSA":
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	}
	return &cdx.Source{Name: "OSV", URL: "https://osv.dev/vulnerability/" + id}
}

func rootComponent(r *report.Report) cdx.Component {
	a := r.Artifact
	c := cdx.Component{BOMRef: "artifact:" + a.Name, Name: a.Name}
	switch a.Kind {
	case result.KindRootfs:
		c.Type = cdx.ComponentTypeFile
	default:
		c.Type = cdx.ComponentTypeContainer
		c.Version = a.ImageID
		if a.ManifestDigest != "" {
			c.Version = a.ManifestDigest
		}
	}
	var props []cdx.Property
	add := func(n, v string) {
		if v != "" {
			props = append(props, cdx.Property{Name: n, Value: v})
		}
	}
	add("bulwark:artifact:kind", a.Kind)
	add("bulwark:image:id", a.ImageID)
	add("bulwark:image:manifestDigest", a.ManifestDigest)
	add("bulwark:image:platform", strings.Trim(a.OS+"/"+a.Architecture, "/"))
	for _, t := range a.RepoTags {
		add("bulwark:image:repoTag", t)
	}
	for _, d := range a.RepoDigests {
		add("bulwark:image:repoDigest", d)
	}
	for _, l := range r.Inventory.Layers {
		add("bulwark:image:layer:diffID", l.DiffID)
	}
	if len(props) > 0 {
		c.Properties = &props
	}
	return c
}

func component(p inventory.Package, layers []inventory.Layer) cdx.Component {
	ref := p.PURL
	if ref == "" {
		ref = fmt.Sprintf("%s:%s@%s", p.Type, p.Name, p.Version)
	}
	c := cdx.Component{
		BOMRef:     ref,
		Type:       cdx.ComponentTypeLibrary,
		Name:       p.Name,
		Version:    p.Version,
		PackageURL: p.PURL,
	}
	if p.Maintainer != "" {
		c.Supplier = &cdx.OrganizationalEntity{Name: p.Maintainer}
	}
	if len(p.Licenses) > 0 {
		lc := make(cdx.Licenses, 0, len(p.Licenses))
		for _, l := range p.Licenses {
			if id, ok := license.SPDXID(l); ok {
				lc = append(lc, cdx.LicenseChoice{License: &cdx.License{ID: id}})
			} else {
				lc = append(lc, cdx.LicenseChoice{License: &cdx.License{Name: l}})
			}
		}
		c.Licenses = &lc
	}
	props := []cdx.Property{{Name: propType, Value: p.Type}}
	add := func(n, v string) {
		if v != "" {
			props = append(props, cdx.Property{Name: n, Value: v})
		}
	}
	add(propArch, p.Arch)
	add(propSourceName, p.SourceName)
	add(propSourceVersion, p.SourceVersion)
	add(propLocation, p.Location)
	if p.Layer >= 0 {
		add(propLayerIndex, strconv.Itoa(p.Layer))
		if p.Layer < len(layers) {
			add(propLayerDiffID, layers[p.Layer].DiffID)
		}
	}
	c.Properties = &props
	return c
}

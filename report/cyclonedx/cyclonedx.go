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
	for _, p := range pkgs {
		c := component(p, r.Inventory.Layers)
		// The same package can sit in two databases of one image; keep
		// references unique without changing the common case.
		if n := seen[c.BOMRef]; n > 0 {
			c.BOMRef = fmt.Sprintf("%s#%d", c.BOMRef, n)
		}
		seen[c.BOMRef]++
		components = append(components, c)
		refs = append(refs, c.BOMRef)
	}
	bom.Components = &components
	deps := []cdx.Dependency{{Ref: root.BOMRef, Dependencies: &refs}}
	bom.Dependencies = &deps
	return bom
}

func rootComponent(r *report.Report) cdx.Component {
	a := r.Artifact
	c := cdx.Component{BOMRef: "artifact:" + a.Name, Name: a.Name}
	switch a.Kind {
	case report.KindRootfs:
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

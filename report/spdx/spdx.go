// Package spdx writes a report as an SPDX 2.3 JSON document, using the
// SPDX project's own Go library (tools-golang) for the model and encoding.
package spdx

import (
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/license"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

// Options make output reproducible in tests.
type Options struct {
	// Namespace is the documentNamespace URI; empty means a new unique
	// one under NamespaceBase.
	Namespace string
}

// NamespaceBase prefixes generated document namespaces.
const NamespaceBase = "https://bulwark.dev/spdx/"

const noAssertion = "NOASSERTION"

// Write writes r as SPDX 2.3 JSON.
func Write(w io.Writer, r *report.Report) error {
	return WriteWith(w, r, Options{})
}

// WriteWith writes r as SPDX 2.3 JSON with options.
func WriteWith(w io.Writer, r *report.Report, opts Options) error {
	if err := json.Write(Build(r, opts), w, json.Indent("  ")); err != nil {
		return fmt.Errorf("spdx: %w", err)
	}
	return nil
}

// Build returns the SPDX document for r.
func Build(r *report.Report, opts Options) *v2_3.Document {
	name := r.Artifact.Name
	ns := opts.Namespace
	if ns == "" {
		ns = NamespaceBase + sanitize(name) + "-" + report.NewUUID()
	}
	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: ns,
		CreationInfo: &v2_3.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: r.Tool.Name + "-" + r.Tool.Version}},
			Created:  r.CreatedAt.UTC().Format(time.RFC3339),
		},
	}
	root := &v2_3.Package{
		PackageName:             name,
		PackageSPDXIdentifier:   "Artifact",
		PackageVersion:          r.Artifact.ImageID,
		PackageDownloadLocation: noAssertion,
		PackageSupplier:         &common.Supplier{Supplier: noAssertion},
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  noAssertion,
		PackageCopyrightText:    noAssertion,
		PrimaryPackagePurpose:   "CONTAINER",
	}
	if r.Artifact.Kind == result.KindRootfs {
		root.PrimaryPackagePurpose = "FILE"
	}
	if r.Artifact.ManifestDigest != "" {
		root.PackageVersion = r.Artifact.ManifestDigest
	}
	doc.Packages = append(doc.Packages, root)
	doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
		RefA:         common.MakeDocElementID("", "DOCUMENT"),
		RefB:         common.MakeDocElementID("", "Artifact"),
		Relationship: common.TypeRelationshipDescribe,
	})
	contains := func(id common.ElementID) {
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA:         common.MakeDocElementID("", "Artifact"),
			RefB:         common.MakeDocElementID("", string(id)),
			Relationship: common.TypeRelationshipContains,
		})
	}
	if os := r.Inventory.OS; os != nil {
		p := &v2_3.Package{
			PackageName:             os.Family,
			PackageSPDXIdentifier:   common.ElementID("OperatingSystem-" + sanitize(os.Family+"-"+os.Version)),
			PackageVersion:          os.Version,
			PackageDescription:      os.Name,
			PackageDownloadLocation: noAssertion,
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  noAssertion,
			PackageCopyrightText:    noAssertion,
			PrimaryPackagePurpose:   "OPERATING_SYSTEM",
		}
		doc.Packages = append(doc.Packages, p)
		contains(p.PackageSPDXIdentifier)
	}

	pkgs := append([]inventory.Package(nil), r.Inventory.Packages...)
	report.SortPackages(pkgs)
	refs := newLicenseRefs()
	seen := map[common.ElementID]int{}
	for _, p := range pkgs {
		id := common.ElementID("Package-" + sanitize(p.Type+"-"+p.Name+"-"+p.Version+"-"+p.Arch))
		if n := seen[id]; n > 0 {
			id = common.ElementID(fmt.Sprintf("%s-%d", id, n))
		}
		seen[id]++
		sp := &v2_3.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   id,
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			PackageSupplier:         &common.Supplier{Supplier: noAssertion},
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  refs.expression(p.Licenses),
			PackageCopyrightText:    noAssertion,
			PrimaryPackagePurpose:   "LIBRARY",
			PackageSourceInfo:       sourceInfo(p, r.Inventory.Layers),
		}
		if p.Maintainer != "" {
			sp.PackageSupplier = &common.Supplier{SupplierType: "Person", Supplier: p.Maintainer}
		}
		if p.PURL != "" {
			sp.PackageExternalReferences = []*v2_3.PackageExternalReference{{
				Category: common.CategoryPackageManager,
				RefType:  common.TypePackageManagerPURL,
				Locator:  p.PURL,
			}}
		}
		doc.Packages = append(doc.Packages, sp)
		contains(id)
	}
	doc.OtherLicenses = refs.others()
	return doc
}

// sourceInfo says where the package was found, in the free-text field
// SPDX provides for it.
func sourceInfo(p inventory.Package, layers []inventory.Layer) string {
	s := "acquired package info from " + p.Location
	if p.Layer >= 0 && p.Layer < len(layers) {
		s += fmt.Sprintf(" in layer %d", p.Layer)
		if d := layers[p.Layer].DiffID; d != "" {
			s += " (" + d + ")"
		}
	}
	return s
}

// licenseRefs turns license names into an SPDX expression: known
// identifiers as they are, anything else as a LicenseRef- declared in
// hasExtractedLicensingInfos, so that the expression is always valid.
type licenseRefs struct {
	byName map[string]string
}

func newLicenseRefs() *licenseRefs { return &licenseRefs{byName: map[string]string{}} }

func (l *licenseRefs) expression(names []string) string {
	if len(names) == 0 {
		return noAssertion
	}
	var parts []string
	seen := map[string]bool{}
	for _, n := range names {
		id, ok := license.SPDXID(n)
		if !ok {
			id = l.ref(n)
		}
		if !seen[id] {
			seen[id] = true
			parts = append(parts, id)
		}
	}
	// A package database lists every license that applies to some part
	// of the package: all of them are declared.
	return strings.Join(parts, " AND ")
}

func (l *licenseRefs) ref(name string) string {
	if r, ok := l.byName[name]; ok {
		return r
	}
	r := "LicenseRef-" + sanitize(name)
	// Two names can sanitize alike ("GPL 2" and "GPL-2").
	for taken := true; taken; {
		taken = false
		for other, v := range l.byName {
			if v == r && other != name {
				r += "-x"
				taken = true
			}
		}
	}
	l.byName[name] = r
	return r
}

func (l *licenseRefs) others() []*v2_3.OtherLicense {
	var out []*v2_3.OtherLicense
	for name, ref := range l.byName {
		out = append(out, &v2_3.OtherLicense{
			LicenseIdentifier: ref,
			LicenseName:       name,
			ExtractedText:     "The package database names this license \"" + name + "\"; its text was not extracted.",
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LicenseIdentifier < out[j].LicenseIdentifier })
	return out
}

var notIDChars = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// sanitize makes s usable in SPDX identifiers: letters, digits, "." and "-".
func sanitize(s string) string {
	s = notIDChars.ReplaceAllString(s, "-")
	s = strings.Trim(s, "-")
	if s == "" {
		return "unnamed"
	}
	return s
}

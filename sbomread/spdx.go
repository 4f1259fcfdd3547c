package sbomread

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_2"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// spdxPackage is what Read needs of an SPDX package, in either version.
type spdxPackage struct {
	id                              common.ElementID
	name, version, purpose, srcInfo string
	purls                           []string
}

// readSPDX decodes an SPDX 2.2 or 2.3 JSON document with the SPDX
// project's own types (tools-golang). 2.3 only added to 2.2 the fields
// read here (a package's primary purpose), so both decode into the 2.3
// model, once.
func readSPDX(data []byte) (*document, error) {
	var doc v2_3.Document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("SPDX: %w", err)
	}
	if doc.SPDXVersion != v2_3.Version && doc.SPDXVersion != v2_2.Version {
		return nil, fmt.Errorf("%w: spdxVersion %q is not SPDX-2.2 or SPDX-2.3", ErrNotSBOM, doc.SPDXVersion)
	}
	if len(doc.Packages) > MaxComponents {
		return nil, fmt.Errorf("%w: more than %d packages", ErrTooLarge, MaxComponents)
	}
	pkgs := make([]spdxPackage, 0, len(doc.Packages))
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		sp := spdxPackage{id: p.PackageSPDXIdentifier, name: p.PackageName, version: p.PackageVersion, purpose: p.PrimaryPackagePurpose, srcInfo: p.PackageSourceInfo}
		for _, r := range p.PackageExternalReferences {
			if r != nil && r.RefType == common.TypePackageManagerPURL {
				sp.purls = append(sp.purls, r.Locator)
			}
		}
		pkgs = append(pkgs, sp)
	}
	var rels []relationship
	for _, r := range doc.Relationships {
		if r != nil {
			rels = append(rels, relationship{r.RefA, r.RefB, r.Relationship})
		}
	}
	return spdxDocument(doc.SPDXVersion, doc.DocumentName, pkgs, rels), nil
}

type relationship struct {
	a, b common.DocElementID
	typ  string
}

// spdxDocument gathers the packages with package URLs, leaving out what
// the document describes (the image or folder itself) and the operating
// system, which becomes the document's OS.
func spdxDocument(version, name string, pkgs []spdxPackage, rels []relationship) *document {
	d := &document{format: version, subject: name}
	described := map[common.ElementID]bool{}
	for _, r := range rels {
		if strings.EqualFold(r.typ, common.TypeRelationshipDescribe) && r.a.ElementRefID == "DOCUMENT" && r.b.DocumentRefID == "" {
			described[r.b.ElementRefID] = true
		}
	}
	for _, p := range pkgs {
		purpose := strings.ReplaceAll(strings.ToUpper(p.purpose), "_", "-")
		switch {
		case purpose == "OPERATING-SYSTEM":
			if d.os == nil {
				d.os = osFromName(p.name, p.version, "")
			}
		case described[p.id]:
			if d.subject == "" {
				d.subject = p.name
			}
		case len(p.purls) > 0:
			c := component{ref: string(p.id), purl: p.purls[0]}
			c.fromSourceInfo(p.srcInfo)
			d.comps = append(d.comps, c)
		case purpose == "" || purpose == "LIBRARY":
			d.noPURL++
		}
	}
	return d
}

// fromSourceInfo reads the free text SPDX gives a package's origin, in the
// forms tools write there: Bulwark's and Syft's "acquired package info
// from PATH[, PATH...]" (Bulwark adds " in layer N"), Trivy's "package
// found in: PATH" and "built package from: SOURCE VERSION".
func (c *component) fromSourceInfo(s string) {
	if rest, ok := strings.CutPrefix(s, "built package from: "); ok {
		if name, version, ok := strings.Cut(rest, " "); ok {
			c.sourceName, c.sourceVersion = name, version
		} else {
			c.sourceName = rest
		}
		return
	}
	for _, prefix := range []string{"acquired package info from ", "package found in: "} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			rest, _, _ = strings.Cut(rest, ", ")
			rest, _, _ = strings.Cut(rest, " in layer ")
			// Syft names the cataloger first ("DPKG DB: /var/lib/...").
			if i := strings.Index(rest, ": /"); i >= 0 {
				rest = rest[i+2:]
			}
			c.location = strings.TrimPrefix(rest, "/")
			return
		}
	}
}

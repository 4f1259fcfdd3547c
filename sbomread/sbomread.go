// Package sbomread reads an SBOM made elsewhere, a CycloneDX or SPDX JSON
// document, into a report whose inventory the vulnerability stage can
// match (pipeline.Match), as if Bulwark had listed the packages itself.
//
// Everything matching needs comes from the packages' URLs, read back
// through the ecosystem table (inventory.FromPURL): type, name, version,
// arch, source package, and the distribution release of OS packages.
// The operating system is the document's own operating-system component
// when it names a distribution Bulwark knows, otherwise the release the
// package URLs' distro qualifiers name. A few well-known properties that
// Bulwark, Syft and Trivy write fill in the source package where the URL
// leaves it out.
//
// Input is untrusted (the scan server reads uploads): the document is
// bounded in bytes, components and nesting, and anything that is not a
// CycloneDX or SPDX JSON document is an error saying what it is instead.
package sbomread

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

// Bounds on one document. Syft's SPDX of a large image, files included,
// is tens of megabytes and tens of thousands of elements.
const (
	// MaxSize is the largest document read, in bytes.
	MaxSize = 64 << 20
	// MaxComponents bounds the components (CycloneDX) or packages (SPDX).
	MaxComponents = 100_000
	// MaxDepth bounds how deep CycloneDX components nest in each other.
	MaxDepth = 32
)

// ErrNotSBOM means the input is not a CycloneDX or SPDX JSON document.
var ErrNotSBOM = errors.New("not a CycloneDX or SPDX JSON document")

// ErrTooLarge means the document is over one of the bounds above.
var ErrTooLarge = errors.New("SBOM too large")

// Read decodes a CycloneDX (JSON, 1.2 to 1.7) or SPDX (JSON, 2.2 or 2.3)
// document into a report with its Artifact (kind "sbom", named after what
// the document describes) and Inventory filled. Tool and CreatedAt are
// left for the caller, which stamps the report as its own.
func Read(data []byte) (*report.Report, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrTooLarge, len(data), MaxSize)
	}
	kind, err := sniff(data)
	if err != nil {
		return nil, err
	}
	var doc *document
	if kind == "cyclonedx" {
		doc, err = readCycloneDX(data)
	} else {
		doc, err = readSPDX(data)
	}
	if err != nil {
		return nil, err
	}
	return doc.report(), nil
}

// sniff says which format data is in, from its top-level fields, or why it
// is neither.
func sniff(data []byte) (string, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case len(trimmed) == 0:
		return "", fmt.Errorf("%w: the input is empty", ErrNotSBOM)
	case trimmed[0] == '<':
		return "", fmt.Errorf("%w: it looks like XML (CycloneDX XML is not read; write the SBOM as JSON)", ErrNotSBOM)
	case bytes.HasPrefix(trimmed, []byte("SPDXVersion:")):
		return "", fmt.Errorf("%w: it is SPDX tag-value (not read; write the SBOM as SPDX JSON)", ErrNotSBOM)
	case trimmed[0] != '{':
		return "", fmt.Errorf("%w: it is not a JSON object", ErrNotSBOM)
	}
	var head struct {
		BOMFormat   string `json:"bomFormat"`
		SPDXVersion string `json:"spdxVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", fmt.Errorf("%w: %v", ErrNotSBOM, err)
	}
	switch {
	case head.BOMFormat == "CycloneDX":
		return "cyclonedx", nil
	case head.SPDXVersion != "":
		return "spdx", nil
	case head.BOMFormat != "":
		return "", fmt.Errorf("%w: bomFormat is %q, not CycloneDX", ErrNotSBOM, head.BOMFormat)
	}
	return "", fmt.Errorf("%w: a JSON object with neither bomFormat nor spdxVersion", ErrNotSBOM)
}

// document is what either format gives: the subject, the OS the document
// names, and the components that carry package URLs.
type document struct {
	format  string // "CycloneDX 1.6", "SPDX-2.3"
	subject string
	os      *inventory.OS
	comps   []component
	// noPURL counts library components without a package URL, which
	// cannot be matched.
	noPURL int
}

// component is one package of the document.
type component struct {
	ref, purl, location string
	// sourceName and sourceVersion come from properties or free text where
	// the package URL has no upstream qualifier.
	sourceName, sourceVersion string
}

// report turns the document into a report whose inventory matching reads.
func (d *document) report() *report.Report {
	rep := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Artifact:      result.Artifact{Name: d.subject, Kind: result.KindSBOM},
		Inventory:     inventory.Inventory{Packages: []inventory.Package{}, Layers: []inventory.Layer{}},
	}
	warn := func(format string, args ...any) {
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Message: fmt.Sprintf(format, args...)})
	}
	distros := map[inventory.OS]int{}
	for _, c := range d.comps {
		p, os, err := inventory.FromPURL(c.purl)
		if err != nil {
			warn("%s: component %s: %v", d.format, c.ref, err)
			continue
		}
		p.Location = c.location
		if p.SourceName == "" && c.sourceName != "" {
			p.SourceName, p.SourceVersion = c.sourceName, c.sourceVersion
		}
		if os != nil {
			distros[*os]++
		}
		rep.Inventory.Packages = append(rep.Inventory.Packages, p)
	}
	rep.Inventory.OS = chooseOS(d.os, distros)
	if os := rep.Inventory.OS; os != nil {
		for other := range distros {
			if other.Family != os.Family {
				warn("%s: packages of several distributions (%s and %s); OS packages are matched as %s %s", d.format, os.Family, other.Family, os.Family, os.Version)
				break
			}
		}
	}
	if d.noPURL > 0 {
		warn("%s: %d library components have no package URL and were not checked", d.format, d.noPURL)
	}
	return rep
}

// chooseOS picks the inventory's OS: the document's own when it names a
// distribution the ecosystem table knows and its version, otherwise the
// release most package URLs name, otherwise whatever is known (a family
// without a release, which chooses no advisories: matching against
// another release's data would be guesswork).
func chooseOS(named *inventory.OS, distros map[inventory.OS]int) *inventory.OS {
	if named != nil && named.Version != "" {
		if _, ok := ecosystem.ByFamily(named.Family); ok {
			return named
		}
	}
	var best *inventory.OS
	keys := make([]inventory.OS, 0, len(distros))
	for k := range distros {
		keys = append(keys, k)
	}
	// Most packages first, then with a version, then by name: the choice
	// must not depend on map order.
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if distros[a] != distros[b] {
			return distros[a] > distros[b]
		}
		if (a.Version != "") != (b.Version != "") {
			return a.Version != ""
		}
		return a.Family+" "+a.Version < b.Family+" "+b.Version
	})
	for _, k := range keys {
		if k.Version != "" {
			best = &k
			break
		}
	}
	switch {
	case best != nil:
		return best
	case named != nil:
		return named
	case len(keys) > 0:
		return &keys[0]
	}
	return nil
}

// osFromName reads an operating-system component's name and version:
// tools write the os-release ID ("debian"), sometimes the pretty name.
func osFromName(name, version, description string) *inventory.OS {
	family := strings.ToLower(strings.TrimSpace(name))
	if family == "" {
		return nil
	}
	if _, ok := ecosystem.ByFamily(family); !ok {
		if first, _, _ := strings.Cut(family, " "); first != family {
			if _, ok := ecosystem.ByFamily(first); ok {
				family = first
			}
		}
	}
	return &inventory.OS{Family: family, Version: strings.TrimSpace(version), Name: description}
}

// Property names other tools give a package's source package, and how the
// version is put together from them.
var sourceProperties = []struct {
	name, version, release, epoch string
}{
	{name: "bulwark:package:sourceName", version: "bulwark:package:sourceVersion"},
	{name: "syft:metadata:source", version: "syft:metadata:sourceVersion"},
	{name: "aquasecurity:trivy:SrcName", version: "aquasecurity:trivy:SrcVersion", release: "aquasecurity:trivy:SrcRelease", epoch: "aquasecurity:trivy:SrcEpoch"},
}

// locationProperties name the file a package was read from.
var locationProperties = []string{"bulwark:location", "syft:location:0:path", "aquasecurity:trivy:FilePath"}

// fromProperties fills a component's source package and location from the
// properties other tools write.
func (c *component) fromProperties(props map[string]string) {
	for _, sp := range sourceProperties {
		name := props[sp.name]
		if name == "" {
			continue
		}
		v := props[sp.version]
		if r := props[sp.release]; r != "" && v != "" {
			v += "-" + r
		}
		if e := props[sp.epoch]; e != "" && e != "0" && v != "" {
			v = e + ":" + v
		}
		c.sourceName, c.sourceVersion = name, v
		break
	}
	for _, k := range locationProperties {
		if l := props[k]; l != "" {
			c.location = strings.TrimPrefix(l, "/")
			break
		}
	}
}

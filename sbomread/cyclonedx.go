package sbomread

import (
	"bytes"
	"fmt"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// readCycloneDX decodes a CycloneDX JSON BOM with the CycloneDX project's
// library and walks its components, nested ones included.
func readCycloneDX(data []byte) (*document, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("CycloneDX: %w", err)
	}
	// JSON was added to CycloneDX in 1.2; an unknown version decodes as 0.
	if bom.SpecVersion < cdx.SpecVersion1_2 {
		return nil, fmt.Errorf("%w: CycloneDX specVersion missing or not one of 1.2 to 1.7", ErrNotSBOM)
	}
	d := &document{format: "CycloneDX " + bom.SpecVersion.String()}
	w := &cdxWalk{doc: d}
	if m := bom.Metadata; m != nil && m.Component != nil {
		// The subject itself is the artifact, not one of its packages; a
		// subject that nests its parts still lists them.
		d.subject = m.Component.Name
		if err := w.walk(m.Component.Components, 1); err != nil {
			return nil, err
		}
	}
	if err := w.walk(bom.Components, 0); err != nil {
		return nil, err
	}
	return d, nil
}

type cdxWalk struct {
	doc  *document
	seen int
}

func (w *cdxWalk) walk(list *[]cdx.Component, depth int) error {
	if list == nil || len(*list) == 0 {
		return nil
	}
	if depth > MaxDepth {
		return fmt.Errorf("%w: components nest more than %d deep", ErrTooLarge, MaxDepth)
	}
	for i := range *list {
		c := &(*list)[i]
		if w.seen++; w.seen > MaxComponents {
			return fmt.Errorf("%w: more than %d components", ErrTooLarge, MaxComponents)
		}
		switch {
		case c.Type == cdx.ComponentTypeOS:
			if w.doc.os == nil {
				w.doc.os = osFromName(c.Name, c.Version, c.Description)
			}
		case c.PackageURL != "":
			comp := component{ref: c.BOMRef, purl: c.PackageURL}
			if c.Properties != nil {
				props := make(map[string]string, len(*c.Properties))
				for _, p := range *c.Properties {
					if _, ok := props[p.Name]; !ok {
						props[p.Name] = p.Value
					}
				}
				comp.fromProperties(props)
			}
			if comp.ref == "" {
				comp.ref = c.Name
			}
			w.doc.comps = append(w.doc.comps, comp)
		case c.Type == cdx.ComponentTypeLibrary:
			w.doc.noPURL++
		}
		if err := w.walk(c.Components, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// Package jsonreport writes Bulwark's own JSON report: the Report type as
// documented in docs/json.md, indented, with packages in a stable order.
package jsonreport

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/report"
)

// Write writes r as JSON.
func Write(w io.Writer, r *report.Report) error {
	out := *r
	out.Inventory.Packages = append([]inventory.Package(nil), r.Inventory.Packages...)
	report.SortPackages(out.Inventory.Packages)
	if out.Inventory.Packages == nil {
		out.Inventory.Packages = []inventory.Package{}
	}
	if out.Inventory.Layers == nil {
		out.Inventory.Layers = []inventory.Layer{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}

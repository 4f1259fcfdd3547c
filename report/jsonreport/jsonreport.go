// Package jsonreport writes Bulwark's own JSON report: the Report type as
// documented in docs/json.md, indented, with packages in a stable order.
package jsonreport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/misconfig"
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
	// Misconfigurations can number hundreds of thousands on a large
	// folder: they are streamed one by one after the rest of the report
	// instead of being marshalled into one buffer and indented in another.
	streamed := []struct {
		name string
		list []misconfig.Finding
	}{{"misconfigurations", out.Misconfigurations}, {"suppressedMisconfigurations", out.SuppressedMisconfigurations}}
	out.Misconfigurations, out.SuppressedMisconfigurations = nil, nil
	head, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	head = bytes.TrimSuffix(head, []byte("}"))
	head = bytes.TrimRight(head, "\n")
	if _, err := w.Write(head); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	for _, s := range streamed {
		if len(s.list) == 0 {
			continue
		}
		if _, err := fmt.Fprintf(w, ",\n  %q: [", s.name); err != nil {
			return err
		}
		for i := range s.list {
			buf.Reset()
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString("\n    ")
			if err := enc.Encode(&s.list[i]); err != nil {
				return fmt.Errorf("json report: %w", err)
			}
			buf.Truncate(buf.Len() - 1) // Encode's newline
			if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, "\n  ]"); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, "\n}\n")
	return err
}

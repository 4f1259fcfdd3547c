// Package table writes the human-readable report: a summary of what was
// scanned, then one line per package.
package table

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/severity"
)

// baseImage says what an image declares it was built from, or that it
// does not say.
func baseImage(b *result.BaseImage) string {
	switch {
	case b == nil:
		return "unknown (the image declares no org.opencontainers.image.base.name)"
	}
	where := " (declared by a manifest annotation)"
	if b.Source == "label" {
		where = " (declared by a config label)"
	}
	switch {
	case b.Name == "":
		return b.Digest + where
	case b.Digest == "":
		return b.Name + where
	}
	return b.Name + "@" + b.Digest + where
}

// Write writes r as text tables.
func Write(w io.Writer, r *report.Report) error {
	ew := &errWriter{w: w}
	a := r.Artifact
	fmt.Fprintf(ew, "%s (%s)\n", a.Name, a.Kind)
	if a.Kind == result.KindConfig || a.Kind == result.KindHost {
		fmt.Fprintf(ew, "  files:     %d\n\n", r.ConfigFiles)
		if err := writeMisconfigurations(ew, r); err != nil {
			return err
		}
		writeWarnings(ew, r.Warnings)
		return ew.err
	}
	if r.Signatures != nil && r.Inventory.Layers == nil {
		// bulwark verify: the signatures are the report.
		fmt.Fprintf(ew, "  manifest:  %s\n\n", r.Signatures.Subject)
		writeSignatures(ew, r.Signatures)
		writeWarnings(ew, r.Warnings)
		return ew.err
	}
	if a.ImageID != "" {
		fmt.Fprintf(ew, "  image ID:  %s\n", a.ImageID)
	}
	if a.ManifestDigest != "" {
		fmt.Fprintf(ew, "  manifest:  %s\n", a.ManifestDigest)
	}
	if a.OS != "" || a.Architecture != "" {
		fmt.Fprintf(ew, "  platform:  %s/%s\n", a.OS, a.Architecture)
	}
	if a.ImageID != "" {
		fmt.Fprintf(ew, "  base:      %s\n", baseImage(a.BaseImage))
	}
	if os := r.Inventory.OS; os != nil {
		name := os.Name
		if name == "" {
			name = os.Family
		}
		extra := ""
		if os.Distroless {
			extra = ", distroless"
		}
		fmt.Fprintf(ew, "  OS:        %s (%s %s%s)\n", name, os.Family, os.Version, extra)
	} else {
		fmt.Fprintf(ew, "  OS:        not detected\n")
	}
	fmt.Fprintf(ew, "  layers:    %d\n", len(r.Inventory.Layers))
	fmt.Fprintf(ew, "  packages:  %d%s\n\n", len(r.Inventory.Packages), countByType(r.Inventory.Packages))

	if r.Database != nil || r.Secrets != nil || r.Misconfigurations != nil || r.Signatures != nil {
		// A vulnerability, secret or configuration scan: the findings are
		// the report, one section each, a blank line between them.
		sep := ""
		if r.Signatures != nil {
			writeSignatures(ew, r.Signatures)
			sep = "\n"
		}
		if r.Database != nil {
			fmt.Fprint(ew, sep)
			if err := writeVulnerabilities(ew, r); err != nil {
				return err
			}
			sep = "\n"
		}
		if r.Secrets != nil {
			fmt.Fprint(ew, sep)
			if err := writeSecrets(ew, r.Secrets); err != nil {
				return err
			}
			sep = "\n"
		}
		if r.Misconfigurations != nil {
			fmt.Fprint(ew, sep)
			if err := writeMisconfigurations(ew, r); err != nil {
				return err
			}
		}
		writeWarnings(ew, r.Warnings)
		return ew.err
	}
	pkgs := append([]inventory.Package(nil), r.Inventory.Packages...)
	report.SortPackages(pkgs)
	if len(pkgs) > 0 {
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tVERSION\tTYPE\tARCH\tSOURCE\tLAYER\tLICENSE")
		for _, p := range pkgs {
			src := ""
			if p.SourceName != "" && (p.SourceName != p.Name || p.SourceVersion != p.Version) {
				src = p.SourceName
				if p.SourceVersion != "" && p.SourceVersion != p.Version {
					src += " " + p.SourceVersion
				}
			}
			layer := "-"
			if p.Layer >= 0 {
				layer = fmt.Sprint(p.Layer)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Version, p.Type, p.Arch, src, layer, shorten(strings.Join(p.Licenses, ", "), 40))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	writeWarnings(ew, r.Warnings)
	return ew.err
}

func writeWarnings(w io.Writer, warnings []result.Warning) {
	if len(warnings) == 0 {
		return
	}
	fmt.Fprintf(w, "\nwarnings (%d):\n", len(warnings))
	for _, wr := range warnings {
		if wr.Layer >= 0 {
			fmt.Fprintf(w, "  layer %d: %s: %s\n", wr.Layer, wr.Path, wr.Message)
		} else {
			fmt.Fprintf(w, "  %s: %s\n", wr.Path, wr.Message)
		}
	}
}

// writeMisconfigurations writes one line per failed check: severity,
// check, where (file:line and the resource), and what is wrong.
func writeMisconfigurations(w io.Writer, r *report.Report) error {
	fmt.Fprintf(w, "misconfigurations: %d", len(r.Misconfigurations))
	counts := map[string]int{}
	for _, f := range r.Misconfigurations {
		counts[f.Severity]++
	}
	var parts []string
	for _, s := range []string{severity.Critical, severity.High, severity.Medium, severity.Low} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", s, counts[s]))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	if n := len(r.SuppressedMisconfigurations); n > 0 {
		fmt.Fprintf(w, ", %d suppressed", n)
	}
	fmt.Fprintln(w)
	if len(r.Misconfigurations) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tCHECK\tWHERE\tRESOURCE\tMESSAGE")
	for _, f := range r.Misconfigurations {
		where := f.File
		if f.StartLine > 0 {
			where += fmt.Sprintf(":%d", f.StartLine)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Severity, f.CheckID, shortenLeft(where, 50), shorten(f.Resource.String(), 50), shorten(f.Message, 90))
	}
	return tw.Flush()
}

// writeVulnerabilities writes the findings table: one line per
// vulnerability and package, most severe first.
func writeVulnerabilities(w io.Writer, r *report.Report) error {
	counts := map[string]int{}
	for _, v := range r.Vulnerabilities {
		counts[v.Severity]++
	}
	fmt.Fprintf(w, "vulnerabilities: %d", len(r.Vulnerabilities))
	var parts []string
	for _, s := range []string{severity.Critical, severity.High, severity.Medium, severity.Low, severity.Unknown} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", s, counts[s]))
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	if len(r.Suppressed) > 0 {
		fmt.Fprintf(w, ", %d suppressed", len(r.Suppressed))
	}
	fmt.Fprintln(w)
	if len(r.Vulnerabilities) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "PACKAGE\tVULNERABILITY\tSEVERITY\tSTATUS\tINSTALLED\tFIXED IN\tLOCATION\tTITLE")
		for _, v := range r.Vulnerabilities {
			fixed := strings.Join(v.FixedVersions, ", ")
			if v.KnownExploited {
				v.Severity += " (KEV)"
			}
			id := v.ID
			if len(v.Records) > 0 && v.Records[0] != v.ID {
				// The record is what a reader checks the finding against.
				id += " (" + v.Records[0] + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Package.Name, id, v.Severity, v.Status, v.Package.Version, fixed, shortenLeft(v.Package.Location, 40), shorten(v.Title, 50))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	writeCoverage(w, r)
	return nil
}

// writeCoverage is the footer that says what the vulnerability count
// rests on: the packages the database could not speak for, and what its
// sources asked every report to say.
func writeCoverage(w io.Writer, r *report.Report) {
	if r.Database != nil {
		for _, n := range r.Database.Notices {
			fmt.Fprintf(w, "\nNOTE: vulnerability database: %s\n", n)
		}
	}
	if n := r.Coverage.UncoveredPackages(); n > 0 {
		fmt.Fprintf(w, "\nnot checked for vulnerabilities: %d of %d packages\n", n, n+r.Coverage.CoveredPackages())
		for _, e := range r.Coverage.Uncovered {
			fmt.Fprintf(w, "  %s: %d (%s): %s\n", e.Ecosystem, e.Packages, strings.Join(e.Examples, ", "), e.Reason)
		}
	}
}

func countByType(pkgs []inventory.Package) string {
	if len(pkgs) == 0 {
		return ""
	}
	n := map[string]int{}
	var order []string
	for _, p := range pkgs {
		if n[p.Type] == 0 {
			order = append(order, p.Type)
		}
		n[p.Type]++
	}
	if len(order) == 1 {
		return " (" + order[0] + ")"
	}
	var parts []string
	for _, t := range order {
		parts = append(parts, fmt.Sprintf("%s %d", t, n[t]))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// errWriter keeps the first write error so that the many Fprintf calls
// need no checks of their own.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// writeSecrets writes one line per secret: where it is (layer and file,
// or the configuration field), which rule, and the redacted match.
func writeSecrets(w io.Writer, secrets []result.Secret) error {
	fmt.Fprintf(w, "secrets: %d\n", len(secrets))
	if len(secrets) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tRULE\tWHERE\tMATCH\tNOTE")
	for _, s := range secrets {
		where := s.Path
		if s.Line > 0 {
			where += fmt.Sprintf(":%d", s.Line)
		}
		if s.Source == "config" {
			where = "image config " + where
		} else if s.Layer >= 0 {
			where = fmt.Sprintf("layer %d: %s", s.Layer, where)
		}
		var notes []string
		if s.Encoding != "" {
			notes = append(notes, s.Encoding)
		}
		if s.DeletedBy != nil {
			notes = append(notes, fmt.Sprintf("deleted in layer %d, still in layer %d", *s.DeletedBy, s.Layer))
		}
		note := strings.Join(notes, "; ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Severity, s.RuleID, where, s.Match, note)
	}
	return tw.Flush()
}

// shortenLeft keeps the end of a long path, where the file name is.
func shortenLeft(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := len(s) - n + 1
	for cut < len(s) && s[cut]&0xc0 == 0x80 {
		cut++
	}
	return "…" + s[cut:]
}

// WriteChecks lists configuration checks, one line each.
func WriteChecks(w io.Writer, checks []misconfig.Check) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tTARGET\tTITLE")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Target, c.Title)
	}
	return tw.Flush()
}

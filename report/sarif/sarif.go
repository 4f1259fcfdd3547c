// Package sarif writes a report as SARIF 2.1.0, the format code-scanning
// services (GitHub, GitLab, Azure DevOps) import: one rule per
// vulnerability, secret rule or configuration check, one result per
// finding with its file and lines, suppressed findings marked as such.
package sarif

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/severity"
)

const (
	schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	version   = "2.1.0"
	infoURI   = "https://github.com/bulwark-sec/bulwark"
)

type log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool    tool          `json:"tool"`
	Results []sarifResult `json:"results"`
	// OriginalURIBaseIDs says what relative URIs are relative to.
	OriginalURIBaseIDs map[string]artifactLocation `json:"originalUriBaseIds,omitempty"`
	// Invocations carry what a reader of the results must know about
	// them: packages the database did not cover, its sources' notices.
	Invocations []invocation `json:"invocations,omitempty"`
}

type invocation struct {
	ExecutionSuccessful bool           `json:"executionSuccessful"`
	Notifications       []notification `json:"toolExecutionNotifications,omitempty"`
}

type notification struct {
	Level   string `json:"level"`
	Message text   `json:"message"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []rule `json:"rules"`
}

type rule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription text           `json:"shortDescription"`
	FullDescription  *text          `json:"fullDescription,omitempty"`
	Help             *text          `json:"help,omitempty"`
	HelpURI          string         `json:"helpUri,omitempty"`
	DefaultConfig    *configuration `json:"defaultConfiguration,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type configuration struct {
	Level string `json:"level"`
}

type text struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifResult struct {
	RuleID       string         `json:"ruleId"`
	RuleIndex    int            `json:"ruleIndex"`
	Level        string         `json:"level"`
	Message      text           `json:"message"`
	Locations    []location     `json:"locations,omitempty"`
	Suppressions []suppression  `json:"suppressions,omitempty"`
	Properties   map[string]any `json:"properties,omitempty"`
}

type suppression struct {
	Kind          string `json:"kind"` // inSource or external
	Justification string `json:"justification,omitempty"`
}

type location struct {
	PhysicalLocation physicalLocation  `json:"physicalLocation"`
	LogicalLocations []logicalLocation `json:"logicalLocations,omitempty"`
}

type physicalLocation struct {
	ArtifactLocation artifactLocation `json:"artifactLocation"`
	Region           *region          `json:"region,omitempty"`
}

type artifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type region struct {
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine,omitempty"`
}

type logicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind,omitempty"`
}

// Write writes r as one SARIF run.
func Write(w io.Writer, r *report.Report) error {
	b := &builder{index: map[string]int{}}
	for _, v := range r.Vulnerabilities {
		b.vulnerability(r, v, "")
	}
	for _, v := range r.Suppressed {
		reason := "suppressed"
		if v.Suppression != nil {
			reason = v.Suppression.Source + ": " + v.Suppression.Reason
		}
		b.vulnerability(r, v, reason)
	}
	for _, s := range r.Secrets {
		b.secret(r, s)
	}
	for _, f := range r.Misconfigurations {
		b.misconfiguration(f)
	}
	for _, f := range r.SuppressedMisconfigurations {
		b.misconfiguration(f)
	}
	if c := r.Signatures; c != nil && !c.Verified {
		b.signature(r, c)
	}
	out := log{Schema: schemaURI, Version: version, Runs: []run{{
		Tool: tool{Driver: driver{
			Name: "bulwark", Version: r.Tool.Version, InformationURI: infoURI, Rules: b.rules,
		}},
		Results:     b.results,
		Invocations: invocations(r),
	}}}
	if out.Runs[0].Results == nil {
		out.Runs[0].Results = []sarifResult{}
	}
	if out.Runs[0].Tool.Driver.Rules == nil {
		out.Runs[0].Tool.Driver.Rules = []rule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// invocations says, when there is something to say, which packages were
// not checked against any records and what the database's sources asked
// every report to repeat.
func invocations(r *report.Report) []invocation {
	var ns []notification
	if r.Database != nil {
		for _, n := range r.Database.Notices {
			ns = append(ns, notification{Level: "note", Message: text{Text: "vulnerability database: " + n}})
		}
	}
	if r.Coverage != nil {
		for _, e := range r.Coverage.Uncovered {
			msg := fmt.Sprintf("%d %s packages not checked for vulnerabilities (%s): %s", e.Packages, e.Ecosystem, strings.Join(e.Examples, ", "), e.Reason)
			ns = append(ns, notification{Level: "warning", Message: text{Text: msg}})
		}
	}
	if ns == nil {
		return nil
	}
	return []invocation{{ExecutionSuccessful: true, Notifications: ns}}
}

type builder struct {
	rules   []rule
	index   map[string]int
	results []sarifResult
}

// ruleIndex returns the index of rule id, adding it with make when new.
func (b *builder) ruleIndex(id string, make func() rule) int {
	if i, ok := b.index[id]; ok {
		return i
	}
	r := make()
	r.ID = id
	b.index[id] = len(b.rules)
	b.rules = append(b.rules, r)
	return len(b.rules) - 1
}

func (b *builder) vulnerability(r *report.Report, v result.Vulnerability, suppressed string) {
	i := b.ruleIndex(v.ID, func() rule {
		title := v.Title
		if title == "" {
			title = v.ID
		}
		ru := rule{
			Name:             "Vulnerability",
			ShortDescription: text{Text: title},
			FullDescription:  &text{Text: title},
			DefaultConfig:    &configuration{Level: level(v.Severity)},
			Properties:       properties(v.Severity, "vulnerability", "security"),
		}
		if len(v.References) > 0 {
			ru.HelpURI = v.References[0]
		}
		ru.Help = &text{Text: fmt.Sprintf("%s (%s). Records: %s.", title, v.Severity, strings.Join(v.Records, ", "))}
		return ru
	})
	msg := fmt.Sprintf("Package %s %s is affected by %s (%s).", v.Package.Name, v.Package.Version, v.ID, v.Severity)
	if len(v.FixedVersions) > 0 {
		msg += " Fixed in " + strings.Join(v.FixedVersions, ", ") + "."
	} else {
		msg += " No fixed version is published."
	}
	if v.KnownExploited {
		msg += " Listed in CISA's Known Exploited Vulnerabilities catalog."
	}
	uri := v.Package.Location
	if uri == "" {
		uri = r.Artifact.Name
	}
	res := sarifResult{
		RuleID: v.ID, RuleIndex: i, Level: level(v.Severity), Message: text{Text: msg},
		Locations: []location{{
			PhysicalLocation: physicalLocation{ArtifactLocation: artifactLocation{URI: relURI(uri)}},
			LogicalLocations: []logicalLocation{{FullyQualifiedName: v.Package.PURL, Kind: "package"}},
		}},
		Properties: map[string]any{"package": v.Package.Name, "installedVersion": v.Package.Version},
	}
	if v.Package.PURL == "" {
		res.Locations[0].LogicalLocations = nil
	}
	if suppressed != "" {
		res.Suppressions = []suppression{{Kind: "external", Justification: suppressed}}
	}
	b.results = append(b.results, res)
}

func (b *builder) secret(r *report.Report, s result.Secret) {
	i := b.ruleIndex(s.RuleID, func() rule {
		return rule{
			Name:             "Secret",
			ShortDescription: text{Text: s.Title},
			Help:             &text{Text: "A credential is stored in plain text. Revoke it, remove it from the image or repository history, and inject it at run time instead."},
			DefaultConfig:    &configuration{Level: level(s.Severity)},
			Properties:       properties(s.Severity, "secret", "security"),
		}
	})
	msg := fmt.Sprintf("%s: %s", s.Title, s.Match)
	if s.Encoding != "" {
		msg += ", stored " + s.Encoding
	}
	if s.DeletedBy != nil {
		msg += fmt.Sprintf(" (deleted in layer %d, still present in layer %d)", *s.DeletedBy, s.Layer)
	}
	uri := s.Path
	if s.Source == "config" {
		uri = r.Artifact.Name
		msg += " in the image configuration, " + s.Path
	}
	loc := location{PhysicalLocation: physicalLocation{ArtifactLocation: artifactLocation{URI: relURI(uri)}}}
	if s.Line > 0 {
		loc.PhysicalLocation.Region = &region{StartLine: s.Line}
	}
	b.results = append(b.results, sarifResult{RuleID: s.RuleID, RuleIndex: i, Level: level(s.Severity), Message: text{Text: msg}, Locations: []location{loc}})
}

func (b *builder) misconfiguration(f misconfig.Finding) {
	i := b.ruleIndex(f.CheckID, func() rule {
		ru := rule{
			Name:             f.Title,
			ShortDescription: text{Text: f.Title},
			DefaultConfig:    &configuration{Level: level(f.Severity)},
			Properties:       properties(f.Severity, "misconfiguration", f.Target, "security"),
		}
		if f.Rationale != "" {
			ru.FullDescription = &text{Text: f.Rationale}
		}
		help := f.Rationale
		if f.Fix != "" {
			help = strings.TrimSpace(help + " Fix: " + f.Fix)
		}
		if len(f.References) > 0 {
			help += " References: " + strings.Join(f.References, "; ") + "."
		}
		if help != "" {
			ru.Help = &text{Text: help}
		}
		for _, ref := range f.References {
			if strings.HasPrefix(ref, "https://") {
				ru.HelpURI = ref
				break
			}
		}
		return ru
	})
	loc := location{PhysicalLocation: physicalLocation{ArtifactLocation: artifactLocation{URI: relURI(f.File)}}}
	if f.StartLine > 0 {
		loc.PhysicalLocation.Region = &region{StartLine: f.StartLine}
		if f.EndLine > f.StartLine {
			loc.PhysicalLocation.Region.EndLine = f.EndLine
		}
	}
	if res := f.Resource.String(); res != "" {
		loc.LogicalLocations = []logicalLocation{{FullyQualifiedName: res, Kind: "resource"}}
	}
	out := sarifResult{RuleID: f.CheckID, RuleIndex: i, Level: level(f.Severity), Message: text{Text: f.Message}, Locations: []location{loc}}
	if f.Suppression != "" {
		out.Suppressions = []suppression{{Kind: "inSource", Justification: f.Suppression}}
	}
	b.results = append(b.results, out)
}

// signature is the finding of a failed signature check: one rule per
// reason (signature-wrong-key, ...), located at the image.
func (b *builder) signature(r *report.Report, c *result.SignatureCheck) {
	id := "signature-" + c.Reason
	i := b.ruleIndex(id, func() rule {
		return rule{
			Name:             "SignatureNotVerified",
			ShortDescription: text{Text: "No signature of the image meets the policy (" + c.Reason + ")"},
			Help:             &text{Text: "The image may not come from who it claims to. Sign it (cosign sign), or fix the policy's keys, identities or trusted root. See docs/verify.md for each reason."},
			DefaultConfig:    &configuration{Level: "error"},
			Properties:       properties(severity.High, "signature", "supply-chain", "security"),
		}
	})
	loc := location{
		PhysicalLocation: physicalLocation{ArtifactLocation: artifactLocation{URI: relURI(r.Artifact.Name)}},
		LogicalLocations: []logicalLocation{{FullyQualifiedName: c.Subject, Kind: "digest"}},
	}
	msg := fmt.Sprintf("%s: %s (policy: %s)", c.Reason, c.Detail, c.Policy)
	b.results = append(b.results, sarifResult{RuleID: id, RuleIndex: i, Level: "error", Message: text{Text: msg}, Locations: []location{loc}})
}

// level maps a rating to SARIF's levels.
func level(rating string) string {
	switch rating {
	case severity.Critical, severity.High:
		return "error"
	case severity.Medium:
		return "warning"
	}
	return "note"
}

// properties carries the rating as "security-severity", the numeric
// score code-scanning services sort and filter by, and tags.
func properties(rating string, tags ...string) map[string]any {
	score := map[string]string{
		severity.Critical: "9.5", severity.High: "8.0", severity.Medium: "5.5", severity.Low: "2.0",
	}[rating]
	if score == "" {
		score = "0.0"
	}
	t := append([]string(nil), tags...)
	sort.Strings(t)
	return map[string]any{"security-severity": score, "tags": t, "severity": rating}
}

// relURI makes a path a relative URI reference: forward slashes, no
// leading "./" or "/", spaces and other reserved characters escaped.
func relURI(p string) string {
	p = strings.TrimPrefix(strings.ReplaceAll(p, "\\", "/"), "./")
	p = strings.TrimLeft(p, "/")
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"%<>\^:`+"`"+`{|}#?[]`, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

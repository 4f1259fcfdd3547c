package triage

import (
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/result"
)

// Apply splits findings into those that count and those an ignore file
// or a VEX document sets aside (with the reason attached). Either source
// may be nil.
func Apply(vulns []result.Vulnerability, ig *Ignore, vexes []*VEX, today time.Time) (kept, suppressed []result.Vulnerability) {
	for _, v := range vulns {
		if s := suppression(&v, ig, vexes, today); s != nil {
			v.Suppression = s
			suppressed = append(suppressed, v)
			continue
		}
		kept = append(kept, v)
	}
	return kept, suppressed
}

func suppression(v *result.Vulnerability, ig *Ignore, vexes []*VEX, today time.Time) *result.Suppression {
	for _, x := range vexes {
		if s := x.statement(v); s != nil {
			reason := s.Justification
			if s.ImpactStatement != "" {
				reason = strings.TrimSpace(reason + ": " + s.ImpactStatement)
				reason = strings.TrimPrefix(reason, ": ")
			}
			return &result.Suppression{Source: result.SuppressedByVEX, Statement: s.Status, Reason: reason, Document: x.Path}
		}
	}
	if ig != nil {
		if r := ig.rule(v, today); r != nil {
			stmt := r.ID
			if r.Package != "" {
				stmt += " " + r.Package
			}
			if !r.Expires.IsZero() {
				stmt += " exp:" + r.Expires.Format("2006-01-02")
			}
			return &result.Suppression{Source: result.SuppressedByIgnoreFile, Statement: stmt, Reason: r.Reason, Document: ig.Path}
		}
	}
	return nil
}

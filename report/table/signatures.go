package table

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark/result"
)

// writeSignatures writes the verdict, then one line per signature or
// attestation found: kind, verified or why not, where, who signed, what.
func writeSignatures(w io.Writer, c *result.SignatureCheck) {
	if c.Verified {
		fmt.Fprintf(w, "signature: verified (policy: %s)\n", c.Policy)
	} else {
		fmt.Fprintf(w, "signature: NOT VERIFIED: %s (policy: %s)\n  %s\n", c.Reason, c.Policy, c.Detail)
	}
	if len(c.Signatures) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tRESULT\tFORMAT\tLOCATION\tSIGNER\tPREDICATE")
	for _, s := range c.Signatures {
		res := "verified"
		if !s.Verified {
			res = s.Reason
		}
		signer := s.Signer
		if s.SignedAt != nil {
			signer += " at " + s.SignedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Kind, res, s.Format, shorten(s.Location, 40), orDash(shorten(signer, 60)), orDash(predicate(s)))
	}
	tw.Flush()
	for _, s := range c.Signatures {
		if !s.Verified && s.Detail != "" && s.Detail != c.Detail {
			fmt.Fprintf(w, "  %s at %s: %s\n", s.Kind, shorten(s.Location, 40), s.Detail)
		}
	}
}

// predicate says what an attestation claims, briefly.
func predicate(s result.Signature) string {
	p := s.Predicate
	if s.Kind == result.SignatureKindSignature {
		return ""
	}
	if p == nil {
		return s.PredicateType
	}
	var parts []string
	switch p.Kind {
	case "provenance":
		parts = append(parts, "provenance by "+p.Builder)
	case "sbom":
		parts = append(parts, fmt.Sprintf("%s SBOM, %d packages", p.Format, p.Components))
	case "vex":
		parts = append(parts, fmt.Sprintf("VEX, %d statements", p.Statements))
	case "vuln-scan":
		parts = append(parts, "vulnerability scan by "+p.Scanner)
	default:
		parts = append(parts, s.PredicateType)
	}
	return strings.Join(parts, ", ")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// Package severity turns what vulnerability records say about severity —
// CVSS vectors of versions 2.0, 3.0, 3.1 and 4.0, or a database's own word
// ("HIGH", "moderate", Debian's urgency) — into a base score and one
// rating: CRITICAL, HIGH, MEDIUM, LOW or UNKNOWN.
package severity

import (
	"fmt"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/result"
)

// Ratings, highest first.
const (
	Critical = "CRITICAL"
	High     = "HIGH"
	Medium   = "MEDIUM"
	Low      = "LOW"
	Unknown  = "UNKNOWN"
)

// Rank orders ratings: Critical is 4, Unknown 0.
func Rank(rating string) int {
	switch rating {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// Score computes the base score of a CVSS severity entry. ok is false for
// other kinds of entry and for vectors that do not parse.
func Score(s osv.Severity) (result.CVSS, bool) {
	v := strings.TrimSpace(s.Score)
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		c, err := gocvss40.ParseVector(v)
		if err != nil {
			return result.CVSS{}, false
		}
		return result.CVSS{Version: "4.0", Vector: v, Score: c.Score()}, true
	case strings.HasPrefix(v, "CVSS:3.1/"):
		c, err := gocvss31.ParseVector(v)
		if err != nil {
			return result.CVSS{}, false
		}
		return result.CVSS{Version: "3.1", Vector: v, Score: c.BaseScore()}, true
	case strings.HasPrefix(v, "CVSS:3.0/"):
		c, err := gocvss30.ParseVector(v)
		if err != nil {
			return result.CVSS{}, false
		}
		return result.CVSS{Version: "3.0", Vector: v, Score: c.BaseScore()}, true
	case s.Type == "CVSS_V2" || strings.HasPrefix(v, "AV:"):
		c, err := gocvss20.ParseVector(strings.TrimPrefix(v, "CVSS:2.0/"))
		if err != nil {
			return result.CVSS{}, false
		}
		return result.CVSS{Version: "2.0", Vector: v, Score: c.BaseScore()}, true
	}
	return result.CVSS{}, false
}

// FromScore rates a CVSS base score by the bands of the CVSS v3 and v4
// specifications (v2 scores are rated the same way, as NVD does for
// comparison).
func FromScore(score float64) string {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	}
	return Unknown
}

// FromLabel maps a database's own severity word to a rating: GitHub's
// CRITICAL/HIGH/MODERATE/LOW, Ubuntu's and Red Hat's words, Debian's
// urgency (a trailing "*" or "**" marks an urgency guessed by the tracker).
func FromLabel(label string) string {
	switch strings.ToLower(strings.TrimRight(strings.TrimSpace(label), "*")) {
	case "critical":
		return Critical
	case "high", "important":
		return High
	case "moderate", "medium":
		return Medium
	case "low", "negligible", "unimportant":
		return Low
	}
	return Unknown
}

// Assess returns the rating and scored vectors of a list of severity
// entries with a fallback label: the highest-version CVSS score decides
// (v4 over v3.1 over v3.0 over v2), then a distribution's own rating
// entry (type "Ubuntu"), then the label.
func Assess(list []osv.Severity, label string) (string, []result.CVSS) {
	var scored []result.CVSS
	rating := Unknown
	for _, s := range list {
		if c, ok := Score(s); ok {
			scored = append(scored, c)
			continue
		}
		if r := FromLabel(s.Score); r != Unknown && rating == Unknown {
			rating = r
		}
	}
	if best := bestCVSS(scored); best != nil {
		return FromScore(best.Score), scored
	}
	if rating == Unknown {
		rating = FromLabel(label)
	}
	return rating, scored
}

func bestCVSS(list []result.CVSS) *result.CVSS {
	var best *result.CVSS
	for i := range list {
		if best == nil || list[i].Version > best.Version {
			best = &list[i]
		}
	}
	return best
}

// ParseList reads a comma-separated list of severity names, in any case,
// as the set of names to keep. withUnknown allows UNKNOWN, which only
// vulnerabilities have.
func ParseList(list string, withUnknown bool) (map[string]bool, error) {
	keep := map[string]bool{}
	for _, s := range strings.Split(strings.ToUpper(list), ",") {
		s = strings.TrimSpace(s)
		if Rank(s) == 0 && !(withUnknown && s == Unknown) {
			want := "CRITICAL, HIGH, MEDIUM, LOW"
			if withUnknown {
				want += ", UNKNOWN"
			}
			return nil, fmt.Errorf("unknown --severity %q (want %s)", s, want)
		}
		keep[s] = true
	}
	return keep, nil
}

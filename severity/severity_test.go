package severity

import (
	"testing"

	"github.com/bulwark-sec/bulwark/osv"
)

// Scores as FIRST's and NVD's calculators give them for these vectors.
func TestScore(t *testing.T) {
	for _, tt := range []struct {
		typ, vector string
		version     string
		score       float64
	}{
		{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "3.1", 10.0}, // Log4Shell
		{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", "3.1", 7.2},  // lodash CVE-2021-23337
		{"CVSS_V3", "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", "3.0", 5.9},
		{"CVSS_V3", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "3.1", 7.8}, // CVE-2023-4911
		{"CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", 7.5},
		{"CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "4.0", 9.3},
	} {
		c, ok := Score(osv.Severity{Type: tt.typ, Score: tt.vector})
		if !ok || c.Version != tt.version || c.Score != tt.score {
			t.Errorf("%s: got %+v %v, want %s %.1f", tt.vector, c, ok, tt.version, tt.score)
		}
	}
	for _, bad := range []string{"CVSS:3.1/AV:X", "medium", "", "CVSS:4.0/"} {
		if c, ok := Score(osv.Severity{Type: "CVSS_V3", Score: bad}); ok {
			t.Errorf("%q scored %+v", bad, c)
		}
	}
}

func TestAssess(t *testing.T) {
	for _, tt := range []struct {
		list  []osv.Severity
		label string
		want  string
	}{
		{[]osv.Severity{{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}}, "LOW", High},
		{[]osv.Severity{
			{Type: "CVSS_V3", Score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"},
			{Type: "CVSS_V4", Score: "CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"},
		}, "", Low}, // v4 decides
		{[]osv.Severity{{Type: "Ubuntu", Score: "medium"}}, "", Medium},
		{nil, "MODERATE", Medium},
		{nil, "low*", Low},
		{nil, "not yet assigned", Unknown},
		{nil, "", Unknown},
	} {
		if got, _ := Assess(tt.list, tt.label); got != tt.want {
			t.Errorf("Assess(%v, %q) = %s, want %s", tt.list, tt.label, got, tt.want)
		}
	}
	if Rank(Critical) <= Rank(High) || Rank(Low) <= Rank(Unknown) {
		t.Error("rank order")
	}
}

func FuzzScore(f *testing.F) {
	f.Add("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H")
	f.Add("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
	f.Add("AV:N/AC:L/Au:N/C:P/I:P/A:P")
	f.Fuzz(func(t *testing.T, v string) {
		if c, ok := Score(osv.Severity{Type: "CVSS_V2", Score: v}); ok && (c.Score < 0 || c.Score > 10) {
			t.Errorf("%q scored %v", v, c.Score)
		}
	})
}

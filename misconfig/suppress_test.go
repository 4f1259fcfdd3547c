package misconfig

import "testing"

func TestSuppressions(t *testing.T) {
	text := `FROM ubuntu:latest # bulwark:ignore BW-DF-001 pinned by the build system
# bulwark:ignore bw-df-010,BW-DF-011 root is needed to bind port 80

USER root
RUN echo hi
# bulwark:ignore-file BW-DF-020
url: "http://example.com/#not-a-comment bulwark:ignore BW-X"
`
	s := ParseComments([]byte(text))
	cases := []struct {
		id         string
		start, end int
		reason     string
		ok         bool
	}{
		{"BW-DF-001", 1, 1, "pinned by the build system", true},
		{"BW-DF-002", 1, 1, "", false},
		{"BW-DF-010", 4, 4, "root is needed to bind port 80", true},
		{"BW-DF-011", 3, 5, "root is needed to bind port 80", true},
		{"BW-DF-010", 5, 5, "", false},
		{"BW-DF-020", 99, 99, "suppressed inline", true},
		{"BW-X", 7, 7, "", false},
	}
	for _, c := range cases {
		r, ok := s.Reason(c.id, c.start, c.end)
		if ok != c.ok || r != c.reason {
			t.Errorf("Reason(%s, %d-%d) = %q, %v; want %q, %v", c.id, c.start, c.end, r, ok, c.reason, c.ok)
		}
	}
	kept, sup := s.Apply([]Finding{{CheckID: "BW-DF-001", StartLine: 1, EndLine: 1}, {CheckID: "BW-DF-002", StartLine: 1}})
	if len(kept) != 1 || len(sup) != 1 || sup[0].Suppression == "" {
		t.Errorf("Apply: kept %v, suppressed %v", kept, sup)
	}
	if r, ok := AnnotationReason(map[string]string{"ignore.bulwark.dev/BW-K8S-001": "ok"}, "bw-k8s-001"); !ok || r != "ok" {
		t.Errorf("AnnotationReason = %q, %v", r, ok)
	}
}

func TestValidate(t *testing.T) {
	good := Check{ID: "A", Title: "t", Severity: "HIGH", Target: TargetDockerfile, Rationale: "r", Fix: "f"}
	if err := Validate([]Check{good}); err != nil {
		t.Error(err)
	}
	bad := good
	bad.Severity = "SEVERE"
	if err := Validate([]Check{good, good, bad}); err == nil {
		t.Error("Validate accepted a repeated ID and a bad severity")
	}
}

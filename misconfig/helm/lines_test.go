package helm

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLineMap(t *testing.T) {
	template := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      {{- if .Values.hostNetwork }}
      hostNetwork: true
      {{- end }}
      containers:
      - name: app
        image: "{{ .Values.image }}"
        securityContext:
          {{- toYaml .Values.securityContext | nindent 10 }}
      - name: sidecar
        image: busybox
`
	rendered := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: release-name
spec:
  template:
    spec:
      hostNetwork: true
      containers:
      - name: app
        image: "nginx:latest"
        securityContext:
          privileged: true
          runAsUser: 0
      - name: sidecar
        image: busybox
`
	got := LineMap([]byte(template), []byte(rendered))
	// rendered line → template line (0: not mapped)
	want := []int{0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 14, 0, 0, 16, 17}
	if !slices.Equal(got, want) {
		t.Errorf("LineMap:\n got %v\nwant %v", got, want)
	}
	// A key the template has twice (if/else) but the output once is not
	// guessed at.
	got = LineMap([]byte("{{ if .a }}\nrunAsUser: 1\n{{ else }}\nrunAsUser: 2\n{{ end }}\n"), []byte("runAsUser: 1\n"))
	if got[1] != 0 {
		t.Errorf("ambiguous key mapped to line %d", got[1])
	}
}

// TestLineMapRealCharts renders the test charts and checks that every
// mapped line sets the same key in the template as in the output.
func TestLineMapRealCharts(t *testing.T) {
	for _, chart := range []string{"subchart", "chart-with-template-lib-archive-dep"} {
		dir := filepath.Join("testdata/charts", chart)
		rs, err := Render(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		mapped := 0
		for _, r := range rs {
			_, rel, _ := strings.Cut(r.Template, "/")
			src, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				continue // a subchart packaged as .tgz
			}
			m := LineMap(src, r.Data)
			out, tmpl := keyLines(r.Data), keyLines(src)
			for i, tl := range m {
				if tl == 0 {
					continue
				}
				mapped++
				if out[i-1] != tmpl[tl-1] {
					t.Errorf("%s: output line %d (%q) mapped to template line %d (%q)", r.Template, i, out[i-1], tl, tmpl[tl-1])
				}
			}
		}
		if mapped == 0 {
			t.Errorf("%s: no line mapped", chart)
		}
	}
}

func FuzzLineMap(f *testing.F) {
	f.Add([]byte("a: 1\n- b: {{ x }}\n"), []byte("a: 1\n- b: 2\n"))
	f.Fuzz(func(t *testing.T, template, rendered []byte) {
		m := LineMap(template, rendered)
		n := strings.Count(string(template), "\n") + 1
		for _, l := range m {
			if l < 0 || l > n {
				t.Fatalf("line %d outside a %d-line template", l, n)
			}
		}
	})
}

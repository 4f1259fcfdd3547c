package helm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRender feeds values files and --set strings to a small chart that
// walks its values every way templates commonly do. Any input gives
// manifests or an error, never a panic.
func FuzzRender(f *testing.F) {
	dir := filepath.Join(f.TempDir(), "fuzz")
	files := map[string]string{
		"Chart.yaml":  chartYAML,
		"values.yaml": "image:\n  repository: nginx\n  tag: \"1.27\"\nreplicas: 1\nitems: [a, b]\nenv: {A: \"1\"}\n",
		"templates/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-{{ .Values.name | default "app" | trunc 40 }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          env:
          {{- range $k, $v := .Values.env }}
            - name: {{ $k | quote }}
              value: {{ $v | quote }}
          {{- end }}
          args:
          {{- range .Values.items }}
            - {{ . | toString | quote }}
          {{- end }}
{{- with .Values.securityContext }}
          securityContext: {{- toYaml . | nindent 12 }}
{{- end }}
`,
		"templates/cm.yaml": "kind: ConfigMap\ndata:\n  all: {{ toJson .Values | quote }}\n",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Add("replicas: 3\nsecurityContext:\n  privileged: true\n", "image.tag=latest")
	f.Add("items: {a: 1}\nenv: [1, 2]\n", "items[0]=x,env.B=2")
	f.Add("a: &a [*a]\n", "a.b.c[3]=")
	f.Add("name: \"{{ fail \\\"x\\\" }}\"\n", "name=x\\,y")
	f.Fuzz(func(t *testing.T, values, set string) {
		if len(values) > 1<<16 || len(set) > 1<<12 {
			return
		}
		vf := filepath.Join(t.TempDir(), "values.yaml")
		if err := os.WriteFile(vf, []byte(values), 0o644); err != nil {
			t.Fatal(err)
		}
		rs, err := Render(dir, Options{ValuesFiles: []string{vf}, Set: []string{set}})
		if err != nil {
			return
		}
		for _, r := range rs {
			if !strings.HasPrefix(r.Template, "c/templates/") || len(r.Data) == 0 {
				t.Fatalf("bad output %q", r.Template)
			}
		}
	})
}

package helm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

const subchart = "testdata/charts/subchart"

// docs turns a helm template output into sorted "source\n---doc" strings:
// one per YAML document, trimmed, so that Helm's ordering by kind and our
// ordering by template path compare equal.
func helmDocs(t *testing.T, golden string) []string {
	t.Helper()
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, part := range strings.Split(string(data), "---\n# Source: ") {
		part = strings.TrimSpace(part)
		if part == "" || part == "---" {
			continue
		}
		src, doc, _ := strings.Cut(part, "\n")
		out = append(out, src+"\n"+strings.TrimSpace(doc))
	}
	sort.Strings(out)
	return out
}

func renderedDocs(rs []Rendered) []string {
	var out []string
	for _, r := range rs {
		for _, doc := range strings.Split("\n"+string(r.Data), "\n---") {
			if doc = strings.TrimSpace(doc); doc != "" {
				out = append(out, r.Template+"\n"+doc)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestMatchesHelmTemplate renders Helm's own test charts and compares with
// the output `helm template` gives for them, which the Helm repository
// keeps as golden files (see testdata/SOURCES.md).
func TestMatchesHelmTemplate(t *testing.T) {
	tests := []struct {
		name, chart, golden string
		opts                Options
	}{
		{"defaults", subchart, "template.txt", Options{}},
		{"set", subchart, "template-set.txt", Options{Set: []string{"service.name=apache"}}},
		{"values file", subchart, "template-values-files.txt", Options{ValuesFiles: []string{subchart + "/charts/subchartA/values.yaml"}}},
		{"kube version", subchart, "template-with-kube-version.txt", Options{KubeVersion: "1.16.0"}},
		{"subchart import values", subchart, "template-subchart-cm.txt", Options{Set: []string{"configmap.enabled=true", "subchartb.enabled=true"}}},
		{"set over imported values", subchart, "template-subchart-cm-set.txt", Options{Set: []string{"configmap.enabled=true", "subchartb.enabled=true", "configmap.value=baz"}}},
		{"values file over imported values", subchart, "template-subchart-cm-set-file.txt", Options{ValuesFiles: []string{subchart + "/extra_values.yaml"}}},
		{"library subchart archive", "testdata/charts/chart-with-template-lib-archive-dep", "template-chart-with-template-lib-archive-dep.txt", Options{}},
		{"null values delete", "testdata/charts/issue-9027", "issue-9027.txt", Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := Render(tt.chart, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, want := renderedDocs(rs), helmDocs(t, filepath.Join("testdata/expected", tt.golden))
			if strings.Join(got, "\n===\n") != strings.Join(want, "\n===\n") {
				t.Errorf("differs from helm template:\ngot:\n%s\n\nwant:\n%s", strings.Join(got, "\n===\n"), strings.Join(want, "\n===\n"))
			}
			for _, r := range rs {
				if strings.HasSuffix(r.Template, "NOTES.txt") || strings.HasPrefix(filepath.Base(r.Template), "_") {
					t.Errorf("%s rendered", r.Template)
				}
			}
		})
	}
}

// TestValuesChangeOutput: the same chart renders differently with values
// files, --set and --set-string, and the release name and namespace.
func TestValuesChangeOutput(t *testing.T) {
	render := func(o Options) string {
		t.Helper()
		rs, err := Render(subchart, o)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range rs {
			b.WriteString(r.Template + "\n" + string(r.Data))
		}
		return b.String()
	}
	base := render(Options{})
	if !strings.Contains(base, "name: nginx") || !strings.Contains(base, `app.kubernetes.io/instance: "release-name"`) || !strings.Contains(base, "namespace: default") {
		t.Fatalf("defaults not applied:\n%s", base)
	}
	if s := render(Options{Set: []string{"service.name=apache"}}); !strings.Contains(s, "name: apache") {
		t.Error("--set not applied")
	}
	if s := render(Options{SetString: []string{"service.externalPort=8080"}}); !strings.Contains(s, "port: 8080") {
		t.Error("--set-string not applied")
	}
	if s := render(Options{ReleaseName: "prod"}); !strings.Contains(s, `instance: "prod"`) {
		t.Error("release name not applied")
	}
	// Later values files win over earlier ones; --set wins over both.
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte("service:\n  name: first\n  type: NodePort\n"), 0o644)
	os.WriteFile(b, []byte("service:\n  name: second\n"), 0o644)
	s := render(Options{ValuesFiles: []string{a, b}})
	if !strings.Contains(s, "name: second") || !strings.Contains(s, "type: NodePort") || strings.Contains(s, "name: first") {
		t.Errorf("values files not merged in order:\n%s", s)
	}
	if s := render(Options{ValuesFiles: []string{a, b}, Set: []string{"service.name=third"}}); !strings.Contains(s, "name: third") {
		t.Error("--set does not win over values files")
	}
	// A disabled subchart is not rendered.
	if s := render(Options{Set: []string{"subcharta.enabled=false"}}); strings.Contains(s, "charts/subcharta/") {
		t.Error("disabled subchart rendered")
	}
}

func TestReleaseNamespace(t *testing.T) {
	dir := writeChart(t, map[string]string{"Chart.yaml": chartYAML, "templates/ns.yaml": "namespace: {{ .Release.Namespace }}\n"})
	for ns, want := range map[string]string{"": "namespace: default", "shop": "namespace: shop"} {
		rs, err := Render(dir, Options{Namespace: ns})
		if err != nil || len(rs) != 1 || strings.TrimSpace(string(rs[0].Data)) != want {
			t.Errorf("namespace %q: %q %v", ns, rs, err)
		}
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{
		{ValuesFiles: []string{"testdata/missing.yaml"}},
		{ValuesFiles: []string{"https://example.com/values.yaml"}},
		{ValuesFiles: []string{"-"}},
		{Set: []string{"a[x]=1"}},
		{KubeVersion: "not-a-version"},
	} {
		if _, err := Render(subchart, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// writeChart makes a chart in a temp folder from name → content.
func writeChart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "c")
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const chartYAML = "apiVersion: v2\nname: c\nversion: 0.1.0\n"

func TestFailingTemplate(t *testing.T) {
	for name, tpl := range map[string]string{
		"required":     `{{ required "image.tag is required" .Values.image.tag }}`,
		"fail":         `{{ fail "unsupported" }}`,
		"unknown func": `{{ .Values.x | nosuchfunc }}`,
		"syntax":       `{{ if }}`,
		"bad include":  `{{ include "missing" . }}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeChart(t, map[string]string{
				"Chart.yaml": chartYAML, "templates/ok.yaml": "kind: ConfigMap\n", "templates/broken.yaml": tpl,
			})
			_, err := Render(dir, Options{})
			if err == nil || !strings.Contains(err.Error(), "c/templates/broken.yaml") {
				t.Errorf("error %v does not name the template", err)
			}
		})
	}
}

// TestNoClusterNoNetwork: lookup and getHostByName answer empty, and env
// is not available.
func TestNoClusterNoNetwork(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml": chartYAML,
		"templates/cm.yaml": `kind: ConfigMap
data:
  lookup: {{ lookup "v1" "Secret" "default" "x" | toJson | quote }}
  host: {{ getHostByName "example.com" | quote }}
`,
		"values.schema.json": `{"$ref": "https://example.com/schema.json"}`,
	})
	rs, err := Render(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || !strings.Contains(string(rs[0].Data), `lookup: "{}"`) || !strings.Contains(string(rs[0].Data), `host: ""`) {
		t.Errorf("got %q", rs)
	}
}

func TestArchive(t *testing.T) {
	// Package the chart as `helm package` does, then render the archive.
	c, err := loader.Load(subchart)
	if err != nil {
		t.Fatal(err)
	}
	tgz, err := chartutil.Save(c, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Render(tgz, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, want := renderedDocs(rs), helmDocs(t, "testdata/expected/template.txt")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("archive renders differently:\n%s", strings.Join(got, "\n"))
	}
}

// tarGz builds an archive from entries; a nil body is written as size
// bytes of zeros.
func tarGz(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		size := int64(len(e.body))
		if e.body == nil {
			size = e.size
		}
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: size, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if e.body != nil {
			tw.Write(e.body)
			continue
		}
		zero := make([]byte, 1<<20)
		for left := size; left > 0; left -= int64(len(zero)) {
			n := min(left, int64(len(zero)))
			tw.Write(zero[:n])
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

type tarEntry struct {
	name string
	body []byte
	size int64
}

func TestHostileArchives(t *testing.T) {
	chartFile := tarEntry{name: "c/Chart.yaml", body: []byte(chartYAML)}
	many := []tarEntry{chartFile}
	for i := 0; i < MaxFiles+5; i++ {
		many = append(many, tarEntry{name: "c/f" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + "/" + strconv.Itoa(i), body: []byte{}})
	}
	// 13 files of 5 MiB of zeros: each under Helm's per-file limit, but
	// past MaxChartSize together.
	var bomb []tarEntry
	bomb = append(bomb, chartFile)
	for i := 0; i < 13; i++ {
		bomb = append(bomb, tarEntry{name: "c/files/z" + strconv.Itoa(i), size: 5 << 20})
	}
	nested := tarGz(t, bomb)
	tests := []struct {
		name    string
		data    []byte
		errText string
	}{
		{"decompression bomb", tarGz(t, bomb), "decompresses to more than"},
		{"nested bomb", tarGz(t, []tarEntry{chartFile, {name: "c/charts/sub-0.1.0.tgz", body: nested}}), "decompresses to more than"},
		{"too many entries", tarGz(t, many), "more than"},
		{"path traversal", tarGz(t, []tarEntry{chartFile, {name: "c/../../evil.yaml", body: []byte("x")}}), "parent directory"},
		{"not gzip", []byte("just text"), "chart archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.tgz")
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Render(p, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.errText) {
				t.Errorf("error %v, want one containing %q", err, tt.errText)
			}
		})
	}
}

func TestSymlinks(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	os.WriteFile(secret, []byte("top secret"), 0o644)
	dir := writeChart(t, map[string]string{
		"Chart.yaml":        chartYAML,
		"templates/cm.yaml": "kind: ConfigMap\ndata:\n  s: {{ .Files.Get \"leak.txt\" | quote }}\n",
		"shared/inside.txt": "shared",
	})
	// A symlink inside the chart is followed, as Helm does.
	if err := os.Symlink(filepath.Join(dir, "shared", "inside.txt"), filepath.Join(dir, "leak.txt")); err != nil {
		t.Skip("no symlinks:", err)
	}
	rs, err := Render(dir, Options{})
	if err != nil || len(rs) != 1 || !strings.Contains(string(rs[0].Data), `s: "shared"`) {
		t.Fatalf("inside symlink: %v %q", err, rs)
	}
	// One leaving the chart is refused.
	os.Remove(filepath.Join(dir, "leak.txt"))
	os.Symlink(secret, filepath.Join(dir, "leak.txt"))
	if _, err := Render(dir, Options{}); err == nil || !strings.Contains(err.Error(), "outside the chart") {
		t.Errorf("error %v, want the symlink refused", err)
	}
	// So is a loop, and a device.
	os.Remove(filepath.Join(dir, "leak.txt"))
	os.Symlink(dir, filepath.Join(dir, "shared", "loop"))
	if _, err := Render(dir, Options{}); err == nil {
		t.Error("symlink loop: no error")
	}
	os.Remove(filepath.Join(dir, "shared", "loop"))
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero")); err == nil {
		if _, err := Render(dir, Options{}); err == nil {
			t.Error("symlink to a device: no error")
		}
	}
}

func TestRenderBounds(t *testing.T) {
	t.Run("literal repeat", func(t *testing.T) {
		for _, tpl := range []string{
			`{{ range until 100000000 }}x{{ end }}`,
			`{{ repeat 2000000000 "x" }}`,
			`{{ if true }}{{ $x := untilStep 0 900000000 1 }}{{ end }}`,
			`{{ define "a" }}{{ seq 1 999999999 }}{{ end }}`,
		} {
			dir := writeChart(t, map[string]string{"Chart.yaml": chartYAML, "templates/x.yaml": tpl})
			if _, err := Render(dir, Options{}); err == nil || !strings.Contains(err.Error(), "repetitions") {
				t.Errorf("%s: error %v", tpl, err)
			}
		}
	})
	t.Run("output cap", func(t *testing.T) {
		// Within the literal limit, but many times over: caught by the
		// output cap.
		dir := writeChart(t, map[string]string{
			"Chart.yaml": chartYAML, "values.yaml": "count: 100000\n",
			"templates/x.yaml": `{{ range until (int .Values.count) }}{{ repeat 100 "x" }}{{ end }}`,
		})
		if _, err := render(dir, Options{}, limits{timeout: time.Minute, output: 1 << 20}); err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		// Includes fanning out tenfold per level: far too slow to finish.
		tpl := `{{ define "l0" }}x{{ end }}`
		for i := 1; i <= 6; i++ {
			prev := "l" + strconv.Itoa(i-1)
			tpl += `{{ define "l` + strconv.Itoa(i) + `" }}{{ range until 10 }}{{ include "` + prev + `" . }}{{ end }}{{ end }}`
		}
		tpl += `{{ include "l6" . | len }}`
		dir := writeChart(t, map[string]string{"Chart.yaml": chartYAML, "templates/x.yaml": tpl})
		start := time.Now()
		_, err := render(dir, Options{}, limits{timeout: 200 * time.Millisecond, output: MaxOutput})
		if err == nil || !strings.Contains(err.Error(), "longer than") {
			t.Errorf("error %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
}

func TestLibraryChart(t *testing.T) {
	dir := writeChart(t, map[string]string{"Chart.yaml": chartYAML + "type: library\n", "templates/_x.tpl": `{{ define "x" }}y{{ end }}`})
	rs, err := Render(dir, Options{})
	if err != nil || len(rs) != 0 {
		t.Errorf("library chart: %v %v", rs, err)
	}
}

func TestIsChart(t *testing.T) {
	if !IsChart(subchart) || !IsChart(subchart+"/charts/subchartA") {
		t.Error("chart not recognised")
	}
	if IsChart("testdata") || IsChart(subchart+"/templates") || IsChart("testdata/none") {
		t.Error("non-chart recognised")
	}
}

// TestMissingDependency: a dependency declared in Chart.yaml but not
// vendored under charts/ (helm dependency build not run) does not stop
// the chart's own templates from rendering.
func TestMissingDependency(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"Chart.yaml":        chartYAML + "dependencies:\n  - name: redis\n    version: 1.x\n    repository: https://charts.example.com\n",
		"templates/cm.yaml": "kind: ConfigMap\n",
	})
	rs, err := Render(dir, Options{})
	if err != nil || len(rs) != 1 || rs[0].Template != "c/templates/cm.yaml" {
		t.Errorf("got %v %v", rs, err)
	}
}

func BenchmarkRender(b *testing.B) {
	for b.Loop() {
		if _, err := Render(subchart, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestValuesBomb: YAML alias bombs in a chart's values.yaml or a values
// file are refused quickly (the YAML decoder Helm uses limits aliasing).
func TestValuesBomb(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 8; i++ {
		n := string(rune('b' + i))
		bomb += n + ": &" + n + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = n
	}
	dir := writeChart(t, map[string]string{"Chart.yaml": chartYAML, "templates/cm.yaml": "kind: ConfigMap\n"})
	vf := filepath.Join(t.TempDir(), "bomb.yaml")
	os.WriteFile(vf, []byte(bomb), 0o644)
	start := time.Now()
	if _, err := Render(dir, Options{ValuesFiles: []string{vf}}); err == nil {
		t.Error("values file bomb: no error")
	}
	os.WriteFile(filepath.Join(dir, "values.yaml"), []byte(bomb), 0o644)
	if _, err := Render(dir, Options{}); err == nil {
		t.Error("values.yaml bomb: no error")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

package kustomize

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

// TestMatchesKustomize builds the base and overlay of kustomize's own
// "medium" test and compares with the output kustomize's tests expect
// (see testdata/SOURCES.md).
func TestMatchesKustomize(t *testing.T) {
	for _, name := range []string{"base", "overlay"} {
		t.Run(name, func(t *testing.T) {
			got, err := Build("testdata", "testdata/medium/"+name)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile("testdata/medium/" + name + ".expected.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(string(got)) != strings.TrimSpace(string(want)) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// objects decodes a build's output into kind/name strings.
func objects(t *testing.T, out []byte) []string {
	t.Helper()
	objs, err := manifest.Decode("out.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, o := range objs {
		s = append(s, o.Kind+"/"+o.Name)
	}
	return s
}

func TestBuild(t *testing.T) {
	tests := []struct {
		root, dir string
		want      string
	}{
		{"testdata/multibase", "testdata/multibase/base", "Pod/myapp-pod"},
		// An overlay over ../base: inside the root, allowed.
		{"testdata/multibase", "testdata/multibase/dev", "Pod/dev-myapp-pod"},
		{"testdata", "testdata/localize-simple", "Deployment/localize-test-deployment-simple Service/localize-test-service-simple"},
		// The root itself may be the kustomization.
		{"testdata/localize-simple", "testdata/localize-simple", "Deployment/localize-test-deployment-simple Service/localize-test-service-simple"},
	}
	for _, tt := range tests {
		out, err := Build(tt.root, tt.dir)
		if err != nil {
			t.Errorf("%s: %v", tt.dir, err)
			continue
		}
		if got := strings.Join(objects(t, out), " "); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.dir, got, tt.want)
		}
	}
}

// TestOverlayNeedsBaseInsideRoot: the same overlay fails when the root
// does not contain its base.
func TestOverlayNeedsBaseInsideRoot(t *testing.T) {
	_, err := Build("testdata/multibase/dev", "testdata/multibase/dev")
	if err == nil || !strings.Contains(err.Error(), "outside the scanned folder") {
		t.Errorf("error %v, want the base refused", err)
	}
	if _, err := Build("testdata/multibase/dev", "testdata/multibase/base"); !errors.Is(err, ErrOutside) {
		t.Errorf("dir outside root: %v", err)
	}
}

// kust writes files into a temp root and returns it.
func kust(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, data := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n"

// TestNoRemote: every way of naming a remote resource is refused before
// kustomize would fetch it (the machine running the tests has no network:
// a fetch attempt would show up as a different error or a hang).
func TestNoRemote(t *testing.T) {
	refs := map[string]string{
		"resources https":      "resources:\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v3.3.1\n",
		"resources github":     "resources:\n- github.com/kubernetes-sigs/kustomize/examples/multibases?ref=v1.0.6\n",
		"resources scp":        "resources:\n- git@github.com:owner/repo.git//base\n",
		"resources ssh":        "resources:\n- ssh://git@example.com/owner/repo\n",
		"resources git::":      "resources:\n- git::https://example.com/repo.git\n",
		"resources file url":   "resources:\n- file:///etc/repo.git\n",
		"bases":                "bases:\n- https://example.com/base\n",
		"components":           "components:\n- https://example.com/component\n",
		"patch path":           "resources: [pod.yaml]\npatches:\n- path: https://example.com/patch.yaml\n",
		"strategic merge":      "resources: [pod.yaml]\npatchesStrategicMerge:\n- https://example.com/patch.yaml\n",
		"configmap files":      "configMapGenerator:\n- name: c\n  files:\n  - key=https://example.com/secret\n",
		"configmap envs":       "configMapGenerator:\n- name: c\n  envs: [http://example.com/a.env]\n",
		"openapi":              "openapi:\n  path: https://example.com/schema.json\n",
		"replacements":         "replacements:\n- path: https://example.com/r.yaml\n",
		"inline transformer":   "resources: [pod.yaml]\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: PatchTransformer\n  metadata:\n    name: p\n  path: https://example.com/patch.yaml\n",
		"transformer from url": "transformers:\n- https://example.com/t.yaml\n",
		"helm":                 "helmCharts:\n- name: minecraft\n  repo: https://itzg.github.io/minecraft-server-charts\n  version: 3.1.3\n",
	}
	for name, k := range refs {
		t.Run(name, func(t *testing.T) {
			root := kust(t, map[string]string{"kustomization.yaml": k, "pod.yaml": pod})
			start := time.Now()
			_, err := Build(root, root)
			if err == nil {
				t.Fatal("no error")
			}
			if name != "helm" && !errors.Is(err, ErrRemote) {
				t.Errorf("error %v, want ErrRemote", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: something tried the network", d)
			}
		})
	}
	// A transformer configuration read from a file is checked too.
	root := kust(t, map[string]string{
		"kustomization.yaml": "resources: [pod.yaml]\ntransformers: [t.yaml]\n",
		"pod.yaml":           pod,
		"t.yaml":             "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: https://example.com/patch.yaml\n",
	})
	if _, err := Build(root, root); !errors.Is(err, ErrRemote) {
		t.Errorf("transformer file: %v", err)
	}
	// kustomize's own example of a remote base.
	if _, err := Build("testdata", "testdata/localize-remote"); !errors.Is(err, ErrRemote) {
		t.Errorf("localize-remote: %v", err)
	}
}

// TestRemoteLookalikes: local references and resources that merely
// mention URLs build.
func TestRemoteLookalikes(t *testing.T) {
	root := kust(t, map[string]string{
		"kustomization.yaml": "resources:\n- ./pod.yaml\n- cm.yaml\ncommonAnnotations:\n  docs: https://example.com/runbook\nconfigMapGenerator:\n- name: g\n  files:\n  - key=data.txt\n",
		"pod.yaml":           pod,
		"cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: urls\ndata:\n  path: https://example.com/a\n",
		"data.txt":           "x",
	})
	out, err := Build(root, root)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(objects(t, out), " "); !strings.Contains(got, "Pod/p") || !strings.Contains(got, "ConfigMap/urls") {
		t.Errorf("got %s", got)
	}
}

// TestEscapes: a kustomization cannot read outside the root, by relative
// path, absolute path or symlink, nor outside its own folder for files.
func TestEscapes(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.yaml"), []byte(pod), 0o644)
	os.MkdirAll(filepath.Join(outside, "base"), 0o755)
	os.WriteFile(filepath.Join(outside, "base", "kustomization.yaml"), []byte("resources: [secret.yaml]\n"), 0o644)
	os.WriteFile(filepath.Join(outside, "base", "secret.yaml"), []byte(pod), 0o644)
	up := strings.Repeat("../", 12)
	tests := map[string]struct {
		files    map[string]string
		symlinks map[string]string // link name → target
	}{
		"relative file":   {files: map[string]string{"kustomization.yaml": "resources:\n- " + up + "etc/hostname\n"}},
		"absolute file":   {files: map[string]string{"kustomization.yaml": "resources:\n- /etc/hostname\n"}},
		"relative folder": {files: map[string]string{"kustomization.yaml": "resources:\n- " + up + strings.TrimPrefix(filepath.Join(outside, "base"), "/") + "\n"}},
		"generator file":  {files: map[string]string{"kustomization.yaml": "configMapGenerator:\n- name: c\n  files: [" + up + "etc/passwd]\n"}},
		"symlinked file": {
			files:    map[string]string{"kustomization.yaml": "resources: [link.yaml]\n"},
			symlinks: map[string]string{"link.yaml": filepath.Join(outside, "secret.yaml")},
		},
		"symlinked folder": {
			files:    map[string]string{"kustomization.yaml": "resources: [linked]\n"},
			symlinks: map[string]string{"linked": filepath.Join(outside, "base")},
		},
		"symlinked env file": {
			files:    map[string]string{"kustomization.yaml": "configMapGenerator:\n- name: c\n  envs: [x.env]\n"},
			symlinks: map[string]string{"x.env": "/etc/hostname"},
		},
		// Inside the root but outside the kustomization's folder: refused
		// for files (kustomize's root-only rule), as kustomize build does.
		"sibling file": {files: map[string]string{"app/kustomization.yaml": "resources: [../other/pod.yaml]\n", "other/pod.yaml": pod}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			root := kust(t, tt.files)
			for link, target := range tt.symlinks {
				if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
					t.Skip("no symlinks:", err)
				}
			}
			dir := root
			if _, ok := tt.files["app/kustomization.yaml"]; ok {
				dir = filepath.Join(root, "app")
			}
			out, err := Build(root, dir)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if strings.Contains(string(out), "name: p") {
				t.Error("outside file read")
			}
		})
	}
}

func TestNoPlugins(t *testing.T) {
	for name, k := range map[string]string{
		"exec plugin":     "generators:\n- |-\n  apiVersion: someteam.example.com/v1\n  kind: ChartInflator\n  metadata:\n    name: x\n    annotations:\n      config.kubernetes.io/function: |\n        exec:\n          path: /bin/sh\n",
		"container fn":    "transformers:\n- |-\n  apiVersion: example.com/v1\n  kind: Fn\n  metadata:\n    name: x\n    annotations:\n      config.kubernetes.io/function: |\n        container:\n          image: example.com/fn:1\n",
		"legacy go/exec":  "generators: [gen.yaml]\n",
		"helm inflator":   "generators:\n- |-\n  apiVersion: builtin\n  kind: HelmChartInflationGenerator\n  metadata:\n    name: x\n  chartName: minecraft\n",
		"inline helm map": "helmChartInflationGenerator:\n- chartName: x\n",
	} {
		t.Run(name, func(t *testing.T) {
			root := kust(t, map[string]string{
				"kustomization.yaml": k, "pod.yaml": pod,
				"gen.yaml": "apiVersion: someteam.example.com/v1\nkind: SecretsFromDatabase\nmetadata:\n  name: x\n",
			})
			if _, err := Build(root, root); err == nil {
				t.Error("plugin ran")
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 8; i++ {
		n := string(rune('b' + i))
		bomb += n + ": &" + n + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = n
	}
	tests := map[string]map[string]string{
		"bomb in resource":      {"kustomization.yaml": "resources: [bomb.yaml]\n", "bomb.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n" + strings.Replace(bomb, "a: &a", "data: &a", 1)},
		"bomb in kustomization": {"kustomization.yaml": bomb + "resources: [pod.yaml]\n", "pod.yaml": pod},
		"syntax error":          {"kustomization.yaml": "resources: [pod.yaml\n"},
		"not a kustomization":   {"kustomization.yaml": "- a\n- b\n"},
		"missing resource":      {"kustomization.yaml": "resources: [nothere.yaml]\n"},
		"cycle":                 {"kustomization.yaml": "resources: [a]\n", "a/kustomization.yaml": "resources: [../b]\n", "b/kustomization.yaml": "resources: [../a]\n"},
		"no kustomization":      {"pod.yaml": pod},
		"deep nesting":          {"kustomization.yaml": "resources: [deep.yaml]\n", "deep.yaml": strings.Repeat("[", 10000) + strings.Repeat("]", 10000)},
	}
	for name, files := range tests {
		t.Run(name, func(t *testing.T) {
			root := kust(t, files)
			start := time.Now()
			if out, err := Build(root, root); err == nil {
				t.Errorf("no error; output:\n%.500s", out)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	big := kust(t, map[string]string{"kustomization.yaml": "resources: [big.yaml]\n"})
	f, _ := os.Create(filepath.Join(big, "big.yaml"))
	f.Truncate(MaxFileSize + 1)
	f.Close()
	if _, err := Build(big, big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}

func TestIsKustomization(t *testing.T) {
	for dir, want := range map[string]bool{
		"testdata/multibase/dev": true, "testdata/medium/overlay": true, "testdata/medium": false,
		"testdata/medium/overlay/configmap": false, "testdata/none": false,
	} {
		if got := IsKustomization(dir); got != want {
			t.Errorf("%s: %v, want %v", dir, got, want)
		}
	}
	for _, name := range []string{"kustomization.yml", "Kustomization"} {
		root := kust(t, map[string]string{name: "resources: [pod.yaml]\n", "pod.yaml": pod})
		if !IsKustomization(root) {
			t.Errorf("%s not recognised", name)
		}
		if _, err := Build(root, root); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := Build("testdata", "testdata/medium/overlay"); err != nil {
			b.Fatal(err)
		}
	}
}

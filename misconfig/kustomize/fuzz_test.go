package kustomize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzBuild writes fuzzed kustomization.yaml contents into a folder that
// holds a resource, a base, an env file and a component, next to a folder
// outside the root holding a resource with a marker name. Any input gives
// output or an error, never a panic or exit, and nothing from outside the
// root is ever read.
func FuzzBuild(f *testing.F) {
	parent := f.TempDir()
	root := filepath.Join(parent, "root")
	files := map[string]string{
		"root/pod.yaml":                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n",
		"root/base/kustomization.yaml": "resources: [deploy.yaml]\n",
		"root/base/deploy.yaml":        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n",
		"root/comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: c-\n",
		"root/app.env":                 "A=1\nB=2\n",
		"outside/kustomization.yaml":   "resources: [secret.yaml]\n",
		"outside/secret.yaml":          "apiVersion: v1\nkind: Secret\nmetadata:\n  name: outside-marker\n",
	}
	for name, data := range files {
		p := filepath.Join(parent, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Add("resources: [pod.yaml, base]\nnamePrefix: x-\n")
	f.Add("resources: [../outside]\n")
	f.Add("resources: [base]\ncomponents: [comp]\nconfigMapGenerator:\n- name: c\n  envs: [app.env]\n")
	f.Add("resources: [pod.yaml]\npatches:\n- patch: |-\n    - op: replace\n      path: /metadata/name\n      value: q\n  target:\n    kind: Pod\n")
	f.Add("resources: [pod.yaml]\nimages:\n- name: nginx\n  newTag: \"1.28\"\nreplicas:\n- name: d\n  count: 3\n")
	f.Add("resources: [https://example.com/x]\n")
	f.Fuzz(func(t *testing.T, kustomization string) {
		if len(kustomization) > 1<<16 {
			return
		}
		if err := os.WriteFile(filepath.Join(root, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := Build(root, root)
		if err != nil {
			return
		}
		if strings.Contains(string(out), "outside-marker") {
			t.Fatalf("read outside the root:\n%s", out)
		}
		if len(out) > MaxOutput {
			t.Fatalf("output of %d bytes", len(out))
		}
	})
}

package custom

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

const manifests = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {acme.example/owner: shop-team}
spec:
  template:
    spec:
      initContainers:
      - name: migrate
        image: docker.io/library/busybox:1.36
      containers:
      - name: app
        image: registry.acme.example/shop/web:1.4
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  annotations:
    ignore.bulwark.dev/ACME-001: "upstream postgres is approved"
spec:
  template:
    spec:
      containers:
      - name: postgres
        image: postgres:16
---
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  containers:
  - name: shell
    image: registry.acme.example/tools/shell:2
`

func load(t *testing.T) *Policies {
	t.Helper()
	p, err := Load("testdata/policies")
	if err != nil {
		t.Fatal(err)
	}
	if err := misconfig.Validate(withDefaults(p.Checks())); err != nil {
		t.Fatal(err)
	}
	return p
}

// withDefaults fills what Validate requires and policies may leave out.
func withDefaults(cs []misconfig.Check) []misconfig.Check {
	for i := range cs {
		if cs[i].Rationale == "" {
			cs[i].Rationale = "-"
		}
		if cs[i].Fix == "" {
			cs[i].Fix = "-"
		}
	}
	return cs
}

func TestKubernetesPolicies(t *testing.T) {
	p := load(t)
	objs, err := manifest.Decode("deploy.yaml", []byte(manifests))
	if err != nil {
		t.Fatal(err)
	}
	fs, errs := p.CheckObjects(objs)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s %s:%d %s %q supp=%q", f.CheckID, f.File, f.StartLine, f.Resource, f.Message, f.Suppression))
	}
	want := []string{
		`ACME-001 deploy.yaml:10 Deployment/web[migrate] "image is not from registry.acme.example" supp=""`,
		`ACME-001 deploy.yaml:26 StatefulSet/db[postgres] "image is not from registry.acme.example" supp="upstream postgres is approved"`,
		`ACME-002 deploy.yaml:16 StatefulSet/db "Deployments name an owner: StatefulSet/db fails the check" supp=""`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestDockerfilePolicies(t *testing.T) {
	p := load(t)
	df := "ARG V=1\nFROM mirror.acme.example/golang:1.23 AS build\nRUN go build\nFROM docker.io/library/alpine:3.20\nCOPY --from=build /app /app\n"
	fs, err := p.CheckDockerfile("Dockerfile", []byte(df))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, fmt.Sprintf("%s:%d", f.CheckID, f.StartLine))
	}
	if strings.Join(got, " ") != "ACME-DF-001:4 ACME-DF-002:0" {
		t.Errorf("got %v", got)
	}
	ok := "FROM mirror.acme.example/golang:1.23 AS build\nFROM build\nUSER 10001\n"
	if fs, err := p.CheckDockerfile("Dockerfile", []byte(ok)); err != nil || len(fs) != 0 {
		t.Errorf("compliant Dockerfile: %v %v", fs, err)
	}
}

func TestCompileErrors(t *testing.T) {
	for name, text := range map[string]string{
		"unknown key":   "checks: [{id: X-1, expresion: 'true'}]",
		"no id":         "checks: [{expression: 'true'}]",
		"reserved id":   "checks: [{id: BW-K8S-001, expression: 'true'}]",
		"repeated":      "checks: [{id: X-1, expression: 'true'}, {id: x-1, expression: 'true'}]",
		"not bool":      "checks: [{id: X-1, expression: '1 + 2'}]",
		"syntax":        "checks: [{id: X-1, expression: 'object.'}]",
		"unknown var":   "checks: [{id: X-1, expression: 'pod.spec == null'}]",
		"bad severity":  "checks: [{id: X-1, severity: urgent, expression: 'true'}]",
		"bad target":    "checks: [{id: X-1, target: terraform, expression: 'true'}]",
		"bad scope":     "checks: [{id: X-1, scope: instruction, expression: 'true'}]",
		"no expression": "checks: [{id: X-1}]",
	} {
		specs, err := Parse([]byte(text))
		if err == nil {
			_, err = Compile(specs)
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// An expression cannot run away: the cost limit stops it, as an error.
func TestCostLimit(t *testing.T) {
	p, err := Compile([]Spec{{ID: "X-1", Expression: `object.items.all(a, object.items.all(b, object.items.all(c, a + b + c != "")))`}})
	if err != nil {
		t.Fatal(err)
	}
	items := make([]string, 300)
	for i := range items {
		items[i] = fmt.Sprintf("    - i%d", i)
	}
	text := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\nitems:\n" + strings.Join(items, "\n") + "\n"
	objs, err := manifest.Decode("big.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if _, errs := p.CheckObjects(objs); len(errs) != 1 || !strings.Contains(errs[0].Error(), "cost") {
		t.Errorf("errs = %v, want a cost limit error", errs)
	}
	// A missing field is an error for that object, not a crash.
	p, _ = Compile([]Spec{{ID: "X-2", Expression: `object.spec.replicas > 1`}})
	if fs, errs := p.CheckObjects(objs); len(fs) != 0 || len(errs) != 1 {
		t.Errorf("missing field: %v %v", fs, errs)
	}
}

func FuzzDockerfileValue(f *testing.F) {
	f.Add([]byte("FROM a AS b\nRUN x\nFROM b\nUSER 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dockerfileValue(data)
	})
}

package manifest

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	data, err := os.ReadFile("testdata/multi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode("multi.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Ref())
	}
	want := "Deployment/shop/web Service/web ConfigMap/settings"
	if strings.Join(got, " ") != want {
		t.Fatalf("objects = %q, want %q", got, want)
	}
	d := objs[0]
	if d.Line != 2 || d.EndLine != 19 {
		t.Errorf("deployment spans %d-%d, want 2-19", d.Line, d.EndLine)
	}
	if d.Annotations["ignore.bulwark.dev/BW-K8S-001"] != "reviewed" {
		t.Errorf("annotations = %v", d.Annotations)
	}
	cases := []struct {
		path []any
		line int
	}{
		{[]any{"spec", "template", "spec", "containers", 0, "securityContext", "privileged"}, 16},
		{[]any{"spec", "template", "spec", "containers", 1, "securityContext"}, 19},
		{[]any{"spec", "template", "spec", "containers", 1, "securityContext", "runAsNonRoot"}, 19}, // missing: its parent
		{[]any{"spec", "template", "spec", "hostNetwork"}, 11},
	}
	for _, c := range cases {
		if got := d.LineOf(c.path...); got != c.line {
			t.Errorf("LineOf(%v) = %d, want %d", c.path, got, c.line)
		}
	}
	// The alias is expanded in the value.
	side := d.Value["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[1].(map[string]any)
	if side["securityContext"].(map[string]any)["privileged"] != true {
		t.Errorf("alias not expanded: %v", side)
	}
	if objs[1].Line != 24 || objs[2].Line != 27 {
		t.Errorf("list items at lines %d and %d, want 24 and 27", objs[1].Line, objs[2].Line)
	}
}

func TestDecodeHostile(t *testing.T) {
	bomb := `apiVersion: v1
kind: ConfigMap
metadata: {name: lol}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`
	if _, err := Decode("bomb.yaml", []byte(bomb)); !errors.Is(err, ErrTooComplex) {
		t.Errorf("alias bomb: err = %v, want ErrTooComplex", err)
	}
	deep := "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + "\n"
	if _, err := Decode("deep.yaml", []byte(deep)); err == nil {
		t.Error("deep nesting: no error")
	}
	objs, err := Decode("broken.yaml", []byte("apiVersion: v1\nkind: Service\nmetadata: {name: ok}\n---\nkind: [\n"))
	if err == nil || len(objs) != 1 {
		t.Errorf("broken second document: objs %d, err %v; want the first object and an error", len(objs), err)
	}
	if objs, err := Decode("json.json", []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"}}`)); err != nil || len(objs) != 1 || objs[0].Name != "j" {
		t.Errorf("JSON: %v %v", objs, err)
	}
}

func FuzzDecode(f *testing.F) {
	data, _ := os.ReadFile("testdata/multi.yaml")
	f.Add(data)
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, _ := Decode("f.yaml", data)
		for _, o := range objs {
			o.LineOf("spec", "containers", 0, "image")
		}
	})
}

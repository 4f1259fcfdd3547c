package sarif

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/internal/testreport"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, testreport.SampleWithFindings()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "sample.sarif.json", buf.Bytes(), *update)
	validate(t, buf.Bytes())

	var got log
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	res := got.Runs[0].Results
	// 1 vulnerability + 1 suppressed, 2 secrets, 1 misconfiguration + 1 suppressed.
	if len(res) != 6 {
		t.Fatalf("%d results, want 6", len(res))
	}
	rules := got.Runs[0].Tool.Driver.Rules
	for _, r := range res {
		if rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d (%s)", r.RuleID, r.RuleIndex, rules[r.RuleIndex].ID)
		}
	}
	var suppressed int
	for _, r := range res {
		suppressed += len(r.Suppressions)
	}
	if suppressed != 2 {
		t.Errorf("%d suppressed results, want 2", suppressed)
	}
}

func TestSignature(t *testing.T) {
	r := &report.Report{
		Artifact: result.Artifact{Name: "registry.example/app:1.4", Kind: result.KindRegistry},
		Signatures: &result.SignatureCheck{
			Subject: "sha256:5f1b2c0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a", Policy: "key sha256:00",
			Reason: result.SigDigestMismatch, Detail: "the signature is for image sha256:01, not sha256:5f1b…",
		},
	}
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	validate(t, buf.Bytes())
	var got log
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if res := got.Runs[0].Results; len(res) != 1 || res[0].RuleID != "signature-digest-mismatch" || res[0].Level != "error" {
		t.Errorf("%+v", res)
	}
	r.Signatures.Verified = true
	buf.Reset()
	Write(&buf, r)
	if json.Unmarshal(buf.Bytes(), &got); len(got.Runs[0].Results) != 0 {
		t.Errorf("a verified image has results: %+v", got.Runs[0].Results)
	}
}

func TestEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, &report.Report{}); err != nil {
		t.Fatal(err)
	}
	validate(t, buf.Bytes())
}

func TestRelURI(t *testing.T) {
	for in, want := range map[string]string{
		"/var/lib/dpkg/status":     "var/lib/dpkg/status",
		"./k8s/deploy.yaml":        "k8s/deploy.yaml",
		"alpine:3.19":              "alpine%3A3.19",
		`dir\with space#x.yaml`:    "dir/with%20space%23x.yaml",
		"charts/app/templates/ä.y": "charts/app/templates/%C3%A4.y",
	} {
		if got := relURI(in); got != want {
			t.Errorf("relURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func validate(t *testing.T, data []byte) {
	t.Helper()
	if err := check(t, data); err != nil {
		t.Errorf("output does not validate against SARIF 2.1.0: %v", err)
	}
}

// The schema check is real: a document without runs fails it.
func TestSchemaRejects(t *testing.T) {
	if check(t, []byte(`{"version":"2.1.0","runs":[{"tool":{}}]}`)) == nil {
		t.Error("schema accepted a run without a driver")
	}
}

func check(t *testing.T, data []byte) error {
	t.Helper()
	raw, err := os.ReadFile("testdata/sarif-2.1.0-rtm.5.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return schema.Validate(inst)
}

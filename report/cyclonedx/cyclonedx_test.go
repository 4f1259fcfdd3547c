package cyclonedx

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/internal/testreport"
)

var update = flag.Bool("update", false, "rewrite golden files")

const serial = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"

func render(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWith(&buf, testreport.Sample(), Options{SerialNumber: serial}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	golden.Check(t, "sample.cdx.json", render(t), *update)
}

// TestValidatesAgainstSchema checks the output against the published
// CycloneDX 1.6 JSON schema, loaded from testdata so nothing is fetched.
func TestValidatesAgainstSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"} {
		data, err := os.ReadFile("testdata/schema/" + f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("http://cyclonedx.org/schema/"+f, doc); err != nil {
			t.Fatal(err)
		}
	}
	c.AssertFormat()
	schema, err := c.Compile("http://cyclonedx.org/schema/bom-1.6.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, data []byte) {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s: not valid CycloneDX 1.6: %v", name, err)
		}
	}
	out := render(t)
	check("sample", out)
	var withVulns bytes.Buffer
	if err := WriteWith(&withVulns, testreport.SampleWithVulnerabilities(), Options{SerialNumber: serial}); err != nil {
		t.Fatal(err)
	}
	check("sample with vulnerabilities", withVulns.Bytes())
	golden.Check(t, "sample-vulns.cdx.json", withVulns.Bytes(), *update)

	// The check has teeth: a license id outside the SPDX list fails.
	bad := bytes.Replace(out, []byte(`"id": "MIT"`), []byte(`"id": "Not-A-License"`), 1)
	if bytes.Equal(bad, out) {
		t.Fatal("sample has no MIT license id to corrupt")
	}
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if schema.Validate(inst) == nil {
		t.Error("schema accepted an invalid license id")
	}
}

func TestRoundTrip(t *testing.T) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(render(t)), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.SerialNumber != serial {
		t.Errorf("spec %v serial %s", bom.SpecVersion, bom.SerialNumber)
	}
	refs := map[string]bool{}
	for _, c := range *bom.Components {
		if refs[c.BOMRef] {
			t.Errorf("duplicate bom-ref %s", c.BOMRef)
		}
		refs[c.BOMRef] = true
	}
	// OS + 7 packages, the duplicated libc6 kept with a distinct ref.
	if len(refs) != 8 {
		t.Errorf("got %d components, want 8", len(refs))
	}
	deps := (*bom.Dependencies)[0]
	if deps.Ref != bom.Metadata.Component.BOMRef || len(*deps.Dependencies) != 8 {
		t.Errorf("root dependencies = %+v", deps)
	}
	var raw map[string]any
	json.Unmarshal(render(t), &raw)
	if !strings.Contains(string(render(t)), `"name": "bulwark:layer:diffID"`) {
		t.Error("no layer diff ID property")
	}
}

func TestSerialIsRandomByDefault(t *testing.T) {
	a, b := Build(testreport.Sample(), Options{}), Build(testreport.Sample(), Options{})
	if a.SerialNumber == b.SerialNumber || !strings.HasPrefix(a.SerialNumber, "urn:uuid:") {
		t.Errorf("serials %s %s", a.SerialNumber, b.SerialNumber)
	}
}

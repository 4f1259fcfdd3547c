package spdx

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/internal/testreport"
)

var update = flag.Bool("update", false, "rewrite golden files")

const ns = "https://bulwark.dev/spdx/test-3e671687-395b-41f5-a30f-a58921a69b79"

func render(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWith(&buf, testreport.Sample(), Options{Namespace: ns}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	golden.Check(t, "sample.spdx.json", render(t), *update)
}

func TestValidatesAgainstSchema(t *testing.T) {
	data, err := os.ReadFile("testdata/schema/spdx-schema-2.3.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("http://spdx.org/rdf/terms/2.3", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("http://spdx.org/rdf/terms/2.3")
	if err != nil {
		t.Fatal(err)
	}
	out := render(t)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("not valid SPDX 2.3: %v", err)
	}
	// The check has teeth: an unknown relationship type fails.
	bad := bytes.Replace(out, []byte(`"CONTAINS"`), []byte(`"HOLDS"`), 1)
	inst, _ = jsonschema.UnmarshalJSON(bytes.NewReader(bad))
	if schema.Validate(inst) == nil {
		t.Error("schema accepted an invalid relationship type")
	}
}

func TestRoundTripAndLicenses(t *testing.T) {
	doc, err := spdxjson.Read(bytes.NewReader(render(t)))
	if err != nil {
		t.Fatal(err)
	}
	// Root, OS and seven packages.
	if len(doc.Packages) != 9 {
		t.Fatalf("got %d packages, want 9", len(doc.Packages))
	}
	ids := map[string]bool{}
	declared := map[string]string{}
	for _, p := range doc.Packages {
		if ids[string(p.PackageSPDXIdentifier)] {
			t.Errorf("duplicate SPDXID %s", p.PackageSPDXIdentifier)
		}
		ids[string(p.PackageSPDXIdentifier)] = true
		declared[p.PackageName+"@"+p.PackageVersion] = p.PackageLicenseDeclared
	}
	refs := map[string]bool{}
	for _, l := range doc.OtherLicenses {
		refs[l.LicenseIdentifier] = true
	}
	for pkg, want := range map[string]string{
		"bash@5.2.15-2+b7":            "GPL-3.0-or-later AND LicenseRef-BSD-4-clause-UC-and-MIT-like",
		"openssl-libs@1:3.0.7-27.el9": "Apache-2.0",
		"musl@1.2.5-r0":               "MIT",
		"tzdata@2024a-0+deb12u1":      "LicenseRef-public-domain",
	} {
		if got := declared[pkg]; got != want {
			t.Errorf("%s: licenseDeclared %q, want %q", pkg, got, want)
		}
		for _, part := range strings.Split(want, " AND ") {
			if strings.HasPrefix(part, "LicenseRef-") && !refs[part] {
				t.Errorf("%s is used but not declared in hasExtractedLicensingInfos", part)
			}
		}
	}
}

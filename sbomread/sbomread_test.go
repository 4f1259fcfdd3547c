package sbomread_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/sbomread"
)

// Input that is not an SBOM, or one Read does not take, is an error that
// says what it is.
func TestReadRejects(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
		is             error
	}{
		{"empty", "", "the input is empty", sbomread.ErrNotSBOM},
		{"blank", " \n\t", "the input is empty", sbomread.ErrNotSBOM},
		{"text", "hello", "not a JSON object", sbomread.ErrNotSBOM},
		{"array", `[{"bomFormat":"CycloneDX"}]`, "not a JSON object", sbomread.ErrNotSBOM},
		{"cyclonedx xml", `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>`, "XML", sbomread.ErrNotSBOM},
		{"spdx tag-value", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", "tag-value", sbomread.ErrNotSBOM},
		{"broken json", `{"bomFormat":"CycloneDX",`, "unexpected end", sbomread.ErrNotSBOM},
		{"other json", `{"name":"left-pad","version":"1.3.0"}`, "neither bomFormat nor spdxVersion", sbomread.ErrNotSBOM},
		{"other bomFormat", `{"bomFormat":"SWID"}`, `bomFormat is "SWID"`, sbomread.ErrNotSBOM},
		{"cyclonedx without version", `{"bomFormat":"CycloneDX"}`, "specVersion", sbomread.ErrNotSBOM},
		{"cyclonedx 9.9", `{"bomFormat":"CycloneDX","specVersion":"9.9"}`, "CycloneDX", nil},
		{"spdx 2.1", `{"spdxVersion":"SPDX-2.1"}`, `"SPDX-2.1" is not SPDX-2.2 or SPDX-2.3`, sbomread.ErrNotSBOM},
		{"spdx 3", `{"spdxVersion":"SPDX-3.0"}`, "is not SPDX-2.2 or SPDX-2.3", sbomread.ErrNotSBOM},
		{"wrong field type", `{"bomFormat":"CycloneDX","specVersion":"1.6","components":{}}`, "CycloneDX", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sbomread.Read([]byte(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

// The bounds hold: bytes, components, nesting.
func TestReadBounds(t *testing.T) {
	component := func(i int) string {
		return fmt.Sprintf(`{"type":"library","name":"p%d","version":"1.0.0","purl":"pkg:npm/p%d@1.0.0"}`, i, i)
	}
	flat := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(component(i))
		}
		b.WriteString("]}")
		return b.Bytes()
	}
	nested := func(depth int) []byte {
		var b bytes.Buffer
		b.WriteString(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[`)
		for i := range depth {
			b.WriteString(strings.TrimSuffix(component(i), "}") + `,"components":[`)
		}
		b.WriteString(strings.Repeat("]}", depth))
		b.WriteString("]}")
		return b.Bytes()
	}
	for _, tt := range []struct {
		name     string
		data     []byte
		packages int
		err      string
	}{
		{"components at the limit", flat(sbomread.MaxComponents), sbomread.MaxComponents, ""},
		{"one component too many", flat(sbomread.MaxComponents + 1), 0, "more than 100000 components"},
		{"nesting at the limit", nested(sbomread.MaxDepth + 1), sbomread.MaxDepth + 1, ""},
		{"nesting too deep", nested(sbomread.MaxDepth + 2), 0, "nest more than 32 deep"},
		{"too many bytes", append(flat(1), bytes.Repeat([]byte(" "), sbomread.MaxSize)...), 0, "over the limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := sbomread.Read(tt.data)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, sbomread.ErrTooLarge) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Inventory.Packages) != tt.packages {
				t.Errorf("%d packages, want %d", len(rep.Inventory.Packages), tt.packages)
			}
		})
	}
}

// Read on what a CycloneDX document may hold beyond what our writer
// writes: nested components, several OS components, packages of
// distributions other than the named OS, purls Bulwark cannot match,
// libraries without purls, a bad purl.
func TestReadCycloneDXShapes(t *testing.T) {
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.5",
	  "metadata":{"component":{"type":"container","name":"alpine:3.20","purl":"pkg:oci/alpine@sha256%3Aabc",
	    "components":[{"type":"library","name":"inner","version":"1.0.0","purl":"pkg:npm/inner@1.0.0"}]}},
	  "components":[
	    {"type":"operating-system","name":"alpine","version":"3.20.3"},
	    {"type":"library","name":"musl","version":"1.2.5-r0","purl":"pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3",
	      "properties":[{"name":"syft:metadata:source","value":"musl"},{"name":"syft:location:0:path","value":"/lib/apk/db/installed"}]},
	    {"type":"application","name":"app","components":[
	      {"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"},
	      {"type":"library","name":"conan-thing","version":"2.0","purl":"pkg:conan/thing@2.0"}]},
	    {"type":"library","name":"mystery","version":"1"},
	    {"type":"library","name":"broken","purl":"pkg:"},
	    {"type":"file","name":"/etc/passwd"}
	  ]}`
	rep, err := sbomread.Read([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Artifact.Name != "alpine:3.20" || rep.Artifact.Kind != "sbom" {
		t.Errorf("artifact %+v", rep.Artifact)
	}
	if os := rep.Inventory.OS; os == nil || os.Family != "alpine" || os.Version != "3.20.3" {
		t.Errorf("OS %+v", os)
	}
	var got []string
	for _, p := range rep.Inventory.Packages {
		got = append(got, fmt.Sprintf("%s/%s@%s src=%s loc=%s", p.Type, p.Name, p.Version, p.SourceName, p.Location))
	}
	want := []string{
		"npm/inner@1.0.0 src= loc=",
		"apk/musl@1.2.5-r0 src=musl loc=lib/apk/db/installed",
		"npm/left-pad@1.3.0 src= loc=",
		"conan/thing@2.0 src= loc=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("packages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var warnings []string
	for _, w := range rep.Warnings {
		warnings = append(warnings, w.Message)
	}
	if s := strings.Join(warnings, "\n"); !strings.Contains(s, "component broken") || !strings.Contains(s, "1 library components have no package URL") {
		t.Errorf("warnings:\n%s", s)
	}
}

// Without an OS component, the distro qualifiers most packages carry give
// the release, and a package of another distribution is a warning.
func TestReadOSFromPURLs(t *testing.T) {
	doc := `{"spdxVersion":"SPDX-2.3","name":"img","packages":[
	  {"SPDXID":"SPDXRef-a","name":"bash","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/ubuntu/bash@5.1-6ubuntu1?distro=ubuntu-22.04"}]},
	  {"SPDXID":"SPDXRef-b","name":"coreutils","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/ubuntu/coreutils@8.32-4.1ubuntu1?distro=ubuntu-22.04"}]},
	  {"SPDXID":"SPDXRef-c","name":"stray","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:deb/debian/stray@1?distro=debian-12"}]}
	]}`
	rep, err := sbomread.Read([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if os := rep.Inventory.OS; os == nil || os.Family != "ubuntu" || os.Version != "22.04" {
		t.Errorf("OS %+v, want ubuntu 22.04", os)
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0].Message, "several distributions") {
		t.Errorf("warnings %+v", rep.Warnings)
	}
}

func FuzzRead(f *testing.F) {
	// Small seeds of each shape: the third-party documents in testdata
	// are tens of kilobytes, which slows the fuzzer to a crawl; their
	// shapes are here in miniature.
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"operating-system","name":"debian","version":"12"},{"type":"library","purl":"pkg:deb/debian/a@1?distro=debian-12&epoch=1&upstream=b%401"}]}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.2","name":"x","packages":[{"SPDXID":"SPDXRef-a","name":"a","sourceInfo":"built package from: b 1","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:rpm/redhat/a@1?distro=redhat-9"}]}],"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relatedSpdxElement":"SPDXRef-a","relationshipType":"DESCRIBES"}]}`))
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.7","metadata":{"component":{"type":"container","name":"img","components":[{"type":"library","purl":"pkg:npm/%40a/b@1"}]}},"components":[{"type":"library","name":"x","purl":"pkg:golang/stdlib@1.22.1","properties":[{"name":"aquasecurity:trivy:SrcName","value":"s"},{"name":"aquasecurity:trivy:SrcEpoch","value":"2"},{"name":"aquasecurity:trivy:SrcVersion","value":"1"},{"name":"aquasecurity:trivy:SrcRelease","value":"3"}],"components":[{"type":"library","name":"y"}]}]}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","name":"img","documentDescribes":["SPDXRef-root"],"packages":[{"SPDXID":"SPDXRef-root","name":"img","primaryPackagePurpose":"CONTAINER"},{"SPDXID":"SPDXRef-os","name":"alpine","versionInfo":"3.20.3","primaryPackagePurpose":"OPERATING-SYSTEM"},{"SPDXID":"SPDXRef-p","name":"musl","sourceInfo":"acquired package info from APK DB: /lib/apk/db/installed","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:apk/alpine/musl@1.2.5-r0?distro=alpine-3.20.3"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := sbomread.Read(data)
		if err != nil {
			return
		}
		if rep.Inventory.Packages == nil || len(rep.Inventory.Packages) > sbomread.MaxComponents {
			t.Fatalf("%d packages", len(rep.Inventory.Packages))
		}
	})
}

// BenchmarkRead reads Syft's SBOMs of the demo image (SPDX with every
// file listed: 376 KB).
func BenchmarkRead(b *testing.B) {
	for _, name := range []string{"syft-1.57.2.cdx.json", "syft-1.57.2.spdx.json"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := sbomread.Read(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

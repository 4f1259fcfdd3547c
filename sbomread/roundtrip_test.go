package sbomread_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/cyclonedx"
	"github.com/bulwark-sec/bulwark/report/spdx"
	"github.com/bulwark-sec/bulwark/sbomread"
)

var demoDB = pipeline.DBOptions{Path: "../demo/db"}

// directScan is pipeline.Run of the demo image with its database, made
// once for every test here.
var directScan = sync.OnceValues(func() (*report.Report, error) {
	return pipeline.Run(context.Background(), pipeline.Target{Input: "../demo/image.tar"},
		pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, NoCache: true, DB: demoDB})
})

func direct(t *testing.T) *report.Report {
	t.Helper()
	rep, err := directScan()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Vulnerabilities) == 0 {
		t.Fatal("the direct scan of the demo image found nothing to compare with")
	}
	return rep
}

// findings lists a report's vulnerabilities as "ID type/name@version".
func findings(r *report.Report) []string {
	var out []string
	for _, v := range r.Vulnerabilities {
		out = append(out, fmt.Sprintf("%s %s/%s@%s", v.ID, v.Package.Type, v.Package.Name, v.Package.Version))
	}
	sort.Strings(out)
	return out
}

// readAndMatch reads an SBOM and matches it against the demo database.
func readAndMatch(t *testing.T, data []byte) *report.Report {
	t.Helper()
	rep, err := sbomread.Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := pipeline.Match(context.Background(), rep, pipeline.Options{DB: demoDB}); err != nil {
		t.Fatal(err)
	}
	return rep
}

// Our own SBOMs of the demo image, read back and matched, find exactly
// what scanning the image finds, in every format and version we write or
// that readers meet.
func TestRoundTrip(t *testing.T) {
	want := direct(t)
	for _, tt := range []struct {
		name  string
		write func(*report.Report) ([]byte, error)
	}{
		{"CycloneDX 1.6", func(r *report.Report) ([]byte, error) {
			var b bytes.Buffer
			err := cyclonedx.Write(&b, r)
			return b.Bytes(), err
		}},
		{"CycloneDX 1.4", func(r *report.Report) ([]byte, error) {
			var b bytes.Buffer
			err := cdx.NewBOMEncoder(&b, cdx.BOMFileFormatJSON).EncodeVersion(cyclonedx.Build(r, cyclonedx.Options{}), cdx.SpecVersion1_4)
			return b.Bytes(), err
		}},
		{"SPDX 2.3", func(r *report.Report) ([]byte, error) {
			var b bytes.Buffer
			err := spdx.Write(&b, r)
			return b.Bytes(), err
		}},
		// SPDX 2.2 has no primary package purpose, so the OS package is
		// not marked and the release comes from the purls' distro.
		{"SPDX 2.2", func(r *report.Report) ([]byte, error) {
			var b bytes.Buffer
			if err := spdx.Write(&b, r); err != nil {
				return nil, err
			}
			return asSPDX22(b.Bytes())
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.write(want)
			if err != nil {
				t.Fatal(err)
			}
			got := readAndMatch(t, data)
			if got.Artifact.Name != want.Artifact.Name {
				t.Errorf("artifact %q, want %q", got.Artifact.Name, want.Artifact.Name)
			}
			if g, w := packages(got), packages(want); !slices.Equal(g, w) {
				t.Errorf("packages differ:\n got %d %v\nwant %d %v", len(g), g, len(w), w)
			}
			if g, w := findings(got), findings(want); !slices.Equal(g, w) {
				t.Errorf("findings differ:\n got %d %v\nwant %d %v", len(g), g, len(w), w)
			}
			if got.Inventory.OS == nil || got.Inventory.OS.Family != "debian" || got.Inventory.OS.Version != "12" {
				t.Errorf("OS %+v, want debian 12", got.Inventory.OS)
			}
		})
	}
}

// packages lists what matching reads of each package.
func packages(r *report.Report) []string {
	var out []string
	for _, p := range r.Inventory.Packages {
		src := p.SourceName
		if src == p.Name {
			src = ""
		}
		out = append(out, fmt.Sprintf("%s/%s@%s src=%s arch=%s", p.Type, p.Name, p.Version, src, p.Arch))
	}
	sort.Strings(out)
	return out
}

// asSPDX22 rewrites an SPDX 2.3 document as 2.2: the version, and without
// the field 2.3 added that the writer sets.
func asSPDX22(data []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	doc["spdxVersion"] = "SPDX-2.2"
	for _, p := range doc["packages"].([]any) {
		delete(p.(map[string]any), "primaryPackagePurpose")
	}
	return json.Marshal(doc)
}

// SBOMs of the demo image made by Syft and Trivy: what they list is read,
// and matched it finds what the direct scan finds in those packages, no
// more and no fewer.
func TestThirdParty(t *testing.T) {
	want := direct(t)
	for _, tt := range []struct {
		file      string
		packages  map[string]int // per type
		osVersion string
	}{
		{"syft-1.57.2.cdx.json", map[string]int{"deb": 10, "golang": 6, "pypi": 6}, "12.15"},
		{"syft-1.57.2.spdx.json", map[string]int{"deb": 10, "golang": 6, "pypi": 6}, "12.15"},
		{"trivy-0.74.0.cdx.json", map[string]int{"deb": 10, "golang": 6}, "12.15"},
		{"trivy-0.74.0.spdx.json", map[string]int{"deb": 10, "golang": 6}, "12.15"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got := readAndMatch(t, data)
			types := map[string]int{}
			listed := map[string]bool{}
			for _, p := range got.Inventory.Packages {
				types[p.Type]++
				listed[p.Type+"/"+p.Name+"@"+strings.TrimPrefix(p.Version, "v")] = true
			}
			if !mapsEqual(types, tt.packages) {
				t.Errorf("packages per type %v, want %v", types, tt.packages)
			}
			if os := got.Inventory.OS; os == nil || os.Family != "debian" || os.Version != tt.osVersion {
				t.Errorf("OS %+v, want debian %s", os, tt.osVersion)
			}
			// Source packages are what Debian advisories name.
			for _, p := range got.Inventory.Packages {
				if p.Name == "python3-urllib3" && p.SourceName != "python-urllib3" {
					t.Errorf("python3-urllib3: source %q, want python-urllib3", p.SourceName)
				}
			}
			var expect []string
			for _, v := range want.Vulnerabilities {
				if listed[v.Package.Type+"/"+v.Package.Name+"@"+strings.TrimPrefix(v.Package.Version, "v")] {
					expect = append(expect, fmt.Sprintf("%s %s/%s@%s", v.ID, v.Package.Type, v.Package.Name, v.Package.Version))
				}
			}
			sort.Strings(expect)
			if g := findings(got); len(expect) == 0 || !slices.Equal(normalizeV(g), normalizeV(expect)) {
				t.Errorf("findings:\n got %d %v\nwant %d %v", len(g), g, len(expect), expect)
			}
		})
	}
}

// normalizeV drops the "v" Go versions carry in some tools' purls and not
// in others'.
func normalizeV(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.Replace(s, "@v", "@", 1)
	}
	return out
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

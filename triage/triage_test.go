package triage

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/result"
)

func vuln(id string, aliases []string, typ, name, version, purl string) result.Vulnerability {
	return result.Vulnerability{ID: id, Aliases: aliases, Package: result.PackageRef{Type: typ, Name: name, Version: version, PURL: purl}}
}

var (
	lodash = vuln("CVE-2021-23337", []string{"GHSA-35jh-r3h4-6jhm"}, "npm", "lodash", "4.17.20", "pkg:npm/lodash@4.17.20")
	libc   = vuln("CVE-2023-4911", []string{"DSA-5514-1"}, "deb", "libc6", "2.36-9+deb12u1", "pkg:deb/debian/libc6@2.36-9+deb12u1?arch=amd64&distro=debian-12")
	log4j  = vuln("CVE-2021-44228", []string{"GHSA-jfh8-c2jp-5v3q"}, "maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
	log4j2 = vuln("CVE-2021-44228", []string{"GHSA-jfh8-c2jp-5v3q"}, "maven", "org.apache.logging.log4j:log4j-core", "2.12.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1")
)

func ids(vs []result.Vulnerability) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID+"/"+v.Package.Version)
	}
	return strings.Join(out, " ")
}

func TestIgnoreFile(t *testing.T) {
	ig, err := ParseIgnore(strings.NewReader(`
# Reviewed 2026-11-01
CVE-2023-4911 pkg:deb/debian/libc6 exp:2026-12-31   # no setuid binaries in this image
GHSA-35jh-r3h4-6jhm lodash exp:2026-01-01            # expired: counts again
CVE-2021-44228 pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1
`))
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	kept, sup := Apply([]result.Vulnerability{lodash, libc, log4j, log4j2}, ig, nil, today)
	if ids(kept) != "CVE-2021-23337/4.17.20 CVE-2021-44228/2.14.1" || ids(sup) != "CVE-2023-4911/2.36-9+deb12u1 CVE-2021-44228/2.12.1" {
		t.Errorf("kept %s; suppressed %s", ids(kept), ids(sup))
	}
	if s := sup[0].Suppression; s.Source != "ignore-file" || s.Reason != "no setuid binaries in this image" || s.Statement != "CVE-2023-4911 pkg:deb/debian/libc6 exp:2026-12-31" {
		t.Errorf("suppression %+v", s)
	}
	if exp := ig.Expired(today); len(exp) != 1 || exp[0].Line != 4 {
		t.Errorf("expired = %+v", exp)
	}
	// After the expiry day the rule no longer holds.
	if kept, _ := Apply([]result.Vulnerability{libc}, ig, nil, today.AddDate(0, 2, 0)); len(kept) != 1 {
		t.Error("expired rule still applied")
	}
	for _, bad := range []string{"CVE-1 exp:tomorrow", "CVE-1 pkg:npm/a extra"} {
		if _, err := ParseIgnore(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func TestVEX(t *testing.T) {
	x, err := LoadVEX("testdata/app.openvex.json")
	if err != nil {
		t.Fatal(err)
	}
	kept, sup := Apply([]result.Vulnerability{lodash, libc, log4j, log4j2}, nil, []*VEX{x}, time.Now())
	if ids(kept) != "CVE-2023-4911/2.36-9+deb12u1 CVE-2021-44228/2.12.1" || ids(sup) != "CVE-2021-23337/4.17.20 CVE-2021-44228/2.14.1" {
		t.Errorf("kept %s; suppressed %s", ids(kept), ids(sup))
	}
	if s := sup[0].Suppression; s.Source != "vex" || s.Statement != "not_affected" ||
		s.Reason != "vulnerable_code_not_in_execute_path: lodash.template is never called" {
		t.Errorf("suppression %+v", s)
	}
	// OpenVEX 0.0.1 wrote vulnerabilities and products as strings.
	old, err := ParseVEX([]byte(`{"statements":[{"vulnerability":"CVE-2023-4911","products":["pkg:deb/debian/libc6@2.36-9+deb12u1"],"status":"fixed"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, sup := Apply([]result.Vulnerability{libc}, nil, []*VEX{old}, time.Now()); len(sup) != 1 {
		t.Error("0.0.1 statement not applied")
	}
	for _, bad := range []string{`{"statements":[{"products":[],"status":"fixed"}]}`, `{"statements":[{"vulnerability":"X","status":"maybe"}]}`, `[`} {
		if _, err := ParseVEX([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func FuzzParseIgnore(f *testing.F) {
	f.Add("CVE-2023-4911 pkg:deb/debian/libc6 exp:2026-12-31 # why\n")
	f.Fuzz(func(t *testing.T, s string) { ParseIgnore(strings.NewReader(s)) })
}

func FuzzParseVEX(f *testing.F) {
	data, _ := os.ReadFile("testdata/app.openvex.json")
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ParseVEX(data)
		if err == nil {
			Apply([]result.Vulnerability{lodash, libc}, nil, []*VEX{x}, time.Now())
		}
	})
}

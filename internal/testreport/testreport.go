// Package testreport builds a realistic report for the output formats'
// tests: packages of all three OS package types with awkward license
// strings, a duplicate at two locations, an OS and three layers.
package testreport

import (
	"time"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/result"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/report"
)

// Sample returns the report. Its contents are facts from real Debian 12,
// Alpine 3.20 and RHEL 9 packages.
func Sample() *report.Report {
	return &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          result.Tool{Name: "bulwark", Version: "1.2.3"},
		CreatedAt:     time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		Artifact: result.Artifact{
			Name:           "registry.example/app:1.0",
			Kind:           result.KindRegistry,
			ImageID:        "sha256:1111111111111111111111111111111111111111111111111111111111111111",
			ManifestDigest: "sha256:2222222222222222222222222222222222222222222222222222222222222222",
			RepoTags:       []string{"registry.example/app:1.0"},
			RepoDigests:    []string{"registry.example/app@sha256:3333333333333333333333333333333333333333333333333333333333333333"},
			OS:             "linux",
			Architecture:   "amd64",
			BaseImage:      &result.BaseImage{Name: "docker.io/library/debian:12", Digest: "sha256:4444444444444444444444444444444444444444444444444444444444444444", Source: "annotation"},
		},
		Inventory: inventory.Inventory{
			OS: &inventory.OS{Family: "debian", Name: "Debian GNU/Linux 12 (bookworm)", Version: "12", Codename: "bookworm", Source: "etc/os-release"},
			Layers: []inventory.Layer{
				{Index: 0, DiffID: "sha256:aaaa000000000000000000000000000000000000000000000000000000000000", CreatedBy: "ADD rootfs.tar.xz /"},
				{Index: 1, DiffID: "sha256:bbbb000000000000000000000000000000000000000000000000000000000000", CreatedBy: "RUN apt-get install -y openssl"},
				{Index: 2, DiffID: "sha256:cccc000000000000000000000000000000000000000000000000000000000000", CreatedBy: "COPY app /app"},
			},
			Packages: []inventory.Package{
				{Type: "deb", Name: "libssl3", Version: "3.0.15-1~deb12u1", SourceName: "openssl", SourceVersion: "3.0.15-1~deb12u1", Arch: "amd64",
					Licenses: []string{"Apache-2.0", "Artistic or GPL-1+"}, Maintainer: "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>",
					PURL: "pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl", Location: "var/lib/dpkg/status", Layer: 1},
				{Type: "deb", Name: "bash", Version: "5.2.15-2+b7", SourceName: "bash", SourceVersion: "5.2.15-2", Arch: "amd64",
					Licenses: []string{"GPL-3+", "BSD-4-clause-UC and MIT-like"}, Maintainer: "Matthias Klose <doko@debian.org>",
					PURL: "pkg:deb/debian/bash@5.2.15-2%2Bb7?arch=amd64&distro=debian-12", Location: "var/lib/dpkg/status", Layer: 0},
				{Type: "deb", Name: "libc6", Version: "2.36-9+deb12u9", SourceName: "glibc", SourceVersion: "2.36-9+deb12u9", Arch: "amd64",
					Licenses: []string{"LGPL-2.1", "GPL-2"},
					PURL:     "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12&upstream=glibc", Location: "var/lib/dpkg/status", Layer: 0},
				{Type: "deb", Name: "libc6", Version: "2.36-9+deb12u9", SourceName: "glibc", SourceVersion: "2.36-9+deb12u9", Arch: "amd64",
					PURL: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u9?arch=amd64&distro=debian-12&upstream=glibc", Location: "var/lib/dpkg/status.d/libc6", Layer: 2},
				{Type: "apk", Name: "musl", Version: "1.2.5-r0", SourceName: "musl", SourceVersion: "1.2.5-r0", Arch: "x86_64",
					Licenses: []string{"MIT"}, PURL: "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3", Location: "lib/apk/db/installed", Layer: 2},
				{Type: "rpm", Name: "openssl-libs", Version: "1:3.0.7-27.el9", SourceName: "openssl", SourceVersion: "3.0.7-27.el9", Arch: "x86_64",
					Licenses: []string{"ASL 2.0"}, PURL: "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&upstream=openssl", Location: "var/lib/rpm/rpmdb.sqlite", Layer: 2},
				{Type: "deb", Name: "tzdata", Version: "2024a-0+deb12u1", Arch: "all", Licenses: []string{"public-domain"},
					PURL: "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12", Location: "var/lib/dpkg/status", Layer: -1},
			},
		},
		Warnings: []result.Warning{{Layer: 2, Path: "var/lib/dpkg/status.d/broken", Message: "dpkg: no package stanzas found"}},
	}
}

// SampleWithVulnerabilities is Sample after a vulnerability scan: two
// findings on its first package, one of them suppressed by a VEX
// statement.
func SampleWithVulnerabilities() *report.Report {
	r := Sample()
	p := r.Inventory.Packages[0]
	ref := result.PackageRef{Type: p.Type, Name: p.Name, Version: p.Version, PURL: p.PURL, Location: p.Location, Layer: p.Layer, Ecosystem: "Debian:12"}
	r.Database = &result.Database{Updated: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), Ecosystems: []string{"Debian", "npm"}}
	r.Vulnerabilities = []result.Vulnerability{{
		ID: "CVE-2023-4911", Aliases: []string{"DSA-5514-1"}, Package: ref, Status: result.StatusFixed,
		FixedVersions: []string{"2.36-9+deb12u3"}, Severity: "HIGH",
		CVSS:  []result.CVSS{{Version: "3.1", Vector: "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", Score: 7.8}},
		Title: "glibc - security update", Published: "2023-10-03T00:00:00Z",
		References: []string{"https://www.debian.org/security/2023/dsa-5514"}, Records: []string{"DSA-5514-1"},
		KnownExploited: true, EPSS: &result.EPSS{Score: 0.75, Percentile: 0.98},
	}}
	r.Suppressed = []result.Vulnerability{{
		ID: "CVE-2023-4806", Aliases: []string{"DSA-5514-1"}, Package: ref, Status: result.StatusFixed,
		FixedVersions: []string{"2.36-9+deb12u3"}, Severity: "UNKNOWN", Records: []string{"DSA-5514-1"},
		Suppression: &result.Suppression{Source: result.SuppressedByVEX, Statement: "not_affected", Reason: "vulnerable_code_not_present", Document: "app.openvex.json"},
	}}
	return r
}

// SampleWithFindings is SampleWithVulnerabilities after secret and
// configuration checks too: a secret in a deleted file, one in the image
// configuration, a failed check and a suppressed one.
func SampleWithFindings() *report.Report {
	r := SampleWithVulnerabilities()
	deleted := 2
	r.Secrets = []result.Secret{
		{RuleID: "aws-access-key-id", Title: "AWS access key ID", Severity: "CRITICAL", Source: "layer", Path: "app/.env", Line: 3, Match: "AKIA****", Layer: 1, DiffID: "sha256:1111", DeletedBy: &deleted},
		{RuleID: "github-pat", Title: "GitHub personal access token", Severity: "CRITICAL", Source: "config", Path: "Env", Match: "ghp_****", Layer: -1},
	}
	check := misconfig.Check{
		ID: "BW-IMG-001", Title: "Image runs as root", Severity: "HIGH", Target: misconfig.TargetImage,
		Rationale:  "A process running as root in a container is root on the host if it escapes.",
		Fix:        "Add a USER instruction with a non-root user.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.1", "https://docs.docker.com/reference/dockerfile/#user"},
	}
	r.Misconfigurations = []misconfig.Finding{check.At("config.User", 0, misconfig.Resource{}, "the image config sets no user")}
	healthcheck := misconfig.Check{
		ID: "BW-IMG-002", Title: "No HEALTHCHECK", Severity: "LOW", Target: misconfig.TargetImage,
		Rationale: "Without a health check the runtime cannot tell a hung container from a working one.",
		Fix:       "Add a HEALTHCHECK instruction.",
	}
	sup := healthcheck.At("Dockerfile", 7, misconfig.Resource{Kind: "stage", Name: "final"}, "the final stage has no HEALTHCHECK")
	sup.Suppression = "health is checked by the orchestrator"
	r.SuppressedMisconfigurations = []misconfig.Finding{sup}
	return r
}

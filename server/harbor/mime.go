package harbor

import (
	"mime"
	"strings"
)

// Media types of the Pluggable Scanner API (v1.2 of the specification).
const (
	MimeMetadata10     = "application/vnd.scanner.adapter.metadata+json; version=1.0"
	MimeMetadata11     = "application/vnd.scanner.adapter.metadata+json; version=1.1"
	MimeScanRequest10  = "application/vnd.scanner.adapter.scan.request+json; version=1.0"
	MimeScanRequest11  = "application/vnd.scanner.adapter.scan.request+json; version=1.1"
	MimeScanResponse   = "application/vnd.scanner.adapter.scan.response+json; version=1.0"
	MimeError          = "application/vnd.scanner.adapter.error+json; version=1.0"
	MimeHarborReport   = "application/vnd.scanner.adapter.vuln.report.harbor+json; version=1.0"
	MimeSecurityReport = "application/vnd.security.vulnerability.report; version=1.1"
	MimeRawReport      = "application/vnd.scanner.adapter.vuln.report.raw"
	MimeSBOMReport     = "application/vnd.security.sbom.report+json; version=1.0"

	MimeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	MimeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"

	// The SBOM formats a SBOM report carries (its media_type).
	MediaSPDX      = "application/spdx+json"
	MediaCycloneDX = "application/vnd.cyclonedx+json"
)

// Capability types.
const (
	CapabilityVulnerability = "vulnerability"
	CapabilitySBOM          = "sbom"
)

var (
	consumes      = []string{MimeOCIManifest, MimeDockerManifest}
	vulnProduces  = []string{MimeHarborReport, MimeSecurityReport, MimeRawReport}
	sbomProduces  = []string{MimeSBOMReport}
	sbomMediaList = []string{MediaSPDX, MediaCycloneDX}
)

// sameMediaType reports whether a and b name the same media type with the
// same version parameter, however they are spaced or cased.
func sameMediaType(a, b string) bool {
	ta, pa, err := mime.ParseMediaType(a)
	if err != nil {
		return false
	}
	tb, pb, err := mime.ParseMediaType(b)
	if err != nil {
		return false
	}
	return ta == tb && pa["version"] == pb["version"]
}

// oneOf returns the member of list that mt names, or "".
func oneOf(mt string, list []string) string {
	for _, l := range list {
		if sameMediaType(mt, l) {
			return l
		}
	}
	return ""
}

// negotiate picks the first of the Accept header's media types that offers
// holds. Harbor names exactly one; a list (with q-values, which are
// ignored: the client's order decides) and "*/*" are taken too. An empty
// header gets def, as the specification asks for backward compatibility.
func negotiate(accept string, offers []string, def string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return def, true
	}
	for _, part := range strings.Split(accept, ",") {
		t, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if t == "*/*" || t == "application/*" {
			return def, true
		}
		delete(params, "q")
		if params["version"] == "" {
			// A type named without a version takes the newest we offer.
			for i := len(offers) - 1; i >= 0; i-- {
				if ot, _, _ := mime.ParseMediaType(offers[i]); ot == t {
					return offers[i], true
				}
			}
			continue
		}
		if o := oneOf(part, offers); o != "" {
			return o, true
		}
	}
	return "", false
}

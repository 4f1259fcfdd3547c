package harbor

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/bulwark-sec/bulwark/jobs"
)

// ScanRequest is Harbor's request to scan one artifact (the ScanRequest
// schema).
type ScanRequest struct {
	Registry            Registry     `json:"registry"`
	Artifact            Artifact     `json:"artifact"`
	EnabledCapabilities []Capability `json:"enabled_capabilities,omitempty"`
}

// Registry says where the artifact is and with which credential to pull
// it.
type Registry struct {
	// URL is the registry's base URL: "http://core:8080", "https://host".
	URL string `json:"url"`
	// Authorization is an HTTP Authorization value, usually a robot
	// account's "Basic …".
	Authorization string `json:"authorization,omitempty"`
}

// Artifact names the image scanned; reports repeat it.
type Artifact struct {
	Repository string `json:"repository,omitempty"`
	Digest     string `json:"digest,omitempty"`
	Tag        string `json:"tag,omitempty"`
	MimeType   string `json:"mime_type,omitempty"`
}

// Capability is one of a request's enabled capabilities.
type Capability struct {
	Type              string          `json:"type"`
	ProducesMimeTypes []string        `json:"produces_mime_types,omitempty"`
	Parameters        *SBOMParameters `json:"parameters,omitempty"`
}

// SBOMParameters are the SBOM formats Harbor wants.
type SBOMParameters struct {
	SBOMMediaTypes []string `json:"sbom_media_types,omitempty"`
}

// MaxRequestSize bounds a scan request's body; real ones are well under a
// kilobyte, plus the credential.
const MaxRequestSize = 64 << 10

// RequestError is a scan request the adapter refuses, with the HTTP status
// the specification gives for it: 400 for a body that is not a
// ScanRequest, 422 for an invalid field, 501 for what no capability of
// this scanner handles.
type RequestError struct {
	Status  int
	Message string
}

func (e *RequestError) Error() string { return e.Message }

func badRequest(format string, args ...any) error {
	return &RequestError{Status: 400, Message: fmt.Sprintf(format, args...)}
}

func invalidField(format string, args ...any) error {
	return &RequestError{Status: 422, Message: fmt.Sprintf(format, args...)}
}

func unsupported(format string, args ...any) error {
	return &RequestError{Status: 501, Message: fmt.Sprintf(format, args...)}
}

// DecodeScanRequest reads one ScanRequest from r (at most MaxRequestSize
// bytes) and checks it; errors are *RequestError.
func DecodeScanRequest(r io.Reader) (*ScanRequest, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRequestSize+1))
	if err != nil {
		return nil, badRequest("reading the scan request: %v", err)
	}
	if len(data) > MaxRequestSize {
		return nil, badRequest("the scan request is larger than %d bytes", MaxRequestSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var req ScanRequest
	if err := dec.Decode(&req); err != nil {
		return nil, badRequest("the scan request is not a ScanRequest JSON object: %v", err)
	}
	if dec.More() {
		return nil, badRequest("the scan request has data after its JSON object")
	}
	if err := req.Check(); err != nil {
		return nil, err
	}
	return &req, nil
}

// checkHost stands in for the registry when a repository or tag is checked
// alone (strict validation wants a whole reference).
const checkHost = "registry.invalid"

// Check validates the fields the adapter relies on.
func (req *ScanRequest) Check() error {
	if _, err := req.registryHost(); err != nil {
		return err
	}
	if err := checkAuthorization(req.Registry.Authorization); err != nil {
		return err
	}
	if req.Artifact.Repository == "" {
		return invalidField("artifact.repository is missing")
	}
	if _, err := name.NewRepository(checkHost+"/"+req.Artifact.Repository, name.StrictValidation); err != nil || strings.Contains(req.Artifact.Repository, ":") {
		return invalidField("artifact.repository %q is not a repository name", req.Artifact.Repository)
	}
	if err := checkDigest(req.Artifact.Digest); err != nil {
		return err
	}
	if req.Artifact.Tag != "" {
		if _, err := name.NewTag(checkHost+"/x:"+req.Artifact.Tag, name.StrictValidation); err != nil {
			return invalidField("artifact.tag %q is not a tag", req.Artifact.Tag)
		}
	}
	if mt := req.Artifact.MimeType; mt != "" && oneOf(mt, consumes) == "" {
		return unsupported("artifact.mime_type %q is not one this scanner reads (%s)", mt, strings.Join(consumes, ", "))
	}
	for i, c := range req.EnabledCapabilities {
		if err := c.check(); err != nil {
			return invalidOrUnsupported(fmt.Sprintf("enabled_capabilities[%d]", i), err)
		}
	}
	return nil
}

func invalidOrUnsupported(where string, err error) error {
	var re *RequestError
	if errors.As(err, &re) {
		return &RequestError{Status: re.Status, Message: where + ": " + re.Message}
	}
	return invalidField("%s: %v", where, err)
}

func (c Capability) check() error {
	var produces []string
	switch c.Type {
	case CapabilityVulnerability:
		produces = vulnProduces
	case CapabilitySBOM:
		produces = sbomProduces
	case "":
		return invalidField("type is missing")
	default:
		return unsupported("type %q is not a capability of this scanner (vulnerability, sbom)", c.Type)
	}
	for _, mt := range c.ProducesMimeTypes {
		if oneOf(mt, produces) == "" {
			return unsupported("%s reports are not produced as %q", c.Type, mt)
		}
	}
	if c.Parameters != nil {
		for _, mt := range c.Parameters.SBOMMediaTypes {
			if oneOf(mt, sbomMediaList) == "" {
				return invalidField("parameters.sbom_media_types: %q is neither %s nor %s", mt, MediaSPDX, MediaCycloneDX)
			}
		}
	}
	return nil
}

// registryHost returns the registry's host[:port] from its URL, which must
// be an http or https base URL and nothing more.
func (req *ScanRequest) registryHost() (string, error) {
	raw := req.Registry.URL
	if raw == "" {
		return "", invalidField("registry.url is missing")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", invalidField("registry.url %q is not a URL", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", invalidField("registry.url %q: the scheme must be http or https", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", invalidField("registry.url %q has no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return "", invalidField("registry.url %q must be a base URL (scheme, host and port only)", raw)
	}
	host := u.Host
	if _, err := name.NewRegistry(host, name.StrictValidation); err != nil {
		return "", invalidField("registry.url %q: %q is not a registry host", raw, host)
	}
	return host, nil
}

func checkAuthorization(a string) error {
	if a == "" {
		return nil
	}
	if strings.ContainsAny(a, "\r\n\x00") {
		return invalidField("registry.authorization holds control characters")
	}
	scheme, value, _ := strings.Cut(strings.TrimSpace(a), " ")
	if !strings.EqualFold(scheme, "Basic") && !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(value) == "" {
		return invalidField(`registry.authorization must be "Basic <credentials>" or "Bearer <token>"`)
	}
	return nil
}

// digestHexLen is the hex length of each digest algorithm the registry
// API knows.
var digestHexLen = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

func checkDigest(d string) error {
	if d == "" {
		return invalidField("artifact.digest is missing")
	}
	alg, hx, ok := strings.Cut(d, ":")
	n, known := digestHexLen[alg]
	if !ok || !known {
		return invalidField("artifact.digest %q is not algorithm:hex (sha256, sha384 or sha512)", d)
	}
	if len(hx) != n || strings.ToLower(hx) != hx {
		return invalidField("artifact.digest %q: a %s digest is %d lower-case hex digits", d, alg, n)
	}
	if _, err := hex.DecodeString(hx); err != nil {
		return invalidField("artifact.digest %q is not hex", d)
	}
	return nil
}

// enabled reports whether the request asks for capability typ; a request
// that names none asks for every one.
func (req *ScanRequest) enabled(typ string) bool {
	if len(req.EnabledCapabilities) == 0 {
		return true
	}
	for _, c := range req.EnabledCapabilities {
		if c.Type == typ {
			return true
		}
	}
	return false
}

// Job is the scan a checked request asks for: the image by digest in the
// registry Harbor named, with Harbor's credential; plain HTTP when the
// registry URL says http.
func (req *ScanRequest) Job() (jobs.Request, error) {
	host, err := req.registryHost()
	if err != nil {
		return jobs.Request{}, err
	}
	u, _ := url.Parse(req.Registry.URL)
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		// A reference's first part is a registry only with a dot, a port
		// or as localhost: "harbor/library/x" would be Docker Hub's
		// harbor/library. The scheme's port makes it a registry.
		host += map[string]string{"http": ":80", "https": ":443"}[u.Scheme]
	}
	ref := host + "/" + req.Artifact.Repository + "@" + req.Artifact.Digest
	if _, err := name.NewDigest(ref, name.StrictValidation); err != nil {
		return jobs.Request{}, invalidField("%s is not an image reference: %v", ref, err)
	}
	j := jobs.Request{
		Image:         ref,
		Authorization: strings.TrimSpace(req.Registry.Authorization),
		Insecure:      u.Scheme == "http",
	}
	if req.enabled(CapabilityVulnerability) {
		j.Scanners = "vuln"
	}
	return j, nil
}

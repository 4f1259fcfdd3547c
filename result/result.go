// Package result holds the facts a scan produces that several stages
// share: what was scanned (Artifact), the problems that did not stop the
// scan (Warning), and the vulnerability and secret findings. It imports
// nothing of Bulwark's, so that every stage may import it; the report
// package renders these, it does not define them.
package result

import "time"

// Artifact kinds.
const (
	KindDockerArchive = "docker-archive"
	KindOCILayout     = "oci-layout"
	KindOCIArchive    = "oci-archive"
	KindRegistry      = "registry"
	KindRootfs        = "rootfs"
	KindDirectory     = "directory"
	// KindDockerDaemon is an image read from a Docker Engine's API
	// (bulwark image docker://NAME).
	KindDockerDaemon = "docker-daemon"
	// KindContainerd is an image read from containerd's content store
	// over its socket (bulwark image containerd://NAME).
	KindContainerd = "containerd"
	// KindPodman is an image read from Podman's Docker-compatible API
	// (podman://NAME).
	KindPodman = "podman"
	// KindConfig is a folder or file of configuration (Dockerfiles,
	// manifests, charts) checked by bulwark config.
	KindConfig = "config"
	// KindHost is a host's root file system audited by bulwark host.
	KindHost = "host"
	// KindSBOM is a CycloneDX or SPDX document read instead of the
	// software it describes (bulwark image --from-sbom, the server's
	// POST /v1/sbom).
	KindSBOM = "sbom"
)

// Artifact is what was scanned.
type Artifact struct {
	// Name is how the user named it: a path or an image reference.
	Name string `json:"name"`
	Kind string `json:"kind"`
	// ImageID is the digest of the image config; empty for a rootfs.
	ImageID string `json:"imageID,omitempty"`
	// ManifestDigest is the digest of the image manifest when the source
	// provides one without recomputing it (registries, OCI layouts).
	ManifestDigest string   `json:"manifestDigest,omitempty"`
	RepoTags       []string `json:"repoTags,omitempty"`
	RepoDigests    []string `json:"repoDigests,omitempty"`
	Architecture   string   `json:"architecture,omitempty"`
	OS             string   `json:"os,omitempty"` // the image config's os, e.g. linux
	// BaseImage is the image this one was built from, when the image
	// declares it; nil means unknown.
	BaseImage *BaseImage `json:"baseImage,omitempty"`
}

// BaseImage is the image an image was built FROM, as the image itself
// declares it with the OCI annotations org.opencontainers.image.base.name
// and .base.digest (as a manifest annotation or a config label). Nothing
// is inferred from the layer history: it does not name images.
type BaseImage struct {
	Name   string `json:"name,omitempty"`
	Digest string `json:"digest,omitempty"`
	// Source is where the declaration was read: "annotation" (the
	// manifest's) or "label" (the config's).
	Source string `json:"source"`
}

// Warning is a problem that did not stop the scan: a file that could not be
// parsed, a layer entry that was skipped.
type Warning struct {
	Layer   int    `json:"layer"` // -1 when not tied to a layer
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Database describes the vulnerability database a scan matched against.
type Database struct {
	// Updated is when the oldest of the ecosystems used was last updated.
	Updated    time.Time `json:"updated"`
	Ecosystems []string  `json:"ecosystems"`
	// Notices are what the data's sources ask every report to repeat
	// (a demo slice, a frozen mirror).
	Notices []string `json:"notices,omitempty"`
}

// Tool names the program that made the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Secret is one credential found in the image, redacted.
type Secret struct {
	RuleID   string `json:"ruleID"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	// Source is "layer" for a file, "config" for the image configuration.
	Source string `json:"source"`
	// Path is the file, or for the configuration the field ("Env",
	// "Labels", "History[3].created_by").
	Path  string `json:"path"`
	Line  int    `json:"line,omitempty"`
	Match string `json:"match"`
	// Encoding says how the secret was stored when not as plain text,
	// e.g. base64 in a Kubernetes Secret's data.
	Encoding string `json:"encoding,omitempty"`
	// Layer is the index of the layer holding the file (-1 for the
	// configuration); DiffID identifies it.
	Layer  int    `json:"layer"`
	DiffID string `json:"diffID,omitempty"`
	// DeletedBy is the layer that deleted or replaced the file, when a
	// later layer did: the secret is gone from the running container but
	// still in the image for anyone who pulls it.
	DeletedBy *int `json:"deletedBy,omitempty"`
}

// Vulnerability statuses.
const (
	StatusFixed   = "fixed"   // a fixed version exists: upgrade to it
	StatusUnfixed = "unfixed" // affected, and no fix is published yet
)

// Vulnerability is one known vulnerability affecting one installed
// package: a CVE (or, where a record names no CVE, the record's own ID),
// with every advisory about it for this package folded in.
type Vulnerability struct {
	// ID is the CVE when there is one, else the advisory's ID.
	ID string `json:"id"`
	// Aliases are the other IDs of the same vulnerability: the advisories
	// (DSA-, GHSA-, GO-, ...) that matched and their aliases.
	Aliases []string   `json:"aliases,omitempty"`
	Package PackageRef `json:"package"`
	Status  string     `json:"status"`
	// FixedVersions are the versions that fix it, lowest first.
	FixedVersions []string `json:"fixedVersions,omitempty"`
	Severity      string   `json:"severity"` // CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN
	CVSS          []CVSS   `json:"cvss,omitempty"`
	Title         string   `json:"title,omitempty"`
	Published     string   `json:"published,omitempty"`
	References    []string `json:"references,omitempty"`
	// Records are the IDs of the OSV records that matched.
	Records []string `json:"records"`
	// KnownExploited is set when CISA's KEV catalog lists the CVE.
	KnownExploited bool `json:"knownExploited,omitempty"`
	// EPSS is the exploit prediction score, when known.
	EPSS *EPSS `json:"epss,omitempty"`
	// Suppression says why a suppressed finding does not count.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// PackageRef names the affected package as the inventory lists it, and
// the OSV ecosystem and name it was matched under.
type PackageRef struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	PURL      string `json:"purl,omitempty"`
	Location  string `json:"location,omitempty"`
	Layer     int    `json:"layer"`
	Ecosystem string `json:"ecosystem"`
	// MatchedName and MatchedVersion are what was looked up when they
	// differ from Name and Version (Debian source packages, say).
	MatchedName    string `json:"matchedName,omitempty"`
	MatchedVersion string `json:"matchedVersion,omitempty"`
}

// EPSS is FIRST's exploit prediction for a CVE.
type EPSS struct {
	Score      float64 `json:"score"`
	Percentile float64 `json:"percentile"`
}

// Suppression sources.
const (
	SuppressedByIgnoreFile = "ignore-file"
	SuppressedByVEX        = "vex"
)

// Suppression records why a finding is not counted.
type Suppression struct {
	Source string `json:"source"`
	// Statement is the VEX status or the ignore rule that applied.
	Statement string `json:"statement,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// Document is the ignore file or VEX document.
	Document string `json:"document,omitempty"`
}

// CVSS is one scored vector.
type CVSS struct {
	Version string  `json:"version"` // "2.0", "3.0", "3.1", "4.0"
	Vector  string  `json:"vector"`
	Score   float64 `json:"score"`
}

// Coverage says which of the scanned packages the vulnerability database
// could speak for. A package in an ecosystem the database holds no records
// for was not matched at all: "no vulnerabilities" would be a guess.
type Coverage struct {
	Covered   []EcosystemCoverage `json:"covered"`
	Uncovered []EcosystemCoverage `json:"uncovered"`
}

// EcosystemCoverage counts the packages filed under one ecosystem.
type EcosystemCoverage struct {
	// Ecosystem is the OSV ecosystem with its release ("Debian:12",
	// "PyPI"), or the package type where none applies.
	Ecosystem string `json:"ecosystem"`
	Packages  int    `json:"packages"`
	// Reason says why an uncovered ecosystem was not matched.
	Reason string `json:"reason,omitempty"`
	// Examples name a few of the packages.
	Examples []string `json:"examples,omitempty"`
}

// UncoveredPackages counts the packages no record source covered.
func (c *Coverage) UncoveredPackages() int {
	if c == nil {
		return 0
	}
	n := 0
	for _, e := range c.Uncovered {
		n += e.Packages
	}
	return n
}

// CoveredPackages counts the packages matched against some records.
func (c *Coverage) CoveredPackages() int {
	if c == nil {
		return 0
	}
	n := 0
	for _, e := range c.Covered {
		n += e.Packages
	}
	return n
}

// Why a signature or attestation did not verify.
const (
	// SigNoSignature: nothing signed the image (no .sig/.att tag, no
	// referrer, no bundle for its digest).
	SigNoSignature = "no-signature"
	// SigWrongKey: the signature does not verify with the key given.
	SigWrongKey = "wrong-key"
	// SigBadSignature: a certificate's signature does not verify over
	// the payload.
	SigBadSignature = "bad-signature"
	// SigDigestMismatch: the signature verifies, but its payload names
	// another image.
	SigDigestMismatch = "digest-mismatch"
	// SigCorrupt: the signature's blobs do not match their digests, or
	// the payload cannot be read.
	SigCorrupt = "corrupt"
	// SigExpiredCertificate: the certificate is not valid now and no
	// trusted timestamp shows it was when it signed.
	SigExpiredCertificate = "expired-certificate"
	// SigUntrustedCertificate: the certificate does not chain to a
	// certificate authority of the trusted root.
	SigUntrustedCertificate = "untrusted-certificate"
	// SigIdentityMismatch: the certificate names an identity or issuer
	// not among those allowed.
	SigIdentityMismatch = "identity-mismatch"
	// SigNoTrust: there is no key or trusted root to check it with.
	SigNoTrust = "no-trust"
	// SigInvalid: anything else (a bad transparency log entry or
	// timestamp, a malformed bundle); the detail says what.
	SigInvalid = "invalid"
)

// Kinds of signed thing.
const (
	SignatureKindSignature   = "signature"
	SignatureKindAttestation = "attestation"
)

// Signature is one signature or attestation found for an image, and what
// checking it found.
type Signature struct {
	Kind string `json:"kind"` // signature or attestation
	// Format: cosign (cosign's simple signing or DSSE layers, under a
	// .sig/.att tag or as a referrer) or bundle (a Sigstore bundle).
	Format string `json:"format"`
	// Location: "tag sha256-….sig" or "referrer sha256:…".
	Location      string `json:"location"`
	PredicateType string `json:"predicateType,omitempty"`
	Verified      bool   `json:"verified"`
	Reason        string `json:"reason,omitempty"` // a Sig* reason when not verified
	Detail        string `json:"detail,omitempty"`
	// Signer: "key sha256:<hex of the DER public key>", or the
	// certificate's identity and issuer.
	Signer string `json:"signer,omitempty"`
	// SignedAt is the earliest verified timestamp (transparency log or
	// timestamp authority), when there is one.
	SignedAt *time.Time `json:"signedAt,omitempty"`
	// Predicate summarises a verified attestation's predicate.
	Predicate *Predicate `json:"predicate,omitempty"`
}

// Predicate is what a report says about an attestation's predicate.
type Predicate struct {
	Kind string `json:"kind"` // provenance, sbom, vex, vuln-scan, signature, other
	// Provenance: who built it, how, and from what.
	Builder   string   `json:"builder,omitempty"`
	BuildType string   `json:"buildType,omitempty"`
	Sources   []string `json:"sources,omitempty"`
	// SBOM: its format and how many packages it lists.
	Format     string `json:"format,omitempty"`
	Components int    `json:"components,omitempty"`
	// VEX: how many statements; vulnerability scan: the scanner and how
	// many results.
	Statements int    `json:"statements,omitempty"`
	Scanner    string `json:"scanner,omitempty"`
	Results    int    `json:"results,omitempty"`
}

// SignatureCheck is the verdict on an image's signatures: whether one
// met the policy, and every signature and attestation found.
type SignatureCheck struct {
	Subject string `json:"subject"` // the digest checked
	Policy  string `json:"policy"`  // what a signature had to satisfy
	// Verified: a signature (not only an attestation) met the policy.
	Verified bool `json:"verified"`
	// Reason and Detail say why not: no-signature, or the reason of the
	// first signature that failed.
	Reason     string      `json:"reason,omitempty"`
	Detail     string      `json:"detail,omitempty"`
	Signatures []Signature `json:"signatures,omitempty"`
}

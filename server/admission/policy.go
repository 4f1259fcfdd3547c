package admission

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/bulwark-sec/bulwark/severity"
	"github.com/bulwark-sec/bulwark/verify"
)

// Modes and failure policies.
const (
	ModeEnforce = "enforce"
	ModeWarn    = "warn"

	FailOpen   = "open"
	FailClosed = "closed"
)

// Time budget bounds: the API server waits for a webhook at most 30
// seconds (timeoutSeconds), so a budget must end before that for the
// answer to be ours rather than the API server's failurePolicy.
const (
	DefaultTimeBudget = 8 * time.Second
	MaxTimeBudget     = 29 * time.Second
)

// maxPolicySize bounds a policy file.
const maxPolicySize = 1 << 20

// Policy says what the webhook lets into the cluster. The zero value,
// after Normalize, allows everything that can be read and scanned in
// time, and fails closed.
type Policy struct {
	// MaxSeverity denies images with a vulnerability rated at or above
	// it: LOW, MEDIUM, HIGH or CRITICAL; empty means vulnerabilities
	// never deny.
	MaxSeverity string `yaml:"maxSeverity"`
	// NoSecrets denies images that ship a secret.
	NoSecrets bool `yaml:"noSecrets"`
	// Misconfig denies objects that fail configuration checks.
	Misconfig MisconfigPolicy `yaml:"misconfig"`
	// RequireDigest denies images not pinned by digest in the object
	// (name@sha256:…), whatever their tag.
	RequireDigest bool `yaml:"requireDigest"`
	// AllowedRegistries, when set, are the only registries (host[:port])
	// or repository prefixes (host/path) images may come from; others are
	// denied without being contacted.
	AllowedRegistries []string `yaml:"allowedRegistries"`
	// Ignore lists vulnerability IDs (or aliases) that never deny.
	Ignore []string `yaml:"ignore"`
	// ExemptNamespaces are namespaces whose objects are allowed unchecked.
	ExemptNamespaces []string `yaml:"exemptNamespaces"`
	// Mode is "enforce" (deny) or "warn" (allow, with the reasons as
	// warnings kubectl shows).
	Mode string `yaml:"mode"`
	// TimeBudget bounds one review (default 8s, at most 29s).
	TimeBudget time.Duration `yaml:"timeBudget"`
	// FailurePolicy is the answer when the budget runs out or a scan
	// fails: "open" allows with a warning, "closed" (the default) denies.
	FailurePolicy string `yaml:"failurePolicy"`
	// RequireSignature, when set, denies images without a signature that
	// one of its keys or identities made (cosign's .sig tags, OCI 1.1
	// referrers, Sigstore bundles; see docs/verify.md).
	RequireSignature *SignaturePolicy `yaml:"requireSignature"`

	// signatures are RequireSignature's keys and trusted root, loaded by
	// Normalize.
	signatures *verify.Options
}

// SignaturePolicy names what may sign an admitted image: public key files
// (PEM), or a keyless identity and its OIDC issuer (exact or by regular
// expression) with the Sigstore trusted_root.json that anchors them. It is
// checked offline, from what the signatures carry.
type SignaturePolicy struct {
	Keys           []string `yaml:"keys"`
	Identity       string   `yaml:"identity"`
	IdentityRegexp string   `yaml:"identityRegexp"`
	Issuer         string   `yaml:"issuer"`
	IssuerRegexp   string   `yaml:"issuerRegexp"`
	TrustedRoot    string   `yaml:"trustedRoot"`
}

// Signatures are the loaded signature requirement, nil when the policy
// has none.
func (p *Policy) Signatures() *verify.Options { return p.signatures }

// MisconfigPolicy gates the configuration checks run on the admitted
// object itself (misconfig/kubernetes: Pod Security Standards and the
// BW-K8S checks).
type MisconfigPolicy struct {
	// Severity denies failing checks rated at or above it; empty turns
	// the configuration checks off.
	Severity string `yaml:"severity"`
	// Skip lists check IDs that never deny.
	Skip []string `yaml:"skip"`
	// PSSVersion is the Pod Security Standards version ("latest" or
	// "v1.NN").
	PSSVersion string `yaml:"pssVersion"`
}

// LoadPolicy reads a policy from a YAML or JSON file. Unknown keys are
// errors, so a misspelt setting cannot silently weaken the policy.
func LoadPolicy(path string) (Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return Policy{}, fmt.Errorf("admission policy: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPolicySize+1))
	if err != nil {
		return Policy{}, fmt.Errorf("admission policy: %s: %w", path, err)
	}
	if len(data) > maxPolicySize {
		return Policy{}, fmt.Errorf("admission policy: %s: larger than %d bytes", path, maxPolicySize)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return Policy{}, fmt.Errorf("admission policy: %s: %w", path, err)
	}
	return p, nil
}

// ParsePolicy reads a policy document (YAML or JSON) and normalizes it.
func ParsePolicy(data []byte) (Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return Policy{}, err
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return Policy{}, errors.New("more than one YAML document")
	}
	if err := p.Normalize(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Normalize fills in defaults, upper-cases severities and IDs, and
// checks every setting.
func (p *Policy) Normalize() error {
	var errs []error
	sev := func(field string, s *string) {
		*s = strings.ToUpper(strings.TrimSpace(*s))
		if *s != "" && severity.Rank(*s) == 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not LOW, MEDIUM, HIGH or CRITICAL", field, *s))
		}
	}
	sev("maxSeverity", &p.MaxSeverity)
	sev("misconfig.severity", &p.Misconfig.Severity)
	for i, id := range p.Misconfig.Skip {
		p.Misconfig.Skip[i] = strings.ToUpper(strings.TrimSpace(id))
	}
	for i, id := range p.Ignore {
		p.Ignore[i] = strings.ToUpper(strings.TrimSpace(id))
	}
	choice := func(field string, s *string, first, second string) {
		switch *s = strings.ToLower(strings.TrimSpace(*s)); *s {
		case "":
			*s = first
		case first, second:
		default:
			errs = append(errs, fmt.Errorf("%s: %q is neither %s nor %s", field, *s, first, second))
		}
	}
	choice("mode", &p.Mode, ModeEnforce, ModeWarn)
	choice("failurePolicy", &p.FailurePolicy, FailClosed, FailOpen)
	switch {
	case p.TimeBudget == 0:
		p.TimeBudget = DefaultTimeBudget
	case p.TimeBudget < 0 || p.TimeBudget > MaxTimeBudget:
		errs = append(errs, fmt.Errorf("timeBudget: %s is outside 0 to %s (the API server gives a webhook at most 30s)", p.TimeBudget, MaxTimeBudget))
	}
	for i, r := range p.AllowedRegistries {
		norm, err := normalizeRegistry(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("allowedRegistries[%d]: %w", i, err))
			continue
		}
		p.AllowedRegistries[i] = norm
	}
	if sp := p.RequireSignature; sp != nil {
		opts, err := verify.Policy{KeyFiles: sp.Keys, Identity: sp.Identity, IdentityRegexp: sp.IdentityRegexp,
			Issuer: sp.Issuer, IssuerRegexp: sp.IssuerRegexp, TrustedRoot: sp.TrustedRoot}.Load()
		if err != nil {
			errs = append(errs, fmt.Errorf("requireSignature: %w", err))
		} else {
			p.signatures = &opts
		}
	}
	return errors.Join(errs...)
}

// normalizeRegistry spells an allow-list entry as go-containerregistry
// names registries and repositories (docker.io is index.docker.io), so
// that it compares with parsed references.
func normalizeRegistry(entry string) (string, error) {
	entry = strings.TrimSuffix(strings.TrimSpace(entry), "/")
	if entry == "" {
		return "", errors.New("empty entry")
	}
	host, repo, _ := strings.Cut(entry, "/")
	reg, err := name.NewRegistry(host)
	if err != nil {
		return "", fmt.Errorf("%q: %w", entry, err)
	}
	if repo == "" {
		return reg.RegistryStr(), nil
	}
	if _, err := name.NewRepository(reg.RegistryStr() + "/" + repo); err != nil {
		return "", fmt.Errorf("%q: %w", entry, err)
	}
	return reg.RegistryStr() + "/" + repo, nil
}

// registryAllowed reports whether repo (as name.Repository.Name spells it)
// comes from an allowed registry or repository prefix.
func (p *Policy) registryAllowed(repo name.Repository) bool {
	if len(p.AllowedRegistries) == 0 {
		return true
	}
	full := repo.Name()
	return slices.ContainsFunc(p.AllowedRegistries, func(a string) bool {
		return a == repo.RegistryStr() || full == a || strings.HasPrefix(full, a+"/")
	})
}

func (p *Policy) exempt(namespace string) bool {
	return slices.Contains(p.ExemptNamespaces, namespace)
}

func (p *Policy) ignored(ids ...string) bool {
	for _, id := range ids {
		if slices.Contains(p.Ignore, strings.ToUpper(id)) {
			return true
		}
	}
	return false
}

// failureAnswer words what the failure policy makes of a check that
// could not be made.
func (p *Policy) failureAnswer() string {
	if p.FailurePolicy == FailOpen {
		return "failure policy open: allowed"
	}
	return "failure policy closed: denied"
}

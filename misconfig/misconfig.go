// Package misconfig holds what every misconfiguration check shares: the
// description of a check (ID, severity, rationale, fix, references), the
// finding it produces, and inline suppressions. The checks themselves live
// in one sub-package per target (misconfig/dockerfile, misconfig/kubernetes,
// …); misconfig/audit routes files to them.
package misconfig

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/severity"
)

// Targets: what kind of input a check reads.
const (
	TargetDockerfile = "dockerfile"
	TargetImage      = "image"
	TargetKubernetes = "kubernetes"
	TargetCompose    = "compose"
	TargetHelm       = "helm"
	TargetKustomize  = "kustomize"
	TargetCustom     = "custom"
	TargetHost       = "host"
	// TargetRegistry checks ask a registry about the references a
	// configuration names (misconfig/pins).
	TargetRegistry    = "registry"
	TargetUnsupported = "unknown"
)

// Check describes one check. Its ID never changes meaning once released:
// users name it in suppressions and skip lists.
//
// A check package declares each of its checks as a package-level variable
// in the file that implements it, makes findings from that variable
// (checkFoo.At(…)), so a finding cannot name a check that does not exist,
// and lists them all, in ID order, in its Checks function with Catalog.
type Check struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Severity string `json:"severity"` // severity.Critical … severity.Low
	Target   string `json:"target"`
	// Rationale says why the setting is a risk; Fix says what to do.
	Rationale string `json:"rationale"`
	Fix       string `json:"fix"`
	// References name the benchmark sections and documents the check
	// follows: "CIS Docker Benchmark 4.1", "PSS baseline: Privileged
	// Containers", "NSA/CISA Kubernetes Hardening Guide", or URLs.
	References []string `json:"references,omitempty"`
	// Level and Assessment place a check that follows a CIS benchmark
	// recommendation in it: the profile level (1 or 2) and whether the
	// benchmark scores it as "automated" or "manual". Zero for checks
	// that follow none.
	Level      int    `json:"level,omitempty"`
	Assessment string `json:"assessment,omitempty"`
}

// CIS assessment statuses.
const (
	Automated = "automated"
	Manual    = "manual"
)

// Warning is a file an audit could not check, and why.
type Warning struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Resource names the object a finding is about.
type Resource struct {
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	// Container is the container (or compose service, or build stage)
	// inside the object, when the finding is about one.
	Container string `json:"container,omitempty"`
}

// String renders a resource as kind/namespace/name[container].
func (r Resource) String() string {
	var b strings.Builder
	b.WriteString(r.Kind)
	if r.Namespace != "" {
		b.WriteString("/" + r.Namespace)
	}
	if r.Name != "" {
		if b.Len() > 0 {
			b.WriteString("/")
		}
		b.WriteString(r.Name)
	}
	if r.Container != "" {
		fmt.Fprintf(&b, "[%s]", r.Container)
	}
	return b.String()
}

// ImageRef is an image reference a configuration file names, and where:
// a Dockerfile's FROM, a Compose service's image, a container's image.
// Checks that need the registry (misconfig/pins) read these.
type ImageRef struct {
	// Image is the reference as the file has it (a Dockerfile's after
	// ARG expansion).
	Image    string
	File     string
	Line     int
	Resource Resource
}

// Finding is one failed check at one place.
type Finding struct {
	CheckID  string `json:"checkID"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	Target   string `json:"target"`
	// Message says what exactly is wrong here, in one sentence.
	Message string `json:"message"`
	// File is the path as given (relative to the scanned folder), or for
	// image findings the file inside the image or the config field.
	File      string   `json:"file"`
	StartLine int      `json:"startLine,omitempty"`
	EndLine   int      `json:"endLine,omitempty"`
	Resource  Resource `json:"resource,omitzero"`
	// Layer is the image layer holding the file, for image findings; -1
	// otherwise.
	Layer      int      `json:"layer,omitempty"`
	Rationale  string   `json:"rationale,omitempty"`
	Fix        string   `json:"fix,omitempty"`
	References []string `json:"references,omitempty"`
	Level      int      `json:"level,omitempty"`
	Assessment string   `json:"assessment,omitempty"`
	// Suppression is why the finding was set aside, when it was.
	Suppression string `json:"suppression,omitempty"`
}

// At makes a finding of check c at a place. The finding has its own copy
// of c's references, so changing it leaves c as declared.
func (c Check) At(file string, line int, res Resource, format string, args ...any) Finding {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return Finding{
		CheckID: c.ID, Title: c.Title, Severity: c.Severity, Target: c.Target,
		Message: msg, File: file, StartLine: line, EndLine: line, Resource: res,
		Rationale: c.Rationale, Fix: c.Fix, References: slices.Clone(c.References),
		Level: c.Level, Assessment: c.Assessment,
	}
}

// Catalog returns checks, in the order given, as a new slice the caller
// may change, references included: a package's Checks returns its
// package-level check variables through it, and they must keep the values
// they were declared with.
func Catalog(checks ...Check) []Check {
	out := make([]Check, len(checks))
	for i, c := range checks {
		c.References = slices.Clone(c.References)
		out[i] = c
	}
	return out
}

// Validate reports what is wrong with a list of checks: an empty field, an
// unknown severity, a repeated ID. Each check package's tests call it.
func Validate(checks []Check) error {
	seen := map[string]bool{}
	var problems []string
	for _, c := range checks {
		switch {
		case c.ID == "" || c.Title == "" || c.Rationale == "" || c.Fix == "" || c.Target == "":
			problems = append(problems, fmt.Sprintf("%q: empty ID, title, target, rationale or fix", c.ID))
		case severity.Rank(c.Severity) == 0:
			problems = append(problems, fmt.Sprintf("%s: severity %q", c.ID, c.Severity))
		case c.Level < 0 || c.Level > 2 || (c.Level == 0) != (c.Assessment == "") ||
			(c.Assessment != "" && c.Assessment != Automated && c.Assessment != Manual):
			problems = append(problems, fmt.Sprintf("%s: level %d, assessment %q", c.ID, c.Level, c.Assessment))
		case seen[c.ID]:
			problems = append(problems, fmt.Sprintf("%s: repeated", c.ID))
		}
		seen[c.ID] = true
	}
	if len(problems) > 0 {
		return fmt.Errorf("checks: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Sort orders findings by file, line, then check ID, so output is stable.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.StartLine != b.StartLine {
			return a.StartLine < b.StartLine
		}
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		return a.Resource.String() < b.Resource.String()
	})
}

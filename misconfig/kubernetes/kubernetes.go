// Package kubernetes checks Kubernetes workloads — Pods, Deployments,
// StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs,
// ReplicationControllers and PodTemplates — for insecure settings: the
// Pod Security Standards as the API server's own admission library
// evaluates them (BW-PSS-*), and further hardening checks (BW-K8S-*) such
// as writable root filesystems, missing resource limits, mutable image
// tags, dangerous host mounts and literal secrets. Each finding points at
// the line of the offending field.
package kubernetes

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/pod-security-admission/api"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/secret"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkUnknownField = misconfig.Check{
		ID: "BW-K8S-001", Title: "Unknown field in a workload", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "The API server drops fields it does not know (or rejects them under strict validation), so a misspelt security setting silently does nothing.",
		Fix:        "Fix the field's name or remove it; `kubectl apply --validate=strict` reports such fields too.",
		References: []string{refUnknownFields},
	}
	checkDefaultNamespace = misconfig.Check{
		ID: "BW-K8S-012", Title: "Workload in the default namespace", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "The default namespace has no dedicated policies or quotas and mixes unrelated workloads, which weakens RBAC and network isolation.",
		Fix:        "Set metadata.namespace to a namespace dedicated to the application.",
		References: []string{"CIS Kubernetes Benchmark 5.7.4", refNamespaces},
	}
)

// Options tune a scan.
type Options struct {
	// PSSVersion is the Pod Security Standards version to evaluate:
	// "latest" (the default when empty) or "v1.NN", as in the
	// pod-security.kubernetes.io/enforce-version namespace label.
	PSSVersion string
}

// engines are what every scan shares. Building them is the expensive part
// of a scan (the secret rules compile dozens of regular expressions), and
// callers scan file by file, so they are built once per process, on first
// use; they are never modified afterwards and are safe for concurrent use.
type engines struct {
	pss     *pss
	secrets *secret.Engine
}

var loadEngines = sync.OnceValues(func() (*engines, error) {
	p, err := newPSS()
	if err != nil {
		return nil, err
	}
	return &engines{pss: p, secrets: secret.New(secret.Builtin(), secret.Options{})}, nil
})

// parallelFrom is the number of objects from which Scan spreads the work
// over several goroutines.
const parallelFrom = 32

// Scan checks the workload objects among objs; other kinds are skipped,
// except ServiceAccounts, whose automountServiceAccountToken setting
// counts for the pods that use them. It returns the findings of every
// object it could read, sorted, and an error joining the problems with
// the others (a field holding a value of the wrong type, say). An invalid
// Options.PSSVersion is an error and nothing is scanned.
func Scan(objs []*manifest.Object, opts Options) ([]misconfig.Finding, error) {
	version, err := parseVersion(opts.PSSVersion)
	if err != nil {
		return nil, err
	}
	e, err := loadEngines()
	if err != nil {
		return nil, err
	}
	s := &scanner{engines: e, version: version, accounts: serviceAccounts(objs)}

	found := make([][]misconfig.Finding, len(objs))
	errs := make([]error, len(objs))
	workers := 1
	if len(objs) >= parallelFrom {
		workers = min(runtime.GOMAXPROCS(0), len(objs)/parallelFrom+1)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(objs) {
					return
				}
				found[i], errs[i] = s.object(objs[i])
			}
		})
	}
	wg.Wait()

	n := 0
	for _, f := range found {
		n += len(f)
	}
	out := make([]misconfig.Finding, 0, n)
	for _, f := range found {
		out = append(out, f...)
	}
	misconfig.Sort(out)
	return out, errors.Join(errs...)
}

func parseVersion(s string) (api.Version, error) {
	if s == "" || s == "latest" {
		return api.LatestVersion(), nil
	}
	v, err := api.ParseVersion(s)
	if err != nil {
		return api.Version{}, fmt.Errorf("kubernetes: Pod Security Standards version %q: %w", s, err)
	}
	return v, nil
}

// scanner holds what one Scan call knows.
type scanner struct {
	*engines
	version api.Version
	// accounts maps namespace/name of the ServiceAccounts in the input to
	// their automountServiceAccountToken setting, when they have one.
	accounts map[string]bool
}

func serviceAccounts(objs []*manifest.Object) map[string]bool {
	m := map[string]bool{}
	for _, o := range objs {
		if o == nil || o.Kind != "ServiceAccount" || o.APIVersion != "v1" {
			continue
		}
		if v, ok := o.Value["automountServiceAccountToken"].(bool); ok {
			m[o.Namespace+"/"+o.Name] = v
		}
	}
	return m
}

// object checks one object.
func (s *scanner) object(o *manifest.Object) (fs []misconfig.Finding, err error) {
	if o == nil {
		return nil, nil
	}
	defer func() {
		// The checks run on decoded, typed objects and should not panic;
		// should one ever do, the object is reported, not the scan lost.
		if r := recover(); r != nil {
			fs, err = nil, fmt.Errorf("kubernetes: %s:%d: %s: internal error: %v", o.File, o.Line, o.Ref(), r)
		}
	}()
	w, err := decode(o)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %s:%d: %s: %w", o.File, o.Line, o.Ref(), err)
	}
	if w == nil {
		return nil, nil
	}
	r := &report{scanner: s, w: w, o: o, findings: make([]misconfig.Finding, 0, 16)}
	r.unknownFields()
	r.namespace()
	if w.spec != nil {
		r.podSecurityStandards()
		r.pod()
		forContainers(w.spec, r.container)
	}
	r.suppress()
	return r.findings, nil
}

// report gathers the findings of one object.
type report struct {
	*scanner
	w        *workload
	o        *manifest.Object
	findings []misconfig.Finding
}

// line returns the line of a path from the pod template.
func (r *report) line(path ...any) int {
	return r.o.LineOf(join(r.w.path, path...)...)
}

// add records a finding of check c on a line.
func (r *report) add(c misconfig.Check, line int, container, format string, args ...any) {
	res := misconfig.Resource{Kind: r.o.Kind, Namespace: r.o.Namespace, Name: r.o.Name, Container: container}
	r.findings = append(r.findings, c.At(r.o.File, line, res, format, args...))
}

// suppress marks the findings that the object's or its pod template's
// annotations set aside.
func (r *report) suppress() {
	for i := range r.findings {
		f := &r.findings[i]
		if reason, ok := misconfig.AnnotationReason(r.o.Annotations, f.CheckID); ok {
			f.Suppression = reason
		} else if r.w.meta != nil {
			if reason, ok := misconfig.AnnotationReason(r.w.meta.Annotations, f.CheckID); ok {
				f.Suppression = reason
			}
		}
	}
}

// podSecurityStandards reports the Pod Security Standards checks the pod
// fails, each on the line of the field it reads.
func (r *report) podSecurityStandards() {
	for _, res := range r.pss.evaluate(r.version, r.w.meta, r.w.spec) {
		spots := pssSpots(res.id, r.w.meta, r.w.spec, res.detail)
		line, container := r.line("spec"), ""
		for i, sp := range spots {
			full := join(r.w.path, sp.path...)
			if i == 0 {
				// Nothing set yet: point at the nearest parent of the
				// first place the setting belongs.
				line, container = r.o.LineOf(full...), sp.container
			}
			if manifest.Lookup(r.o.Node, full...) != nil {
				line, container = r.o.LineOf(full...), sp.container
				break
			}
		}
		msg := res.reason
		if res.detail != "" {
			msg += ": " + res.detail
		}
		r.add(res.check, line, container, "%s", msg)
	}
}

// unknownFields reports the fields the API server would drop.
func (r *report) unknownFields() {
	for _, field := range r.w.unknown {
		path := resolveField(r.o.Value, field)
		line := r.o.LineOf(path...)
		// Name the field from its container when it is in one.
		if rel, ok := cutPrefix(path, r.w.path); ok && r.w.spec != nil && len(rel) > 3 && rel[0] == "spec" {
			if c := containerAt(r.w.spec, rel[1], rel[2]); c != nil {
				r.add(checkUnknownField, line, c.Name, "container %q has unknown field %s", c.Name, fieldString(rel[3:]))
				continue
			}
		}
		r.add(checkUnknownField, line, "", "unknown field %s", fieldString(path))
	}
}

// namespace reports objects bound for the default namespace.
func (r *report) namespace() {
	switch r.o.Namespace {
	case "":
		r.add(checkDefaultNamespace, r.o.LineOf("metadata"), "", "%s has no namespace and lands in the default namespace unless one is given at apply time", r.o.Kind)
	case "default":
		r.add(checkDefaultNamespace, r.o.LineOf("metadata", "namespace"), "", "%s is in the default namespace", r.o.Kind)
	}
}

// containerAt returns the container at list[i] of a pod spec, if any.
func containerAt(spec *corev1.PodSpec, list, index any) *corev1.Container {
	i, ok := index.(int)
	if !ok || i < 0 {
		return nil
	}
	switch list {
	case "containers":
		if i < len(spec.Containers) {
			return &spec.Containers[i]
		}
	case "initContainers":
		if i < len(spec.InitContainers) {
			return &spec.InitContainers[i]
		}
	case "ephemeralContainers":
		if i < len(spec.EphemeralContainers) {
			return (*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon)
		}
	}
	return nil
}

// cutPrefix reports whether path starts with prefix, and the rest.
func cutPrefix(path, prefix []any) ([]any, bool) {
	if len(path) < len(prefix) {
		return nil, false
	}
	for i := range prefix {
		if path[i] != prefix[i] {
			return nil, false
		}
	}
	return path[len(prefix):], true
}

// fieldString writes a path the way kubectl does:
// spec.containers[0].securityContext.
func fieldString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, p)
		}
	}
	return b.String()
}

// resolveField turns a field path as the JSON decoder writes it
// ("spec.containers[0].securityContext.runAsRoot") into a path through
// the object. Keys may themselves hold dots, so dotted parts are joined
// until they name a key that exists. What cannot be resolved is left off:
// the path then leads to the nearest parent.
func resolveField(v any, field string) []any {
	parts := strings.Split(field, ".")
	var path []any
	for i := 0; i < len(parts); i++ {
		m, ok := v.(map[string]any)
		if !ok {
			return path
		}
		matched := false
		for j := i; j < len(parts) && !matched; j++ {
			key := strings.Join(parts[i:j+1], ".")
			name, indexes := splitIndexes(key)
			next, found := m[key]
			if found {
				path, v, i, matched = append(path, key), next, j, true
				continue
			}
			if next, found = m[name]; found && len(indexes) > 0 {
				path, v = append(path, name), next
				for _, x := range indexes {
					l, ok := v.([]any)
					if !ok || x >= len(l) {
						return path
					}
					path, v = append(path, x), l[x]
				}
				i, matched = j, true
			}
		}
		if !matched {
			return path
		}
	}
	return path
}

// splitIndexes splits "containers[0]" into "containers" and [0].
func splitIndexes(s string) (string, []int) {
	var idx []int
	for strings.HasSuffix(s, "]") {
		open := strings.LastIndexByte(s, '[')
		if open < 0 {
			break
		}
		n := 0
		digits := s[open+1 : len(s)-1]
		if digits == "" || len(digits) > 9 {
			break
		}
		for _, c := range digits {
			if c < '0' || c > '9' {
				return s, nil
			}
			n = n*10 + int(c-'0')
		}
		idx = append([]int{n}, idx...)
		s = s[:open]
	}
	return s, idx
}

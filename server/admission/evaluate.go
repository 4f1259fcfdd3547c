package admission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/sync/errgroup"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/kubernetes"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/severity"
)

// How many IDs, secrets or checks a reason names before "and N more".
const (
	listVulns   = 5
	listSecrets = 3
	listChecks  = 5
)

// verdict is what a review found.
type verdict struct {
	// denials are policy violations, one readable sentence each.
	denials []string
	// failures are what could not be decided: a scan that failed or ran
	// out of time.
	failures []string
}

// evaluator applies one policy with one scanner.
type evaluator struct {
	scanner  Scanner
	policy   Policy
	parallel int
}

// imageCheck is one distinct image of a review.
type imageCheck struct {
	ref       string // as the object writes it
	parsed    name.Reference
	digestRef string
	denials   []string
	failure   string
}

// evaluate checks a workload: its images by the policy and the scans,
// and the object by the configuration checks. On UPDATE, only images and
// findings the old object did not already have count, so that a policy
// (or a database) newer than a running workload does not block its
// unrelated updates, such as removing a finalizer.
func (e *evaluator) evaluate(ctx context.Context, w, old *workload) verdict {
	var v verdict
	if m := e.misconfig(w, old); m != "" {
		v.denials = append(v.denials, m)
	}
	checks := e.images(w, old)
	e.resolveAndScan(ctx, checks)
	for _, c := range checks {
		v.denials = append(v.denials, c.denials...)
		if c.failure != "" {
			v.failures = append(v.failures, c.failure)
		}
	}
	return v
}

// images lists the distinct images of w that old did not run, with the
// policy's static rules applied: registry allow-list and digest pinning.
// Images these deny are neither resolved nor scanned, so a registry
// outside the allow-list is never contacted.
func (e *evaluator) images(w, old *workload) []*imageCheck {
	had := map[string]bool{}
	if old != nil {
		for _, c := range old.images {
			had[c.Image] = true
		}
	}
	var out []*imageCheck
	seen := map[string]bool{}
	for _, c := range w.images {
		if seen[c.Image] || had[c.Image] {
			continue
		}
		seen[c.Image] = true
		ic := &imageCheck{ref: c.Image}
		out = append(out, ic)
		ref, err := name.ParseReference(c.Image)
		if err != nil {
			ic.denials = append(ic.denials, fmt.Sprintf("image %s: not a valid image reference: %v", c.Image, err))
			continue
		}
		ic.parsed = ref
		if !e.policy.registryAllowed(ref.Context()) {
			ic.denials = append(ic.denials, fmt.Sprintf("image %s: registry %s is not in the allowed registries (%s)",
				c.Image, ref.Context().RegistryStr(), strings.Join(e.policy.AllowedRegistries, ", ")))
		}
		if _, pinned := ref.(name.Digest); e.policy.RequireDigest && !pinned {
			ic.denials = append(ic.denials, fmt.Sprintf("image %s: not pinned by digest (the policy requires name@sha256:…)", c.Image))
		}
	}
	return out
}

// scanning says whether the policy reads scan reports at all.
func (e *evaluator) scanning() bool { return e.policy.MaxSeverity != "" || e.policy.NoSecrets }

// signing says whether the policy requires signatures.
func (e *evaluator) signing() bool { return e.policy.Signatures() != nil }

// resolveAndScan resolves the images the static rules let through, in
// parallel, and scans each distinct digest once.
func (e *evaluator) resolveAndScan(ctx context.Context, checks []*imageCheck) {
	if !e.scanning() && !e.signing() {
		return
	}
	var toResolve []*imageCheck
	for _, c := range checks {
		if c.parsed != nil && len(c.denials) == 0 {
			toResolve = append(toResolve, c)
		}
	}
	g := errgroup.Group{}
	g.SetLimit(e.parallel)
	for _, c := range toResolve {
		g.Go(func() error {
			d, err := e.scanner.Resolve(ctx, c.ref)
			if err != nil {
				c.failure = failure(ctx, c.ref, "resolve", err, e.policy)
				return nil
			}
			c.digestRef = d
			return nil
		})
	}
	g.Wait()

	byDigest := map[string][]*imageCheck{}
	var digests []string
	for _, c := range toResolve {
		if c.digestRef == "" {
			continue
		}
		if byDigest[c.digestRef] == nil {
			digests = append(digests, c.digestRef)
		}
		byDigest[c.digestRef] = append(byDigest[c.digestRef], c)
	}
	var mu sync.Mutex
	for _, d := range digests {
		if e.scanning() {
			g.Go(func() error {
				rep, err := e.scanner.Scan(ctx, d)
				mu.Lock()
				defer mu.Unlock()
				for _, c := range byDigest[d] {
					if err != nil {
						c.failure = failure(ctx, c.ref, "scan", err, e.policy)
						continue
					}
					if reason := e.judgeReport(c, rep); reason != "" {
						c.denials = append(c.denials, reason)
					}
				}
				return nil
			})
		}
		if e.signing() {
			g.Go(func() error {
				reason, err := e.checkSignatures(ctx, d)
				mu.Lock()
				defer mu.Unlock()
				for _, c := range byDigest[d] {
					switch {
					case err != nil:
						c.failure = failure(ctx, c.ref, "signature check", err, e.policy)
					case reason != "":
						c.denials = append(c.denials, fmt.Sprintf("image %s (%s): %s", c.ref, shortDigest(digestOf(d)), reason))
					}
				}
				return nil
			})
		}
	}
	g.Wait()
}

// checkSignatures words why digestRef's signatures fail the policy, or
// "" when one meets it.
func (e *evaluator) checkSignatures(ctx context.Context, digestRef string) (string, error) {
	sc, ok := e.scanner.(SignatureChecker)
	if !ok {
		return "", errors.New("this scanner cannot check signatures")
	}
	chk, err := sc.CheckSignatures(ctx, digestRef, *e.policy.Signatures())
	if err != nil {
		return "", err
	}
	if chk.Verified {
		return "", nil
	}
	reason := "not signed as the policy requires (" + chk.Policy + "): " + chk.Reason
	if chk.Detail != "" {
		reason += ": " + chk.Detail
	}
	return reason, nil
}

func digestOf(digestRef string) string { return digestRef[strings.LastIndexByte(digestRef, '@')+1:] }

// failure words a resolve or scan that did not finish: whether the time
// budget ran out or the step failed, and what the failure policy made of
// it.
func failure(ctx context.Context, ref, step string, err error, p Policy) string {
	answer := p.failureAnswer()
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("image %s: not checked (%s): the %s did not finish within the time budget of %s", ref, answer, step, p.TimeBudget)
	}
	return fmt.Sprintf("image %s: not checked (%s): the %s failed: %v", ref, answer, step, err)
}

// judgeReport words what a report holds against the policy, or "".
func (e *evaluator) judgeReport(c *imageCheck, rep *report.Report) string {
	var parts []string
	if e.policy.MaxSeverity != "" {
		if s := e.vulnerabilities(rep.Vulnerabilities); s != "" {
			parts = append(parts, s)
		}
	}
	if e.policy.NoSecrets && len(rep.Secrets) > 0 {
		parts = append(parts, secretsReason(rep.Secrets))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("image %s (%s): %s", c.ref, shortDigest(digestOf(c.digestRef)), strings.Join(parts, "; "))
}

// shortDigest keeps the algorithm and 12 hex digits, as docker does.
func shortDigest(d string) string {
	alg, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return alg + ":" + hex[:12] + "…"
}

// vulnerabilities words the distinct vulnerabilities at or above the
// policy's severity, most severe first, or "".
func (e *evaluator) vulnerabilities(vulns []result.Vulnerability) string {
	min := severity.Rank(e.policy.MaxSeverity)
	rank := map[string]int{}
	for _, v := range vulns {
		r := severity.Rank(v.Severity)
		if r < min || e.policy.ignored(append([]string{v.ID}, v.Aliases...)...) {
			continue
		}
		rank[v.ID] = max(rank[v.ID], r)
	}
	if len(rank) == 0 {
		return ""
	}
	ids := make([]string, 0, len(rank))
	for id := range rank {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if rank[ids[i]] != rank[ids[j]] {
			return rank[ids[i]] > rank[ids[j]]
		}
		return ids[i] < ids[j]
	})
	noun := "vulnerabilities"
	if len(ids) == 1 {
		noun = "vulnerability"
	}
	return fmt.Sprintf("%d %s at or above %s: %s", len(ids), noun, e.policy.MaxSeverity, listSome(ids, listVulns))
}

func secretsReason(secrets []result.Secret) string {
	var items []string
	for _, s := range secrets {
		item := s.Title + " in " + secretPlace(s)
		if s.DeletedBy != nil {
			item += fmt.Sprintf(" (deleted by layer %d, still in the image)", *s.DeletedBy)
		}
		items = append(items, item)
	}
	noun := "secrets"
	if len(items) == 1 {
		noun = "secret"
	}
	return fmt.Sprintf("%d %s (%s)", len(items), noun, listSome(items, listSecrets))
}

// secretPlace says where a secret is: a file, as an absolute path in the
// image, or a field of the image configuration.
func secretPlace(s result.Secret) string {
	if s.Source == "config" {
		return "the image config's " + s.Path
	}
	return "/" + strings.TrimPrefix(s.Path, "/")
}

// listSome joins the first n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// misconfig runs the Kubernetes checks on the object and words the
// failing ones at or above the policy's severity, or "". Annotations on
// the object do not waive them: they are written by whoever the policy
// is meant to hold, so only the policy's skip list does.
func (e *evaluator) misconfig(w, old *workload) string {
	mp := e.policy.Misconfig
	if mp.Severity == "" {
		return ""
	}
	failing := func(wl *workload) ([]misconfig.Finding, error) {
		fs, err := kubernetes.Scan([]*manifest.Object{wl.obj}, kubernetes.Options{PSSVersion: mp.PSSVersion})
		var keep []misconfig.Finding
		for _, f := range fs {
			if severity.Rank(f.Severity) >= severity.Rank(mp.Severity) && !slices.Contains(mp.Skip, f.CheckID) {
				keep = append(keep, f)
			}
		}
		return keep, err
	}
	found, err := failing(w)
	if err != nil && len(found) == 0 {
		return fmt.Sprintf("%s: configuration checks failed to run: %v", w.obj.Ref(), err)
	}
	if old != nil {
		before, _ := failing(old)
		had := map[string]bool{}
		for _, f := range before {
			had[findingKey(f)] = true
		}
		found = slices.DeleteFunc(found, func(f misconfig.Finding) bool { return had[findingKey(f)] })
	}
	if len(found) == 0 {
		return ""
	}
	slices.SortStableFunc(found, func(a, b misconfig.Finding) int {
		return severity.Rank(b.Severity) - severity.Rank(a.Severity)
	})
	items := make([]string, len(found))
	for i, f := range found {
		items[i] = fmt.Sprintf("%s %s (%s)", f.CheckID, f.Severity, f.Message)
	}
	noun := "checks"
	if len(items) == 1 {
		noun = "check"
	}
	return fmt.Sprintf("%s: %d failing configuration %s at or above %s: %s", w.obj.Ref(), len(items), noun, mp.Severity, listSome(items, listChecks))
}

// findingKey identifies a finding apart from its line, which an update
// may move.
func findingKey(f misconfig.Finding) string {
	return f.CheckID + "\x00" + f.Resource.Container + "\x00" + f.Message
}

package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkReadSecrets = misconfig.Check{
		ID: "BW-RBAC-005", Title: "Role can read Secrets", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "get, list or watch on secrets returns their decoded contents, including service account tokens of more privileged accounts; list and watch return every Secret in scope at once.",
		Fix:        "Remove read access to secrets, or limit it to get on the named Secrets the workload needs with resourceNames; prefer mounting a Secret into the pod over reading it through the API.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.2", refGoodPractices, refNSA},
	}
	checkExec = misconfig.Check{
		ID: "BW-RBAC-006", Title: "Role can run commands in pods", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "create or get on pods/exec or pods/attach (exec over WebSockets is a GET), or update on pods/ephemeralcontainers, runs commands inside existing containers with their service account token, mounted Secrets and host access.",
		Fix:        "Remove pods/exec, pods/attach and pods/ephemeralcontainers from roles used by workloads and automation; grant them to people only through a time-limited break-glass binding.",
		References: []string{refGoodPractices, refNSA},
	}
	checkEscalate = misconfig.Check{
		ID: "BW-RBAC-007", Title: "Role can escalate or bind roles", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "escalate lets a subject write roles with permissions it does not hold, and bind lets it bind roles it does not hold: either lifts it to cluster-admin.",
		Fix:        "Remove escalate and bind; where a controller must bind roles, limit bind to the named roles with resourceNames.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.8", refGoodPractices},
	}
	checkImpersonate = misconfig.Check{
		ID: "BW-RBAC-008", Title: "Role can impersonate users, groups or service accounts", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "impersonate lets a subject send requests as another identity, with all of that identity's permissions, including members of system:masters.",
		Fix:        "Remove impersonate, or limit it with resourceNames to the identities the subject must act as.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.8", refGoodPractices},
	}
	checkWorkloads = misconfig.Check{
		ID: "BW-RBAC-009", Title: "Role can create or change workloads", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "Whoever can create or change pods, or the controllers that make pods, can run any image as any service account in the namespace and mount its Secrets, unless admission control stops it.",
		Fix:        "Grant workload writes only to deployment pipelines that need them, and enforce Pod Security admission in the namespace.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.4", refGoodPractices},
	}
	checkTokens = misconfig.Check{
		ID: "BW-RBAC-010", Title: "Role can create service account tokens", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "create on serviceaccounts/token mints a token for any service account in scope, so the subject gains the permissions of the most privileged one.",
		Fix:        "Remove create on serviceaccounts/token, or limit it with resourceNames to the service accounts concerned.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.13", refGoodPractices},
	}
	checkNodes = misconfig.Check{
		ID: "BW-RBAC-011", Title: "Role can modify nodes or use the kubelet proxy", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "nodes/proxy reaches the kubelet API, which runs commands in any pod on the node without API server audit or admission; updating nodes changes labels and taints to draw sensitive pods onto a node the subject controls.",
		Fix:        "Remove access to nodes/proxy and write access to nodes; monitoring agents need only get on nodes/metrics or nodes/stats.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.10", refGoodPractices},
	}
	checkDeleteEvents = misconfig.Check{
		ID: "BW-RBAC-012", Title: "Role can delete events", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "Events are often the only record of what happened in a namespace; a subject that can delete them can hide its own actions.",
		Fix:        "Remove delete and deletecollection on events; the API server expires events on its own.",
		References: []string{refRBAC, refNSA},
	}
)

// A permission is some verbs on some resources of some API groups.
type permission struct {
	groups    []string
	resources []string
	verbs     []string
}

// A capability is one risky power a rule can hand out, made of one or more
// permissions, each enough on its own.
type capability struct {
	check misconfig.Check
	// what holders can do, finishing "… can <what>" in messages.
	what  string
	perms []permission
	// named: a rule limited by resourceNames is the least-privilege form
	// this check's fix asks for, so it is not reported.
	named bool
	// clusterScoped: the resources are cluster-scoped, so a Role or a
	// RoleBinding cannot grant them; only ClusterRoleBindings count.
	clusterScoped bool
}

// capabilities returns the capability checks in check order. Only resources
// a rule names count here (exactly, or as "*/subresource", the forms the
// RBAC authorizer matches); a rule with resources "*" is reported by the
// wildcard check instead, whose message lists which of these it includes.
// Verb and API group wildcards do count.
func capabilities() []capability {
	readVerbs := []string{"get", "list", "watch"}
	writeVerbs := []string{"create", "update", "patch"}
	return []capability{
		{
			check: checkReadSecrets, what: "read secrets", named: true,
			perms: []permission{{groups: []string{""}, resources: []string{"secrets"}, verbs: readVerbs}},
		},
		{
			check: checkExec, what: "run commands in pods",
			perms: []permission{
				{groups: []string{""}, resources: []string{"pods/exec", "pods/attach"}, verbs: []string{"create", "get"}},
				{groups: []string{""}, resources: []string{"pods/ephemeralcontainers"}, verbs: []string{"update", "patch"}},
			},
		},
		{
			check: checkEscalate, what: "grant themselves any permission",
			perms: []permission{{groups: []string{"rbac.authorization.k8s.io"}, resources: []string{"roles", "clusterroles"}, verbs: []string{"escalate", "bind"}}},
		},
		{
			check: checkImpersonate, what: "act as other identities",
			perms: []permission{
				{groups: []string{""}, resources: []string{"users", "groups", "serviceaccounts"}, verbs: []string{"impersonate"}},
				{groups: []string{"authentication.k8s.io"}, resources: []string{"uids"}, verbs: []string{"impersonate"}},
			},
		},
		{
			check: checkWorkloads, what: "create or change workloads",
			perms: []permission{
				{groups: []string{""}, resources: []string{"pods", "replicationcontrollers"}, verbs: writeVerbs},
				{groups: []string{"apps", "extensions"}, resources: []string{"deployments", "daemonsets", "statefulsets", "replicasets"}, verbs: writeVerbs},
				{groups: []string{"batch"}, resources: []string{"jobs", "cronjobs"}, verbs: writeVerbs},
			},
		},
		{
			check: checkTokens, what: "mint service account tokens",
			perms: []permission{{groups: []string{""}, resources: []string{"serviceaccounts/token"}, verbs: []string{"create"}}},
		},
		{
			check: checkNodes, what: "modify nodes or reach the kubelet API", clusterScoped: true,
			perms: []permission{
				{groups: []string{""}, resources: []string{"nodes/proxy"}, verbs: []string{"get", "create", "update", "patch"}},
				{groups: []string{""}, resources: []string{"nodes"}, verbs: []string{"update", "patch"}},
			},
		},
		{
			check: checkDeleteEvents, what: "delete events",
			perms: []permission{{groups: []string{"", "events.k8s.io"}, resources: []string{"events"}, verbs: []string{"delete", "deletecollection"}}},
		},
	}
}

// match says what rule r grants of capability c, in the rule's own words
// ("get, list on secrets"). With anyResource, resources "*" counts as
// naming every resource.
func (c capability) match(r rbacv1.PolicyRule, anyResource bool) (string, bool) {
	if c.named && len(r.ResourceNames) > 0 {
		return "", false
	}
	var parts []string
	for _, p := range c.perms {
		if !groupsMatch(r.APIGroups, p.groups) {
			continue
		}
		verbs := matching(r.Verbs, p.verbs)
		if len(verbs) == 0 {
			continue
		}
		var res []string
		for _, rr := range r.Resources {
			if (rr == "*" && anyResource) || resourceMatches(rr, p.resources) {
				res = appendNew(res, rr)
			}
		}
		if len(res) == 0 {
			continue
		}
		parts = appendNew(parts, list(verbs)+" on "+list(res))
	}
	if len(parts) == 0 {
		return "", false
	}
	return strings.Join(parts, "; ") + namesNote(r), true
}

// groupsMatch says whether a rule's apiGroups cover one of groups.
func groupsMatch(ruleGroups, groups []string) bool {
	for _, g := range ruleGroups {
		if g == "*" || slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// matching returns the rule's verbs that are "*" or among want.
func matching(ruleVerbs, want []string) []string {
	var out []string
	for _, v := range ruleVerbs {
		if v == "*" || slices.Contains(want, v) {
			out = appendNew(out, v)
		}
	}
	return out
}

// resourceMatches says whether a rule's resource entry names one of
// resources: exactly, or as "*/sub" for a subresource sub, as the RBAC
// authorizer matches them. The bare "*" is left to the wildcard checks.
func resourceMatches(rr string, resources []string) bool {
	if slices.Contains(resources, rr) {
		return true
	}
	sub, ok := strings.CutPrefix(rr, "*/")
	if !ok || sub == "" {
		return false
	}
	for _, r := range resources {
		if _, s, ok := strings.Cut(r, "/"); ok && s == sub {
			return true
		}
	}
	return false
}

// wildcard checks look at the "*" entries of a rule. They return what the
// rule grants in words, or false.

func fullWildcard(r rbacv1.PolicyRule) (string, bool) {
	if slices.Contains(r.APIGroups, "*") && slices.Contains(r.Resources, "*") && slices.Contains(r.Verbs, "*") {
		return "every verb on every resource in every API group" + namesNote(r), true
	}
	return "", false
}

func wildcardVerbs(r rbacv1.PolicyRule) (string, bool) {
	if !slices.Contains(r.Verbs, "*") || len(r.Resources) == 0 {
		return "", false
	}
	return fmt.Sprintf("every verb on %s in %s", list(r.Resources), groupsPhrase(r.APIGroups)) + namesNote(r), true
}

// wildcardResources also names the capabilities the wildcard includes;
// namespaced leaves out those on cluster-scoped resources, which a Role
// cannot grant.
func wildcardResources(r rbacv1.PolicyRule, caps []capability, namespaced bool) (string, bool) {
	if !slices.Contains(r.Resources, "*") {
		return "", false
	}
	s := fmt.Sprintf("%s on every resource in %s", list(r.Verbs), groupsPhrase(r.APIGroups)) + namesNote(r)
	var incl []string
	for _, c := range caps {
		if c.clusterScoped && namespaced {
			continue
		}
		if _, ok := c.match(r, true); ok {
			incl = append(incl, "to "+c.what)
		}
	}
	switch n := len(incl); {
	case n == 1:
		s += ", which includes the power " + incl[0]
	case n > 1:
		s += ", which includes the power " + strings.Join(incl[:n-1], ", ") + " and " + incl[n-1]
	}
	return s, true
}

func wildcardGroups(r rbacv1.PolicyRule) (string, bool) {
	if !slices.Contains(r.APIGroups, "*") || len(r.Resources) == 0 {
		return "", false
	}
	// Verbs that change state; with apiGroups "*" they reach every group.
	verbs := matching(r.Verbs, []string{"create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate"})
	if len(verbs) == 0 {
		return "", false
	}
	return fmt.Sprintf("%s on %s in every API group", list(verbs), list(r.Resources)) + namesNote(r), true
}

func groupsPhrase(groups []string) string {
	if slices.Contains(groups, "*") {
		return "every API group"
	}
	q := make([]string, len(groups))
	for i, g := range groups {
		q[i] = fmt.Sprintf("%q", g)
	}
	if len(q) == 1 {
		return "API group " + q[0]
	}
	return "API groups " + strings.Join(q, ", ")
}

func namesNote(r rbacv1.PolicyRule) string {
	if len(r.ResourceNames) == 0 {
		return ""
	}
	return " (only resourceNames " + list(r.ResourceNames) + ")"
}

// list joins at most a dozen entries, so a rule listing hundreds of
// resources still gives a readable message.
func list(s []string) string {
	const max = 12
	q := make([]string, 0, min(len(s), max))
	for i, v := range s {
		if i == max {
			return strings.Join(q, ", ") + fmt.Sprintf(" and %d more", len(s)-max)
		}
		if v == "*" || v == "" {
			v = fmt.Sprintf("%q", v) // a bare * or nothing reads badly
		}
		q = append(q, v)
	}
	return strings.Join(q, ", ")
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

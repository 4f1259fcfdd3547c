// Package rbac checks Kubernetes RBAC objects — Roles, ClusterRoles and
// their bindings — for grants that let a subject take over a namespace or
// the cluster. Each finding on a rule says who holds it, by resolving the
// RoleBindings and ClusterRoleBindings found anywhere in the scanned input.
package rbac

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkFullWildcard = misconfig.Check{
		ID: "BW-RBAC-001", Title: "Role grants every verb on every resource", Severity: severity.Critical, Target: misconfig.TargetKubernetes,
		Rationale:  "A rule with \"*\" for API groups, resources and verbs is equivalent to cluster-admin within its scope: it reads every Secret, runs code in every pod and can rewrite RBAC itself.",
		Fix:        "List the API groups, resources and verbs the subject needs; bind the built-in admin, edit or view ClusterRoles with a RoleBinding when a namespace-wide role is wanted.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.3", refGoodPractices, refNSA},
	}
	checkWildcardVerbs = misconfig.Check{
		ID: "BW-RBAC-002", Title: "Role grants every verb (\"*\")", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "The verb wildcard includes escalate, bind, impersonate, deletecollection and any verb added in a later release, so the grant is wider than anyone reviewing it sees.",
		Fix:        "Replace \"*\" with the verbs the subject needs, such as get, list and watch.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.3", refGoodPractices},
	}
	checkWildcardResources = misconfig.Check{
		ID: "BW-RBAC-003", Title: "Role grants every resource (\"*\")", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "The resource wildcard covers Secrets, subresources such as pods/exec and serviceaccounts/token, and every custom resource installed later.",
		Fix:        "Name the resources the subject needs instead of \"*\".",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.3", refGoodPractices},
	}
	checkWildcardGroups = misconfig.Check{
		ID: "BW-RBAC-004", Title: "Role writes to resources in every API group", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "With apiGroups \"*\" a write grant also reaches same-named resources in every other group, including custom resources installed later that may control privileged operators.",
		Fix:        "Name the API groups the resources live in (\"\" for core, \"apps\", \"batch\", …) instead of \"*\".",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.3", refRBAC},
	}
	checkClusterAdmin = misconfig.Check{
		ID: "BW-RBAC-013", Title: "Binding grants cluster-admin", Severity: severity.Critical, Target: misconfig.TargetKubernetes,
		Rationale:  "cluster-admin allows every action on every resource; bound with a ClusterRoleBinding it covers the whole cluster, with a RoleBinding the whole namespace.",
		Fix:        "Bind a role with only the permissions needed; keep cluster-admin for break-glass accounts.",
		References: []string{"CIS Kubernetes Benchmark v1.9.0 5.1.1", refGoodPractices, refNSA},
	}
	checkAnonymous = misconfig.Check{
		ID: "BW-RBAC-014", Title: "Binding grants a role to unauthenticated users", Severity: severity.Critical, Target: misconfig.TargetKubernetes,
		Rationale:  "system:anonymous and system:unauthenticated are whoever reaches the API server without credentials, so the role is open to anyone on the network.",
		Fix:        "Remove system:anonymous and system:unauthenticated from the subjects and bind the role to named identities.",
		References: []string{"https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests", refGoodPractices, refNSA},
	}
	checkAuthenticated = misconfig.Check{
		ID: "BW-RBAC-015", Title: "Binding grants a role to every authenticated identity", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "system:authenticated includes every user and every service account of every namespace, and system:serviceaccounts every service account, so one compromised pod inherits the role.",
		Fix:        "Bind the role to the users, groups or service accounts that need it instead of a built-in catch-all group.",
		References: []string{refGoodPractices, refNSA},
	}
)

// Limits on how much of a long list a message spells out.
const (
	maxHolders  = 5 // bindings named in a rule finding
	maxSubjects = 8 // subjects named per binding
)

// roleKey names a role as a binding refers to it. ns is empty for
// ClusterRoles.
type roleKey struct{ kind, ns, name string }

type role struct {
	obj   *manifest.Object
	key   roleKey
	rules []rbacv1.PolicyRule
	// into lists the aggregated ClusterRoles that take in this one's
	// rules, directly or through others.
	into []string
}

type binding struct {
	obj      *manifest.Object
	ns       string // effective namespace; empty for a ClusterRoleBinding
	subjects []rbacv1.Subject
	ref      rbacv1.RoleRef
}

// target is the role a binding grants. A RoleBinding may name a Role of
// its own namespace or a ClusterRole (whose rules then apply only in that
// namespace); a ClusterRoleBinding only a ClusterRole.
func (b *binding) target() (roleKey, bool) {
	switch {
	case b.ref.Kind == "ClusterRole":
		return roleKey{kind: "ClusterRole", name: b.ref.Name}, true
	case b.ref.Kind == "Role" && b.obj.Kind == "RoleBinding":
		return roleKey{kind: "Role", ns: b.ns, name: b.ref.Name}, true
	}
	return roleKey{}, false
}

// Scan checks the RBAC objects among objs. objs should hold every object
// of the scan, from all files, since bindings and roles refer to each
// other across files. Objects of other kinds, and RBAC objects that do
// not decode, are skipped.
//
// Aggregation is resolved as the controller would: the rules of a
// ClusterRole whose labels an aggregated ClusterRole selects (one in the
// input, or the built-in admin, edit and view) are held by everyone bound
// to that aggregated role, and findings on them name those holders. A
// binding to a built-in role the input does not define is checked against
// that role's rules.
func Scan(objs []*manifest.Object) []misconfig.Finding {
	var roles []*role
	var bindings []*binding
	aggRules := map[string]*rbacv1.AggregationRule{}
	clusterRoleLabels := map[string]map[string]string{}
	for _, o := range objs {
		if o == nil || manifest.APIGroup(o.APIVersion) != rbacv1.GroupName {
			continue
		}
		switch o.Kind {
		case "Role":
			if v, ok := manifest.As[rbacv1.Role](o); ok {
				roles = append(roles, &role{obj: o, key: roleKey{"Role", namespace(o), o.Name}, rules: v.Rules})
			}
		case "ClusterRole":
			if v, ok := manifest.As[rbacv1.ClusterRole](o); ok {
				roles = append(roles, &role{obj: o, key: roleKey{"ClusterRole", "", o.Name}, rules: v.Rules})
				clusterRoleLabels[o.Name] = o.Labels
				if v.AggregationRule != nil {
					aggRules[o.Name] = v.AggregationRule
				}
			}
		case "RoleBinding":
			if v, ok := manifest.As[rbacv1.RoleBinding](o); ok {
				bindings = append(bindings, &binding{obj: o, ns: namespace(o), subjects: v.Subjects, ref: v.RoleRef})
			}
		case "ClusterRoleBinding":
			if v, ok := manifest.As[rbacv1.ClusterRoleBinding](o); ok {
				bindings = append(bindings, &binding{obj: o, subjects: v.Subjects, ref: v.RoleRef})
			}
		}
	}
	// One pass over the bindings indexes them by the role they name, so
	// resolving is linear in roles plus bindings.
	byRole := map[roleKey][]*binding{}
	elsewhere := map[string][]*binding{} // RoleBindings by the Role name they give
	for _, b := range bindings {
		k, ok := b.target()
		if !ok {
			continue
		}
		if len(b.subjects) > 0 {
			byRole[k] = append(byRole[k], b)
		}
		if k.kind == "Role" {
			elsewhere[k.name] = append(elsewhere[k.name], b)
		}
	}
	for _, bs := range elsewhere {
		slices.SortFunc(bs, compareBindings)
	}
	s := &scanner{caps: capabilities(), elsewhere: elsewhere}
	aggs := aggregators(aggRules, clusterRoleLabels)
	for _, r := range roles {
		var grants []grant
		for _, b := range byRole[r.key] {
			grants = append(grants, grant{binding: b})
		}
		if r.key.kind == "ClusterRole" {
			r.into = aggregatedInto(r.key.name, r.obj.Labels, aggs)
			for _, into := range r.into {
				for _, b := range byRole[roleKey{kind: "ClusterRole", name: into}] {
					grants = append(grants, grant{binding: b, through: into})
				}
			}
		}
		s.role(r, grants)
	}
	for _, b := range bindings {
		s.binding(b)
		if _, defined := clusterRoleLabels[b.ref.Name]; !defined && b.ref.Kind == "ClusterRole" && len(b.subjects) > 0 {
			s.builtinBinding(b, aggs)
		}
	}
	misconfig.Sort(s.out)
	return s.out
}

type scanner struct {
	caps []capability
	// elsewhere holds RoleBindings by the name of the Role they bind, to
	// point out a binding that misses its Role by namespace.
	elsewhere map[string][]*binding
	out       []misconfig.Finding
}

func (s *scanner) add(c misconfig.Check, o *manifest.Object, line int, format string, args ...any) {
	f := c.At(o.File, line, resource(o), format, args...)
	if reason, ok := misconfig.AnnotationReason(o.Annotations, c.ID); ok {
		f.Suppression = reason
	}
	s.out = append(s.out, f)
}

// grant is a binding that hands out a role's rules: by naming the role, or
// through the aggregated ClusterRole it names.
type grant struct {
	*binding
	through string // the aggregated ClusterRole, if any
}

// role checks each rule of r; grants are the bindings that hand it out.
func (s *scanner) role(r *role, grants []grant) {
	slices.SortFunc(grants, func(a, b grant) int {
		return cmp.Or(compareBindings(a.binding, b.binding), cmp.Compare(a.through, b.through))
	})
	for i, rule := range r.rules {
		line := r.obj.LineOf("rules", i, "verbs")
		report := func(c misconfig.Check, what, grant string, clusterScoped bool) {
			s.add(c, r.obj, line, "rules[%d] grants %s%s", i, grant, s.holders(r, grants, what, clusterScoped))
		}
		if d, ok := fullWildcard(rule); ok {
			// The wildcard checks below would repeat this one.
			report(checkFullWildcard, "do anything to any resource", d, false)
			continue
		}
		if d, ok := wildcardVerbs(rule); ok {
			report(checkWildcardVerbs, "use every verb on those resources", d, false)
		}
		if d, ok := wildcardResources(rule, s.caps, r.key.kind == "Role"); ok {
			report(checkWildcardResources, "act on every resource in those API groups", d, false)
		}
		if d, ok := wildcardGroups(rule); ok {
			report(checkWildcardGroups, "write to those resources in every API group", d, false)
		}
		for _, c := range s.caps {
			if c.clusterScoped && r.key.kind == "Role" {
				continue // a Role cannot grant cluster-scoped resources
			}
			if d, ok := c.match(rule, false); ok {
				report(c.check, c.what, d, c.clusterScoped)
			}
		}
	}
}

// compareBindings orders bindings for messages, independent of the order
// of the input files.
func compareBindings(a, b *binding) int {
	return cmp.Or(cmp.Compare(a.obj.Kind, b.obj.Kind), cmp.Compare(a.ns, b.ns), cmp.Compare(a.obj.Name, b.obj.Name),
		cmp.Compare(a.obj.File, b.obj.File), cmp.Compare(a.obj.Line, b.obj.Line))
}

// holders finishes a rule finding's message: who can do what, where, and
// through which binding; or that no one in the input can.
func (s *scanner) holders(r *role, grants []grant, what string, clusterScoped bool) string {
	var parts, ignored []string
	n := 0
	for _, b := range grants {
		if clusterScoped && b.obj.Kind == "RoleBinding" {
			ignored = append(ignored, "RoleBinding "+b.ns+"/"+b.obj.Name)
			continue
		}
		n++
		if n > maxHolders {
			continue
		}
		scope := "cluster-wide"
		via := "ClusterRoleBinding " + b.obj.Name
		if b.obj.Kind == "RoleBinding" {
			scope = "in namespace " + b.ns
			via = "RoleBinding " + b.ns + "/" + b.obj.Name
		}
		if b.through != "" {
			via += " to ClusterRole " + b.through + ", which aggregates this one"
		}
		parts = append(parts, fmt.Sprintf("%s can %s %s via %s", subjects(b.binding), what, scope, via))
	}
	if n > maxHolders {
		parts = append(parts, fmt.Sprintf("and %d more bindings", n-maxHolders))
	}
	if n > 0 {
		return ": " + strings.Join(parts, "; ")
	}
	msg := fmt.Sprintf(", enough to %s; the %s is not bound in the scanned input", what, r.key.kind)
	if len(ignored) > 0 {
		msg += fmt.Sprintf(" at cluster scope (%s cannot grant cluster-scoped resources)", strings.Join(ignored, ", "))
	}
	if r.key.kind == "Role" {
		var miss []string
		for _, b := range s.elsewhere[r.key.name] {
			if len(miss) == 3 {
				miss = append(miss, "…")
				break
			}
			if b.ns != r.key.ns {
				miss = append(miss, b.ns+"/"+b.obj.Name)
			}
		}
		if len(miss) > 0 {
			msg += fmt.Sprintf(" (RoleBinding %s names a Role %s in its own namespace, not in %s)", strings.Join(miss, ", "), r.key.name, r.key.ns)
		}
	}
	if len(r.into) > 0 {
		msg += fmt.Sprintf(", nor is ClusterRole %s, which aggregates it", strings.Join(r.into, ", "))
	}
	return msg
}

// binding runs the checks on a binding itself.
func (s *scanner) binding(b *binding) {
	o := b.obj
	roleName := b.ref.Kind + " " + b.ref.Name
	scope := "cluster-wide"
	if o.Kind == "RoleBinding" {
		scope = "in namespace " + b.ns
		if b.ref.Kind == "Role" {
			roleName = "Role " + b.ns + "/" + b.ref.Name
		}
	}
	if b.ref.Kind == "ClusterRole" && b.ref.Name == "cluster-admin" && len(b.subjects) > 0 && !onlyMasters(b.subjects) {
		what := "full control of the cluster"
		if o.Kind == "RoleBinding" {
			what = "full control of the namespace, including its Secrets and RBAC"
		}
		s.add(checkClusterAdmin, o, o.LineOf("roleRef"), "grants ClusterRole cluster-admin %s to %s: %s", scope, subjects(b), what)
	}
	if b.ref.Kind == "ClusterRole" && discoveryRole(b.ref.Name) {
		return
	}
	for i, sub := range b.subjects {
		var c misconfig.Check
		var who string
		switch {
		case sub.Kind == rbacv1.UserKind && sub.Name == "system:anonymous":
			c, who = checkAnonymous, "every request without credentials"
		case sub.Kind == rbacv1.GroupKind && sub.Name == "system:unauthenticated":
			c, who = checkAnonymous, "every request without credentials"
		case sub.Kind == rbacv1.GroupKind && sub.Name == "system:authenticated":
			c, who = checkAuthenticated, "every user and service account that can log in"
		case sub.Kind == rbacv1.GroupKind && sub.Name == "system:serviceaccounts":
			c, who = checkAuthenticated, "every service account of every namespace"
		default:
			continue
		}
		s.add(c, o, o.LineOf("subjects", i, "name"), "grants %s %s to %s %s, which is %s", roleName, scope, sub.Kind, sub.Name, who)
	}
}

// builtinBinding checks a binding to a built-in ClusterRole that the
// input does not define, against the rules Kubernetes gives that role and
// the built-in roles aggregated into it. Each capability is reported once
// per binding, on its roleRef.
func (s *scanner) builtinBinding(b *binding, aggs []aggregator) {
	rules := builtinRules(b.ref.Name)
	if len(rules) == 0 {
		return
	}
	scope := "cluster-wide"
	if b.obj.Kind == "RoleBinding" {
		scope = "in namespace " + b.ns
	}
	for _, c := range s.caps {
		if c.clusterScoped && b.obj.Kind == "RoleBinding" {
			continue
		}
		for _, r := range rules {
			if d, ok := c.match(r, false); ok {
				s.add(c.check, b.obj, b.obj.LineOf("roleRef"), "binds the built-in ClusterRole %s, which grants %s: %s can %s %s", b.ref.Name, d, subjects(b), c.what, scope)
				break
			}
		}
	}
}

// builtinRules are the rules of a built-in ClusterRole with those of the
// built-in roles aggregated into it (edit's into admin, view's into edit).
func builtinRules(name string) []rbacv1.PolicyRule {
	role, ok := builtinRoles[name]
	if !ok {
		return nil
	}
	rules := slices.Clone(role.rules)
	for _, other := range slices.Sorted(maps.Keys(builtinRoles)) {
		if other != name && labels.SelectorFromSet(role.selector).Matches(labels.Set(builtinRoles[other].labels)) {
			rules = append(rules, builtinRules(other)...)
		}
	}
	return rules
}

// discoveryRole says whether a ClusterRole is one of the built-in ones
// that Kubernetes itself binds to the catch-all groups; binding it to those
// groups again is not a finding.
func discoveryRole(name string) bool {
	switch name {
	case "system:basic-user", "system:discovery", "system:public-info-viewer", "system:service-account-issuer-discovery":
		return true
	}
	return false
}

// onlyMasters is true for the built-in binding of cluster-admin to the
// system:masters group, which bypasses RBAC anyway.
func onlyMasters(subs []rbacv1.Subject) bool {
	for _, s := range subs {
		if s.Kind != rbacv1.GroupKind || s.Name != "system:masters" {
			return false
		}
	}
	return true
}

// subjects names a binding's subjects for a message.
func subjects(b *binding) string {
	var names []string
	for i, s := range b.subjects {
		if i == maxSubjects {
			names = append(names, fmt.Sprintf("and %d more", len(b.subjects)-maxSubjects))
			break
		}
		name := s.Kind + " " + s.Name
		if s.Kind == rbacv1.ServiceAccountKind {
			ns := s.Namespace
			if ns == "" {
				ns = b.ns // a RoleBinding's own namespace, by default
			}
			if ns != "" {
				name = s.Kind + " " + ns + "/" + s.Name
			}
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

// namespace is where a namespaced object lands: manifests without one are
// applied to "default" unless told otherwise, and treating them so keeps a
// chart's unnamespaced Role and RoleBinding together.
func namespace(o *manifest.Object) string {
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

func resource(o *manifest.Object) misconfig.Resource {
	r := misconfig.Resource{Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
	if o.Kind == "ClusterRole" || o.Kind == "ClusterRoleBinding" {
		r.Namespace = "" // cluster-scoped: a namespace in the manifest is ignored
	}
	return r
}

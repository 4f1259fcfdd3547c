package rbac

import (
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The user-facing ClusterRoles every cluster has, as Kubernetes' bootstrap
// policy defines them (plugin/pkg/auth/authorizer/rbac/bootstrappolicy in
// kubernetes/kubernetes, unchanged in substance since v1.9): admin, edit
// and view are aggregated roles, and each is aggregated into the next
// wider one. Only the rules that matter to the checks here are listed;
// view's read rules hold nothing they report.
//
// Manifests bind these roles by name without defining them, so a binding
// to edit is checked against these rules, and a ClusterRole labelled
// aggregate-to-edit is held by whoever is bound to edit or admin.
var builtinRoles = map[string]builtinRole{
	"admin": {
		selector: map[string]string{aggregateLabel + "admin": "true"},
		rules: []rbacv1.PolicyRule{
			rule([]string{"rbac.authorization.k8s.io"}, []string{"roles", "rolebindings"}, readWrite...),
			rule([]string{"authorization.k8s.io"}, []string{"localsubjectaccessreviews"}, "create"),
		},
	},
	"edit": {
		labels:   map[string]string{aggregateLabel + "admin": "true"},
		selector: map[string]string{aggregateLabel + "edit": "true"},
		rules: []rbacv1.PolicyRule{
			rule([]string{""}, []string{"pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"}, read...),
			rule([]string{""}, []string{"serviceaccounts"}, "impersonate"),
			rule([]string{""}, []string{"pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"}, write...),
			rule([]string{""}, []string{"pods/eviction"}, "create"),
			rule([]string{""}, []string{"replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy",
				"persistentvolumeclaims", "configmaps", "secrets", "events"}, write...),
			rule([]string{""}, []string{"serviceaccounts/token"}, "create"),
			rule([]string{"apps"}, []string{"statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale",
				"deployments/rollback", "replicasets", "replicasets/scale"}, write...),
			rule([]string{"autoscaling"}, []string{"horizontalpodautoscalers"}, write...),
			rule([]string{"batch"}, []string{"jobs", "cronjobs"}, write...),
			rule([]string{"policy"}, []string{"poddisruptionbudgets"}, write...),
			rule([]string{"networking.k8s.io"}, []string{"networkpolicies", "ingresses"}, write...),
			rule([]string{"coordination.k8s.io"}, []string{"leases"}, readWrite...),
		},
	},
	"view": {
		labels:   map[string]string{aggregateLabel + "edit": "true"},
		selector: map[string]string{aggregateLabel + "view": "true"},
	},
}

const aggregateLabel = "rbac.authorization.k8s.io/aggregate-to-"

var (
	read      = []string{"get", "list", "watch"}
	write     = []string{"create", "update", "patch", "delete", "deletecollection"}
	readWrite = append(append([]string{}, read...), write...)
)

type builtinRole struct {
	labels   map[string]string // the role's own labels
	selector map[string]string // what its aggregationRule selects
	rules    []rbacv1.PolicyRule
}

func rule(groups, resources []string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

// aggregator is a ClusterRole whose rules the controller fills from other
// ClusterRoles' labels.
type aggregator struct {
	name      string
	labels    map[string]string
	selectors []labels.Selector
}

// aggregators lists the aggregated ClusterRoles of the input, and the
// built-in ones the input does not redefine.
func aggregators(defined map[string]*rbacv1.AggregationRule, roleLabels map[string]map[string]string) []aggregator {
	var out []aggregator
	for name, ar := range defined {
		a := aggregator{name: name, labels: roleLabels[name]}
		for _, ls := range ar.ClusterRoleSelectors {
			// An invalid selector selects nothing, as the controller
			// would fail on it.
			if sel, err := metav1.LabelSelectorAsSelector(&ls); err == nil && !sel.Empty() {
				a.selectors = append(a.selectors, sel)
			}
		}
		out = append(out, a)
	}
	for name, b := range builtinRoles {
		if _, ok := roleLabels[name]; ok {
			continue // the input defines its own
		}
		out = append(out, aggregator{name: name, labels: b.labels, selectors: []labels.Selector{labels.SelectorFromSet(b.selector)}})
	}
	slices.SortFunc(out, func(a, b aggregator) int { return strings.Compare(a.name, b.name) })
	return out
}

// aggregatedInto lists, in order of distance, the ClusterRoles that take
// in the rules of a ClusterRole labelled lbls: those selecting it, those
// selecting them, and so on.
func aggregatedInto(name string, lbls map[string]string, aggs []aggregator) []string {
	seen := map[string]bool{name: true}
	var out []string
	frontier := []map[string]string{lbls}
	for len(frontier) > 0 {
		var next []map[string]string
		for _, l := range frontier {
			for _, a := range aggs {
				if seen[a.name] || !selects(a, l) {
					continue
				}
				seen[a.name] = true
				out = append(out, a.name)
				next = append(next, a.labels)
			}
		}
		frontier = next
	}
	return out
}

func selects(a aggregator, lbls map[string]string) bool {
	if len(lbls) == 0 {
		return false
	}
	for _, s := range a.selectors {
		if s.Matches(labels.Set(lbls)) {
			return true
		}
	}
	return false
}

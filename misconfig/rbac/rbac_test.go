package rbac

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/internal/checktest"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var suite = checktest.Suite{Scan: Scan, Checks: Checks, Prefix: "BW-RBAC-"}

// scanFiles decodes files under testdata, each under its own name, and
// scans them together.
func scanFiles(t testing.TB, files ...string) []misconfig.Finding {
	t.Helper()
	return suite.ScanFiles(t, files...)
}

// checkFindings verifies what every finding must hold.
func checkFindings(t testing.TB, fs []misconfig.Finding) {
	t.Helper()
	suite.CheckFindings(t, fs)
}

func views(fs []misconfig.Finding) []checktest.View { return checktest.Views(fs) }

func ids(fs []misconfig.Finding) []string { return checktest.IDs(fs) }

func TestChecksValid(t *testing.T) { suite.ChecksValid(t) }

// TestFailPass runs each check's failing and passing example: the failing
// one must raise the check (exactly as its golden file says), the passing
// one must not.
func TestFailPass(t *testing.T) { suite.FailPass(t, *update) }

func TestGolden(t *testing.T) {
	suite.Golden(t, []checktest.Case{
		{Name: "cross", Files: []string{"cases/cross/roles.yaml", "cases/cross/bindings.yaml"}},
		{Name: "scoping", Files: []string{"cases/scoping.yaml"}},
		{Name: "unnamespaced", Files: []string{"cases/unnamespaced.yaml"}},
		{Name: "suppressed", Files: []string{"cases/suppressed.yaml"}},
		{Name: "aggregation", Files: []string{"cases/aggregation.yaml"}},
		{Name: "many", Files: []string{"cases/many.yaml"}},
		{Name: "undecodable", Files: []string{"cases/undecodable.yaml"}},
		// Real manifests (testdata/SOURCES.md).
		{Name: "real-psa-webhook", Files: checktest.Glob(t, "real/psa-webhook/*.yaml")},
		{Name: "real-helm2-rbac", Files: checktest.Glob(t, "real/helm2-rbac/*.yaml")},
		{Name: "real-helm3-action-rbac", Files: []string{"real/helm3-action-rbac.yaml"}},
		{Name: "real-helm3-template", Files: []string{"real/helm3-template.yaml"}},
		{Name: "real-k8s-api-head", Files: checktest.Glob(t, "real/k8s-api-head/*.yaml")},
	}, *update)
}

func messages(fs []misconfig.Finding, id string) string {
	var out []string
	for _, f := range fs {
		if f.CheckID == id {
			out = append(out, f.Message)
		}
	}
	return strings.Join(out, "\n")
}

// TestCrossFile resolves bindings in one file to roles in another, and
// gives the same answer whatever the order of the files.
func TestCrossFile(t *testing.T) {
	fs := scanFiles(t, "cases/cross/roles.yaml", "cases/cross/bindings.yaml")
	secrets := messages(fs, checkReadSecrets.ID)
	if want := "ServiceAccount ci/deployer, Group dev can read secrets in namespace ci via RoleBinding ci/deploy"; !strings.Contains(secrets, want) {
		t.Errorf("secrets finding %q lacks %q", secrets, want)
	}
	exec := messages(fs, checkExec.ID)
	for _, want := range []string{
		"Group sre, ServiceAccount ops/toolbox can run commands in pods cluster-wide via ClusterRoleBinding sre-exec",
		"Group dev can run commands in pods in namespace dev via RoleBinding dev/debug",
		"User bob can run commands in pods in namespace staging via RoleBinding staging/debug",
	} {
		if !strings.Contains(exec, want) {
			t.Errorf("exec finding %q lacks %q", exec, want)
		}
	}
	for _, f := range fs {
		if f.File != "cases/cross/roles.yaml" {
			t.Errorf("%s located in %s, want the role's file", f.CheckID, f.File)
		}
	}
	reversed := scanFiles(t, "cases/cross/bindings.yaml", "cases/cross/roles.yaml")
	if fmt.Sprint(views(reversed)) != fmt.Sprint(views(fs)) {
		t.Errorf("file order changes findings:\n%v\n%v", views(reversed), views(fs))
	}
}

// TestNamespaceScoping: a Role is bound only from its own namespace; a
// RoleBinding to a ClusterRole grants it in the binding's namespace.
func TestNamespaceScoping(t *testing.T) {
	fs := scanFiles(t, "cases/scoping.yaml")
	var role, cluster string
	for _, f := range fs {
		switch f.Resource.Kind {
		case "Role":
			role = f.Message
		case "ClusterRole":
			cluster = f.Message
		}
	}
	if !strings.Contains(role, "the Role is not bound in the scanned input") {
		t.Errorf("Role a/reader: %q, want unbound (its bindings are in namespace b, or have no subjects)", role)
	}
	if want := ": User dave can read secrets in namespace a via RoleBinding a/cluster-reader-in-a"; !strings.HasSuffix(cluster, want) {
		t.Errorf("ClusterRole reader: %q, want suffix %q", cluster, want)
	}
	for _, who := range []string{"carol", "eve"} {
		if strings.Contains(role+cluster, who) {
			t.Errorf("%s holds nothing but is named", who)
		}
	}
}

func TestSuppression(t *testing.T) {
	fs := scanFiles(t, "cases/suppressed.yaml")
	got := map[string]string{}
	for _, f := range fs {
		got[f.CheckID] = f.Suppression
	}
	want := map[string]string{
		checkReadSecrets.ID:  "operator syncs secrets; reviewed 2026-10",
		checkTokens.ID:       "",
		checkClusterAdmin.ID: "suppressed by annotation",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("suppressions = %v, want %v", got, want)
	}
}

// TestRules pins the matching of single rules: which checks each raises.
func TestRules(t *testing.T) {
	r := func(groups, resources, verbs []string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs, ResourceNames: names}
	}
	s := func(v ...string) []string { return v }
	core := s("")
	cases := []struct {
		name string
		rule rbacv1.PolicyRule
		want []string
	}{
		{"full wildcard only", r(s("*"), s("*"), s("*")), s(checkFullWildcard.ID)},
		{"verbs and resources wildcards", r(core, s("*"), s("*")), s(checkWildcardVerbs.ID, checkWildcardResources.ID)},
		{"verb wildcard counts for capabilities", r(core, s("secrets", "pods/exec"), s("*")), s(checkWildcardVerbs.ID, checkReadSecrets.ID, checkExec.ID)},
		{"group wildcard counts", r(s("*"), s("secrets"), s("list")), s(checkReadSecrets.ID)},
		{"group wildcard with write", r(s("*"), s("pods"), s("patch")), s(checkWildcardGroups.ID, checkWorkloads.ID)},
		{"wrong group", r(s("apps"), s("secrets", "pods/exec"), s("get", "create")), nil},
		{"core group for apps kinds", r(core, s("deployments"), s("create")), nil},
		{"extensions deployments", r(s("extensions"), s("deployments"), s("update")), s(checkWorkloads.ID)},
		{"*/exec subresource", r(core, s("*/exec"), s("get")), s(checkExec.ID)},
		{"pods/* is literal", r(core, s("pods/*"), s("create")), nil},
		{"exec list is harmless", r(core, s("pods/exec"), s("list", "watch")), nil},
		{"named secrets", r(core, s("secrets"), s("get", "list"), "tls"), nil},
		{"named tokens still minted", r(core, s("serviceaccounts/token"), s("create"), "ci"), s(checkTokens.ID)},
		{"bind named roles", r(s("rbac.authorization.k8s.io"), s("clusterroles"), s("bind"), "view"), s(checkEscalate.ID)},
		{"impersonate uids", r(s("authentication.k8s.io"), s("uids"), s("impersonate")), s(checkImpersonate.ID)},
		{"node proxy create", r(core, s("nodes/proxy"), s("create")), s(checkNodes.ID)},
		{"node read", r(core, s("nodes", "nodes/proxy"), s("list", "watch")), nil},
		{"events delete", r(core, s("events"), s("delete")), s(checkDeleteEvents.ID)},
		{"non-resource URLs", rbacv1.PolicyRule{NonResourceURLs: s("*"), Verbs: s("*")}, nil},
		{"resource wildcard, read", r(s("apps"), s("*"), s("get")), s(checkWildcardResources.ID)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ro := &role{obj: &manifest.Object{File: "t.yaml", Line: 1, Kind: "ClusterRole", Name: "t"}, key: roleKey{kind: "ClusterRole", name: "t"}, rules: []rbacv1.PolicyRule{c.rule}}
			s := &scanner{caps: capabilities()}
			s.role(ro, nil)
			if got := ids(s.out); !slices.Equal(got, c.want) {
				t.Errorf("checks = %v, want %v (%+v)", got, c.want, views(s.out))
			}
		})
	}
}

func TestWildcardResourcesSaysWhatItIncludes(t *testing.T) {
	fs := scanFiles(t, "checks/BW-RBAC-003/fail.yaml")
	if msg := messages(fs, checkWildcardResources.ID); !strings.Contains(msg, "which includes the power to read secrets") {
		t.Errorf("message %q does not say the wildcard includes reading secrets", msg)
	}
}

func TestHostileInput(t *testing.T) {
	if fs := Scan(nil); len(fs) != 0 {
		t.Errorf("Scan(nil) = %v", fs)
	}
	// Objects built by hand: nil entries, no node, no value.
	objs := []*manifest.Object{nil,
		{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role", Name: "x"},
		{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "y",
			Value: map[string]any{"roleRef": map[string]any{"kind": "ClusterRole", "name": "cluster-admin"},
				"subjects": []any{map[string]any{"kind": "User", "name": "z"}}}},
	}
	if got := ids(Scan(objs)); !slices.Equal(got, []string{checkClusterAdmin.ID}) {
		t.Errorf("hand-built objects: %v", got)
	}
}

func FuzzScan(f *testing.F) {
	for _, pattern := range []string{"testdata/checks/*/*.yaml", "testdata/cases/*.yaml", "testdata/cases/*/*.yaml", "testdata/real/*.yaml", "testdata/real/*/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, _ := manifest.Decode("fuzz.yaml", data)
		checkFindings(t, Scan(objs))
	})
}

// benchObjects builds an input of about n objects: per namespace, Roles
// with their RoleBindings and RoleBindings to shared ClusterRoles; and
// ClusterRoles with ClusterRoleBindings.
func benchObjects(b *testing.B, n int) []*manifest.Object {
	var sb strings.Builder
	const perNS = 100 // 40 Roles, 40 RoleBindings, 20 RoleBindings to ClusterRoles
	namespaces := n * 4 / 5 / perNS
	clusterRoles := n / 10
	rule := func(i int) string {
		switch i % 4 {
		case 0:
			return `{apiGroups: [""], resources: [secrets], verbs: [get, list]}`
		case 1:
			return `{apiGroups: [""], resources: [pods/exec], verbs: [create]}`
		case 2:
			return `{apiGroups: [apps], resources: [deployments], verbs: [get, list]}`
		}
		return `{apiGroups: ["*"], resources: ["*"], verbs: [get]}`
	}
	for ns := range namespaces {
		for i := range 40 {
			fmt.Fprintf(&sb, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r%d, namespace: ns%d}\nrules:\n- %s\n- %s\n", i, ns, rule(i), rule(i+1))
			fmt.Fprintf(&sb, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb%d, namespace: ns%d}\nroleRef: {kind: Role, name: r%d}\nsubjects:\n- {kind: ServiceAccount, name: sa%d}\n", i, ns, i, i)
		}
		for i := range 20 {
			fmt.Fprintf(&sb, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: crb%d, namespace: ns%d}\nroleRef: {kind: ClusterRole, name: cr%d}\nsubjects:\n- {kind: Group, name: team%d}\n", i, ns, (ns*20+i)%clusterRoles, i)
		}
	}
	for i := range clusterRoles {
		fmt.Fprintf(&sb, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: cr%d}\nrules:\n- %s\n", i, rule(i))
		fmt.Fprintf(&sb, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: crb%d}\nroleRef: {kind: ClusterRole, name: cr%d}\nsubjects:\n- {kind: User, name: u%d}\n", i, i, i)
	}
	objs, err := manifest.Decode("bench.yaml", []byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	return objs
}

// BenchmarkScan runs at several sizes: time per object should stay flat,
// since bindings are indexed by the role they name.
func BenchmarkScan(b *testing.B) {
	for _, n := range []int{1250, 2500, 5000} {
		objs := benchObjects(b, n)
		b.Run(fmt.Sprintf("objects=%d", len(objs)), func(b *testing.B) {
			for b.Loop() {
				Scan(objs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(objs)), "ns/object")
		})
	}
}

// TestBuiltinAggregation follows the built-in chain view → edit → admin:
// a role labelled for view is held by whoever is bound to admin, and a
// binding to admin carries edit's rules.
func TestBuiltinAggregation(t *testing.T) {
	aggs := aggregators(nil, map[string]map[string]string{})
	got := aggregatedInto("pods-view", map[string]string{aggregateLabel + "view": "true"}, aggs)
	if want := []string{"view", "edit", "admin"}; !slices.Equal(got, want) {
		t.Errorf("aggregated into %v, want %v", got, want)
	}
	if got := aggregatedInto("x", map[string]string{"app": "x"}, aggs); len(got) != 0 {
		t.Errorf("unlabelled role aggregated into %v", got)
	}
	readsSecrets := func(rules []rbacv1.PolicyRule) bool {
		for _, r := range rules {
			if slices.Contains(r.Resources, "secrets") && slices.Contains(r.Verbs, "get") {
				return true
			}
		}
		return false
	}
	if !readsSecrets(builtinRules("admin")) || !readsSecrets(builtinRules("edit")) || readsSecrets(builtinRules("view")) {
		t.Error("built-in rules: admin and edit must read secrets, view must not")
	}
	// A role of the input named like a built-in one replaces it.
	aggs = aggregators(nil, map[string]map[string]string{"edit": nil})
	if got := aggregatedInto("w", map[string]string{aggregateLabel + "edit": "true"}, aggs); len(got) != 0 {
		t.Errorf("redefined edit still aggregates: %v", got)
	}
}

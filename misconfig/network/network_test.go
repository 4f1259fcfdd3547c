package network

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/internal/checktest"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var suite = checktest.Suite{Scan: Scan, Checks: Checks, Prefix: "BW-NET-"}

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
		{Name: "cross", Files: []string{"cases/cross/policies.yaml", "cases/cross/workloads.yaml"}},
		{Name: "selectors", Files: []string{"cases/selectors.yaml"}},
		{Name: "namespaces", Files: []string{"cases/namespaces.yaml"}},
		{Name: "suppressed", Files: []string{"cases/suppressed.yaml"}},
		{Name: "undecodable", Files: []string{"cases/undecodable.yaml"}},
		// Real manifests (testdata/SOURCES.md).
		{Name: "real-psa-webhook", Files: checktest.Glob(t, "real/psa-webhook/*.yaml")},
		{Name: "real-helm-object-order", Files: checktest.Glob(t, "real/helm-object-order/*.yml")},
		{Name: "real-kustomize-wordpress", Files: checktest.Glob(t, "real/kustomize-wordpress/*/*.yaml")},
		{Name: "real-helm3-template", Files: []string{"real/helm3-template.yaml"}},
		{Name: "real-k8s-api-head", Files: checktest.Glob(t, "real/k8s-api-head/*.yaml")},
	}, *update)
}

func byResource(fs []misconfig.Finding) map[string][]string {
	out := map[string][]string{}
	for _, f := range fs {
		out[f.Resource.Name] = append(out[f.Resource.Name], f.CheckID)
	}
	return out
}

// TestCrossFile isolates workloads with policies from another file, in
// their own namespace only, whatever the order of the files.
func TestCrossFile(t *testing.T) {
	fs := scanFiles(t, "cases/cross/policies.yaml", "cases/cross/workloads.yaml")
	var got []string
	for _, f := range fs {
		got = append(got, f.CheckID+" "+f.Resource.String())
	}
	want := []string{
		checkNoEgressPolicy.ID + " Deployment/shop/web", // frontend-in: ingress only
		checkNoIngressPolicy.ID + " Deployment/staging/api",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q", got, want)
	}
	reversed := scanFiles(t, "cases/cross/workloads.yaml", "cases/cross/policies.yaml")
	if fmt.Sprint(views(reversed)) != fmt.Sprint(views(fs)) {
		t.Errorf("file order changes findings")
	}
}

// TestSelectorSemantics reads the expectation from each pod's name in
// cases/selectors.yaml.
func TestSelectorSemantics(t *testing.T) {
	fs := byResource(scanFiles(t, "cases/selectors.yaml"))
	data, _ := os.ReadFile("testdata/cases/selectors.yaml")
	objs, _ := manifest.Decode("selectors.yaml", data)
	n := 0
	for _, o := range objs {
		if o.Kind != "Pod" {
			continue
		}
		n++
		uncovered := slices.Contains(fs[o.Name], checkNoIngressPolicy.ID)
		if want := strings.HasPrefix(o.Name, "uncovered-"); uncovered != want {
			t.Errorf("pod %s: reported uncovered = %v, want %v", o.Name, uncovered, want)
		}
	}
	if n != 8 {
		t.Fatalf("%d pods, want 8", n)
	}
}

func TestSuppression(t *testing.T) {
	fs := scanFiles(t, "cases/suppressed.yaml")
	got := map[string]string{}
	for _, f := range fs {
		got[f.CheckID+" "+f.Resource.Name] = f.Suppression
	}
	want := map[string]string{
		checkOpenLoadBalancer.ID + " public": "public endpoint, fronted by a WAF",
		checkExternalIPs.ID + " public":      "",
		checkNoIngressPolicy.ID + " edge":    "suppressed by annotation",
		checkNoIngressPolicy.ID + " gateway": "gateway takes traffic from every pod by design",
		checkSecretData.ID + " test-fixture": "test fixture, not a real credential",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("suppressions = %v, want %v", got, want)
	}
}

func TestSecretValuesNeverShown(t *testing.T) {
	fs := scanFiles(t, "checks/BW-NET-007/fail.yaml", "cases/suppressed.yaml", "real/kustomize-wordpress/mysql/secret.yaml")
	for _, f := range fs {
		for _, v := range []string{"YWRtaW4", "admin", "hunter2", "aHVudGVy", "not-a-real-token"} {
			if strings.Contains(f.Message, v) {
				t.Errorf("%s message shows a value: %q", f.CheckID, f.Message)
			}
		}
	}
	msg := ""
	for _, f := range fs {
		if f.CheckID == checkSecretData.ID && f.Resource.Name == "db" {
			msg = f.Message
		}
	}
	if want := "data keys password, username and stringData key url"; !strings.Contains(msg, want) {
		t.Errorf("message %q lacks %q", msg, want)
	}
}

// TestSelectorAgainstAPIMachinery compares compile/matches with the
// Kubernetes library's own reading of random selectors.
func TestSelectorAgainstAPIMachinery(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"app", "tier", "app.kubernetes.io/name"}
	vals := []string{"a", "b", "c", ""}
	ops := []metav1.LabelSelectorOperator{metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist, "Equals"}
	pick := func(s []string, max int) []string {
		var out []string
		for range rng.IntN(max + 1) {
			out = append(out, s[rng.IntN(len(s))])
		}
		return out
	}
	set := func() map[string]string {
		m := map[string]string{}
		for range rng.IntN(4) {
			m[keys[rng.IntN(len(keys))]] = vals[rng.IntN(len(vals))]
		}
		return m
	}
	for i := range 20000 {
		ls := &metav1.LabelSelector{}
		if rng.IntN(2) == 0 {
			ls.MatchLabels = set()
		}
		for range rng.IntN(3) {
			op := ops[rng.IntN(len(ops))]
			var values []string
			if rng.IntN(5) > 0 && (op == metav1.LabelSelectorOpIn || op == metav1.LabelSelectorOpNotIn) {
				values = pick(vals[:3], 3)
			} else if rng.IntN(8) == 0 {
				values = pick(vals[:3], 2)
			}
			ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{Key: keys[rng.IntN(len(keys))], Operator: op, Values: values})
		}
		if i%1000 == 0 {
			ls = nil
		}
		ours := compile(ls)
		theirs, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil {
			if !ours.none {
				t.Fatalf("%+v: apimachinery rejects it (%v) but it compiles", ls, err)
			}
			continue
		}
		for range 5 {
			l := set()
			if got, want := ours.matches(l), theirs.Matches(labels.Set(l)); got != want {
				t.Fatalf("%+v on %v: matches = %v, apimachinery says %v", ls, l, got, want)
			}
		}
	}
}

// TestIndexFindsEveryMatch: the per-namespace index must offer every
// policy that selects a set of labels, each once.
func TestIndexFindsEveryMatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	keys, vals := []string{"a", "b", "c"}, []string{"1", "2"}
	set := func(n int) map[string]string {
		m := map[string]string{}
		for range rng.IntN(n + 1) {
			m[keys[rng.IntN(len(keys))]] = vals[rng.IntN(len(vals))]
		}
		return m
	}
	for range 200 {
		n := &namespacePolicies{byPair: map[string][]*policy{}}
		var all []*policy
		for range rng.IntN(20) {
			ls := &metav1.LabelSelector{MatchLabels: set(2)}
			if rng.IntN(3) == 0 {
				ls.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: keys[rng.IntN(3)], Operator: metav1.LabelSelectorOpExists}}
			}
			p := &policy{sel: compile(ls)}
			all = append(all, p)
			n.add(p)
		}
		for range 20 {
			l := set(3)
			seen := map[*policy]int{}
			n.candidates(l, func(p *policy) { seen[p]++ })
			for _, p := range all {
				if p.sel.matches(l) && seen[p] != 1 {
					t.Fatalf("policy %+v matches %v but was offered %d times", p.sel, l, seen[p])
				}
			}
		}
	}
}

func TestHostileInput(t *testing.T) {
	if fs := Scan(nil); len(fs) != 0 {
		t.Errorf("Scan(nil) = %v", fs)
	}
	objs := []*manifest.Object{nil,
		{APIVersion: "v1", Kind: "Pod", Name: "p"},
		{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Name: "n"},
		{APIVersion: "v1", Kind: "Service", Name: "s", Value: map[string]any{"spec": map[string]any{"type": "NodePort"}}},
	}
	// The empty policy selects every pod for ingress; the Pod's namespace
	// defaults to that of the policy.
	if got := ids(Scan(objs)); !slices.Equal(got, []string{checkNoEgressPolicy.ID, checkNodePort.ID}) {
		t.Errorf("hand-built objects: %v", got)
	}
}

func FuzzScan(f *testing.F) {
	for _, pattern := range []string{"testdata/checks/*/*.yaml", "testdata/cases/*.yaml", "testdata/cases/*/*.yaml", "testdata/real/*.yaml", "testdata/real/*/*.y*ml", "testdata/real/*/*/*.yaml"} {
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

// benchObjects builds an input of about n objects in the given number of
// namespaces: workloads of every kind, policies selecting some of them by
// matchLabels or expressions, Services and Secrets.
func benchObjects(b *testing.B, n, namespaces int) []*manifest.Object {
	var sb strings.Builder
	perNS := n / namespaces
	for ns := range namespaces {
		for i := range perNS / 2 {
			switch i % 3 {
			case 0:
				fmt.Fprintf(&sb, "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d%d, namespace: ns%d}\nspec:\n  template:\n    metadata:\n      labels: {app: a%d, tier: t%d}\n    spec: {containers: [{name: c, image: x}]}\n", i, ns, i, i%7)
			case 1:
				fmt.Fprintf(&sb, "---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c%d, namespace: ns%d}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels: {app: a%d}\n        spec: {containers: [{name: c, image: x}]}\n", i, ns, i)
			default:
				fmt.Fprintf(&sb, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: ns%d, labels: {app: a%d}}\nspec: {containers: [{name: c, image: x}]}\n", i, ns, i)
			}
		}
		for i := range perNS * 2 / 5 {
			if i%10 == 0 {
				fmt.Fprintf(&sb, "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: e%d, namespace: ns%d}\nspec:\n  podSelector:\n    matchExpressions: [{key: tier, operator: In, values: [t%d]}]\n  ingress: [{from: [{podSelector: {}}]}]\n", i, ns, i%7)
				continue
			}
			fmt.Fprintf(&sb, "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n%d, namespace: ns%d}\nspec:\n  podSelector:\n    matchLabels: {app: a%d}\n  policyTypes: [Ingress, Egress]\n", i, ns, i*2)
		}
		for i := range perNS / 10 {
			fmt.Fprintf(&sb, "---\napiVersion: v1\nkind: Service\nmetadata: {name: s%d, namespace: ns%d}\nspec:\n  type: LoadBalancer\n  ports: [{port: 80}]\n", i, ns)
			fmt.Fprintf(&sb, "---\napiVersion: v1\nkind: Secret\nmetadata: {name: s%d, namespace: ns%d}\nstringData: {k: v}\n", i, ns)
		}
	}
	objs, err := manifest.Decode("bench.yaml", []byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	return objs
}

// BenchmarkScan runs at several sizes, spread over 50 namespaces and all
// in one: time per object should stay flat, since policies are indexed by
// namespace and by a label pair they require.
func BenchmarkScan(b *testing.B) {
	for _, namespaces := range []int{50, 1} {
		for _, n := range []int{1250, 2500, 5000} {
			objs := benchObjects(b, n, namespaces)
			b.Run(fmt.Sprintf("namespaces=%d/objects=%d", namespaces, len(objs)), func(b *testing.B) {
				for b.Loop() {
					Scan(objs)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(objs)), "ns/object")
			})
		}
	}
}

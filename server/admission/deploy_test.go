package admission

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/severity"
)

const deployDir = "../../deploy/kubernetes"

// The shipped manifests pass Bulwark's own configuration audit: no
// finding at all, and the ones suppressed inline are exactly those listed
// here, each with its reason in the file.
func TestDeployManifestsPassTheAudit(t *testing.T) {
	res, err := audit.Path(context.Background(), deployDir, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("warnings: %+v", res.Warnings)
	}
	for _, f := range res.Findings {
		t.Errorf("%s %s %s:%d %s", f.Severity, f.CheckID, f.File, f.StartLine, f.Message)
	}
	suppressed := map[string]bool{"BW-NET-009 networkpolicy.yaml": true}
	for _, f := range res.Suppressed {
		key := f.CheckID + " " + f.File
		if !suppressed[key] || severity.Rank(f.Severity) > severity.Rank(severity.Low) || f.Suppression == "" {
			t.Errorf("unexpected suppression: %s %s:%d (%s)", f.CheckID, f.File, f.StartLine, f.Suppression)
		}
		delete(suppressed, key)
	}
	for key := range suppressed {
		t.Errorf("no longer suppressed, drop it from the list: %s", key)
	}
	if res.Files < 8 {
		t.Errorf("the audit read %d files", res.Files)
	}
}

// The manifests and the code agree: the policy in the ConfigMap parses,
// the webhook calls the path the handler serves, and the API server waits
// longer than the policy's budget.
func TestDeployManifestsMatchTheCode(t *testing.T) {
	read := func(file string) []*manifest.Object {
		data, err := os.ReadFile(deployDir + "/" + file)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := manifest.Decode(file, data)
		if err != nil || len(objs) == 0 {
			t.Fatalf("%s: %v", file, err)
		}
		return objs
	}
	cm := read("policy.yaml")[0]
	doc, _ := cm.Value["data"].(map[string]any)["policy.yaml"].(string)
	p, err := ParsePolicy([]byte(doc))
	if err != nil {
		t.Fatalf("policy.yaml: %v", err)
	}
	wh := read("webhook.yaml")[0].Value["webhooks"].([]any)[0].(map[string]any)
	path := wh["clientConfig"].(map[string]any)["service"].(map[string]any)["path"]
	if path != Path {
		t.Errorf("webhook path %v, handler serves %s", path, Path)
	}
	timeout, _ := wh["timeoutSeconds"].(int64)
	if float64(timeout) <= p.TimeBudget.Seconds() || timeout > 30 {
		t.Errorf("timeoutSeconds %d is not above the budget %s and at most 30", timeout, p.TimeBudget)
	}
	if v := wh["admissionReviewVersions"].([]any); len(v) != 1 || v[0] != "v1" {
		t.Errorf("admissionReviewVersions %v, the handler reads v1 only", v)
	}
	if wh["sideEffects"] != "None" {
		t.Errorf("sideEffects %v", wh["sideEffects"])
	}
	sel := wh["namespaceSelector"].(map[string]any)["matchExpressions"].([]any)[0].(map[string]any)
	if !strings.Contains(strings.ToLower(sel["operator"].(string)), "notin") || !containsValue(sel["values"], "bulwark-system") {
		t.Errorf("the webhook does not leave its own namespace out: %v", sel)
	}
}

func containsValue(list any, s string) bool {
	l, _ := list.([]any)
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

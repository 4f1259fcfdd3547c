package kubernetes

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/pod-security-admission/policy"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/manifest"
	"github.com/bulwark-sec/bulwark/severity"
)

var update = flag.Bool("update", false, "rewrite golden files")

func scanText(t testing.TB, text string, opts Options) ([]misconfig.Finding, error) {
	t.Helper()
	objs, err := manifest.Decode("test.yaml", []byte(text))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return Scan(objs, opts)
}

// render writes findings one a line, as the golden files hold them.
func render(fs []misconfig.Finding, err error) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%d %s %s %s: %s", f.StartLine, f.Severity, f.CheckID, f.Resource, f.Message)
		if f.Suppression != "" {
			fmt.Fprintf(&b, " [suppressed: %s]", f.Suppression)
		}
		b.WriteByte('\n')
	}
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	real, _ := filepath.Glob("testdata/real/*.yaml")
	files = append(files, real...)
	if len(files) < 8 {
		t.Fatalf("only %d test files", len(files))
	}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := manifest.Decode(filepath.Base(file), data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			fs, err := Scan(objs, Options{})
			if strings.HasPrefix(filepath.Base(file), "api-HEAD-") {
				// Upstream's round-trip objects set every field of the
				// schema: none of them is unknown.
				for _, f := range fs {
					if f.CheckID == checkUnknownField.ID {
						t.Errorf("schema field reported unknown: %s", f.Message)
					}
				}
			}
			got := render(fs, err)
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("findings differ from %s (run with -update to accept):\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	checks := Checks()
	if err := misconfig.Validate(checks); err != nil {
		t.Fatal(err)
	}
	ids := map[string]misconfig.Check{}
	for _, c := range checks {
		ids[c.ID] = c
		if c.Target != misconfig.TargetKubernetes || len(c.References) == 0 {
			t.Errorf("%s: target %q, %d references", c.ID, c.Target, len(c.References))
		}
	}
	for _, c := range policy.DefaultChecks() {
		got, ok := ids[pssPrefix+string(c.ID)]
		if !ok {
			t.Errorf("no check for upstream %s", c.ID)
			continue
		}
		if _, described := pssDocs[c.ID]; !described {
			t.Errorf("upstream check %s has no description in pssDocs", c.ID)
		}
		ref := fmt.Sprintf("Pod Security Standards %s: ", c.Level)
		if !strings.HasPrefix(got.References[0], ref) || !slices.Contains(got.References, pssURL) {
			t.Errorf("%s references %q", got.ID, got.References)
		}
		want := severity.High
		switch {
		case c.ID == "privileged" || c.ID == "windowsHostProcess":
			want = severity.Critical
		case c.Level == "restricted":
			want = severity.Medium
		}
		if got.Severity != want {
			t.Errorf("%s: severity %s, want %s", got.ID, got.Severity, want)
		}
	}
	upstream := map[policy.CheckID]bool{}
	for _, c := range policy.DefaultChecks() {
		upstream[c.ID] = true
	}
	for id := range pssDocs {
		if !upstream[id] {
			t.Errorf("pssDocs describes %s, which upstream no longer has", id)
		}
	}
	// A fresh slice each call.
	checks[0].ID = "changed"
	if Checks()[0].ID == "changed" {
		t.Error("Checks shares its slice")
	}
}

// Every BW-K8S check, with a failing and a passing example.
func TestCheckExamples(t *testing.T) {
	pod := func(spec string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\nspec:\n" + indent(spec, "  ")
	}
	deploy := func(spec string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: ns\nspec:\n  template:\n    spec:\n" + indent(spec, "      ")
	}
	job := func(spec string) string {
		return "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  namespace: ns\nspec:\n  template:\n    spec:\n" + indent(spec, "      ")
	}
	tests := []struct {
		name, check, yaml string
		fails             bool
		line              int    // when failing and non-zero, the finding's line
		message           string // when failing, a part of the message
	}{
		{"unknown field in securityContext", checkUnknownField.ID, pod(`containers:
- name: app
  securityContext:
    runAsRoot: true`), true, 10, `container "app" has unknown field securityContext.runAsRoot`},
		{"unknown field in pod spec", checkUnknownField.ID, deploy(`hostNetwrok: true
containers: [{name: app}]`), true, 9, "unknown field spec.template.spec.hostNetwrok"},
		{"field names are case-sensitive", checkUnknownField.ID, pod(`containers:
- name: app
  securityContext: {RunAsNonRoot: true}`), true, 9, "securityContext.RunAsNonRoot"},
		{"known fields", checkUnknownField.ID, pod(`containers:
- name: app
  securityContext: {runAsNonRoot: true}`), false, 0, ""},

		{"root filesystem not set", checkWritableRootFS.ID, pod(`containers: [{name: app}]`), true, 7, "does not set securityContext.readOnlyRootFilesystem: true"},
		{"root filesystem false", checkWritableRootFS.ID, pod(`containers:
- name: app
  securityContext:
    readOnlyRootFilesystem: false`), true, 10, "readOnlyRootFilesystem: false"},
		{"root filesystem read-only", checkWritableRootFS.ID, pod(`containers:
- name: app
  securityContext: {readOnlyRootFilesystem: true}`), false, 0, ""},
		{"windows pods have no read-only root", checkWritableRootFS.ID, pod(`os: {name: windows}
containers: [{name: app}]`), false, 0, ""},

		{"no requests", checkNoRequests.ID, pod(`containers: [{name: app}]`), true, 7, "no cpu or memory request"},
		{"memory request missing", checkNoRequests.ID, pod(`containers:
- name: app
  resources:
    requests: {cpu: 100m}`), true, 10, "no memory request"},
		{"limits imply requests", checkNoRequests.ID, pod(`containers:
- name: app
  resources:
    limits: {cpu: 100m, memory: 64Mi}`), false, 0, ""},
		{"requests set", checkNoRequests.ID, pod(`containers:
- name: app
  resources:
    requests: {cpu: 100m, memory: 64Mi}`), false, 0, ""},

		{"no limits", checkNoLimits.ID, pod(`containers:
- name: app
  resources:
    requests: {cpu: 100m, memory: 64Mi}`), true, 9, "no cpu or memory limit"},
		{"limits set", checkNoLimits.ID, pod(`containers:
- name: app
  resources:
    limits: {cpu: 100m, memory: 64Mi}`), false, 0, ""},
		{"pod-level limits", checkNoLimits.ID, pod(`resources:
  limits: {cpu: "1", memory: 1Gi}
containers: [{name: app}]`), false, 0, ""},

		{"no tag", checkLatestTag.ID, pod(`containers: [{name: app, image: nginx}]`), true, 7, `image "nginx" without a tag`},
		{"latest tag", checkLatestTag.ID, pod(`containers:
- name: app
  image: docker.io/library/nginx:latest`), true, 9, "latest tag"},
		{"registry port is not a tag", checkLatestTag.ID, pod(`containers:
- name: app
  image: localhost:5000/app`), true, 9, "without a tag"},
		{"version tag", checkLatestTag.ID, pod(`containers: [{name: app, image: "nginx:1.27"}]`), false, 0, ""},
		{"latest pinned by digest", checkLatestTag.ID, pod(`containers: [{name: app, image: "nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]`), false, 0, ""},
		{"no image", checkLatestTag.ID, pod(`containers: [{name: app}]`), false, 0, ""},

		{"not pinned", checkNoDigest.ID, pod(`containers: [{name: app, image: "nginx:1.27"}]`), true, 7, "not pinned by digest"},
		{"pinned", checkNoDigest.ID, pod(`containers: [{name: app, image: "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}]`), false, 0, ""},

		{"token mounted by default", checkSATokenMounted.ID, pod(`containers: [{name: app}]`), true, 6, `ServiceAccount "default"`},
		{"token mounted explicitly", checkSATokenMounted.ID, pod(`automountServiceAccountToken: true
containers: [{name: app}]`), true, 7, "sets automountServiceAccountToken: true"},
		{"pod opts out", checkSATokenMounted.ID, pod(`automountServiceAccountToken: false
containers: [{name: app}]`), false, 0, ""},
		{"service account opts out", checkSATokenMounted.ID, pod(`serviceAccountName: app
containers: [{name: app}]`) + `
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: ns}
automountServiceAccountToken: false
`, false, 0, ""},
		{"service account in another namespace", checkSATokenMounted.ID, pod(`serviceAccountName: app
containers: [{name: app}]`) + `
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: other}
automountServiceAccountToken: false
`, true, 6, `ServiceAccount "app"`},
		{"service account opts in", checkSATokenMounted.ID, pod(`containers: [{name: app}]`) + `
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: ns}
automountServiceAccountToken: true
`, true, 6, "sets it to true"},
		{"pod overrides service account", checkSATokenMounted.ID, pod(`automountServiceAccountToken: true
containers: [{name: app}]`) + `
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: ns}
automountServiceAccountToken: false
`, true, 7, "sets automountServiceAccountToken: true"},

		{"docker socket", checkRuntimeSocket.ID, pod(`volumes:
- name: sock
  hostPath:
    path: /var/run/docker.sock
containers: [{name: app}]`), true, 10, "/var/run/docker.sock"},
		{"containerd socket", checkRuntimeSocket.ID, pod(`volumes:
- {name: sock, hostPath: {path: /run/containerd/containerd.sock}}
containers: [{name: app}]`), true, 8, "containerd"},
		{"crio socket, unclean path", checkRuntimeSocket.ID, pod(`volumes:
- {name: sock, hostPath: {path: "/var/run/crio//crio.sock/"}}
containers: [{name: app}]`), true, 8, "/var/run/crio/crio.sock"},
		{"harmless host path", checkRuntimeSocket.ID, pod(`volumes:
- {name: logs, hostPath: {path: /var/log}}
containers: [{name: app}]`), false, 0, ""},

		{"host root", checkSensitiveHostPath.ID, pod(`volumes:
- {name: root, hostPath: {path: /}}
containers: [{name: app}]`), true, 8, `volume "root" mounts the host's /`},
		{"kubelet state", checkSensitiveHostPath.ID, pod(`volumes:
- {name: k, hostPath: {path: /var/lib/kubelet/pods}}
containers: [{name: app}]`), true, 8, "/var/lib/kubelet/pods"},
		{"host /etc", checkSensitiveHostPath.ID, pod(`volumes:
- {name: etc, hostPath: {path: /etc}}
containers: [{name: app}]`), true, 8, "/etc"},
		{"one file under /etc", checkSensitiveHostPath.ID, pod(`volumes:
- {name: tz, hostPath: {path: /etc/localtime}}
containers: [{name: app}]`), false, 0, ""},

		{"no liveness probe", checkNoLiveness.ID, deploy(`containers: [{name: app}]`), true, 9, "no livenessProbe"},
		{"liveness probe", checkNoLiveness.ID, deploy(`containers:
- name: app
  livenessProbe: {httpGet: {path: /healthz, port: 8080}}`), false, 0, ""},
		{"jobs need no probes", checkNoLiveness.ID, job(`restartPolicy: Never
containers: [{name: app}]`), false, 0, ""},
		{"sidecar without probe", checkNoLiveness.ID, deploy(`initContainers: [{name: proxy, restartPolicy: Always}]
containers:
- name: app
  livenessProbe: {httpGet: {path: /healthz, port: 8080}}`), true, 9, `"proxy"`},
		{"init containers need no probes", checkNoLiveness.ID, deploy(`initContainers: [{name: setup}]
containers:
- name: app
  livenessProbe: {httpGet: {path: /healthz, port: 8080}}`), false, 0, ""},

		{"no readiness probe", checkNoReadiness.ID, deploy(`containers: [{name: app}]`), true, 9, "no readinessProbe"},
		{"readiness probe", checkNoReadiness.ID, deploy(`containers:
- name: app
  readinessProbe: {tcpSocket: {port: 8080}}`), false, 0, ""},
		{"run-to-completion pod", checkNoReadiness.ID, pod(`restartPolicy: OnFailure
containers: [{name: app}]`), false, 0, ""},

		{"no namespace", checkDefaultNamespace.ID, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: app}]\n", true, 3, "has no namespace"},
		{"default namespace", checkDefaultNamespace.ID, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\nspec:\n  containers: [{name: app}]\n", true, 5, "in the default namespace"},
		{"own namespace", checkDefaultNamespace.ID, pod(`containers: [{name: app}]`), false, 0, ""},

		{"container runs as root", checkRunAsRootUID.ID, pod(`containers:
- name: app
  securityContext:
    runAsUser: 0`), true, 10, `container "app" sets securityContext.runAsUser: 0`},
		{"pod runs as root", checkRunAsRootUID.ID, pod(`securityContext:
  runAsUser: 0
containers: [{name: app}]`), true, 8, "pod sets securityContext.runAsUser: 0"},
		{"containers override pod root", checkRunAsRootUID.ID, pod(`securityContext: {runAsUser: 0}
containers:
- name: app
  securityContext: {runAsUser: 1000}`), false, 0, ""},
		{"non-root user", checkRunAsRootUID.ID, pod(`containers:
- name: app
  securityContext: {runAsUser: 1000}`), false, 0, ""},

		{"escalation not disabled", checkPrivEscalation.ID, pod(`containers: [{name: app}]`), true, 7, "does not set securityContext.allowPrivilegeEscalation: false"},
		{"escalation allowed", checkPrivEscalation.ID, pod(`containers:
- name: app
  securityContext:
    allowPrivilegeEscalation: true`), true, 10, "allowPrivilegeEscalation: true"},
		{"escalation disabled", checkPrivEscalation.ID, pod(`containers:
- name: app
  securityContext: {allowPrivilegeEscalation: false}`), false, 0, ""},

		{"capabilities kept", checkNoDropAll.ID, pod(`containers:
- name: app
  securityContext:
    capabilities:
      drop: [NET_RAW]`), true, 11, "does not drop ALL"},
		{"all dropped", checkNoDropAll.ID, pod(`containers:
- name: app
  securityContext:
    capabilities: {drop: [ALL]}`), false, 0, ""},

		{"SYS_ADMIN added", checkDangerousCaps.ID, pod(`containers:
- name: app
  securityContext:
    capabilities:
      add: [CAP_SYS_ADMIN, NET_BIND_SERVICE, net_admin]`), true, 11, "adds SYS_ADMIN, NET_ADMIN"},
		{"ALL added", checkDangerousCaps.ID, pod(`containers:
- name: app
  securityContext:
    capabilities: {add: [ALL]}`), true, 10, "adds ALL"},
		{"harmless capability added", checkDangerousCaps.ID, pod(`containers:
- name: app
  securityContext:
    capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}`), false, 0, ""},

		{"host port", checkHostPort.ID, pod(`containers:
- name: app
  ports:
  - containerPort: 80
    hostPort: 8080`), true, 11, "binds host port 8080"},
		{"container port only", checkHostPort.ID, pod(`containers:
- name: app
  ports: [{containerPort: 80}]`), false, 0, ""},

		{"password literal", checkSecretInEnv.ID, pod(`containers:
- name: app
  env:
  - name: DB_PASSWORD
    value: s3cr3t-Passw0rd`), true, 11, "env DB_PASSWORD is given a literal value"},
		{"camel-case api key", checkSecretInEnv.ID, pod(`containers:
- name: app
  env: [{name: stripeApiKey, value: abcdef123456}]`), true, 9, "stripeApiKey"},
		{"token in a plainly named variable", checkSecretInEnv.ID, pod(`containers:
- name: app
  env:
  - name: UPSTREAM
    value: ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8`), true, 11, "GitHub"},
		{"secret reference", checkSecretInEnv.ID, pod(`containers:
- name: app
  env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef: {name: db, key: password}`), false, 0, ""},
		{"switch named like a password", checkSecretInEnv.ID, pod(`containers:
- name: app
  env: [{name: MYSQL_ALLOW_EMPTY_PASSWORD, value: "1"}]`), false, 0, ""},
		{"variable reference", checkSecretInEnv.ID, pod(`containers:
- name: app
  env: [{name: API_TOKEN, value: "$(TOKEN_FROM_SECRET)"}]`), false, 0, ""},
		{"not a credential name", checkSecretInEnv.ID, pod(`containers:
- name: app
  env:
  - {name: TOKEN_URL, value: "https://auth.example/token"}
  - {name: CACHE_KEY, value: "user-id"}
  - {name: PASSWORD_FILE, value: "run/secrets/pw"}`), false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.check+" "+tt.name, func(t *testing.T) {
			fs, err := scanText(t, tt.yaml, Options{})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			var hits []misconfig.Finding
			for _, f := range fs {
				if f.CheckID == tt.check {
					hits = append(hits, f)
				}
			}
			if !tt.fails {
				if len(hits) > 0 {
					t.Fatalf("unexpected finding:\n%s", render(hits, nil))
				}
				return
			}
			if len(hits) == 0 {
				t.Fatalf("no %s finding; got:\n%s", tt.check, render(fs, nil))
			}
			f := hits[0]
			if tt.line != 0 && f.StartLine != tt.line {
				t.Errorf("line %d, want %d: %s", f.StartLine, tt.line, f.Message)
			}
			if !strings.Contains(f.Message, tt.message) {
				t.Errorf("message %q lacks %q", f.Message, tt.message)
			}
			if f.Title == "" || f.Rationale == "" || f.Fix == "" || f.File != "test.yaml" || f.Resource.Kind == "" {
				t.Errorf("incomplete finding %+v", f)
			}
		})
	}
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// The two examples of the product guide.
func TestGuideExamples(t *testing.T) {
	data, err := os.ReadFile("testdata/guide.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.Decode("guide.yaml", data)
	if err != nil || len(objs) != 2 {
		t.Fatalf("decode: %d objects, %v", len(objs), err)
	}
	lines := strings.Split(string(data), "\n")
	lineOf := func(text string, from int) int {
		for i := from; i < len(lines); i++ {
			if strings.Contains(lines[i], text) {
				return i + 1
			}
		}
		t.Fatalf("no line %q", text)
		return 0
	}

	vulnerable, err := Scan(objs[:1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	find := func(id string) *misconfig.Finding {
		for i := range vulnerable {
			if vulnerable[i].CheckID == id {
				return &vulnerable[i]
			}
		}
		t.Fatalf("no %s finding in:\n%s", id, render(vulnerable, nil))
		return nil
	}
	if f := find("BW-PSS-privileged"); f.StartLine != lineOf("privileged: true", 0) || f.Severity != severity.Critical || f.Resource.Container != "app" {
		t.Errorf("privileged: %+v", f)
	}
	if f := find(checkUnknownField.ID); f.StartLine != lineOf("runAsRoot", 0) || !strings.Contains(f.Message, "unknown field securityContext.runAsRoot") {
		t.Errorf("unknown field: %+v", f)
	}
	if f := find("BW-PSS-runAsNonRoot"); f.StartLine != lineOf("securityContext:", 0) || !strings.Contains(f.Message, "runAsNonRoot=true") {
		t.Errorf("runAsNonRoot: %+v", f)
	}

	secure, err := Scan(objs[1:], Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range secure {
		if severity.Rank(f.Severity) >= severity.Rank(severity.High) {
			t.Errorf("secure pod: %s %s at line %d: %s", f.Severity, f.CheckID, f.StartLine, f.Message)
		}
		if f.CheckID == "BW-PSS-privileged" || f.CheckID == "BW-PSS-runAsNonRoot" || f.CheckID == checkUnknownField.ID {
			t.Errorf("secure pod: %s", f.CheckID)
		}
	}
}

// The pod-security-admission fixtures: every pod of a "fail" set fails
// the check its name starts with, every pod of a "pass" set passes all
// checks of its level, at the version of the set.
func TestPSSFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/pss/*.yaml")
	if len(files) < 10 {
		t.Fatalf("only %d fixture files", len(files))
	}
	ids := map[string]policy.CheckID{}
	levels := map[policy.CheckID]string{}
	for _, c := range policy.DefaultChecks() {
		ids[strings.ToLower(string(c.ID))] = c.ID
		levels[c.ID] = string(c.Level)
	}
	failed := map[policy.CheckID]bool{}
	for _, file := range files {
		// level-version-pass.yaml
		parts := strings.Split(strings.TrimSuffix(filepath.Base(file), ".yaml"), "-")
		level, version, outcome := parts[0], parts[1], parts[2]
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := manifest.Decode(file, data)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			fs, err := Scan([]*manifest.Object{o}, Options{PSSVersion: version})
			if err != nil {
				t.Fatalf("%s %s: %v", file, o.Name, err)
			}
			got := map[policy.CheckID]bool{}
			for _, f := range fs {
				if id, ok := strings.CutPrefix(f.CheckID, pssPrefix); ok {
					got[policy.CheckID(id)] = true
					if f.StartLine < o.Line || f.StartLine > o.EndLine {
						t.Errorf("%s %s: %s on line %d, outside the object", file, o.Name, f.CheckID, f.StartLine)
					}
				}
			}
			if outcome == "pass" {
				for id := range got {
					if level == "restricted" || levels[id] == "baseline" {
						t.Errorf("%s %s: fails %s", file, o.Name, id)
					}
				}
				continue
			}
			want, ok := ids[strings.TrimRight(o.Name, "0123456789")]
			if !ok {
				t.Errorf("%s %s: no check by that name", file, o.Name)
				continue
			}
			if !got[want] {
				t.Errorf("%s %s: does not fail %s; got %v", file, o.Name, want, got)
			}
			failed[want] = true
		}
	}
	for _, c := range policy.DefaultChecks() {
		if !failed[c.ID] {
			t.Errorf("no fixture failed %s", c.ID)
		}
	}
}

func TestPSSVersions(t *testing.T) {
	// From v1.35 a pod in a user namespace (hostUsers: false) need not
	// set runAsNonRoot.
	userns := `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  hostUsers: false
  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: [ALL]}
`
	// Host probes are forbidden from v1.34.
	hostProbe := `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers:
  - name: app
    livenessProbe:
      httpGet: {host: 169.254.169.254, port: 80}
`
	tests := []struct {
		yaml, version, check string
		fails                bool
	}{
		{userns, "v1.34", "BW-PSS-runAsNonRoot", true},
		{userns, "v1.35", "BW-PSS-runAsNonRoot", false},
		{userns, "latest", "BW-PSS-runAsNonRoot", false},
		{userns, "", "BW-PSS-runAsNonRoot", false},
		{hostProbe, "v1.24", "BW-PSS-hostProbesAndHostLifecycle", false},
		{hostProbe, "v1.33", "BW-PSS-hostProbesAndHostLifecycle", false},
		{hostProbe, "v1.34", "BW-PSS-hostProbesAndHostLifecycle", true},
		{hostProbe, "v1.99", "BW-PSS-hostProbesAndHostLifecycle", true},
		{hostProbe, "latest", "BW-PSS-hostProbesAndHostLifecycle", true},
	}
	for _, tt := range tests {
		t.Run(tt.check+"@"+tt.version, func(t *testing.T) {
			fs, err := scanText(t, tt.yaml, Options{PSSVersion: tt.version})
			if err != nil {
				t.Fatal(err)
			}
			var got *misconfig.Finding
			for i := range fs {
				if fs[i].CheckID == tt.check {
					got = &fs[i]
				}
			}
			if (got != nil) != tt.fails {
				t.Fatalf("fails = %v, want %v:\n%s", got != nil, tt.fails, render(fs, nil))
			}
			if got != nil && tt.check == "BW-PSS-hostProbesAndHostLifecycle" && got.StartLine != 8 {
				t.Errorf("host probe finding on line %d, want 8", got.StartLine)
			}
		})
	}
	for _, bad := range []string{"v2.0", "1.24", "v1.x", "Latest", "v1.024"} {
		if _, err := scanText(t, userns, Options{PSSVersion: bad}); err == nil {
			t.Errorf("version %q accepted", bad)
		}
	}
}

// The Pod Security Standards findings point at the fields they read.
func TestPSSLines(t *testing.T) {
	text := `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: ns}
spec:
  template:
    spec:
      hostNetwork: false
      hostPID: true
      securityContext:
        runAsNonRoot: false
        sysctls:
        - {name: kernel.msgmax, value: "1"}
      volumes:
      - name: ok
        emptyDir: {}
      - name: host
        hostPath: {path: /data}
      initContainers:
      - name: init
        image: busybox:1
      containers:
      - name: web
        ports:
        - containerPort: 80
        - containerPort: 443
          hostPort: 443
        securityContext:
          capabilities:
            add: [SYS_TIME]
`
	fs, err := scanText(t, text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		line      int
		container string
	}{
		"BW-PSS-hostNamespaces":        {8, ""},
		"BW-PSS-runAsNonRoot":          {10, ""},
		"BW-PSS-sysctls":               {11, ""},
		"BW-PSS-hostPathVolumes":       {17, ""},
		"BW-PSS-restrictedVolumes":     {16, ""},
		"BW-PSS-hostPorts":             {26, "web"},
		"BW-PSS-capabilities_baseline": {29, "web"},
		// Neither container sets seccompProfile: the first named one's
		// securityContext would hold it, or the container itself.
		"BW-PSS-seccompProfile_restricted": {19, "init"},
	}
	for _, f := range fs {
		w, ok := want[f.CheckID]
		if !ok {
			continue
		}
		delete(want, f.CheckID)
		if f.StartLine != w.line || f.Resource.Container != w.container {
			t.Errorf("%s at line %d container %q, want line %d container %q", f.CheckID, f.StartLine, f.Resource.Container, w.line, w.container)
		}
	}
	for id := range want {
		t.Errorf("no %s finding", id)
	}

	// A profile set by a legacy annotation is found on the annotation.
	fs, err = scanText(t, `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
  annotations:
    example.com/owner: team
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  containers: [{name: app}]
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(fs, func(f misconfig.Finding) bool { return f.CheckID == "BW-PSS-appArmorProfile" })
	if i < 0 || fs[i].StartLine != 8 {
		t.Errorf("AppArmor annotation not found on line 8:\n%s", render(fs, nil))
	}
}

func TestSuppression(t *testing.T) {
	data, err := os.ReadFile("testdata/suppressed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := manifest.Decode("suppressed.yaml", data)
	fs, err := Scan(objs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	suppressed := map[string]string{}
	for _, f := range fs {
		if f.Suppression != "" {
			suppressed[f.CheckID] = f.Suppression
		}
	}
	want := map[string]string{
		"BW-PSS-hostNamespaces":   "needs the host's network statistics", // object annotation
		checkSensitiveHostPath.ID: "reads /proc and /sys read-only",      // template annotation, any case
	}
	if !reflect.DeepEqual(suppressed, want) {
		t.Errorf("suppressed %v, want %v", suppressed, want)
	}
	n := 0
	for _, f := range fs {
		if f.CheckID == checkSensitiveHostPath.ID {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d %s findings, want one per volume", n, checkSensitiveHostPath.ID)
	}
}

func TestBadObjects(t *testing.T) {
	text := `apiVersion: v1
kind: Pod
metadata: {name: bad, namespace: ns}
spec:
  containers:
  - name: app
    securityContext:
      runAsUser: root
---
apiVersion: v1
kind: Pod
metadata: {name: worse, namespace: ns}
spec:
  containers: everything
---
apiVersion: v1
kind: Pod
metadata: {name: good, namespace: ns}
spec:
  containers:
  - name: app
    securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata: {name: huge, namespace: ns}
spec:
  securityContext:
    runAsUser: 1e40
  containers: [{name: app}]
`
	fs, err := scanText(t, text, Options{})
	if err == nil {
		t.Fatal("no error for fields of the wrong type")
	}
	for _, name := range []string{"Pod/ns/bad", "Pod/ns/worse", "Pod/ns/huge"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), "good") {
		t.Errorf("error names the good pod: %v", err)
	}
	for _, f := range fs {
		if f.Resource.Name != "good" {
			t.Errorf("finding for a bad object: %+v", f)
		}
	}
	if !slices.ContainsFunc(fs, func(f misconfig.Finding) bool { return f.CheckID == "BW-PSS-privileged" }) {
		t.Error("the good pod was not scanned")
	}

	// Deep nesting under an unknown field, and very many containers.
	deep := "apiVersion: v1\nkind: Pod\nmetadata: {name: deep, namespace: ns}\nspec:\n  containers: [{name: app}]\n  extra: " +
		strings.Repeat("[", 90) + strings.Repeat("]", 90) + "\n"
	fs, err = scanText(t, deep, Options{})
	if err != nil || !slices.ContainsFunc(fs, func(f misconfig.Finding) bool {
		return f.CheckID == checkUnknownField.ID && f.StartLine == 6 && strings.HasSuffix(f.Message, "spec.extra")
	}) {
		t.Errorf("deep unknown field: %v\n%s", err, render(fs, nil))
	}
	var many strings.Builder
	many.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: many, namespace: ns}\nspec:\n  containers:\n")
	for i := range 3000 {
		fmt.Fprintf(&many, "  - {name: c%d, securityContext: {privileged: true}}\n", i)
	}
	fs, err = scanText(t, many.String(), Options{})
	if err != nil || len(fs) < 3000 {
		t.Errorf("many containers: %d findings, %v", len(fs), err)
	}

	// Objects that are not workloads, or nothing at all.
	if fs, err := Scan([]*manifest.Object{nil}, Options{}); err != nil || len(fs) != 0 {
		t.Errorf("nil object: %v, %v", fs, err)
	}
	if fs, err := scanText(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {PASSWORD: x}\n", Options{}); err != nil || len(fs) != 0 {
		t.Errorf("config map: %v, %v", fs, err)
	}
	// A workload without a pod template is only checked for its own
	// fields.
	fs, err = scanText(t, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: ns}\nspec: {replica: 2}\n", Options{})
	if err != nil || len(fs) != 1 || fs[0].CheckID != checkUnknownField.ID {
		t.Errorf("deployment without template: %v, %v", render(fs, nil), err)
	}
}

func TestPodSpecOf(t *testing.T) {
	data, err := os.ReadFile("testdata/kinds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.Decode("kinds.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]any{
		"CronJob":               cronJobPath,
		"DaemonSet":             podTemplatePath,
		"StatefulSet":           podTemplatePath,
		"ReplicaSet":            podTemplatePath,
		"Job":                   podTemplatePath,
		"ReplicationController": podTemplatePath,
		"PodTemplate":           {"template"},
	}
	seen := 0
	for _, o := range objs {
		meta, spec, path, ok := PodSpecOf(o)
		if o.APIVersion == "example.com/v1" || o.Kind == "ServiceAccount" {
			if ok {
				t.Errorf("%s: PodSpecOf ok for a non-workload", o.Ref())
			}
			continue
		}
		if !ok || meta == nil || spec == nil || len(spec.Containers) != 1 {
			t.Errorf("%s: PodSpecOf = %v, %v, %v", o.Ref(), ok, meta, spec)
			continue
		}
		seen++
		if !reflect.DeepEqual(path, want[o.Kind]) {
			t.Errorf("%s: path %v, want %v", o.Ref(), path, want[o.Kind])
		}
		// The path locates the container in the file.
		name := spec.Containers[0].Name
		line := o.LineOf(join(path, "spec", "containers", 0, "name")...)
		if got := strings.Split(string(data), "\n")[line-1]; !strings.Contains(got, name) {
			t.Errorf("%s: line %d is %q, not container %q", o.Ref(), line, got, name)
		}
		path[0] = "changed" // the caller's own copy
	}
	if seen != len(want) {
		t.Errorf("%d workloads, want %d", seen, len(want))
	}
	pod, _ := manifest.Decode("p.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a}]}\n"))
	if _, spec, path, ok := PodSpecOf(pod[0]); !ok || len(path) != 0 || spec.Containers[0].Name != "a" {
		t.Errorf("pod: %v %v %v", spec, path, ok)
	}
	bad, _ := manifest.Decode("p.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: 3}\n"))
	if _, _, _, ok := PodSpecOf(bad[0]); ok {
		t.Error("PodSpecOf ok for a pod of the wrong shape")
	}
}

func TestResolveField(t *testing.T) {
	v := map[string]any{"spec": map[string]any{
		"a.b":        map[string]any{"c": 1},
		"containers": []any{map[string]any{"name": "x"}, map[string]any{"securityContext": map[string]any{"runAsRoot": true}}},
		"m":          []any{[]any{map[string]any{"k": 1}}},
	}}
	tests := []struct {
		field string
		want  []any
	}{
		{"spec.containers[1].securityContext.runAsRoot", []any{"spec", "containers", 1, "securityContext", "runAsRoot"}},
		{"spec.a.b.c", []any{"spec", "a.b", "c"}},
		{"spec.m[0][0].k", []any{"spec", "m", 0, 0, "k"}},
		{"spec.containers[7].x", []any{"spec", "containers"}},
		{"spec.nothing.here", []any{"spec"}},
		{"", nil},
		{"spec.containers[].x", []any{"spec"}},
	}
	for _, tt := range tests {
		if got := resolveField(v, tt.field); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("resolveField(%q) = %v, want %v", tt.field, got, tt.want)
		}
	}
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "githubToken": true, "AWS_SECRET_ACCESS_KEY": true, "API_KEY": true,
		"client-secret": true, "SMTP_PASS": true, "PRIVATE_KEY": true, "apikey": true,
		"TOKEN_URL": false, "PASSWORD_FILE": false, "MAX_TOKENS": false, "CACHE_KEY": false,
		"AWS_ACCESS_KEY_ID": false, "PWD": false, "HOME": false, "": false, "__": false,
	} {
		if got := secretName(name); got != want {
			t.Errorf("secretName(%q) = %v, want %v", name, got, want)
		}
	}
}

// Secret values never reach a finding.
func TestSecretNotPrinted(t *testing.T) {
	const token = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
	const password = "correct-horse-battery-staple"
	fs, err := scanText(t, `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers:
  - name: app
    env:
    - {name: GH, value: `+token+`}
    - {name: ADMIN_PASSWORD, value: `+password+`}
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		if f.CheckID == checkSecretInEnv.ID {
			n++
		}
		if s := fmt.Sprintf("%+v", f); strings.Contains(s, token[4:12]) || strings.Contains(s, password) {
			t.Errorf("finding holds the secret: %s", s)
		}
	}
	if n != 2 {
		t.Errorf("%d secret findings, want 2", n)
	}
}

// Scanning many objects in parallel gives the same findings as one by one.
func TestParallelMatchesSerial(t *testing.T) {
	objs := generated(t, 200)
	all, err := Scan(objs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var serial []misconfig.Finding
	for _, o := range objs {
		fs, err := Scan([]*manifest.Object{o}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		serial = append(serial, fs...)
	}
	misconfig.Sort(serial)
	if !reflect.DeepEqual(all, serial) {
		t.Errorf("parallel scan: %d findings, serial: %d", len(all), len(serial))
	}
}

// generated returns n Deployments of a realistic mix of settings.
func generated(t testing.TB, n int) []*manifest.Object {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  namespace: team-%[2]d
  labels: {app: app-%[1]d}
spec:
  replicas: 3
  selector:
    matchLabels: {app: app-%[1]d}
  template:
    metadata:
      labels: {app: app-%[1]d}
    spec:
      serviceAccountName: app-%[1]d
      securityContext:
        runAsNonRoot: %[3]v
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: app
        image: registry.example/team-%[2]d/app:1.%[1]d
        ports:
        - containerPort: 8080
        env:
        - name: LOG_LEVEL
          value: info
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          privileged: %[4]v
          capabilities: {drop: [ALL]}
      - name: sidecar
        image: registry.example/proxy:2
        volumeMounts:
        - {name: tmp, mountPath: /tmp}
      volumes:
      - name: tmp
        emptyDir: {}
`, i, i%10, i%2 == 0, i%7 == 0)
	}
	objs, err := manifest.Decode("generated.yaml", []byte(b.String()))
	if err != nil || len(objs) != n {
		t.Fatalf("generated: %d objects, %v", len(objs), err)
	}
	return objs
}

func BenchmarkScan(b *testing.B) {
	objs := generated(b, 1000)
	if _, err := Scan(objs, Options{}); err != nil { // builds the shared engines
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Scan(objs, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(objs)*b.N)/b.Elapsed().Seconds(), "objects/s")
}

func FuzzScan(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "testdata/real/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			// Large seeds make the fuzzer spend its time minimising.
			if len(data) <= 8<<10 {
				f.Add(data)
			}
		}
	}
	f.Add([]byte("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - securityContext: {runAsUser: x}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nspec: {containers: [{name: \"\\\"\", ports: [{hostPort: 1}]}]}\n"))
	known := map[string]bool{}
	for _, c := range Checks() {
		known[c.ID] = true
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, _ := manifest.Decode("fuzz.yaml", data)
		fs, err := Scan(objs, Options{})
		if err != nil && !strings.Contains(err.Error(), "kubernetes: ") {
			t.Fatalf("unwrapped error: %v", err)
		}
		for _, f := range fs {
			if !known[f.CheckID] || f.StartLine < 1 || f.Message == "" {
				t.Fatalf("bad finding %+v", f)
			}
		}
		if errors.Is(err, manifest.ErrTooComplex) {
			t.Fatal("scan reports a decoding error")
		}
	})
}

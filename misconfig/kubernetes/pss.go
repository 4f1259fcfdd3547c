package kubernetes

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// The Pod Security Standards are evaluated by the upstream
// pod-security-admission library, the code the API server itself runs, so
// the rules, their versions and their overrides stay exactly Kubernetes'.
// This file only names the results, rates them and finds their lines.

const pssURL = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

// pssPrefix starts the ID of every Pod Security Standards check.
const pssPrefix = "BW-PSS-"

// tagSep separates the check ID that tagged() writes in front of a
// forbidden reason from the reason itself.
const tagSep = "\x00"

// pss evaluates pods against the Pod Security Standards.
type pss struct {
	eval policy.Evaluator
	// checks are the upstream checks the evaluator runs, by their ID.
	checks map[policy.CheckID]pssEntry
}

// pssEntry is one upstream check: its level, and the Bulwark check its
// findings are reported as.
type pssEntry struct {
	level api.Level
	check misconfig.Check
}

// newPSS builds an evaluator over the upstream default checks.
//
// The upstream evaluator returns its results without saying which check
// produced each, so every check function is wrapped to put its ID in
// front of the forbidden reason. Version selection and overrides remain
// the evaluator's.
func newPSS() (*pss, error) {
	upstream := policy.DefaultChecks()
	p := &pss{checks: map[policy.CheckID]pssEntry{}}
	tagged := make([]policy.Check, 0, len(upstream))
	for _, c := range upstream {
		p.checks[c.ID] = pssEntry{level: c.Level, check: pssCheck(c)}
		versions := make([]policy.VersionedCheck, len(c.Versions))
		for i, v := range c.Versions {
			v.CheckPod = tag(c.ID, v.CheckPod)
			versions[i] = v
		}
		c.Versions = versions
		tagged = append(tagged, c)
	}
	eval, err := policy.NewEvaluator(tagged, nil)
	if err != nil {
		return nil, fmt.Errorf("pod security standards: %w", err)
	}
	p.eval = eval
	return p, nil
}

func tag(id policy.CheckID, fn policy.CheckPodFn) policy.CheckPodFn {
	return func(meta *metav1.ObjectMeta, spec *corev1.PodSpec) policy.CheckResult {
		r := fn(meta, spec)
		if !r.Allowed {
			r.ForbiddenReason = string(id) + tagSep + r.ForbiddenReason
		}
		return r
	}
}

// pssResult is one failed check.
type pssResult struct {
	id             policy.CheckID
	check          misconfig.Check
	reason, detail string
}

// evaluate returns the checks a pod fails at version v. Baseline and
// restricted are evaluated separately: at the restricted level some
// restricted checks override (hide) their baseline counterpart, and the
// baseline failure is the more severe finding.
func (p *pss) evaluate(v api.Version, meta *metav1.ObjectMeta, spec *corev1.PodSpec) []pssResult {
	var out []pssResult
	collect := func(level api.Level) {
		for _, r := range p.eval.EvaluatePod(api.LevelVersion{Level: level, Version: v}, meta, spec) {
			if r.Allowed {
				continue
			}
			id, reason, ok := strings.Cut(r.ForbiddenReason, tagSep)
			e := p.checks[policy.CheckID(id)]
			if !ok || e.level != level {
				continue // a baseline check run again at the restricted level
			}
			out = append(out, pssResult{id: policy.CheckID(id), check: e.check, reason: reason, detail: r.ForbiddenDetail})
		}
	}
	collect(api.LevelBaseline)
	collect(api.LevelRestricted)
	return out
}

// pssDoc is Bulwark's description of one upstream check.
type pssDoc struct {
	control, title, rationale, fix string
	// severity overrides the level's default.
	severity string
}

// pssDocs describe the upstream checks. A check added upstream and not
// yet described here still runs, with a generic description.
var pssDocs = map[policy.CheckID]pssDoc{
	"allowPrivilegeEscalation": {control: "Privilege Escalation",
		title:     "Container allows privilege escalation",
		rationale: "Without allowPrivilegeEscalation: false a process can gain more privileges than its parent, through setuid binaries or file capabilities.",
		fix:       "Set securityContext.allowPrivilegeEscalation: false on every container."},
	"appArmorProfile": {control: "AppArmor",
		title:     "AppArmor profile is disabled or custom-overridden",
		rationale: "An Unconfined AppArmor profile removes the mandatory access control that limits what a compromised container may touch.",
		fix:       "Leave the AppArmor profile unset or use RuntimeDefault or a Localhost profile."},
	"capabilities_baseline": {control: "Capabilities",
		title:     "Container adds capabilities beyond the runtime defaults",
		rationale: "Capabilities outside the default set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE …) give root-like powers over the kernel and the node.",
		fix:       "Remove the extra entries from securityContext.capabilities.add."},
	"capabilities_restricted": {control: "Capabilities",
		title:     "Container does not drop all capabilities",
		rationale: "The restricted profile allows a container only NET_BIND_SERVICE; every other capability widens what an attacker inside it can do.",
		fix:       "Set securityContext.capabilities.drop: [\"ALL\"] and add back at most NET_BIND_SERVICE."},
	"hostNamespaces": {control: "Host Namespaces",
		title:     "Pod shares the node's namespaces",
		rationale: "hostNetwork, hostPID or hostIPC put the pod in the node's network, process or IPC namespace, where it can see and reach the node's processes and interfaces.",
		fix:       "Remove hostNetwork, hostPID and hostIPC, or set them to false."},
	"hostPathVolumes": {control: "HostPath Volumes",
		title:     "Pod mounts a hostPath volume",
		rationale: "A hostPath volume exposes the node's filesystem to the pod; writable or sensitive paths lead to node compromise.",
		fix:       "Use emptyDir, configMap, secret, persistentVolumeClaim or a CSI volume instead of hostPath."},
	"hostPorts": {control: "Host Ports",
		title:     "Container binds a host port",
		rationale: "A hostPort exposes the container on the node's own address, bypassing network policies and tying the pod to nodes where the port is free.",
		fix:       "Remove hostPort and expose the container through a Service."},
	"hostProbesAndHostLifecycle": {control: "Host Probes / Lifecycle Hooks",
		title:     "Probe or lifecycle hook targets another host",
		rationale: "Setting host in a probe or lifecycle handler makes the kubelet send requests to an arbitrary address from the node's network position.",
		fix:       "Remove the host field from httpGet and tcpSocket probes and lifecycle handlers."},
	"privileged": {control: "Privileged Containers", severity: severity.Critical,
		title:     "Container runs privileged",
		rationale: "A privileged container has every capability and access to all host devices; escaping to the node is trivial.",
		fix:       "Remove securityContext.privileged or set it to false; grant only the capabilities or devices actually needed."},
	"procMount": {control: "/proc Mount Type",
		title:     "Container unmasks /proc",
		rationale: "An Unmasked procMount exposes kernel interfaces under /proc that the runtime normally hides from containers.",
		fix:       "Remove securityContext.procMount or set it to Default."},
	"procMount_restricted": {control: "/proc Mount Type",
		title:     "Container unmasks /proc",
		rationale: "An Unmasked procMount exposes kernel interfaces under /proc; the restricted profile forbids it even in user-namespaced pods.",
		fix:       "Remove securityContext.procMount or set it to Default."},
	"restrictedVolumes": {control: "Volume Types",
		title:     "Pod uses a volume type outside the restricted set",
		rationale: "Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret reach node or network storage directly.",
		fix:       "Use one of the allowed volume types; put other storage behind a PersistentVolumeClaim."},
	"runAsNonRoot": {control: "Running as Non-root",
		title:     "Container may run as root",
		rationale: "Unless runAsNonRoot is true the container runs as whatever user the image names, often root, which makes any escape a root escape.",
		fix:       "Set securityContext.runAsNonRoot: true on the pod or on every container, and use an image with a non-root USER."},
	"runAsUser": {control: "Running as Non-root user",
		title:     "Pod or container sets runAsUser: 0",
		rationale: "User ID 0 is root; a root process in a container is one kernel bug away from root on the node.",
		fix:       "Set runAsUser to a non-zero UID or remove it."},
	"seLinuxOptions": {control: "SELinux",
		title:     "Custom SELinux type or user/role set",
		rationale: "Setting an SELinux type outside the container types, or a custom user or role, can lift the confinement SELinux puts on containers.",
		fix:       "Remove seLinuxOptions.type, user and role, or use container_t, container_init_t, container_kvm_t or container_engine_t."},
	"seccompProfile_baseline": {control: "Seccomp",
		title:     "Seccomp is explicitly disabled",
		rationale: "An Unconfined seccomp profile lets the container make every system call, including rarely used ones with a history of kernel exploits.",
		fix:       "Remove the Unconfined profile; use RuntimeDefault or a Localhost profile."},
	"seccompProfile_restricted": {control: "Seccomp",
		title:     "Seccomp profile not set to RuntimeDefault or Localhost",
		rationale: "Without a seccomp profile the container can make every system call, including ones with a history of kernel exploits.",
		fix:       "Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile)."},
	"sysctls": {control: "Sysctls",
		title:     "Pod sets unsafe sysctls",
		rationale: "Sysctls outside the namespaced safe set change kernel settings for the whole node and every pod on it.",
		fix:       "Remove the sysctls that are not in the safe set, or set them on the node instead."},
	"windowsHostProcess": {control: "HostProcess", severity: severity.Critical,
		title:     "Windows HostProcess container",
		rationale: "A HostProcess container runs directly on the Windows node with host networking and file access: it is the node.",
		fix:       "Remove windowsOptions.hostProcess or set it to false."},
}

// pssCheck describes an upstream check as a Bulwark check. Baseline
// checks are HIGH: they block known privilege escalations. Restricted-only
// checks are MEDIUM: hardening whose absence is not itself a way out.
// Privileged and HostProcess containers are CRITICAL: each hands the
// container the node outright, with no further flaw needed. hostPath stays
// HIGH here since many host paths are harmless; BW-K8S-008 and BW-K8S-009
// rate the dangerous ones.
func pssCheck(c policy.Check) misconfig.Check {
	sev := severity.High
	if c.Level == api.LevelRestricted {
		sev = severity.Medium
	}
	doc, ok := pssDocs[c.ID]
	if !ok {
		doc = pssDoc{
			control:   string(c.ID),
			title:     fmt.Sprintf("Pod fails the %s Pod Security Standards check %s", c.Level, c.ID),
			rationale: fmt.Sprintf("The Pod Security Standards %s profile forbids this setting.", c.Level),
			fix:       fmt.Sprintf("Change the pod so it passes the %s profile; see the Pod Security Standards.", c.Level),
		}
	}
	if doc.severity != "" {
		sev = doc.severity
	}
	return misconfig.Check{
		ID:        pssPrefix + string(c.ID),
		Title:     doc.title,
		Severity:  sev,
		Target:    misconfig.TargetKubernetes,
		Rationale: doc.rationale,
		Fix:       doc.fix,
		References: []string{
			fmt.Sprintf("Pod Security Standards %s: %s", c.Level, doc.control),
			pssURL,
		},
	}
}

// pssChecks lists the upstream default checks as Bulwark checks.
func pssChecks() []misconfig.Check {
	var out []misconfig.Check
	for _, c := range policy.DefaultChecks() {
		out = append(out, pssCheck(c))
	}
	return out
}

var quoted = regexp.MustCompile(`"([^"]*)"`)

// spot is a place a finding can point at: a path from the pod template,
// and the container it is in, if any.
type spot struct {
	path      []any
	container string
}

// pssSpots lists where the fields check id reads sit in this pod, best
// first: the fields of the containers the detail names, then pod-level
// fields. Upstream details name containers and volumes in double quotes.
func pssSpots(id policy.CheckID, meta *metav1.ObjectMeta, spec *corev1.PodSpec, detail string) []spot {
	names := map[string]bool{}
	for _, m := range quoted.FindAllStringSubmatch(detail, -1) {
		names[m[1]] = true
	}
	var out []spot
	inContainers := func(fields ...[]any) {
		forContainers(spec, func(c *corev1.Container, path []any) {
			if !names[c.Name] {
				return
			}
			for _, f := range fields {
				out = append(out, spot{path: join(path, f...), container: c.Name})
			}
		})
	}
	inPod := func(fields ...[]any) {
		for _, f := range fields {
			out = append(out, spot{path: f})
		}
	}
	inVolumes := func(field ...any) {
		for i, v := range spec.Volumes {
			if names[v.Name] {
				out = append(out, spot{path: join([]any{"spec", "volumes", i}, field...)})
			}
		}
	}
	// The legacy annotations that set seccomp and AppArmor profiles, when
	// the detail blames them.
	inAnnotations := func(prefixes ...string) {
		if meta == nil || !strings.Contains(detail, "annotation") {
			return
		}
		keys := make([]string, 0, len(meta.Annotations))
		for k := range meta.Annotations {
			for _, p := range prefixes {
				if strings.HasPrefix(k, p) {
					keys = append(keys, k)
				}
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, spot{path: []any{"metadata", "annotations", k}})
		}
	}
	sc := func(f ...any) []any { return append([]any{"securityContext"}, f...) }
	podSC := func(f ...any) []any { return append([]any{"spec", "securityContext"}, f...) }

	switch id {
	case "privileged":
		inContainers(sc("privileged"))
	case "allowPrivilegeEscalation":
		inContainers(sc("allowPrivilegeEscalation"))
	case "appArmorProfile":
		inContainers(sc("appArmorProfile"))
		inPod(podSC("appArmorProfile"))
		inAnnotations("container.apparmor.security.beta.kubernetes.io/")
	case "capabilities_baseline":
		inContainers(sc("capabilities", "add"))
	case "capabilities_restricted":
		inContainers(sc("capabilities", "drop"), sc("capabilities", "add"))
	case "hostNamespaces":
		for _, f := range []struct {
			on   bool
			name string
		}{{spec.HostNetwork, "hostNetwork"}, {spec.HostPID, "hostPID"}, {spec.HostIPC, "hostIPC"}} {
			if f.on {
				inPod([]any{"spec", f.name})
			}
		}
	case "hostPathVolumes":
		inVolumes("hostPath")
	case "restrictedVolumes":
		inVolumes()
	case "hostPorts":
		forContainers(spec, func(c *corev1.Container, path []any) {
			for j, p := range c.Ports {
				if names[c.Name] && p.HostPort != 0 {
					out = append(out, spot{path: join(path, "ports", j, "hostPort"), container: c.Name})
				}
			}
		})
	case "hostProbesAndHostLifecycle":
		var fields [][]any
		for _, h := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
			fields = append(fields, []any{h, "httpGet", "host"}, []any{h, "tcpSocket", "host"})
		}
		for _, h := range []string{"postStart", "preStop"} {
			fields = append(fields, []any{"lifecycle", h, "httpGet", "host"}, []any{"lifecycle", h, "tcpSocket", "host"})
		}
		inContainers(fields...)
	case "procMount", "procMount_restricted":
		inContainers(sc("procMount"))
	case "runAsNonRoot":
		inContainers(sc("runAsNonRoot"))
		inPod(podSC("runAsNonRoot"))
	case "runAsUser":
		inContainers(sc("runAsUser"))
		inPod(podSC("runAsUser"))
	case "seLinuxOptions":
		inContainers(sc("seLinuxOptions"))
		inPod(podSC("seLinuxOptions"))
	case "seccompProfile_baseline", "seccompProfile_restricted":
		inContainers(sc("seccompProfile"))
		inPod(podSC("seccompProfile"))
		inAnnotations("seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/")
	case "sysctls":
		inPod(podSC("sysctls"))
	case "windowsHostProcess":
		inContainers(sc("windowsOptions", "hostProcess"))
		inPod(podSC("windowsOptions", "hostProcess"))
	default:
		inContainers(sc())
	}
	return out
}

// forContainers calls fn with every container of a pod and the path to it
// from the pod template.
func forContainers(spec *corev1.PodSpec, fn func(c *corev1.Container, path []any)) {
	for i := range spec.InitContainers {
		fn(&spec.InitContainers[i], []any{"spec", "initContainers", i})
	}
	for i := range spec.Containers {
		fn(&spec.Containers[i], []any{"spec", "containers", i})
	}
	for i := range spec.EphemeralContainers {
		fn((*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon), []any{"spec", "ephemeralContainers", i})
	}
}

// join returns a new path: base followed by more.
func join(base []any, more ...any) []any {
	out := make([]any, 0, len(base)+len(more))
	return append(append(out, base...), more...)
}

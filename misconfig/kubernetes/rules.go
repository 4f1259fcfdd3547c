package kubernetes

import (
	"path"
	"slices"
	"strings"
	"unicode"

	corev1 "k8s.io/api/core/v1"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkWritableRootFS = misconfig.Check{
		ID: "BW-K8S-002", Title: "Container root filesystem is writable", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "A writable root filesystem lets an attacker drop tools and modify binaries or configuration inside the container.",
		Fix:        "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the application must write.",
		References: []string{refNSA, refSecurityContext},
	}
	checkNoRequests = misconfig.Check{
		ID: "BW-K8S-003", Title: "Container has no CPU or memory request", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "Without requests the scheduler cannot place the pod sensibly and the container is first to be evicted or starved under pressure.",
		Fix:        "Set resources.requests.cpu and resources.requests.memory.",
		References: []string{refNSA, refResources},
	}
	checkNoLimits = misconfig.Check{
		ID: "BW-K8S-004", Title: "Container has no CPU or memory limit", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "Without limits one container can exhaust the node's CPU or memory and deny service to every other pod on it.",
		Fix:        "Set resources.limits.cpu and resources.limits.memory (or pod-level spec.resources.limits).",
		References: []string{refNSA, refResources},
	}
	checkLatestTag = misconfig.Check{
		ID: "BW-K8S-005", Title: "Image uses the latest tag or no tag", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "A moving tag makes deployments unrepeatable: a restart can pull different, untested or malicious code.",
		Fix:        "Use a specific version tag, and preferably a digest.",
		References: []string{refImages},
	}
	checkNoDigest = misconfig.Check{
		ID: "BW-K8S-006", Title: "Image is not pinned by digest", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "Tags can be moved to other content by anyone who can push to the registry; only a digest names exact content.",
		Fix:        "Reference the image as name@sha256:<digest> (a tag may stay in front of it for readability).",
		References: []string{refImages},
	}
	checkSATokenMounted = misconfig.Check{
		ID: "BW-K8S-007", Title: "Service account token is mounted automatically", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "Every process in the pod can read the mounted API token and act with the service account's rights; most applications never call the API.",
		Fix:        "Set automountServiceAccountToken: false on the pod spec or on its ServiceAccount, and mount a projected token only where needed.",
		References: []string{"CIS Kubernetes Benchmark 5.1.6", refNSA, refServiceAccounts},
	}
	checkRuntimeSocket = misconfig.Check{
		ID: "BW-K8S-008", Title: "Container runtime socket mounted from the host", Severity: severity.Critical, Target: misconfig.TargetKubernetes,
		Rationale:  "The Docker, containerd or CRI-O socket controls every container on the node; whoever can reach it is root on the node.",
		Fix:        "Remove the hostPath volume; use a dedicated, narrowly scoped API instead of the runtime socket.",
		References: []string{refNSA, refHostPath},
	}
	checkSensitiveHostPath = misconfig.Check{
		ID: "BW-K8S-009", Title: "Sensitive host directory mounted", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "Mounting /, /etc, /proc, /sys, /root, /var/lib/kubelet or the runtime's state directories exposes host credentials and configuration, and when writable allows taking over the node.",
		Fix:        "Remove the hostPath volume or narrow it to the one file needed, mounted readOnly.",
		References: []string{refNSA, refHostPath},
	}
	checkNoLiveness = misconfig.Check{
		ID: "BW-K8S-010", Title: "Container has no liveness probe", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "Without a liveness probe a hung container keeps running and serving errors until someone notices.",
		Fix:        "Add a livenessProbe that fails when the process can no longer make progress.",
		References: []string{refProbes},
	}
	checkNoReadiness = misconfig.Check{
		ID: "BW-K8S-011", Title: "Container has no readiness probe", Severity: severity.Low, Target: misconfig.TargetKubernetes,
		Rationale:  "Without a readiness probe traffic reaches the container before it can serve and while it is overloaded.",
		Fix:        "Add a readinessProbe that passes only when the container can serve requests.",
		References: []string{refProbes},
	}
	checkRunAsRootUID = misconfig.Check{
		ID: "BW-K8S-013", Title: "Container explicitly runs as UID 0", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "runAsUser: 0 runs the container as root, so any container escape or writable host mount is a root compromise.",
		Fix:        "Set runAsUser to a non-zero UID and runAsNonRoot: true.",
		References: []string{refNSA, refSecurityContext},
	}
	checkPrivEscalation = misconfig.Check{
		ID: "BW-K8S-014", Title: "Container does not disable privilege escalation", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "Unless allowPrivilegeEscalation is false, setuid binaries and file capabilities can raise a process's privileges (no_new_privs is not set).",
		Fix:        "Set securityContext.allowPrivilegeEscalation: false.",
		References: []string{refNSA, refSecurityContext},
	}
	checkNoDropAll = misconfig.Check{
		ID: "BW-K8S-015", Title: "Container does not drop all capabilities", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "Containers start with a default capability set (CHOWN, SETUID, NET_RAW …) that few applications need and attackers can use.",
		Fix:        "Set securityContext.capabilities.drop: [\"ALL\"] and add back only what is needed.",
		References: []string{refNSA, refSecurityContext},
	}
	checkDangerousCaps = misconfig.Check{
		ID: "BW-K8S-016", Title: "Container adds a dangerous capability", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO, DAC_READ_SEARCH, BPF or ALL give near-root control of the kernel, the network or other processes.",
		Fix:        "Remove the capability from securityContext.capabilities.add; redesign what needs it.",
		References: []string{refNSA, refSecurityContext},
	}
	checkHostPort = misconfig.Check{
		ID: "BW-K8S-017", Title: "Container binds a port on the node", Severity: severity.Medium, Target: misconfig.TargetKubernetes,
		Rationale:  "hostPort publishes the container on the node's address, outside Services and often outside network policies.",
		Fix:        "Remove hostPort and use a Service (NodePort or LoadBalancer if it must be reachable from outside).",
		References: []string{"https://kubernetes.io/docs/concepts/configuration/overview/#services"},
	}
	checkSecretInEnv = misconfig.Check{
		ID: "BW-K8S-018", Title: "Secret given as a literal environment value", Severity: severity.High, Target: misconfig.TargetKubernetes,
		Rationale:  "A credential written in a manifest is visible to everyone who can read the manifest, its repository or the object in the API.",
		Fix:        "Store the value in a Secret and reference it with valueFrom.secretKeyRef, or mount it as a file.",
		References: []string{refNSA, refSecrets},
	}
)

// The BW-K8S checks. Each reads the typed pod spec and reports on the
// line of the field it read, or of the block where a missing field
// belongs.

// pod runs the pod-level checks.
func (r *report) pod() {
	r.serviceAccountToken()
	r.hostPaths()
	r.podRunAsRoot()
}

// container runs the container-level checks on one container.
func (r *report) container(c *corev1.Container, at []any) {
	list := at[1].(string)
	ephemeral := list == "ephemeralContainers"
	// A native sidecar is an init container that keeps running.
	sidecar := list == "initContainers" && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
	longRunning := list == "containers" || sidecar
	windows := r.w.spec.OS != nil && r.w.spec.OS.Name == corev1.Windows

	r.image(c, at)
	if !windows {
		// These settings do not exist on Windows nodes.
		r.readOnlyRoot(c, at)
		r.privilegeEscalation(c, at)
		r.capabilities(c, at)
	}
	r.runAsRoot(c, at)
	r.hostPorts(c, at)
	r.envSecrets(c, at)
	if !ephemeral {
		// Ephemeral containers take neither resources nor probes.
		r.resources(c, at)
		if longRunning && r.restarts() {
			r.probes(c, at)
		}
	}
}

// restarts says whether the pod's containers are meant to run for good,
// which is when probes matter: not for Jobs and run-to-completion pods.
func (r *report) restarts() bool {
	switch r.o.Kind {
	case "Job", "CronJob":
		return false
	}
	p := r.w.spec.RestartPolicy
	return p == "" || p == corev1.RestartPolicyAlways
}

func (r *report) readOnlyRoot(c *corev1.Container, at []any) {
	sc := c.SecurityContext
	switch {
	case sc == nil || sc.ReadOnlyRootFilesystem == nil:
		r.add(checkWritableRootFS, r.line(join(at, "securityContext", "readOnlyRootFilesystem")...), c.Name,
			"container %q does not set securityContext.readOnlyRootFilesystem: true", c.Name)
	case !*sc.ReadOnlyRootFilesystem:
		r.add(checkWritableRootFS, r.line(join(at, "securityContext", "readOnlyRootFilesystem")...), c.Name,
			"container %q sets securityContext.readOnlyRootFilesystem: false", c.Name)
	}
}

func (r *report) privilegeEscalation(c *corev1.Container, at []any) {
	sc := c.SecurityContext
	where := r.line(join(at, "securityContext", "allowPrivilegeEscalation")...)
	switch {
	case sc == nil || sc.AllowPrivilegeEscalation == nil:
		r.add(checkPrivEscalation, where, c.Name, "container %q does not set securityContext.allowPrivilegeEscalation: false", c.Name)
	case *sc.AllowPrivilegeEscalation:
		r.add(checkPrivEscalation, where, c.Name, "container %q sets securityContext.allowPrivilegeEscalation: true", c.Name)
	}
}

// dangerousCaps give near-root control of the kernel, the network stack or
// other processes.
var dangerousCaps = []string{"ALL", "BPF", "DAC_READ_SEARCH", "NET_ADMIN", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "SYS_RAWIO"}

// capName normalises a capability as the runtimes read it.
func capName(c corev1.Capability) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(string(c))), "CAP_")
}

func (r *report) capabilities(c *corev1.Container, at []any) {
	var caps *corev1.Capabilities
	if c.SecurityContext != nil {
		caps = c.SecurityContext.Capabilities
	}
	dropsAll := false
	if caps != nil {
		for _, d := range caps.Drop {
			dropsAll = dropsAll || capName(d) == "ALL"
		}
	}
	if !dropsAll {
		r.add(checkNoDropAll, r.line(join(at, "securityContext", "capabilities", "drop")...), c.Name,
			"container %q does not drop ALL capabilities", c.Name)
	}
	if caps == nil {
		return
	}
	var bad []string
	for _, a := range caps.Add {
		if n := capName(a); slices.Contains(dangerousCaps, n) && !slices.Contains(bad, n) {
			bad = append(bad, n)
		}
	}
	if len(bad) > 0 {
		r.add(checkDangerousCaps, r.line(join(at, "securityContext", "capabilities", "add")...), c.Name,
			"container %q adds %s", c.Name, strings.Join(bad, ", "))
	}
}

func (r *report) runAsRoot(c *corev1.Container, at []any) {
	if sc := c.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == 0 {
		r.add(checkRunAsRootUID, r.line(join(at, "securityContext", "runAsUser")...), c.Name,
			"container %q sets securityContext.runAsUser: 0 (root)", c.Name)
	}
}

// podRunAsRoot reports a pod-level runAsUser: 0 that some container
// inherits.
func (r *report) podRunAsRoot() {
	spec := r.w.spec
	if spec.SecurityContext == nil || spec.SecurityContext.RunAsUser == nil || *spec.SecurityContext.RunAsUser != 0 {
		return
	}
	inherited := false
	forContainers(spec, func(c *corev1.Container, _ []any) {
		inherited = inherited || c.SecurityContext == nil || c.SecurityContext.RunAsUser == nil
	})
	if inherited {
		r.add(checkRunAsRootUID, r.line("spec", "securityContext", "runAsUser"), "",
			"pod sets securityContext.runAsUser: 0 (root) for its containers")
	}
}

func (r *report) hostPorts(c *corev1.Container, at []any) {
	for j, p := range c.Ports {
		if p.HostPort != 0 {
			r.add(checkHostPort, r.line(join(at, "ports", j, "hostPort")...), c.Name,
				"container %q binds host port %d", c.Name, p.HostPort)
		}
	}
}

func (r *report) resources(c *corev1.Container, at []any) {
	var podReq, podLim corev1.ResourceList
	if pr := r.w.spec.Resources; pr != nil {
		podReq, podLim = pr.Requests, pr.Limits
	}
	var noReq, noLim []string
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		_, lim := c.Resources.Limits[name]
		_, podHasLim := podLim[name]
		_, req := c.Resources.Requests[name]
		_, podHasReq := podReq[name]
		// A limit without a request sets the request to the limit.
		if !req && !lim && !podHasReq && !podHasLim {
			noReq = append(noReq, string(name))
		}
		if !lim && !podHasLim {
			noLim = append(noLim, string(name))
		}
	}
	if len(noReq) > 0 {
		r.add(checkNoRequests, r.line(join(at, "resources", "requests")...), c.Name,
			"container %q has no %s request", c.Name, strings.Join(noReq, " or "))
	}
	if len(noLim) > 0 {
		r.add(checkNoLimits, r.line(join(at, "resources", "limits")...), c.Name,
			"container %q has no %s limit", c.Name, strings.Join(noLim, " or "))
	}
}

func (r *report) probes(c *corev1.Container, at []any) {
	if c.LivenessProbe == nil {
		r.add(checkNoLiveness, r.line(at...), c.Name, "container %q has no livenessProbe", c.Name)
	}
	if c.ReadinessProbe == nil {
		r.add(checkNoReadiness, r.line(at...), c.Name, "container %q has no readinessProbe", c.Name)
	}
}

// splitImage returns the tag and digest of an image reference.
func splitImage(ref string) (tag, digest string) {
	name := ref
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name, digest = name[:i], name[i+1:]
	}
	last := name[strings.LastIndexByte(name, '/')+1:]
	if i := strings.LastIndexByte(last, ':'); i >= 0 {
		tag = last[i+1:]
	}
	return tag, digest
}

func (r *report) image(c *corev1.Container, at []any) {
	img := strings.TrimSpace(c.Image)
	if img == "" {
		return // set by a controller or an admission webhook
	}
	where := r.line(join(at, "image")...)
	tag, digest := splitImage(img)
	pinned := strings.Contains(digest, ":")
	switch {
	case pinned:
	case tag == "":
		r.add(checkLatestTag, where, c.Name, "container %q uses image %q without a tag, which means latest", c.Name, img)
	case tag == "latest":
		r.add(checkLatestTag, where, c.Name, "container %q uses image %q with the latest tag", c.Name, img)
	}
	if !pinned {
		r.add(checkNoDigest, where, c.Name, "container %q uses image %q, not pinned by digest", c.Name, img)
	}
}

func (r *report) serviceAccountToken() {
	spec := r.w.spec
	if spec.AutomountServiceAccountToken != nil {
		if *spec.AutomountServiceAccountToken {
			r.add(checkSATokenMounted, r.line("spec", "automountServiceAccountToken"), "",
				"pod sets automountServiceAccountToken: true")
		}
		return
	}
	sa := spec.ServiceAccountName
	if sa == "" {
		sa = spec.DeprecatedServiceAccount
	}
	if sa == "" {
		sa = "default"
	}
	mount, known := r.accounts[r.o.Namespace+"/"+sa]
	switch {
	case known && !mount:
		return
	case known:
		r.add(checkSATokenMounted, r.line("spec"), "",
			"pod does not set automountServiceAccountToken: false and its ServiceAccount %q sets it to true", sa)
	default:
		r.add(checkSATokenMounted, r.line("spec"), "",
			"neither the pod nor its ServiceAccount %q sets automountServiceAccountToken: false", sa)
	}
}

// runtimeSockets are the container runtimes' control sockets and the
// directories holding them: mounting any of them hands over the node.
var runtimeSockets = []string{
	"/var/run/docker.sock", "/run/docker.sock", "/var/run/docker", "/run/docker",
	"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock", "/run/containerd", "/var/run/containerd",
	"/var/run/crio/crio.sock", "/run/crio/crio.sock", "/var/run/crio", "/run/crio",
	"/run/podman/podman.sock", "/var/run/podman/podman.sock",
	"/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
	"/var/run", "/run",
}

// sensitiveDirs are host paths that hold the node's credentials, kernel
// interfaces or every container's data.
var sensitiveDirs = []string{"/", "/etc", "/proc", "/sys", "/root", "/dev", "/boot", "/home",
	"/var/lib/kubelet", "/var/lib/docker", "/var/lib/containerd", "/var/lib/etcd", "/etc/kubernetes"}

// sensitiveTrees are sensitive below, too: every path inside them is.
var sensitiveTrees = []string{"/proc", "/root", "/var/lib/kubelet", "/etc/kubernetes", "/var/lib/etcd", "/var/lib/docker", "/var/lib/containerd"}

func (r *report) hostPaths() {
	for i, v := range r.w.spec.Volumes {
		if v.HostPath == nil || !strings.HasPrefix(v.HostPath.Path, "/") {
			continue
		}
		p := path.Clean(v.HostPath.Path)
		where := r.line("spec", "volumes", i, "hostPath", "path")
		switch {
		case slices.Contains(runtimeSockets, p):
			r.add(checkRuntimeSocket, where, "", "volume %q mounts the container runtime's %s from the host", v.Name, p)
		case slices.Contains(sensitiveDirs, p) || underAny(p, sensitiveTrees):
			r.add(checkSensitiveHostPath, where, "", "volume %q mounts the host's %s", v.Name, p)
		}
	}
}

func underAny(p string, trees []string) bool {
	for _, t := range trees {
		if strings.HasPrefix(p, t+"/") {
			return true
		}
	}
	return false
}

// envSecrets reports literal env values that are credentials: by the
// variable's name, or by the secret scanner's token formats. The value
// itself is never written into a finding.
func (r *report) envSecrets(c *corev1.Container, at []any) {
	for j, e := range c.Env {
		if e.ValueFrom != nil || !literalValue(e.Value) {
			continue
		}
		where := r.line(join(at, "env", j, "value")...)
		if hits := r.secrets.Scan(r.o.File, []byte(e.Value)); len(hits) > 0 {
			r.add(checkSecretInEnv, where, c.Name, "container %q: env %s holds a literal %s", c.Name, e.Name, hits[0].Title)
			continue
		}
		if secretName(e.Name) {
			r.add(checkSecretInEnv, where, c.Name, "container %q: env %s is given a literal value; its name says it is a credential", c.Name, e.Name)
		}
	}
}

// literalValue says whether an env value could be a credential: not
// empty, not a switch, not only a reference to another variable.
func literalValue(v string) bool {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "", "true", "false", "yes", "no", "on", "off", "0", "1", "enabled", "disabled", "none", "null":
		return false
	}
	if (strings.HasPrefix(v, "$(") && strings.HasSuffix(v, ")") && strings.Count(v, "$") == 1) ||
		(strings.HasPrefix(v, "${") && strings.HasSuffix(v, "}") && strings.Count(v, "$") == 1) {
		return false
	}
	return !strings.HasPrefix(v, "/") // a path to a mounted secret file
}

// credentialWords end the names of variables holding credentials.
var credentialWords = []string{"PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN", "APIKEY", "ACCESSKEY", "SECRETKEY",
	"PRIVATEKEY", "CREDENTIAL", "CREDENTIALS"}

// keyQualifiers turn a name ending in KEY into a credential (API_KEY,
// PRIVATE_KEY) where a bare …_KEY often is not (CACHE_KEY, SORT_KEY).
var keyQualifiers = []string{"API", "SECRET", "PRIVATE", "ACCESS", "ENCRYPTION", "SIGNING", "AUTH", "MASTER",
	"LICENSE", "SSH", "CLIENT", "ACCOUNT", "SERVICE", "STORAGE", "HMAC", "JWT", "SESSION", "CRYPTO", "APP"}

// secretName says whether an environment variable's name marks it as a
// credential: DB_PASSWORD, githubToken, AWS_SECRET_ACCESS_KEY, but not
// TOKEN_URL, PASSWORD_FILE or MAX_TOKENS.
func secretName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	if slices.Contains(credentialWords, last) {
		return true
	}
	if last == "KEY" {
		return len(words) == 1 || slices.Contains(keyQualifiers, words[len(words)-2])
	}
	return false
}

// nameWords splits a variable name into upper-case words at
// non-alphanumerics and lower-to-upper case changes.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, c := range name {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			flush()
		case unicode.IsUpper(c) && unicode.IsLower(prev):
			flush()
			cur = append(cur, c)
		default:
			cur = append(cur, c)
		}
		prev = c
	}
	flush()
	return words
}

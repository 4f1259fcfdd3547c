package compose

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/secret"
	"github.com/bulwark-sec/bulwark/severity"
)

const (
	cis      = "CIS Docker Benchmark v1.6.0 "
	services = "https://docs.docker.com/reference/compose-file/services/"
)

// The checks, in ID order.
var (
	checkPrivileged = misconfig.Check{
		ID: "BW-CMP-001", Title: "Service runs privileged", Severity: severity.Critical, Target: misconfig.TargetCompose,
		Rationale:  "A privileged container gets every capability and access to all host devices, so a compromise of it is a compromise of the host.",
		Fix:        "Remove privileged: true; add only the capabilities or devices the service really needs.",
		References: []string{cis + "5.5", services + "#privileged"},
	}
	checkCapAdd = misconfig.Check{
		ID: "BW-CMP-002", Title: "Service adds a dangerous capability", Severity: severity.High, Target: misconfig.TargetCompose,
		Rationale:  "Capabilities such as SYS_ADMIN, SYS_MODULE, SYS_PTRACE or NET_ADMIN (or ALL) let a process in the container reconfigure or escape to the host.",
		Fix:        "Drop the capability from cap_add; start from cap_drop: [ALL] and add back only narrow ones the service needs.",
		References: []string{cis + "5.4", services + "#cap_add"},
	}
	checkSocket = misconfig.Check{
		ID: "BW-CMP-003", Title: "Container runtime socket mounted", Severity: severity.Critical, Target: misconfig.TargetCompose,
		Rationale:  "Whoever can reach the Docker (or containerd, Podman, CRI-O) socket can start a privileged container with the host's root file system: it is root on the host.",
		Fix:        "Do not mount the runtime socket or use use_api_socket; if a tool needs the API, put an authorizing proxy that allows only the calls it needs in between.",
		References: []string{cis + "5.32", "https://docs.docker.com/engine/security/protect-access/"},
	}
	checkHostPath = misconfig.Check{
		ID: "BW-CMP-004", Title: "Sensitive host folder mounted", Severity: severity.High, Target: misconfig.TargetCompose,
		Rationale:  "Bind-mounting the host's root, /etc, /proc, /sys, /dev, /boot or the runtime's data folder lets the container read secrets or change the host's configuration.",
		Fix:        "Mount only the application's own folders or named volumes; if host data is needed, mount the narrowest path read-only.",
		References: []string{cis + "5.6", services + "#volumes"},
	}
	checkHostNetwork = misconfig.Check{
		ID: "BW-CMP-005", Title: "Service shares the host network namespace", Severity: severity.High, Target: misconfig.TargetCompose,
		Rationale:  "With network_mode: host the container sees every host interface, can bind any host port and reach services listening on localhost.",
		Fix:        "Remove network_mode: host; publish the needed ports instead.",
		References: []string{cis + "5.10", services + "#network_mode"},
	}
	checkHostPID = misconfig.Check{
		ID: "BW-CMP-006", Title: "Service shares the host PID namespace", Severity: severity.High, Target: misconfig.TargetCompose,
		Rationale:  "With pid: host the container sees every host process and, with enough privilege, can signal or inspect them.",
		Fix:        "Remove pid: host.",
		References: []string{cis + "5.16", services + "#pid"},
	}
	checkHostIPC = misconfig.Check{
		ID: "BW-CMP-007", Title: "Service shares the host IPC namespace", Severity: severity.Medium, Target: misconfig.TargetCompose,
		Rationale:  "With ipc: host the container can read and write the host's shared memory segments and semaphores.",
		Fix:        "Remove ipc: host; use ipc: shareable and service:<name> between services that must share memory.",
		References: []string{cis + "5.17", services + "#ipc"},
	}
	checkHostUserns = misconfig.Check{
		ID: "BW-CMP-008", Title: "Service opts out of user namespace remapping", Severity: severity.Medium, Target: misconfig.TargetCompose,
		Rationale:  "userns_mode: host turns off the daemon's user namespace remapping for this container, so root in the container is root on the host.",
		Fix:        "Remove userns_mode: host.",
		References: []string{cis + "5.31", services + "#userns_mode"},
	}
	checkSecurityOpt = misconfig.Check{
		ID: "BW-CMP-009", Title: "Service turns off seccomp, AppArmor or SELinux confinement", Severity: severity.High, Target: misconfig.TargetCompose,
		Rationale:  "seccomp:unconfined, apparmor:unconfined, label:disable and systempaths=unconfined remove kernel-level restrictions that block most container escapes.",
		Fix:        "Remove the option; if the default profile is too strict, write a custom profile that allows only what is missing.",
		References: []string{cis + "5.22", cis + "5.2", cis + "5.3", services + "#security_opt"},
	}
	checkDevices = misconfig.Check{
		ID: "BW-CMP-010", Title: "Service has host devices passed through", Severity: severity.Medium, Target: misconfig.TargetCompose,
		Rationale:  "A host device in the container can be read or written directly, bypassing the host's file permissions; disks and /dev/mem give control of the host.",
		Fix:        "Remove the device mapping, or pass only the specific device with the narrowest permissions (r instead of rwm).",
		References: []string{cis + "5.18", services + "#devices"},
	}
	checkRootUser = misconfig.Check{
		ID: "BW-CMP-011", Title: "Service explicitly runs as root", Severity: severity.Medium, Target: misconfig.TargetCompose,
		Rationale:  "A process running as root in the container needs only one kernel or runtime flaw to be root on the host, and can change anything in the container.",
		Fix:        "Set user to a non-root UID (for example \"1000:1000\") or drop the override so the image's non-root USER applies.",
		References: []string{cis + "4.1", services + "#user"},
	}
	checkLatest = misconfig.Check{
		ID: "BW-CMP-012", Title: "Image not pinned to a version", Severity: severity.Medium, Target: misconfig.TargetCompose,
		Rationale:  "An image without a tag, or tagged latest, can change under the same name: deployments are not reproducible and a pushed bad image is picked up silently.",
		Fix:        "Pin the image to a version tag, or better a digest (image: name:1.2.3@sha256:…).",
		References: []string{services + "#image", "https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier"},
	}
	checkNoDigest = misconfig.Check{
		ID: "BW-CMP-017", Title: "Image not pinned by digest", Severity: severity.Low, Target: misconfig.TargetCompose,
		Rationale:  "Even a version tag can be moved to other content by anyone who can push to the registry; only a digest names exact content, so docker compose pull may bring something else than was reviewed.",
		Fix:        "Append the digest to the reference (image: name:1.2.3@sha256:…) and let a bot such as Renovate or Dependabot update it.",
		References: []string{services + "#image", "https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier"},
	}
	checkPorts = misconfig.Check{
		ID: "BW-CMP-013", Title: "Sensitive port published on all interfaces", Severity: severity.Medium, Target: misconfig.TargetCompose,
		Rationale:  "Publishing SSH, the Docker API or a database port without a host IP exposes it on every interface of the host, and Docker's rules bypass host firewalls such as ufw.",
		Fix:        "Bind the port to 127.0.0.1 (\"127.0.0.1:5432:5432\"), or do not publish it and reach the service over a Compose network.",
		References: []string{cis + "5.14", cis + "5.9", services + "#ports"},
	}
	checkEnvSecret = misconfig.Check{
		ID: "BW-CMP-014", Title: "Secret written into the environment", Severity: severity.High, Target: misconfig.TargetCompose,
		Rationale:  "A password, token or key written into the Compose file is in version control and in docker inspect output, readable by anyone who can see either.",
		Fix:        "Use Compose secrets (with a *_FILE variable where the image supports it) or interpolate the value from the deployment environment (${DB_PASSWORD}).",
		References: []string{"https://docs.docker.com/compose/how-tos/use-secrets/", services + "#environment"},
	}
	checkReadOnly = misconfig.Check{
		ID: "BW-CMP-015", Title: "Root file system is writable", Severity: severity.Low, Target: misconfig.TargetCompose,
		Rationale:  "A writable root file system lets an attacker who gets in modify binaries and configuration or drop tools.",
		Fix:        "Set read_only: true and mount volumes or tmpfs for the paths the service writes to.",
		References: []string{cis + "5.13", services + "#read_only"},
	}
	checkMemory = misconfig.Check{
		ID: "BW-CMP-016", Title: "No memory limit", Severity: severity.Low, Target: misconfig.TargetCompose,
		Rationale:  "Without a memory limit one container can exhaust the host's memory and bring down every other container on it.",
		Fix:        "Set mem_limit, or deploy.resources.limits.memory.",
		References: []string{cis + "5.11", services + "#mem_limit"},
	}
)

// Checks returns the checks Scan runs, in ID order: a fresh slice the
// caller may change.
func Checks() []misconfig.Check {
	return misconfig.Catalog(
		checkPrivileged, checkCapAdd, checkSocket, checkHostPath, checkHostNetwork,
		checkHostPID, checkHostIPC, checkHostUserns, checkSecurityOpt, checkDevices,
		checkRootUser, checkLatest, checkPorts, checkEnvSecret, checkReadOnly, checkMemory,
		checkNoDigest,
	)
}

// at builds a finding of c for w.
func (w workload) at(c misconfig.Check, file string, line int, format string, args ...any) misconfig.Finding {
	return c.At(file, line, misconfig.Resource{Kind: w.kind, Name: w.name}, format, args...)
}

// place finds lines inside one workload's YAML.
type place struct {
	line int        // the workload's key line
	node *yaml.Node // its mapping, nil when not in the file
}

// of returns the line of key, or of the workload when key is not written
// in this file (inherited through extends, say).
func (p place) of(key string) int {
	if k, _ := field(p.node, key); k != nil {
		return k.Line
	}
	return p.line
}

// item returns the line of the first item of the list (or mapping) at key
// that match accepts, else the key's line.
func (p place) item(key string, match func(n *yaml.Node) bool) int {
	k, v := field(p.node, key)
	if k == nil {
		return p.line
	}
	if v != nil && v.Kind == yaml.SequenceNode {
		for _, it := range v.Content {
			if match(deref(it)) {
				return deref(it).Line
			}
		}
	}
	if v != nil && v.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(v.Content); i += 2 {
			if match(v.Content[i]) {
				return v.Content[i].Line
			}
		}
	}
	return k.Line
}

func checkWorkload(file string, src source, w workload) []misconfig.Finding {
	line, node := src.workload(w.section, w.name)
	p := place{line: line, node: node}
	s := w.spec
	var out []misconfig.Finding
	add := func(f misconfig.Finding) { out = append(out, f) }
	what := fmt.Sprintf("%s %q", w.kind, w.name)

	if s.Privileged {
		add(w.at(checkPrivileged, file, p.of("privileged"), "%s sets privileged: true", what))
	}
	for _, c := range s.CapAdd {
		if dangerousCap(c) {
			add(w.at(checkCapAdd, file, p.item("cap_add", textIs(c)), "%s adds capability %s", what, strings.ToUpper(c)))
		}
	}
	if s.UseAPISocket {
		add(w.at(checkSocket, file, p.of("use_api_socket"), "%s sets use_api_socket: true, mounting the Docker API socket", what))
	}
	for _, v := range s.Volumes {
		if v.Type != types.VolumeTypeBind || !strings.HasPrefix(v.Source, "/") {
			continue
		}
		src := path.Clean(v.Source)
		ln := p.item("volumes", volumeIs(v.Source))
		ro := ""
		if v.ReadOnly {
			ro = " (read-only)"
		}
		switch {
		case runtimeSocket(src):
			add(w.at(checkSocket, file, ln, "%s mounts the container runtime socket %s at %s%s", what, src, v.Target, ro))
		case sensitiveHostPath(src):
			add(w.at(checkHostPath, file, ln, "%s mounts host path %s at %s%s", what, src, v.Target, ro))
		}
	}
	if s.NetworkMode == "host" || (w.svc != nil && w.svc.Net == "host") {
		key := "network_mode"
		if s.NetworkMode != "host" {
			key = "net"
		}
		add(w.at(checkHostNetwork, file, p.of(key), "%s sets %s: host", what, key))
	}
	if s.Pid == "host" {
		add(w.at(checkHostPID, file, p.of("pid"), "%s sets pid: host", what))
	}
	if s.Ipc == "host" {
		add(w.at(checkHostIPC, file, p.of("ipc"), "%s sets ipc: host", what))
	}
	if s.UserNSMode == "host" {
		add(w.at(checkHostUserns, file, p.of("userns_mode"), "%s sets userns_mode: host", what))
	}
	for _, o := range s.SecurityOpt {
		if unconfined(o) {
			add(w.at(checkSecurityOpt, file, p.item("security_opt", textIs(o)), "%s sets security_opt %s", what, o))
		}
	}
	for _, d := range s.Devices {
		add(w.at(checkDevices, file, p.item("devices", deviceIs(d.Source)), "%s has host device %s passed through", what, d.Source))
	}
	if rootUser(s.User) {
		add(w.at(checkRootUser, file, p.of("user"), "%s sets user: %q", what, s.User))
	}
	if w.work.Build == nil && s.Image != "" {
		_, raw := field(p.node, "image")
		if problem := unpinned(s.Image, scalarText(raw)); problem != "" {
			add(w.at(checkLatest, file, p.of("image"), "%s uses image %q, %s", what, s.Image, problem))
		}
		// A reference built from variables may take its digest from them.
		if !strings.Contains(s.Image, "@") && !strings.Contains(scalarText(raw), "$") {
			add(w.at(checkNoDigest, file, p.of("image"), "%s uses image %q, not pinned by digest", what, s.Image))
		}
	}
	for _, port := range w.work.Ports {
		if !allInterfaces(port.HostIP) {
			continue
		}
		ln := p.item("ports", portIs(port))
		if name, ok := sensitivePorts[port.Target]; ok {
			add(w.at(checkPorts, file, ln, "%s publishes %s port %d on all host interfaces", what, name, port.Target))
		} else if host, name := sensitiveHostPort(port.Published); name != "" {
			add(w.at(checkPorts, file, ln, "%s publishes container port %d on host port %d (%s) on all host interfaces", what, port.Target, host, name))
		}
	}
	out = append(out, envSecrets(file, p, w, what)...)
	if !s.ReadOnly {
		add(w.at(checkReadOnly, file, p.line, "%s does not set read_only: true", what))
	}
	if !memoryLimited(w) {
		add(w.at(checkMemory, file, p.line, "%s sets neither mem_limit nor deploy.resources.limits.memory", what))
	}
	return out
}

// textIs matches a scalar list item equal to s, ignoring case.
func textIs(s string) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		return strings.EqualFold(strings.TrimSpace(scalarText(n)), strings.TrimSpace(s))
	}
}

// dangerousCap reports capabilities that amount to, or easily lead to,
// control of the host.
func dangerousCap(c string) bool {
	c = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
	switch c {
	case "ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH", "BPF":
		return true
	}
	return false
}

// volumeIs matches a volume item, short or long syntax, by its source.
func volumeIs(src string) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		if n.Kind == yaml.ScalarNode {
			return strings.HasPrefix(n.Value, src+":") || n.Value == src
		}
		_, s := field(n, "source")
		return scalarText(s) == src
	}
}

func deviceIs(src string) func(*yaml.Node) bool {
	return func(n *yaml.Node) bool {
		if n.Kind == yaml.ScalarNode {
			return n.Value == src || strings.HasPrefix(n.Value, src+":")
		}
		_, s := field(n, "source")
		return scalarText(s) == src
	}
}

var socketNames = map[string]bool{
	"docker.sock": true, "containerd.sock": true, "podman.sock": true, "crio.sock": true,
}

// runtimeSocket reports a container runtime's API socket, or the run
// folder holding Docker's.
func runtimeSocket(p string) bool {
	return socketNames[path.Base(p)] || p == "/var/run" || p == "/run"
}

var sensitiveDirs = map[string]bool{
	"/": true, "/etc": true, "/proc": true, "/sys": true, "/dev": true, "/boot": true,
	"/root": true, "/usr": true, "/lib": true, "/lib64": true, "/bin": true, "/sbin": true,
	"/lib/modules": true, "/var/lib/docker": true, "/var/lib/containerd": true, "/var/lib/kubelet": true,
	"/etc/kubernetes": true, "/etc/docker": true, "/etc/shadow": true, "/etc/sudoers": true,
}

// sensitiveHostPath reports host folders whose exposure gives control of
// the host: its root, system configuration, kernel interfaces, runtime
// state. Ordinary files under /etc (say /etc/localtime) are not.
func sensitiveHostPath(p string) bool {
	return sensitiveDirs[p] || strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/sys/")
}

// unconfined reports security options that turn confinement off.
func unconfined(o string) bool {
	o = strings.ToLower(strings.TrimSpace(o))
	o = strings.Replace(o, "=", ":", 1)
	switch o {
	case "seccomp:unconfined", "apparmor:unconfined", "label:disable", "systempaths:unconfined":
		return true
	}
	return false
}

// rootUser reports user: root, 0, root:group or 0:group.
func rootUser(u string) bool {
	uid, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return uid == "root" || uid == "0"
}

// unpinned says what is wrong with an image reference, or "". raw is the
// reference as written: when it is built from variables that were left
// unset, a missing tag says nothing.
func unpinned(image, raw string) string {
	if strings.Contains(image, "@") {
		return "" // pinned by digest
	}
	name := image
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	_, tag, hasTag := strings.Cut(name, ":")
	switch {
	case hasTag && tag == "latest":
		return "tagged latest"
	case tag != "":
		return ""
	case strings.Contains(raw, "$"):
		return ""
	case hasTag:
		return "with an empty tag"
	}
	return "with no tag (pulls latest)"
}

var sensitivePorts = map[uint32]string{
	22: "SSH", 23: "Telnet", 1433: "SQL Server", 2375: "Docker API", 2376: "Docker API",
	2379: "etcd", 3306: "MySQL", 5432: "PostgreSQL", 5984: "CouchDB", 6379: "Redis",
	9200: "Elasticsearch", 11211: "Memcached", 27017: "MongoDB",
}

// sensitiveHostPort finds a well-known sensitive port in a published host
// port or range.
func sensitiveHostPort(published string) (uint32, string) {
	lo, hi, ok := portRange(published)
	if !ok {
		return 0, ""
	}
	for _, port := range portOrder {
		if port >= lo && port <= hi {
			return port, sensitivePorts[port]
		}
	}
	return 0, ""
}

// portOrder lists the sensitive ports in order, so a published range
// covering several is named by the lowest.
var portOrder = func() []uint32 {
	keys := make([]uint32, 0, len(sensitivePorts))
	for k := range sensitivePorts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}()

func portRange(s string) (lo, hi uint32, ok bool) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	l, err := strconv.ParseUint(a, 10, 16)
	if err != nil {
		return 0, 0, false
	}
	h := l
	if isRange {
		if h, err = strconv.ParseUint(b, 10, 16); err != nil {
			return 0, 0, false
		}
	}
	return uint32(l), uint32(h), true
}

func allInterfaces(ip string) bool {
	switch strings.Trim(ip, "[]") {
	case "", "0.0.0.0", "::":
		return true
	}
	return false
}

// portIs matches a ports item by its container port.
func portIs(p types.ServicePortConfig) func(*yaml.Node) bool {
	target := strconv.FormatUint(uint64(p.Target), 10)
	return func(n *yaml.Node) bool {
		if n.Kind == yaml.ScalarNode {
			v, _, _ := strings.Cut(n.Value, "/")
			parts := strings.Split(v, ":")
			last := parts[len(parts)-1]
			lo, hi, ok := portRange(last)
			return last == target || (ok && uint32(p.Target) >= lo && p.Target <= hi)
		}
		_, t := field(n, "target")
		return scalarText(t) == target
	}
}

func memoryLimited(w workload) bool {
	if w.spec.MemLimit > 0 {
		return true
	}
	if w.svc != nil && w.svc.Deploy != nil && w.svc.Deploy.Resources.Limits != nil {
		return w.svc.Deploy.Resources.Limits.MemoryBytes > 0
	}
	return false
}

// secrets is the secret-detection engine, built once: its rules and
// automaton never change after that.
var secrets = sync.OnceValue(func() *secret.Engine {
	return secret.New(secret.Builtin(), secret.Options{})
})

// envSecrets flags environment variables given a literal secret. Values
// that come from interpolation (${VAR}) are references, not secrets.
func envSecrets(file string, p place, w workload, what string) []misconfig.Finding {
	env := w.spec.Environment
	var out []misconfig.Finding
	for _, name := range sortedKeys(env) {
		val := env[name]
		if val == nil || strings.TrimSpace(*val) == "" {
			continue // passed through from the host, or empty
		}
		raw, line := rawEnv(p, name)
		if strings.Contains(raw, "$") {
			continue
		}
		hits := secrets().Scan(file, []byte(name+"="+*val+"\n"))
		switch {
		case len(hits) > 0:
			out = append(out, w.at(checkEnvSecret, file, line, "%s sets environment variable %s to what looks like a %s", what, name, hits[0].Title))
		case secretName(name) && literalSecret(*val):
			out = append(out, w.at(checkEnvSecret, file, line, "%s sets environment variable %s to a literal value", what, name))
		}
	}
	return out
}

// rawEnv returns an environment variable's value as written and its line,
// from either the mapping or the list form.
func rawEnv(p place, name string) (string, int) {
	k, v := field(p.node, "environment")
	if k == nil {
		return "", p.line
	}
	switch v.Kind {
	case yaml.MappingNode:
		if ek, ev := field(v, name); ek != nil {
			return scalarText(ev), ek.Line
		}
	case yaml.SequenceNode:
		for _, it := range v.Content {
			s := scalarText(it)
			if n, val, _ := strings.Cut(s, "="); n == name {
				return val, deref(it).Line
			}
		}
	}
	return "", k.Line
}

var secretWords = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "PASSPHRASE", "CREDENTIAL", "PRIVATEKEY"}

// notSecretSuffixes end names of settings about a secret rather than the
// secret itself: DB_PASSWORD_FILE, TOKEN_TTL, SECRET_NAME.
var notSecretSuffixes = map[string]bool{
	"FILE": true, "PATH": true, "DIR": true, "LENGTH": true, "LEN": true, "MIN": true, "MAX": true,
	"ENABLED": true, "ENABLE": true, "DISABLED": true, "REQUIRED": true, "TYPE": true, "NAME": true,
	"USER": true, "USERNAME": true, "ID": true, "URL": true, "URI": true, "HOST": true, "PORT": true,
	"ALGORITHM": true, "ALG": true, "EXPIRY": true, "EXPIRES": true, "TTL": true, "TIMEOUT": true,
	"POLICY": true, "HEADER": true, "FIELD": true, "VERSION": true, "SIZE": true, "METHOD": true,
	"MODE": true, "PREFIX": true, "ISSUER": true, "AUDIENCE": true, "SCOPE": true, "LIFETIME": true,
}

// secretName reports variable names that hold a secret: PASSWORD, SECRET,
// TOKEN, PASS, PWD, *_KEY, API_KEY, …
func secretName(name string) bool {
	up := strings.ToUpper(name)
	tokens := strings.FieldsFunc(up, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	if len(tokens) == 0 || notSecretSuffixes[tokens[len(tokens)-1]] {
		return false
	}
	squashed := strings.Join(tokens, "")
	for _, w := range secretWords {
		if strings.Contains(squashed, w) {
			return true
		}
	}
	for _, t := range tokens {
		if t == "PASS" || t == "PWD" {
			return true
		}
	}
	return tokens[len(tokens)-1] == "KEY"
}

// literalSecret reports whether a value could be a secret rather than a
// flag or a path to one.
func literalSecret(v string) bool {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "null", "none":
		return false
	}
	return !strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "./") && !strings.HasPrefix(v, "~/")
}

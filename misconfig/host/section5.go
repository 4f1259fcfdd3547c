package host

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// Section 5: the container runtime, from the running containers' inspect.

// The section 5 checks, one per item of the benchmark.
var (
	checkAppArmor = misconfig.Check{
		ID: "BW-HOST-026", Title: "Container runs without AppArmor", Severity: severity.High, Target: misconfig.TargetHost,
		Rationale:  "An unconfined container has no mandatory access control profile limiting what its processes may touch on the host.",
		Fix:        "Drop --security-opt apparmor=unconfined; use Docker's default profile or a custom one.",
		References: []string{cis + "5.2"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkSELinux = misconfig.Check{
		ID: "BW-HOST-027", Title: "Container runs with SELinux labeling disabled", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "With label=disable the container's processes are not confined by SELinux, the layer that keeps them off the host's files.",
		Fix:        "Drop --security-opt label=disable; run the daemon with --selinux-enabled.",
		References: []string{cis + "5.3"}, Level: 2, Assessment: misconfig.Automated,
	}
	checkCapAdd = misconfig.Check{
		ID: "BW-HOST-028", Title: "Container has Linux capabilities beyond the default", Severity: severity.High, Target: misconfig.TargetHost,
		Rationale:  "Each added capability (SYS_ADMIN, NET_ADMIN, ALL…) widens what a compromised process may do to the kernel and the host.",
		Fix:        "Remove --cap-add; better, --cap-drop ALL and add back only what the process needs.",
		References: []string{cis + "5.4"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkPrivileged = misconfig.Check{
		ID: "BW-HOST-029", Title: "Privileged container", Severity: severity.Critical, Target: misconfig.TargetHost,
		Rationale:  "A privileged container has every capability, every host device and no seccomp or AppArmor confinement: it is root on the host.",
		Fix:        "Run the container without --privileged; add the few capabilities or devices it needs.",
		References: []string{cis + "5.5"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkSensitiveMount = misconfig.Check{
		ID: "BW-HOST-030", Title: "Sensitive host directory mounted into a container", Severity: severity.High, Target: misconfig.TargetHost,
		Rationale:  "A container that can read or write /, /etc, /proc, /sys, /dev, /boot, /lib or /usr of the host can read its secrets or change how it runs.",
		Fix:        "Do not bind-mount host system directories; mount a dedicated folder, read-only where possible.",
		References: []string{cis + "5.6"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkPrivilegedPort = misconfig.Check{
		ID: "BW-HOST-031", Title: "Container publishes a privileged port", Severity: severity.Low, Target: misconfig.TargetHost,
		Rationale:  "Host ports below 1024 are those the host's own services use; publishing them makes the container look like one.",
		Fix:        "Publish the container on a host port of 1024 or above.",
		References: []string{cis + "5.8"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkHostNetwork = misconfig.Check{
		ID: "BW-HOST-032", Title: "Container shares the host's network namespace", Severity: severity.High, Target: misconfig.TargetHost,
		Rationale:  "With --network host the container sees every host interface and may bind any host port or sniff traffic, local services included.",
		Fix:        "Use a user-defined bridge network instead of --network host.",
		References: []string{cis + "5.10"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkMemoryLimit = misconfig.Check{
		ID: "BW-HOST-033", Title: "Container has no memory limit", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "A container without a memory limit can exhaust the host's memory and starve every other container.",
		Fix:        "Set --memory (and memory in Compose or Kubernetes) to what the container needs.",
		References: []string{cis + "5.11"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkCPULimit = misconfig.Check{
		ID: "BW-HOST-034", Title: "Container has no CPU limit or shares", Severity: severity.Low, Target: misconfig.TargetHost,
		Rationale:  "A container without CPU shares or quota competes equally with all others and can slow the host down.",
		Fix:        "Set --cpus or --cpu-shares.",
		References: []string{cis + "5.12"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkReadOnlyRootfs = misconfig.Check{
		ID: "BW-HOST-035", Title: "Container root file system is writable", Severity: severity.Low, Target: misconfig.TargetHost,
		Rationale:  "A writable root file system lets an intruder change the container's programs and persist there.",
		Fix:        "Run with --read-only and mount volumes or tmpfs where the process writes.",
		References: []string{cis + "5.13"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkAnyInterface = misconfig.Check{
		ID: "BW-HOST-036", Title: "Container port published on every host interface", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "A port bound to 0.0.0.0 is reachable on every interface of the host, external ones included.",
		Fix:        "Publish on one address: -p 127.0.0.1:8080:80 or the interface meant to serve.",
		References: []string{cis + "5.14"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkRestartPolicy = misconfig.Check{
		ID: "BW-HOST-037", Title: "Container restart policy is not on-failure with at most 5 retries", Severity: severity.Low, Target: misconfig.TargetHost,
		Rationale:  "always or unless-stopped restarts a crashing container endlessly, which can deny service to the host.",
		Fix:        "Use --restart on-failure:5.",
		References: []string{cis + "5.15"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkHostPID = misconfig.Check{
		ID: "BW-HOST-038", Title: "Container shares the host's process namespace", Severity: severity.High, Target: misconfig.TargetHost,
		Rationale:  "With --pid host the container sees and may signal every process of the host.",
		Fix:        "Drop --pid host.",
		References: []string{cis + "5.16"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkHostIPC = misconfig.Check{
		ID: "BW-HOST-039", Title: "Container shares the host's IPC namespace", Severity: severity.High, Target: misconfig.TargetHost,
		Rationale:  "With --ipc host the container shares shared memory and semaphores with the host's processes.",
		Fix:        "Drop --ipc host.",
		References: []string{cis + "5.17"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkHostDevice = misconfig.Check{
		ID: "BW-HOST-040", Title: "Host device exposed to a container", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "A host device in a container lets its processes read or write the hardware directly.",
		Fix:        "Drop --device unless the container needs it; then grant only r or rw, not m.",
		References: []string{cis + "5.18"}, Level: 1, Assessment: misconfig.Manual,
	}
	checkContainerUlimits = misconfig.Check{
		ID: "BW-HOST-041", Title: "Container overrides the default ulimits", Severity: severity.Low, Target: misconfig.TargetHost,
		Rationale:  "Per-container ulimits replace the daemon's defaults, the limits the host was sized for.",
		Fix:        "Drop --ulimit unless needed; set the defaults in daemon.json's default-ulimits.",
		References: []string{cis + "5.19"}, Level: 1, Assessment: misconfig.Manual,
	}
	checkSharedPropagation = misconfig.Check{
		ID: "BW-HOST-042", Title: "Mount propagation mode is shared", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "A shared mount lets mounts made in the container appear on the host and the other way round.",
		Fix:        "Mount volumes with the default private (or slave) propagation.",
		References: []string{cis + "5.20"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkHostUTS = misconfig.Check{
		ID: "BW-HOST-043", Title: "Container shares the host's UTS namespace", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "With --uts host the container may change the host's hostname.",
		Fix:        "Drop --uts host.",
		References: []string{cis + "5.21"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkSeccompUnconfined = misconfig.Check{
		ID: "BW-HOST-044", Title: "Container runs without seccomp", Severity: severity.High, Target: misconfig.TargetHost,
		Rationale:  "seccomp=unconfined lets the container make every system call, the kernel's whole attack surface.",
		Fix:        "Drop --security-opt seccomp=unconfined; use the default profile or a custom one.",
		References: []string{cis + "5.22"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkContainerNoNewPrivs = misconfig.Check{
		ID: "BW-HOST-045", Title: "Container may gain new privileges", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "Without no-new-privileges a process in the container may gain privileges through setuid or setgid binaries.",
		Fix:        "Run with --security-opt no-new-privileges (or set no-new-privileges in daemon.json).",
		References: []string{cis + "5.25"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkHealthcheck = misconfig.Check{
		ID: "BW-HOST-046", Title: "Container has no health check", Severity: severity.Low, Target: misconfig.TargetHost,
		Rationale:  "Without a health check the engine and orchestrators cannot tell a hung container from a working one.",
		Fix:        "Add a HEALTHCHECK to the image or --health-cmd to the container.",
		References: []string{cis + "5.26"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkPidsLimit = misconfig.Check{
		ID: "BW-HOST-047", Title: "Container has no PIDs limit", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "Without a PIDs limit a fork bomb in the container exhausts the host's process table.",
		Fix:        "Set --pids-limit.",
		References: []string{cis + "5.28"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkDefaultBridge = misconfig.Check{
		ID: "BW-HOST-048", Title: "Container on the default bridge docker0", Severity: severity.Low, Target: misconfig.TargetHost,
		Rationale:  "Containers on docker0 can reach each other's ports and can be ARP-spoofed by one another.",
		Fix:        "Attach the container to a user-defined network.",
		References: []string{cis + "5.29"}, Level: 2, Assessment: misconfig.Manual,
	}
	checkHostUserns = misconfig.Check{
		ID: "BW-HOST-049", Title: "Container shares the host's user namespace", Severity: severity.Medium, Target: misconfig.TargetHost,
		Rationale:  "With --userns host the container's root is the host's root even when the daemon remaps users.",
		Fix:        "Drop --userns host.",
		References: []string{cis + "5.30"}, Level: 1, Assessment: misconfig.Automated,
	}
	checkDockerSocketMount = misconfig.Check{
		ID: "BW-HOST-050", Title: "Docker socket mounted into a container", Severity: severity.Critical, Target: misconfig.TargetHost,
		Rationale:  "Whoever talks to the Docker socket can start a privileged container: the container controls the host.",
		Fix:        "Do not mount docker.sock into containers; use a narrowly scoped API proxy if one must.",
		References: []string{cis + "5.31"}, Level: 1, Assessment: misconfig.Automated,
	}
)

// defaultCaps are the capabilities Docker grants a container by default.
var defaultCaps = []string{
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
	"NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

// sensitiveDirs are the host directories 5.6 names.
var sensitiveDirs = []string{"/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr"}

// containerRule is one section 5 check: test returns the inspect field
// that fails and what it holds, or "" when the container passes.
type containerRule struct {
	check *misconfig.Check
	test  func(c *Container) (field, detail string)
}

var containerRules = []containerRule{
	{&checkAppArmor, func(c *Container) (string, string) {
		if c.AppArmorProfile == "unconfined" || hasOpt(c, "apparmor", "unconfined") {
			return "AppArmorProfile", "unconfined"
		}
		return "", ""
	}},
	{&checkSELinux, func(c *Container) (string, string) {
		if hasOpt(c, "label", "disable") {
			return "HostConfig.SecurityOpt", "label=disable"
		}
		return "", ""
	}},
	{&checkCapAdd, func(c *Container) (string, string) {
		var extra []string
		for _, cp := range c.HostConfig.CapAdd {
			n := strings.TrimPrefix(strings.ToUpper(cp), "CAP_")
			if !slices.Contains(defaultCaps, n) {
				extra = append(extra, n)
			}
		}
		return ifAny("HostConfig.CapAdd", extra)
	}},
	{&checkPrivileged, func(c *Container) (string, string) {
		return ifTrue(c.HostConfig.Privileged, "HostConfig.Privileged", "true")
	}},
	{&checkSensitiveMount, func(c *Container) (string, string) {
		var hits []string
		for _, m := range c.Mounts {
			if m.Type != "bind" {
				continue
			}
			src := path.Clean(m.Source)
			for _, d := range sensitiveDirs {
				if src == d || (d != "/" && m.RW && strings.HasPrefix(src, d+"/")) {
					hits = append(hits, fmt.Sprintf("%s on %s (%s)", src, m.Destination, rwName(m.RW)))
					break
				}
			}
		}
		return ifAny("Mounts", hits)
	}},
	{&checkPrivilegedPort, func(c *Container) (string, string) {
		return ports(c, func(ip, port string) bool {
			n, err := strconv.Atoi(port)
			return err == nil && n > 0 && n < 1024
		})
	}},
	{&checkHostNetwork, func(c *Container) (string, string) {
		return ifTrue(c.HostConfig.NetworkMode == "host", "HostConfig.NetworkMode", "host")
	}},
	{&checkMemoryLimit, func(c *Container) (string, string) {
		return ifTrue(c.HostConfig.Memory == 0, "HostConfig.Memory", "0")
	}},
	{&checkCPULimit, func(c *Container) (string, string) {
		h := c.HostConfig
		none := (h.CPUShares == 0 || h.CPUShares == 1024) && h.NanoCPUs == 0 && h.CPUQuota == 0
		return ifTrue(none, "HostConfig.CpuShares", fmt.Sprintf("%d, no NanoCpus or CpuQuota", h.CPUShares))
	}},
	{&checkReadOnlyRootfs, func(c *Container) (string, string) {
		return ifTrue(!c.HostConfig.ReadonlyRootfs, "HostConfig.ReadonlyRootfs", "false")
	}},
	{&checkAnyInterface, func(c *Container) (string, string) {
		return ports(c, func(ip, _ string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" })
	}},
	{&checkRestartPolicy, func(c *Container) (string, string) {
		p := c.HostConfig.RestartPolicy
		bad := p.Name == "always" || p.Name == "unless-stopped" || (p.Name == "on-failure" && (p.MaximumRetryCount == 0 || p.MaximumRetryCount > 5))
		return ifTrue(bad, "HostConfig.RestartPolicy", fmt.Sprintf("%s, MaximumRetryCount %d", p.Name, p.MaximumRetryCount))
	}},
	{&checkHostPID, func(c *Container) (string, string) {
		return ifTrue(c.HostConfig.PidMode == "host", "HostConfig.PidMode", "host")
	}},
	{&checkHostIPC, func(c *Container) (string, string) {
		return ifTrue(c.HostConfig.IpcMode == "host", "HostConfig.IpcMode", "host")
	}},
	{&checkHostDevice, func(c *Container) (string, string) {
		var devs []string
		for _, d := range c.HostConfig.Devices {
			devs = append(devs, d.PathOnHost+":"+d.PathInContainer)
		}
		return ifAny("HostConfig.Devices", devs)
	}},
	{&checkContainerUlimits, func(c *Container) (string, string) {
		var ls []string
		for _, u := range c.HostConfig.Ulimits {
			ls = append(ls, fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
		}
		return ifAny("HostConfig.Ulimits", ls)
	}},
	{&checkSharedPropagation, func(c *Container) (string, string) {
		var ms []string
		for _, m := range c.Mounts {
			if m.Propagation == "shared" || m.Propagation == "rshared" {
				ms = append(ms, m.Destination+" "+m.Propagation)
			}
		}
		return ifAny("Mounts", ms)
	}},
	{&checkHostUTS, func(c *Container) (string, string) {
		return ifTrue(c.HostConfig.UTSMode == "host", "HostConfig.UTSMode", "host")
	}},
	{&checkSeccompUnconfined, func(c *Container) (string, string) {
		return ifTrue(hasOpt(c, "seccomp", "unconfined"), "HostConfig.SecurityOpt", "seccomp=unconfined")
	}},
	{&checkContainerNoNewPrivs, func(c *Container) (string, string) {
		set := hasOpt(c, "no-new-privileges", "") || hasOpt(c, "no-new-privileges", "true")
		return ifTrue(!set, "HostConfig.SecurityOpt", fmt.Sprintf("%q, no no-new-privileges", c.HostConfig.SecurityOpt))
	}},
	{&checkHealthcheck, func(c *Container) (string, string) {
		hc := c.Config.Healthcheck
		none := c.State.Health == nil && (hc == nil || len(hc.Test) == 0 || hc.Test[0] == "NONE")
		return ifTrue(none, "State.Health", "absent, and no Config.Healthcheck")
	}},
	{&checkPidsLimit, func(c *Container) (string, string) {
		l := c.HostConfig.PidsLimit
		return ifTrue(l == nil || *l <= 0, "HostConfig.PidsLimit", "unset")
	}},
	{&checkDefaultBridge, func(c *Container) (string, string) {
		m := c.HostConfig.NetworkMode
		return ifTrue(m == "bridge" || m == "default", "HostConfig.NetworkMode", m)
	}},
	{&checkHostUserns, func(c *Container) (string, string) {
		return ifTrue(c.HostConfig.UsernsMode == "host", "HostConfig.UsernsMode", "host")
	}},
	{&checkDockerSocketMount, func(c *Container) (string, string) {
		var hits []string
		for _, m := range c.Mounts {
			if path.Base(m.Source) == "docker.sock" || path.Base(m.Destination) == "docker.sock" {
				hits = append(hits, m.Source+" on "+m.Destination)
			}
		}
		return ifAny("Mounts", hits)
	}},
}

// checkContainers runs the section 5 checks on each container. When the
// daemon sets no-new-privileges for every container, 5.25 holds whatever
// a container's SecurityOpt says.
func (s *scanner) checkContainers(cs []*Container, daemonNoNewPrivs bool) {
	for _, c := range cs {
		id := c.ID
		if len(id) > 12 {
			id = id[:12]
		}
		name := strings.TrimPrefix(c.Name, "/")
		res := misconfig.Resource{Kind: "container", Name: fmt.Sprintf("%s (%s, %s)", name, id, c.Config.Image)}
		for _, r := range containerRules {
			if r.check == &checkContainerNoNewPrivs && daemonNoNewPrivs {
				continue
			}
			if field, detail := r.test(c); field != "" {
				s.add(r.check.At(field, 0, res, "container %s (%s, image %s): %s is %s", name, id, c.Config.Image, field, detail))
			}
		}
	}
}

// hasOpt says whether a security option key=value (or key:value, the old
// form) is set; value "" matches the key alone.
func hasOpt(c *Container, key, value string) bool {
	for _, o := range c.HostConfig.SecurityOpt {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, _ = strings.Cut(o, ":")
		}
		if k == key && v == value {
			return true
		}
	}
	return false
}

// ports returns the published ports whose host IP and port fail bad.
func ports(c *Container, bad func(ip, port string) bool) (string, string) {
	var hits []string
	for cport, bs := range c.HostConfig.PortBindings {
		for _, b := range bs {
			if bad(b.HostIP, b.HostPort) {
				hits = append(hits, fmt.Sprintf("%s:%s->%s", cmp.Or(b.HostIP, "0.0.0.0"), b.HostPort, cport))
			}
		}
	}
	slices.Sort(hits)
	return ifAny("HostConfig.PortBindings", hits)
}

func ifAny(field string, items []string) (string, string) {
	return ifTrue(len(items) > 0, field, strings.Join(items, ", "))
}

func ifTrue(bad bool, field, detail string) (string, string) {
	if !bad {
		return "", ""
	}
	return field, detail
}

func rwName(rw bool) string {
	if rw {
		return "read-write"
	}
	return "read-only"
}

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

// containerCheck declares a section 5 check: its CIS item fills the
// references; Target, Level 1 and Automated unless given.
func containerCheck(id, item, title, sev string, level int, assessment, rationale, fix string) misconfig.Check {
	return misconfig.Check{
		ID: id, Title: title, Severity: sev, Target: misconfig.TargetHost, Rationale: rationale, Fix: fix,
		References: []string{cis + item}, Level: level, Assessment: assessment,
	}
}

var (
	checkAppArmor = containerCheck("BW-HOST-026", "5.2", "Container runs without AppArmor", severity.High, 1, misconfig.Automated,
		"An unconfined container has no mandatory access control profile limiting what its processes may touch on the host.",
		"Drop --security-opt apparmor=unconfined; use Docker's default profile or a custom one.")
	checkSELinux = containerCheck("BW-HOST-027", "5.3", "Container runs with SELinux labeling disabled", severity.Medium, 2, misconfig.Automated,
		"With label=disable the container's processes are not confined by SELinux, the layer that keeps them off the host's files.",
		"Drop --security-opt label=disable; run the daemon with --selinux-enabled.")
	checkCapAdd = containerCheck("BW-HOST-028", "5.4", "Container has Linux capabilities beyond the default", severity.High, 1, misconfig.Automated,
		"Each added capability (SYS_ADMIN, NET_ADMIN, ALL…) widens what a compromised process may do to the kernel and the host.",
		"Remove --cap-add; better, --cap-drop ALL and add back only what the process needs.")
	checkPrivileged = containerCheck("BW-HOST-029", "5.5", "Privileged container", severity.Critical, 1, misconfig.Automated,
		"A privileged container has every capability, every host device and no seccomp or AppArmor confinement: it is root on the host.",
		"Run the container without --privileged; add the few capabilities or devices it needs.")
	checkSensitiveMount = containerCheck("BW-HOST-030", "5.6", "Sensitive host directory mounted into a container", severity.High, 1, misconfig.Automated,
		"A container that can read or write /, /etc, /proc, /sys, /dev, /boot, /lib or /usr of the host can read its secrets or change how it runs.",
		"Do not bind-mount host system directories; mount a dedicated folder, read-only where possible.")
	checkPrivilegedPort = containerCheck("BW-HOST-031", "5.8", "Container publishes a privileged port", severity.Low, 1, misconfig.Automated,
		"Host ports below 1024 are those the host's own services use; publishing them makes the container look like one.",
		"Publish the container on a host port of 1024 or above.")
	checkHostNetwork = containerCheck("BW-HOST-032", "5.10", "Container shares the host's network namespace", severity.High, 1, misconfig.Automated,
		"With --network host the container sees every host interface and may bind any host port or sniff traffic, local services included.",
		"Use a user-defined bridge network instead of --network host.")
	checkMemoryLimit = containerCheck("BW-HOST-033", "5.11", "Container has no memory limit", severity.Medium, 1, misconfig.Automated,
		"A container without a memory limit can exhaust the host's memory and starve every other container.",
		"Set --memory (and memory in Compose or Kubernetes) to what the container needs.")
	checkCPULimit = containerCheck("BW-HOST-034", "5.12", "Container has no CPU limit or shares", severity.Low, 1, misconfig.Automated,
		"A container without CPU shares or quota competes equally with all others and can slow the host down.",
		"Set --cpus or --cpu-shares.")
	checkReadOnlyRootfs = containerCheck("BW-HOST-035", "5.13", "Container root file system is writable", severity.Low, 1, misconfig.Automated,
		"A writable root file system lets an intruder change the container's programs and persist there.",
		"Run with --read-only and mount volumes or tmpfs where the process writes.")
	checkAnyInterface = containerCheck("BW-HOST-036", "5.14", "Container port published on every host interface", severity.Medium, 1, misconfig.Automated,
		"A port bound to 0.0.0.0 is reachable on every interface of the host, external ones included.",
		"Publish on one address: -p 127.0.0.1:8080:80 or the interface meant to serve.")
	checkRestartPolicy = containerCheck("BW-HOST-037", "5.15", "Container restart policy is not on-failure with at most 5 retries", severity.Low, 1, misconfig.Automated,
		"always or unless-stopped restarts a crashing container endlessly, which can deny service to the host.",
		"Use --restart on-failure:5.")
	checkHostPID = containerCheck("BW-HOST-038", "5.16", "Container shares the host's process namespace", severity.High, 1, misconfig.Automated,
		"With --pid host the container sees and may signal every process of the host.",
		"Drop --pid host.")
	checkHostIPC = containerCheck("BW-HOST-039", "5.17", "Container shares the host's IPC namespace", severity.High, 1, misconfig.Automated,
		"With --ipc host the container shares shared memory and semaphores with the host's processes.",
		"Drop --ipc host.")
	checkHostDevice = containerCheck("BW-HOST-040", "5.18", "Host device exposed to a container", severity.Medium, 1, misconfig.Manual,
		"A host device in a container lets its processes read or write the hardware directly.",
		"Drop --device unless the container needs it; then grant only r or rw, not m.")
	checkContainerUlimits = containerCheck("BW-HOST-041", "5.19", "Container overrides the default ulimits", severity.Low, 1, misconfig.Manual,
		"Per-container ulimits replace the daemon's defaults, the limits the host was sized for.",
		"Drop --ulimit unless needed; set the defaults in daemon.json's default-ulimits.")
	checkSharedPropagation = containerCheck("BW-HOST-042", "5.20", "Mount propagation mode is shared", severity.Medium, 1, misconfig.Automated,
		"A shared mount lets mounts made in the container appear on the host and the other way round.",
		"Mount volumes with the default private (or slave) propagation.")
	checkHostUTS = containerCheck("BW-HOST-043", "5.21", "Container shares the host's UTS namespace", severity.Medium, 1, misconfig.Automated,
		"With --uts host the container may change the host's hostname.",
		"Drop --uts host.")
	checkSeccompUnconfined = containerCheck("BW-HOST-044", "5.22", "Container runs without seccomp", severity.High, 1, misconfig.Automated,
		"seccomp=unconfined lets the container make every system call, the kernel's whole attack surface.",
		"Drop --security-opt seccomp=unconfined; use the default profile or a custom one.")
	checkContainerNoNewPrivs = containerCheck("BW-HOST-045", "5.25", "Container may gain new privileges", severity.Medium, 1, misconfig.Automated,
		"Without no-new-privileges a process in the container may gain privileges through setuid or setgid binaries.",
		"Run with --security-opt no-new-privileges (or set no-new-privileges in daemon.json).")
	checkHealthcheck = containerCheck("BW-HOST-046", "5.26", "Container has no health check", severity.Low, 1, misconfig.Automated,
		"Without a health check the engine and orchestrators cannot tell a hung container from a working one.",
		"Add a HEALTHCHECK to the image or --health-cmd to the container.")
	checkPidsLimit = containerCheck("BW-HOST-047", "5.28", "Container has no PIDs limit", severity.Medium, 1, misconfig.Automated,
		"Without a PIDs limit a fork bomb in the container exhausts the host's process table.",
		"Set --pids-limit.")
	checkDefaultBridge = containerCheck("BW-HOST-048", "5.29", "Container on the default bridge docker0", severity.Low, 2, misconfig.Manual,
		"Containers on docker0 can reach each other's ports and can be ARP-spoofed by one another.",
		"Attach the container to a user-defined network.")
	checkHostUserns = containerCheck("BW-HOST-049", "5.30", "Container shares the host's user namespace", severity.Medium, 1, misconfig.Automated,
		"With --userns host the container's root is the host's root even when the daemon remaps users.",
		"Drop --userns host.")
	checkDockerSocketMount = containerCheck("BW-HOST-050", "5.31", "Docker socket mounted into a container", severity.Critical, 1, misconfig.Automated,
		"Whoever talks to the Docker socket can start a privileged container: the container controls the host.",
		"Do not mount docker.sock into containers; use a narrowly scoped API proxy if one must.")
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

// checkContainers runs the section 5 checks on each container.
func (s *scanner) checkContainers(cs []*Container) {
	for _, c := range cs {
		id := c.ID
		if len(id) > 12 {
			id = id[:12]
		}
		name := strings.TrimPrefix(c.Name, "/")
		res := misconfig.Resource{Kind: "container", Name: fmt.Sprintf("%s (%s, %s)", name, id, c.Config.Image)}
		for _, r := range containerRules {
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

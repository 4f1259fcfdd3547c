package host

import (
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// Section 1: the host.

var checkPartition = misconfig.Check{
	ID: "BW-HOST-001", Title: "Docker's data folder is not a separate partition", Severity: severity.Medium, Target: misconfig.TargetHost,
	Rationale:  "Images, containers and volumes live under /var/lib/docker; on the root file system, one container that fills its disk fills the host's, and the host stops working.",
	Fix:        "Mount a separate partition (or logical volume) at /var/lib/docker, or at the data-root daemon.json names, in /etc/fstab.",
	References: []string{cis + "1.1.1"}, Level: 1, Assessment: misconfig.Automated,
}

// checkPartition looks for a mount of the data root in etc/fstab, in
// proc/mounts when the tree has it, and in systemd mount units.
func (s *scanner) checkPartition(d *daemon) {
	root := "/var/lib/docker"
	if v, ok := d.get("data-root"); ok && strings.HasPrefix(v.first(), "/") {
		root = path.Clean(v.first())
	}
	for _, name := range []string{"etc/fstab", "proc/mounts"} {
		data, _ := s.read(name)
		for _, l := range strings.Split(string(data), "\n") {
			f := strings.Fields(l)
			if len(f) >= 2 && !strings.HasPrefix(f[0], "#") && path.Clean(f[1]) == root {
				return
			}
		}
	}
	unit := strings.ReplaceAll(strings.ReplaceAll(strings.TrimPrefix(root, "/"), "-", `\x2d`), "/", "-") + ".mount"
	for _, dir := range unitDirs {
		if exists(s.tree, dir+"/"+unit) {
			return
		}
	}
	read := "/etc/fstab"
	if exists(s.tree, "proc/mounts") {
		read += " or /proc/mounts"
	}
	s.add(checkPartition.At("etc/fstab", 0, misconfig.Resource{}, "no entry of %s mounts %s", read, root))
}

var checkDockerGroup = misconfig.Check{
	ID: "BW-HOST-002", Title: "Users in the docker group", Severity: severity.Medium, Target: misconfig.TargetHost,
	Rationale:  "Members of the docker group can talk to the daemon, and whoever can do that can start a privileged container with the host's root mounted: each member is root on the host.",
	Fix:        "Remove from the docker group every user who is not trusted with root (gpasswd -d USER docker); give the others sudo with logging, or rootless Docker.",
	References: []string{cis + "1.1.2"}, Level: 1, Assessment: misconfig.Automated,
}

// checkDockerGroup names the docker group's members: listed in etc/group,
// or with it as their primary group in etc/passwd.
func (s *scanner) checkDockerGroup(*daemon) {
	for _, g := range s.accounts("etc/group") {
		if g.name != "docker" {
			continue
		}
		members := g.members
		for _, u := range s.accounts("etc/passwd") {
			if u.gid == g.id {
				members = append(members, u.name+" (primary group)")
			}
		}
		if len(members) > 0 {
			s.add(checkDockerGroup.At("etc/group", g.line, misconfig.Resource{Kind: "group", Name: "docker"},
				"the docker group controls the daemon (root on this host); its members: %s — confirm each is trusted", strings.Join(members, ", ")))
		}
		return
	}
}

var checkAuditCore = misconfig.Check{
	ID: "BW-HOST-003", Title: "No audit rule for the Docker daemon or its data", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "The daemon runs as root and its folders hold every container's configuration; without audit rules on dockerd, /run/containerd, /var/lib/docker and /etc/docker, who changed them and when is not recorded.",
	Fix:        "Add a watch for each path to /etc/audit/rules.d/docker.rules, for example \"-w /usr/bin/dockerd -k docker\", and load it with augenrules --load.",
	References: []string{cis + "1.1.3", cis + "1.1.4", cis + "1.1.5", cis + "1.1.6"}, Level: 1, Assessment: misconfig.Automated,
}

var checkAuditFiles = misconfig.Check{
	ID: "BW-HOST-004", Title: "No audit rule for a Docker or containerd file", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale: "The units, sockets, configuration files and runtime programs (containerd, its shims, runc) decide how containers run; changes to them should leave an audit record.",
	Fix:       "Add a watch for the path to /etc/audit/rules.d/docker.rules, for example \"-w /usr/bin/runc -k docker\", and load it with augenrules --load.",
	References: []string{
		cis + "1.1.7", cis + "1.1.8", cis + "1.1.9", cis + "1.1.10", cis + "1.1.11", cis + "1.1.12",
		cis + "1.1.13", cis + "1.1.14", cis + "1.1.15", cis + "1.1.16", cis + "1.1.17", cis + "1.1.18",
	},
	Level: 2, Assessment: misconfig.Automated,
}

// auditRuleFiles are the audit rules read: augenrules' inputs and the
// file it writes.
func (s *scanner) auditRuleFiles() []string {
	var files []string
	for _, f := range s.list("etc/audit/rules.d") {
		if strings.HasSuffix(f, ".rules") {
			files = append(files, f)
		}
	}
	return append(files, "etc/audit/audit.rules")
}

// parseAuditRules lists the paths audit rules watch: "-w PATH" and
// "-F path=PATH" or "-F dir=PATH"; "-W PATH" removes a watch.
func parseAuditRules(data []byte) map[string]bool {
	watched := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		for i := 0; i+1 < len(f); i++ {
			switch {
			case f[i] == "-w":
				watched[path.Clean(f[i+1])] = true
			case f[i] == "-W":
				delete(watched, path.Clean(f[i+1]))
			case f[i] == "-F":
				if k, v, ok := strings.Cut(f[i+1], "="); ok && (k == "path" || k == "dir") {
					watched[path.Clean(v)] = true
				}
			}
		}
	}
	return watched
}

// auditTarget is a path the benchmark wants watched.
type auditTarget struct {
	item  string // the benchmark's item
	path  string // host path
	check misconfig.Check
}

// checkAuditRules reports each path of the daemon that exists (or that
// the daemon creates at run time) and no audit rule watches. A watch on
// a folder covers what is below it, as auditd's watches do.
func (s *scanner) checkAuditRules(d *daemon) {
	watched := map[string]bool{}
	for _, f := range s.auditRuleFiles() {
		if data, ok := s.read(f); ok {
			for p := range parseAuditRules(data) {
				watched[p] = true
			}
		}
	}
	covered := func(p string) bool {
		for ; p != "/" && p != "."; p = path.Dir(p) {
			if watched[p] {
				return true
			}
		}
		return false
	}
	dataRoot := "/var/lib/docker"
	if v, ok := d.get("data-root"); ok && strings.HasPrefix(v.first(), "/") {
		dataRoot = path.Clean(v.first())
	}
	containerd := s.findBinary("containerd")
	var targets []auditTarget
	if d.binary != "" {
		targets = append(targets, auditTarget{"1.1.3", hostPath(d.binary), checkAuditCore})
	}
	if containerd != "" {
		targets = append(targets, auditTarget{"1.1.4", "/run/containerd", checkAuditCore})
	}
	targets = append(targets, auditTarget{"1.1.5", dataRoot, checkAuditCore})
	ifExists := func(item, name string, c misconfig.Check) {
		if name != "" && exists(s.tree, name) {
			targets = append(targets, auditTarget{item, hostPath(name), c})
		}
	}
	ifExists("1.1.6", "etc/docker", checkAuditCore)
	if len(d.service) > 0 {
		ifExists("1.1.7", d.service[0], checkAuditFiles)
	}
	if containerd != "" {
		targets = append(targets, auditTarget{"1.1.8", "/run/containerd/containerd.sock", checkAuditFiles})
	}
	if len(d.socket) > 0 {
		ifExists("1.1.9", d.socket[0], checkAuditFiles)
	}
	ifExists("1.1.10", "etc/default/docker", checkAuditFiles)
	ifExists("1.1.11", d.config, checkAuditFiles)
	ifExists("1.1.12", "etc/containerd/config.toml", checkAuditFiles)
	ifExists("1.1.13", "etc/sysconfig/docker", checkAuditFiles)
	ifExists("1.1.14", containerd, checkAuditFiles)
	ifExists("1.1.15", s.findBinary("containerd-shim"), checkAuditFiles)
	ifExists("1.1.16", s.findBinary("containerd-shim-runc-v1"), checkAuditFiles)
	ifExists("1.1.17", s.findBinary("containerd-shim-runc-v2"), checkAuditFiles)
	ifExists("1.1.18", s.findBinary("runc"), checkAuditFiles)
	for _, t := range targets {
		if !covered(t.path) {
			s.add(t.check.At("etc/audit/rules.d", 0, misconfig.Resource{Name: t.path},
				"no audit rule watches %s (CIS %s)", t.path, t.item))
		}
	}
}

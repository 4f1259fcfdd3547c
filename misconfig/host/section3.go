package host

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// Section 3: ownership and permissions of the daemon's files and sockets.

var checkOwner = misconfig.Check{
	ID: "BW-HOST-022", Title: "Docker file or socket has the wrong owner", Severity: severity.High, Target: misconfig.TargetHost,
	Rationale: "Whoever owns the daemon's units, configuration, certificates or sockets can change how the root-run daemon starts or talk to it: they can become root on the host.",
	Fix:       "chown root:root the file (root:docker for the Docker socket), as the finding says.",
	References: []string{
		cis + "3.1", cis + "3.3", cis + "3.5", cis + "3.7", cis + "3.9", cis + "3.11", cis + "3.13",
		cis + "3.15", cis + "3.17", cis + "3.19", cis + "3.22", cis + "3.23",
	},
	Level: 1, Assessment: misconfig.Automated,
}

var checkMode = misconfig.Check{
	ID: "BW-HOST-023", Title: "Docker file or socket permissions too open", Severity: severity.Medium, Target: misconfig.TargetHost,
	Rationale: "Users other than root who may write the daemon's units, configuration or certificates can change how the root-run daemon starts; a socket more open than 660 lets more users control it.",
	Fix:       "chmod the file to the mode the finding names (644 units and configuration, 755 /etc/docker, 444 certificates, 400 keys, 660 sockets) or stricter.",
	References: []string{
		cis + "3.2", cis + "3.4", cis + "3.6", cis + "3.8", cis + "3.10", cis + "3.12", cis + "3.14",
		cis + "3.16", cis + "3.18", cis + "3.20", cis + "3.21", cis + "3.24",
	},
	Level: 1, Assessment: misconfig.Automated,
}

var checkKeyMode = misconfig.Check{
	ID: "BW-HOST-024", Title: "The daemon's TLS key is readable by others", Severity: severity.High, Target: misconfig.TargetHost,
	Rationale:  "Whoever reads the daemon's private key can impersonate the daemon to its clients and read or change what they send it.",
	Fix:        "chmod 400 the key file and chown it root:root.",
	References: []string{cis + "3.14"}, Level: 1, Assessment: misconfig.Automated,
}

var checkSocketWorldWritable = misconfig.Check{
	ID: "BW-HOST-025", Title: "Container runtime socket writable by every user", Severity: severity.Critical, Target: misconfig.TargetHost,
	Rationale:  "Every local user who can write to the Docker or containerd socket can start a privileged container with the host's root mounted: every account on the host is root.",
	Fix:        "chmod 660 the socket, owned by root:docker (root:root for containerd); for docker.socket, set SocketMode=0660 and SocketGroup=docker.",
	References: []string{cis + "3.16", cis + "3.24"}, Level: 1, Assessment: misconfig.Automated,
}

// fileRule is what the benchmark wants of one file.
type fileRule struct {
	name          string      // tree name
	mode          fs.FileMode // the most open permissions allowed
	group         string      // "root", or "docker" for the Docker socket
	owner, perms  string      // the benchmark items
	key, socket   bool
	missingSocket bool // for the Docker socket: if missing, read docker.socket
}

// checkFiles runs the section 3 checks on every file the daemon uses
// that is in the tree.
func (s *scanner) checkFiles(d *daemon) {
	var rules []fileRule
	add := func(r fileRule) { rules = append(rules, r) }
	for _, f := range d.service {
		add(fileRule{name: f, mode: 0o644, group: "root", owner: "3.1", perms: "3.2"})
	}
	for _, f := range d.socket {
		add(fileRule{name: f, mode: 0o644, group: "root", owner: "3.3", perms: "3.4"})
	}
	add(fileRule{name: "etc/docker", mode: 0o755, group: "root", owner: "3.5", perms: "3.6"})
	for _, dir := range s.list("etc/docker/certs.d") {
		for _, f := range s.list(dir) {
			add(fileRule{name: f, mode: 0o444, group: "root", owner: "3.7", perms: "3.8"})
		}
	}
	tls := d.isTrue("tls") || d.isTrue("tlsverify")
	for _, t := range []struct {
		key, def, owner, perms string
		mode                   fs.FileMode
	}{
		{"tlscacert", "ca.pem", "3.9", "3.10", 0o444},
		{"tlscert", "cert.pem", "3.11", "3.12", 0o444},
		{"tlskey", "key.pem", "3.13", "3.14", 0o400},
	} {
		p := ""
		if st, ok := d.get(t.key); ok {
			p = st.first()
		} else if tls {
			p = "/root/.docker/" + t.def // dockerd's default
		}
		if name, ok := rel(p); ok {
			add(fileRule{name: name, mode: t.mode, group: "root", owner: t.owner, perms: t.perms, key: t.key == "tlskey"})
		}
	}
	sockets := 0
	st, _ := d.get("hosts")
	for _, h := range st.values {
		if p, ok := strings.CutPrefix(h, "unix://"); ok {
			if name, ok := rel(p); ok {
				add(fileRule{name: name, mode: 0o660, group: "docker", owner: "3.15", perms: "3.16", socket: true})
				sockets++
			}
		}
	}
	if sockets == 0 {
		add(fileRule{name: "var/run/docker.sock", mode: 0o660, group: "docker", owner: "3.15", perms: "3.16", socket: true, missingSocket: true})
	}
	add(fileRule{name: d.config, mode: 0o644, group: "root", owner: "3.17", perms: "3.18"})
	add(fileRule{name: "etc/default/docker", mode: 0o644, group: "root", owner: "3.19", perms: "3.20"})
	add(fileRule{name: "etc/sysconfig/docker", mode: 0o644, group: "root", owner: "3.22", perms: "3.21"})
	add(fileRule{name: "run/containerd/containerd.sock", mode: 0o660, group: "root", owner: "3.23", perms: "3.24", socket: true})

	for _, r := range rules {
		info, ok := s.stat(r.name)
		if !ok {
			if r.missingSocket {
				s.checkSocketUnit(d)
			}
			continue
		}
		s.checkFile(r, info)
	}
}

// checkFile compares one file with its rule.
func (s *scanner) checkFile(r fileRule, info Info) {
	res := misconfig.Resource{} // the finding's file is the one
	gid, hasGroup := s.groupIDs[r.group]
	if info.UID != 0 || (info.GID != 0 && !(hasGroup && info.GID == gid)) {
		s.add(checkOwner.At(r.name, 0, res, "%s is owned by %s; want root:%s (CIS %s)", hostPath(r.name), s.owner(info), r.group, r.owner))
	}
	perm := info.Mode.Perm()
	extra := perm &^ r.mode
	switch {
	case r.socket && perm&0o002 != 0:
		s.add(checkSocketWorldWritable.At(r.name, 0, res, "%s has mode %04o: every user may write to it (CIS %s)", hostPath(r.name), perm, r.perms))
	case r.key && perm&0o077 != 0:
		s.add(checkKeyMode.At(r.name, 0, res, "%s has mode %04o: group or others may read the key (CIS %s)", hostPath(r.name), perm, r.perms))
	case extra != 0:
		s.add(checkMode.At(r.name, 0, res, "%s has mode %04o, more open than %04o (CIS %s)", hostPath(r.name), perm, r.mode, r.perms))
	}
}

// checkSocketUnit checks the socket systemd will create from
// docker.socket, when the tree has no socket (an offline tree): its
// SocketMode (systemd's default is 0666), SocketUser and SocketGroup.
func (s *scanner) checkSocketUnit(d *daemon) {
	if len(d.socket) == 0 {
		return
	}
	info := Info{Mode: 0o666}
	file, line := d.socket[0], 0
	desc := "SocketMode is not set, so systemd creates the socket with mode 0666"
	if e, ok := d.socketUnit["SocketMode"]; ok {
		m, err := strconv.ParseUint(e.value, 8, 32)
		if err != nil {
			s.warn(e.file, "line %d: SocketMode %q: %v", e.line, e.value, err)
			return
		}
		info.Mode, file, line = fs.FileMode(m).Perm(), e.file, e.line
		desc = fmt.Sprintf("SocketMode=%s", e.value)
	}
	res := misconfig.Resource{Kind: "socket", Name: "docker.socket"}
	switch perm := info.Mode.Perm(); {
	case perm&0o002 != 0:
		s.add(checkSocketWorldWritable.At(file, line, res, "docker.socket: %s: every user may write to the Docker socket (CIS 3.16)", desc))
	case perm&^0o660 != 0:
		s.add(checkMode.At(file, line, res, "docker.socket: %s, more open than 0660 (CIS 3.16)", desc))
	}
	for _, k := range []struct{ key, want string }{{"SocketUser", "root"}, {"SocketGroup", "docker"}} {
		e, ok := d.socketUnit[k.key]
		got := e.value
		if !ok {
			got, e.file = "root", d.socket[0]
		}
		if got != k.want && got != "root" && got != "0" {
			s.add(checkOwner.At(e.file, e.line, res, "docker.socket: %s=%s; want %s (CIS 3.15)", k.key, got, k.want))
		}
	}
}

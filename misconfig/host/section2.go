package host

import (
	"net"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// Section 2: the daemon's configuration, from daemon.json and dockerd's
// command line in the systemd unit (flags win, as they would if dockerd
// accepted both; it refuses to start when both set one option).

const daemonDocs = "https://docs.docker.com/reference/cli/dockerd/"

// checkDaemon runs the section 2 checks.
func (s *scanner) checkDaemon(d *daemon) {
	for _, check := range []func(*daemon){
		s.checkICC, s.checkLogLevel, s.checkIPTables, s.checkInsecureRegistries, s.checkAufs,
		s.checkTLS, s.checkUlimits, s.checkUserns, s.checkCgroupParent, s.checkBaseSize,
		s.checkAuthz, s.checkLogDriver, s.checkNoNewPrivileges, s.checkLiveRestore,
		s.checkUserlandProxy, s.checkSeccomp, s.checkExperimental, s.checkRootless,
	} {
		check(d)
	}
}

// option reports c at the place key is set, or at daemon.json (where the
// fix goes) when nothing sets it.
func (s *scanner) option(d *daemon, c misconfig.Check, key, format string, args ...any) {
	file, line := d.where()
	if st, ok := d.get(key); ok {
		file, line = st.file, st.line
		if st.was != "" {
			format += " (the running daemon's docker info wins over the files: %s)"
			args = append(args, st.was)
		}
	}
	s.add(c.At(file, line, misconfig.Resource{Kind: "daemon", Name: key}, format, args...))
}

// wants reports c when boolean key is not set to want; def is dockerd's
// default, when, what an unset key means.
func (s *scanner) wants(d *daemon, c misconfig.Check, key string, want, def bool, when string) {
	st, ok := d.get(key)
	if !ok {
		if def != want {
			s.option(d, c, key, "%s is not set, and by default it is %t: %s", key, def, when)
		}
		return
	}
	if got := strings.EqualFold(st.first(), "true"); got != want {
		s.option(d, c, key, "%s is %s in %s: %s", key, st.first(), source(st), when)
	}
}

// source names where a setting comes from.
func source(st setting) string {
	if st.fromInfo {
		return infoSource
	}
	if st.fromFlags {
		return "the dockerd command line in " + hostPath(st.file)
	}
	return hostPath(st.file)
}

var checkICC = misconfig.Check{
	ID: "BW-HOST-005", Title: "Containers on the default bridge can talk to each other", Severity: severity.Medium, Target: misconfig.TargetHost,
	Rationale:  "With inter-container communication on (the default), every container on the default bridge reaches every port of the others: one compromised container can attack the rest.",
	Fix:        "Set \"icc\": false in daemon.json and link the containers that must talk with user-defined networks.",
	References: []string{cis + "2.2", daemonDocs}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkICC(d *daemon) {
	s.wants(d, checkICC, "icc", false, true, "containers on the default bridge reach each other")
}

var checkLogLevel = misconfig.Check{
	ID: "BW-HOST-006", Title: "Daemon log level is not info", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "At info the daemon logs the events an investigation needs; debug logs so much (request bodies included) that it leaks data and buries events, and warn or error drop them.",
	Fix:        "Remove log-level and debug from daemon.json and the command line, or set \"log-level\": \"info\".",
	References: []string{cis + "2.3", daemonDocs}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkLogLevel(d *daemon) {
	if st, ok := d.get("log-level"); ok && !strings.EqualFold(st.first(), "info") {
		s.option(d, checkLogLevel, "log-level", "log-level is %q in %s", st.first(), source(st))
	}
	if st, ok := d.get("debug"); ok && strings.EqualFold(st.first(), "true") {
		s.option(d, checkLogLevel, "debug", "debug is true in %s, which logs at level debug", source(st))
	}
}

var checkIPTables = misconfig.Check{
	ID: "BW-HOST-007", Title: "Docker may not manage iptables", Severity: severity.Medium, Target: misconfig.TargetHost,
	Rationale:  "With iptables off, the daemon cannot set up the rules that isolate its networks and published ports, and hand-made rules tend to be more open or break silently.",
	Fix:        "Remove \"iptables\": false (and --iptables=false); let the daemon manage its chains.",
	References: []string{cis + "2.4", daemonDocs}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkIPTables(d *daemon) {
	s.wants(d, checkIPTables, "iptables", true, true, "the daemon does not set up network isolation")
}

var checkInsecureRegistry = misconfig.Check{
	ID: "BW-HOST-008", Title: "Insecure registries are allowed", Severity: severity.High, Target: misconfig.TargetHost,
	Rationale:  "An insecure registry is reached over plain HTTP or with unchecked certificates: whoever is on the network path can serve any image under a trusted name.",
	Fix:        "Remove insecure-registries; give the registry a certificate and put its CA in /etc/docker/certs.d/HOST:PORT/ca.crt.",
	References: []string{cis + "2.5", "https://docs.docker.com/reference/cli/dockerd/#insecure-registries"}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkInsecureRegistries(d *daemon) {
	st, ok := d.get("insecure-registries")
	if !ok {
		return
	}
	var bad []string
	for _, r := range st.values {
		// The daemon trusts 127.0.0.0/8 this way anyway.
		if _, n, err := net.ParseCIDR(r); err == nil && n.IP.IsLoopback() {
			continue
		}
		if r != "" {
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		s.option(d, checkInsecureRegistry, "insecure-registries", "%s allows insecure registries: %s", source(st), strings.Join(bad, ", "))
	}
}

var checkAufs = misconfig.Check{
	ID: "BW-HOST-009", Title: "The aufs storage driver is used", Severity: severity.Medium, Target: misconfig.TargetHost,
	Rationale:  "aufs is unmaintained, not in mainline kernels, and known to crash hosts; current Docker versions no longer ship it.",
	Fix:        "Use overlay2: set \"storage-driver\": \"overlay2\" (or remove the option) and move the data over.",
	References: []string{cis + "2.6", "https://docs.docker.com/engine/storage/drivers/select-storage-driver/"}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkAufs(d *daemon) {
	if st, ok := d.get("storage-driver"); ok && strings.EqualFold(st.first(), "aufs") {
		s.option(d, checkAufs, "storage-driver", "storage-driver is aufs in %s", source(st))
	}
}

var checkTCPWithoutTLS = misconfig.Check{
	ID: "BW-HOST-010", Title: "Docker API on TCP without TLS client verification", Severity: severity.Critical, Target: misconfig.TargetHost,
	Rationale:  "Whoever reaches a TCP socket of the daemon without --tlsverify can start a privileged container with the host's root mounted: it is unauthenticated root on the host, over the network.",
	Fix:        "Listen only on the unix socket (reach remote hosts with ssh://), or set tlsverify with tlscacert, tlscert and tlskey so only clients with certificates from your CA get in.",
	References: []string{cis + "2.7", "https://docs.docker.com/engine/security/protect-access/"}, Level: 1, Assessment: misconfig.Automated,
}

// checkTLS finds the daemon's TCP listeners: -H / hosts, and with
// -H fd:// the ListenStream lines of docker.socket.
func (s *scanner) checkTLS(d *daemon) {
	if d.isTrue("tlsverify") {
		return
	}
	why := "no tlsverify"
	if d.isTrue("tls") {
		why = "tls without tlsverify, so any client may connect"
	}
	st, _ := d.get("hosts")
	fd := false
	for _, h := range st.values {
		switch {
		case strings.HasPrefix(h, "fd://"):
			fd = true
		case strings.HasPrefix(h, "unix://"), strings.HasPrefix(h, "npipe://"), strings.HasPrefix(h, "ssh://"), h == "":
		default:
			s.option(d, checkTCPWithoutTLS, "hosts", "the daemon listens on %s with %s, set in %s", h, why, source(st))
		}
	}
	if e, ok := d.socketUnit["ListenStream"]; ok && fd {
		for _, l := range strings.Fields(e.value) {
			if !strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "@") {
				s.add(checkTCPWithoutTLS.At(e.file, e.line, misconfig.Resource{Kind: "socket", Name: "docker.socket"},
					"docker.socket listens on TCP %s, handed to dockerd with -H fd://, with %s", l, why))
			}
		}
	}
}

var checkUlimits = misconfig.Check{
	ID: "BW-HOST-011", Title: "No default ulimits for containers", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "Without default ulimits every container inherits the daemon's limits (often unlimited open files and processes), so one can exhaust the host's.",
	Fix:        "Set default-ulimits in daemon.json, for example {\"nofile\": {\"Name\": \"nofile\", \"Soft\": 1024, \"Hard\": 4096}, \"nproc\": …}.",
	References: []string{cis + "2.8", daemonDocs}, Level: 1, Assessment: misconfig.Manual,
}

func (s *scanner) checkUlimits(d *daemon) {
	if st, ok := d.get("default-ulimits"); !ok || len(st.values) == 0 {
		s.option(d, checkUlimits, "default-ulimits", "default-ulimits is not set")
	}
}

var checkUserns = misconfig.Check{
	ID: "BW-HOST-012", Title: "User namespace remapping is off", Severity: severity.Medium, Target: misconfig.TargetHost,
	Rationale:  "Without userns-remap, root in a container is root (uid 0) on the host: a process that escapes its container keeps full privileges on host files.",
	Fix:        "Set \"userns-remap\": \"default\" (or a dedicated user) in daemon.json, after checking that images and volumes work with remapped ids.",
	References: []string{cis + "2.9", "https://docs.docker.com/engine/security/userns-remap/"}, Level: 2, Assessment: misconfig.Automated,
}

func (s *scanner) checkUserns(d *daemon) {
	if st, ok := d.get("userns-remap"); !ok || st.first() == "" {
		s.option(d, checkUserns, "userns-remap", "userns-remap is not set: root in a container is root on the host")
	}
}

var checkCgroupParent = misconfig.Check{
	ID: "BW-HOST-013", Title: "Containers use a non-default cgroup parent", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "The cgroup parent decides which limits and accounting containers fall under; a parent other than the default may put them outside the limits meant for them.",
	Fix:        "Confirm that the cgroup-parent is intended and limited, or remove it.",
	References: []string{cis + "2.10", daemonDocs}, Level: 2, Assessment: misconfig.Automated,
}

func (s *scanner) checkCgroupParent(d *daemon) {
	if st, ok := d.get("cgroup-parent"); ok && st.first() != "" {
		s.option(d, checkCgroupParent, "cgroup-parent", "cgroup-parent is %q in %s; confirm it is intended", st.first(), source(st))
	}
}

var checkBaseSize = misconfig.Check{
	ID: "BW-HOST-014", Title: "The base device size is changed", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "A larger base device size (dm.basesize) lets each container's file system grow that far, and the pool can fill up.",
	Fix:        "Remove dm.basesize from storage-opts unless containers need it.",
	References: []string{cis + "2.11", daemonDocs}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkBaseSize(d *daemon) {
	st, _ := d.get("storage-opts")
	for _, o := range st.values {
		if strings.HasPrefix(strings.ToLower(o), "dm.basesize") {
			s.option(d, checkBaseSize, "storage-opts", "storage-opts sets %s in %s", o, source(st))
		}
	}
}

var checkAuthz = misconfig.Check{
	ID: "BW-HOST-015", Title: "No authorization plugin", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "Without an authorization plugin, everyone who reaches the socket may make every API call; a plugin can allow each user only the calls they need.",
	Fix:        "Install an authorization plugin (for example OPA's opa-docker-authz) and name it in authorization-plugins.",
	References: []string{cis + "2.12", "https://docs.docker.com/engine/extend/plugins_authorization/"}, Level: 2, Assessment: misconfig.Automated,
}

func (s *scanner) checkAuthz(d *daemon) {
	if st, ok := d.get("authorization-plugins"); !ok || len(st.values) == 0 {
		s.option(d, checkAuthz, "authorization-plugins", "authorization-plugins is not set: every client of the socket may make every call")
	}
}

var checkLogDriver = misconfig.Check{
	ID: "BW-HOST-016", Title: "Container logs are kept only on the host", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "Logs kept on the host (json-file, local) are lost with it and can be erased by whoever takes it over; a remote log service keeps them out of reach.",
	Fix:        "Set log-driver to a driver that ships logs off the host (syslog, journald forwarded, gelf, fluentd, awslogs, splunk, …) with its log-opts.",
	References: []string{cis + "2.13", "https://docs.docker.com/engine/logging/configure/"}, Level: 2, Assessment: misconfig.Automated,
}

func (s *scanner) checkLogDriver(d *daemon) {
	st, ok := d.get("log-driver")
	switch driver := strings.ToLower(st.first()); {
	case !ok || driver == "":
		s.option(d, checkLogDriver, "log-driver", "log-driver is not set, so logs stay on the host (json-file)")
	case driver == "json-file" || driver == "local" || driver == "none":
		s.option(d, checkLogDriver, "log-driver", "log-driver is %s in %s", driver, source(st))
	}
}

var checkNoNewPrivileges = misconfig.Check{
	ID: "BW-HOST-017", Title: "Containers may gain new privileges", Severity: severity.Medium, Target: misconfig.TargetHost,
	Rationale:  "Without no-new-privileges, a process in a container can gain privileges through setuid and setgid programs or file capabilities.",
	Fix:        "Set \"no-new-privileges\": true in daemon.json.",
	References: []string{cis + "2.14", daemonDocs}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkNoNewPrivileges(d *daemon) {
	s.wants(d, checkNoNewPrivileges, "no-new-privileges", true, false, "setuid programs in containers can raise privileges")
}

var checkLiveRestore = misconfig.Check{
	ID: "BW-HOST-018", Title: "Live restore is off", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "Without live-restore, restarting or upgrading the daemon stops every container, which makes applying security updates costly and so delayed.",
	Fix:        "Set \"live-restore\": true in daemon.json (not available in swarm mode).",
	References: []string{cis + "2.15", "https://docs.docker.com/engine/daemon/live-restore/"}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkLiveRestore(d *daemon) {
	s.wants(d, checkLiveRestore, "live-restore", true, false, "restarting the daemon stops every container")
}

var checkUserlandProxy = misconfig.Check{
	ID: "BW-HOST-019", Title: "The userland proxy is on", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "The userland proxy is a process per published port, with its own attack surface; hairpin NAT in iptables does the same job in the kernel.",
	Fix:        "Set \"userland-proxy\": false in daemon.json.",
	References: []string{cis + "2.16", daemonDocs}, Level: 1, Assessment: misconfig.Automated,
}

func (s *scanner) checkUserlandProxy(d *daemon) {
	s.wants(d, checkUserlandProxy, "userland-proxy", false, true, "a proxy process serves each published port")
}

var checkSeccomp = misconfig.Check{
	ID: "BW-HOST-020", Title: "Seccomp is turned off for every container", Severity: severity.High, Target: misconfig.TargetHost,
	Rationale:  "seccomp-profile \"unconfined\" removes the system call filter from every container, including the calls behind most container escapes.",
	Fix:        "Remove seccomp-profile to use Docker's default profile, or name a custom profile file that allows only what is missing.",
	References: []string{cis + "2.17", "https://docs.docker.com/engine/security/seccomp/"}, Level: 2, Assessment: misconfig.Manual,
}

func (s *scanner) checkSeccomp(d *daemon) {
	if st, ok := d.get("seccomp-profile"); ok && strings.EqualFold(st.first(), "unconfined") {
		s.option(d, checkSeccomp, "seccomp-profile", "seccomp-profile is unconfined in %s", source(st))
	}
}

var checkExperimental = misconfig.Check{
	ID: "BW-HOST-021", Title: "Experimental features are on", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "Experimental features are not stable or supported, and have not had the review the rest of the daemon has.",
	Fix:        "Set \"experimental\": false (or remove it) on production hosts.",
	References: []string{cis + "2.18", daemonDocs}, Level: 1, Assessment: misconfig.Manual,
}

func (s *scanner) checkExperimental(d *daemon) {
	s.wants(d, checkExperimental, "experimental", false, false, "unsupported features are enabled")
}

var checkRootless = misconfig.Check{
	ID: "BW-HOST-051", Title: "The daemon runs as root", Severity: severity.Low, Target: misconfig.TargetHost,
	Rationale:  "A daemon that runs as root gives root on the host to whoever controls it or escapes a container; rootless mode runs the daemon and its containers as an unprivileged user.",
	Fix:        "Where the workloads allow it, run the daemon rootless (dockerd-rootless-setuptool.sh install as the user who will run it).",
	References: []string{cis + "2.1", "https://docs.docker.com/engine/security/rootless/"}, Level: 1, Assessment: misconfig.Manual,
}

// checkRootless needs the running daemon: only docker info says whether it
// is rootless.
func (s *scanner) checkRootless(d *daemon) {
	if d.info && !d.rootless {
		file, line := d.where()
		s.add(checkRootless.At(file, line, misconfig.Resource{Kind: "daemon", Name: "rootless"}, "%s runs as root (no name=rootless in its security options)", infoSource))
	}
}

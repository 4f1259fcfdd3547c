package dockerfile

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkPipeToShell = misconfig.Check{
		ID: "BW-DF-007", Title: "Downloaded script piped into a shell", Severity: severity.High, Target: misconfig.TargetDockerfile,
		Rationale:  "curl or wget piped into a shell runs whatever the server returns, unverified, as root in the build; a compromised server, DNS or proxy turns the build into remote code execution and the result into a backdoored image.",
		Fix:        "Download the script to a file, verify its checksum or signature, then run it; or install the tool from a package repository.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.11", refPractices + "#using-pipes"},
	}
	checkSudo = misconfig.Check{
		ID: "BW-DF-010", Title: "sudo used in RUN", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "Build steps already run as the current USER; sudo in an image means the sudo binary and a sudoers policy ship with it, an easy path from the application user to root, and its TTY and signal handling misbehave in containers.",
		Fix:        "Switch with USER root for the steps that need it and back to the unprivileged user afterwards; remove sudo from the image.",
		References: []string{refPractices + "#user"},
	}
	checkUpgrade = misconfig.Check{
		ID: "BW-DF-011", Title: "Whole distribution upgraded in RUN", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "apt-get upgrade, apk upgrade, yum update and the like change every package of the base image at build time, so two builds of the same Dockerfile differ and failures appear unrelated to any change.",
		Fix:        "Build from a more recent base image tag instead, or upgrade only the named packages that need a fix.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.4", refPractices + "#apt-get"},
	}
	checkAptRecommends = misconfig.Check{
		ID: "BW-DF-012", Title: "apt-get install without --no-install-recommends", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "Recommended packages are installed by default: they enlarge the image and its attack surface with software nothing asked for.",
		Fix:        "Add --no-install-recommends to apt-get install.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.3", refPractices + "#apt-get"},
	}
	checkAptLists = misconfig.Check{
		ID: "BW-DF-013", Title: "apt package lists left in the image", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "apt-get update downloads package lists to /var/lib/apt/lists; unless the same RUN deletes them they stay in the layer, adding size and stale metadata to the final image.",
		Fix:        "End the RUN that installs packages with && rm -rf /var/lib/apt/lists/*, or use a cache mount for /var/lib/apt.",
		References: []string{refPractices + "#apt-get"},
	}
	checkApkCache = misconfig.Check{
		ID: "BW-DF-014", Title: "apk add without --no-cache", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "apk keeps its package index and downloaded files in /var/cache/apk, which then ships in the final image.",
		Fix:        "Use apk add --no-cache (which also makes apk update unnecessary).",
		References: []string{refPractices},
	}
	checkYumCache = misconfig.Check{
		ID: "BW-DF-015", Title: "yum/dnf/zypper cache left in the image", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "yum, dnf and zypper keep repository metadata and packages in their cache; unless the same RUN cleans it, it ships in the final image.",
		Fix:        "End the RUN that installs packages with yum clean all (dnf clean all, zypper clean), or use a cache mount.",
		References: []string{refPractices},
	}
	checkPipCache = misconfig.Check{
		ID: "BW-DF-016", Title: "pip install without --no-cache-dir", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "pip keeps downloaded wheels in its cache directory, which then ships in the final image.",
		Fix:        "Add --no-cache-dir to pip install, set ENV PIP_NO_CACHE_DIR=1, or use a cache mount for /root/.cache/pip.",
		References: []string{refPractices},
	}
	checkUnpinnedPackage = misconfig.Check{
		ID: "BW-DF-017", Title: "Package version not pinned", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "Installing a package without a version takes whatever the repository serves that day: builds are not reproducible and a compromised or broken release is picked up without review.",
		Fix:        "Pin versions (apt-get install pkg=1.2-3, apk add pkg=1.2-r0, pip install pkg==1.2, npm install pkg@1.2.3), or install from a lock file.",
		References: []string{refPractices + "#apt-get"},
	}
	checkNoAssumeYes = misconfig.Check{
		ID: "BW-DF-018", Title: "Package install waits for confirmation", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "Without -y the package manager asks for confirmation; with no terminal the build either fails or, with some tools, proceeds unpredictably.",
		Fix:        "Add -y (apt-get, yum, dnf) or --non-interactive (zypper).",
		References: []string{refPractices + "#apt-get"},
	}
	checkWorldWritable = misconfig.Check{
		ID: "BW-DF-019", Title: "World-writable permissions", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "Files or directories writable by every user let any process in the container, whatever its user, replace binaries, scripts or configuration the application trusts.",
		Fix:        "Grant write access only to the owner or group that needs it (for example chmod 755 or 750, with chown to the application user); use the sticky bit for shared temporary directories.",
		References: []string{refDockerfile + "#copy---chmod"},
	}
	checkDockerSocket = misconfig.Check{
		ID: "BW-DF-023", Title: "Docker socket mounted", Severity: severity.Critical, Target: misconfig.TargetDockerfile,
		Rationale:  "Whoever can reach the Docker socket controls the Docker daemon and through it the host as root: a build step or container with the socket is not isolated at all.",
		Fix:        "Do not mount /var/run/docker.sock; build nested images with BuildKit or a rootless builder instead.",
		References: []string{"https://docs.docker.com/engine/security/#docker-daemon-attack-surface", refDockerfile + "#run---mount"},
	}
	checkCd = misconfig.Check{
		ID: "BW-DF-024", Title: "cd used in RUN", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "A cd inside RUN changes directory for that command only; later instructions run elsewhere, which makes the Dockerfile easy to misread.",
		Fix:        "Set the directory with WORKDIR.",
		References: []string{refPractices + "#workdir"},
	}
	checkAptInScript = misconfig.Check{
		ID: "BW-DF-028", Title: "apt used in a script", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "apt is meant for interactive use; its command-line interface is not stable and it warns when used in scripts.",
		Fix:        "Use apt-get (or apt-cache) in Dockerfiles.",
		References: []string{refPractices + "#apt-get"},
	}
	checkPipefail = misconfig.Check{
		ID: "BW-DF-032", Title: "Pipe without pipefail", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "A RUN pipeline's status is that of its last command; if an earlier one fails (a download, say) the build carries on with broken or empty input.",
		Fix:        "Set SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] before the RUN, or start the command with set -o pipefail where the shell supports it.",
		References: []string{refPractices + "#using-pipes"},
	}
	checkInsecureTransfer = misconfig.Check{
		ID: "BW-DF-033", Title: "TLS or signature verification disabled", Severity: severity.High, Target: misconfig.TargetDockerfile,
		Rationale:  "Options such as curl -k, wget --no-check-certificate, pip --trusted-host, apt --allow-unauthenticated or apk --allow-untrusted turn off the checks that stop an attacker on the network from substituting what gets installed.",
		Fix:        "Remove the option; install the CA certificate or signing key the repository needs instead.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.11"},
	}
	checkPlainHTTP = misconfig.Check{
		ID: "BW-DF-034", Title: "Download over plain HTTP", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "Content fetched over http:// can be read and replaced by anyone on the network path; with no checksum or signature check in the same step, the image contains whatever they chose.",
		Fix:        "Use https://, and verify a checksum or signature of what was downloaded.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.11"},
	}
	checkInsecureRun = misconfig.Check{
		ID: "BW-DF-036", Title: "RUN with --security=insecure", Severity: severity.High, Target: misconfig.TargetDockerfile,
		Rationale:  "RUN --security=insecure runs the step without the build sandbox, like docker run --privileged: the step can reach host devices and kernel interfaces.",
		Fix:        "Remove --security=insecure and find a way to do the step unprivileged.",
		References: []string{refDockerfile + "#run---security"},
	}
	checkUpdateAlone = misconfig.Check{
		ID: "BW-DF-037", Title: "Package index updated in a RUN of its own", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "A RUN with only apt-get update (or apk update) is cached as its own layer: later installs reuse the stale index, so they fail or install outdated packages.",
		Fix:        "Update and install in the same RUN: apt-get update && apt-get install -y …",
		References: []string{"CIS Docker Benchmark v1.6.0 4.7", refPractices + "#apt-get"},
	}
)

// mount is one RUN --mount, its keys lower-cased.
type mount map[string]string

func (m mount) target() string {
	for _, k := range []string{"target", "dst", "destination"} {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

func (m mount) source() string {
	if v := m["source"]; v != "" {
		return v
	}
	return m["src"]
}

// parseMount reads type=cache,target=/x style mount options.
func parseMount(v string) mount {
	m := mount{}
	for _, field := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(field, "=")
		m[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"'`)
	}
	return m
}

// posixShells are the shells whose syntax the shell reader understands.
var posixShells = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true, "mksh": true}

// interpreters read a program from standard input when given none.
// The value is the option that passes the program inline instead.
var interpreters = map[string]string{"python": "-c", "perl": "-e", "ruby": "-e", "node": "-e", "php": "-r"}

// run is what the checks learn from one RUN.
type run struct {
	st     *state
	in     *instr
	mounts []mount

	aptUpdate, aptChange, listsRemoved  bool
	apkUpdate, apkChange, apkNeedsClean bool
	apkCacheRemoved                     bool
	yumInstall                          string
	yumCleaned                          bool
	pipCache                            bool
	verified                            bool // a checksum or signature is checked
	httpURLs                            []string
	hasPipe, pipefail                   bool
}

// script returns the commands of a RUN. shellForm is whether they are
// read by a POSIX shell (so pipes and pipefail matter).
func (s *scanner) script(st *state, in *instr) (pls []pipeline, shellForm bool) {
	shell := st.shell
	if len(shell) == 0 {
		shell = []string{"/bin/sh", "-c"}
	}
	if in.json {
		if len(in.args) == 0 {
			return nil, false
		}
		if posixShells[baseName(in.args[0])] {
			for i, a := range in.args[1:] {
				if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "c") && i+2 < len(in.args) {
					return parseShell(in.args[i+2]), true
				}
			}
		}
		c, ok := newCommand(in.args)
		if !ok {
			return nil, false
		}
		return []pipeline{{c}}, false
	}
	if !posixShells[baseName(shell[0])] || len(in.args) == 0 {
		return nil, false // PowerShell, cmd.exe: not read
	}
	text := in.args[0]
	pls = parseShell(text)
	if len(in.heredocs) > 0 && heredocIsScript(pls, in.heredocs[0].Content) {
		for _, h := range in.heredocs {
			pls = append(pls, parseShell(h.Content)...)
		}
	}
	return pls, true
}

// heredocIsScript reports whether RUN's heredoc is the shell script it
// runs (RUN <<EOF, RUN bash <<EOF), rather than input to some program.
func heredocIsScript(pls []pipeline, content string) bool {
	if len(pls) == 0 { // only the heredoc: it is the script, run by its #! line or the shell
		first, _, _ := strings.Cut(content, "\n")
		if !strings.HasPrefix(first, "#!") {
			return true
		}
		f := strings.Fields(strings.TrimPrefix(first, "#!"))
		if len(f) == 0 {
			return true
		}
		prog := baseName(f[0])
		if prog == "env" && len(f) > 1 {
			prog = baseName(f[1])
		}
		return posixShells[prog]
	}
	c := pls[0][0]
	return posixShells[c.name] && !shellInline(c)
}

// shellInline reports whether a shell command is given its script with -c.
func shellInline(c command) bool {
	for _, a := range c.args[1:] {
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "c") {
			return true
		}
	}
	return false
}

var fetchSubst = regexp.MustCompile("(\\$\\(|<\\(|`)\\s*(curl|wget)\\b")

// checkRun runs the checks of a RUN instruction.
func (s *scanner) checkRun(st *state, in *instr) {
	s.checkCommandSecrets(in)
	r := &run{st: st, in: in}
	for _, v := range in.flag("mount") {
		m := parseMount(v)
		r.mounts = append(r.mounts, m)
		if strings.Contains(m.source(), "docker.sock") || strings.Contains(m.target(), "docker.sock") {
			s.report(checkDockerSocket, in, "%s mounts the Docker socket into the build step (--mount=%s)", in.keyword(), clip(v))
		}
		if from := m["from"]; from != "" {
			s.checkFromRef(st, in, from, in.keyword()+" --mount from")
		}
	}
	for _, v := range in.flag("security") {
		if strings.EqualFold(v, "insecure") {
			s.report(checkInsecureRun, in, "%s --security=insecure runs the step outside the build sandbox", in.keyword())
		}
	}
	pls, shellForm := s.script(st, in)
	for _, pl := range pls {
		if len(pl) > 1 {
			r.hasPipe = r.hasPipe || !pl[0].sub
			s.checkPipeline(in, pl)
		}
		for _, c := range pl {
			s.checkCommand(r, c)
		}
	}
	if shellForm && r.hasPipe && !r.pipefail && !hasWord(st.shell, "pipefail") {
		s.report(checkPipefail, in, "%s pipes commands without pipefail, so a failure before the last command goes unnoticed", in.keyword())
	}
	s.finishRun(r)
	if !in.onbuild {
		o := strings.ToLower(in.node.Original)
		for _, h := range in.heredocs {
			o += strings.ToLower(h.Content)
		}
		if strings.Contains(o, "apt::get::assume-yes") {
			st.aptAssumeYes = true
		}
		if strings.Contains(o, "apt::install-recommends") && (strings.Contains(o, `"0"`) || strings.Contains(o, "false")) {
			st.aptNoRecommends = true
		}
	}
}

// finishRun reports what needs the whole RUN to be seen.
func (s *scanner) finishRun(r *run) {
	in := r.in
	final := r.st.final && !in.onbuild
	if final && r.aptUpdate && !r.listsRemoved && !r.cacheMount("/var/lib/apt") {
		s.report(checkAptLists, in, "%s runs apt-get update but does not remove /var/lib/apt/lists in the same step", in.keyword())
	}
	if final && r.apkNeedsClean && !r.apkCacheRemoved && !r.cacheMount("/var/cache/apk") {
		s.report(checkApkCache, in, "%s runs apk add without --no-cache, leaving the package index in /var/cache/apk", in.keyword())
	}
	if final && r.yumInstall != "" && !r.yumCleaned && !r.cacheMount("/var/cache/yum") && !r.cacheMount("/var/cache/dnf") &&
		!r.cacheMount("/var/cache/zypp") && !r.cacheMount("/var/cache/libdnf5") {
		s.report(checkYumCache, in, "%s runs %s install without cleaning the package cache in the same step", in.keyword(), r.yumInstall)
	}
	if final && r.pipCache && !r.cacheMount("/root/.cache") {
		s.report(checkPipCache, in, "%s runs pip install without --no-cache-dir", in.keyword())
	}
	if !r.verified {
		for _, u := range r.httpURLs {
			s.report(checkPlainHTTP, in, "%s downloads %s over plain HTTP without verifying a checksum", in.keyword(), u)
		}
	}
	if r.aptUpdate && !r.aptChange {
		s.report(checkUpdateAlone, in, "%s runs apt-get update without installing anything in the same step", in.keyword())
	}
	if r.apkUpdate && !r.apkChange {
		s.report(checkUpdateAlone, in, "%s runs apk update without installing anything in the same step", in.keyword())
	}
}

// cacheMount reports whether the RUN mounts a cache or tmpfs at or
// above dir, so nothing written there stays in the layer.
func (r *run) cacheMount(dir string) bool {
	for _, m := range r.mounts {
		t := strings.TrimSuffix(m.target(), "/")
		if t == "" || (m["type"] != "cache" && m["type"] != "tmpfs") {
			continue
		}
		if dir == t || strings.HasPrefix(dir, t+"/") || strings.HasPrefix(t, dir+"/") {
			return true
		}
	}
	return false
}

// checkPipeline reports a download piped into a shell or interpreter.
func (s *scanner) checkPipeline(in *instr, pl pipeline) {
	for i, c := range pl {
		if c.name != "curl" && c.name != "wget" {
			continue
		}
		for _, sink := range pl[i+1:] {
			if readsProgram(sink) {
				s.report(checkPipeToShell, in, "%s pipes the output of %s into %s, running downloaded code unverified", in.keyword(), c.name, sink.name)
				return
			}
		}
	}
}

// readsProgram reports whether a command runs a program read from its
// standard input: sh, bash -s, python -, …
func readsProgram(c command) bool {
	inline, ok := interpreters[c.name]
	if posixShells[c.name] {
		inline, ok = "-c", true
	}
	if !ok {
		return false
	}
	args := c.args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-" || a == "-s":
			return true
		case a == "--":
			return i+1 == len(args)
		case a == "-o" && posixShells[c.name]:
			i++ // -o pipefail
		case strings.HasPrefix(a, "--"):
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if a == inline || (posixShells[c.name] && strings.ContainsAny(a[1:], "c")) {
				return false
			}
			if posixShells[c.name] && strings.Contains(a, "s") {
				return true
			}
		default:
			return false // a script file: standard input is its data
		}
	}
	return true
}

// checkCommand checks one simple command and records what finishRun
// needs.
func (s *scanner) checkCommand(r *run, c command) {
	in := r.in
	if c.sudo {
		s.report(checkSudo, in, "%s uses sudo to run %s", in.keyword(), orWord(c.name, "a command"))
	}
	env := c.env
	if c.name == "export" || c.name == "declare" || c.name == "typeset" {
		env = append(env, c.args[1:]...)
	}
	for _, e := range env {
		k, v, ok := strings.Cut(e, "=")
		if !ok {
			continue
		}
		if what, bad := insecureSetting(k, v); bad {
			s.report(checkInsecureTransfer, in, "%s sets %s=%s, which %s", in.keyword(), k, clip(v), what)
		}
	}
	for _, w := range c.words[1:] {
		lw := strings.ToLower(w)
		switch {
		case strings.Contains(lw, "trusted=yes"):
			s.report(checkInsecureTransfer, in, "%s writes an apt source marked [trusted=yes], which installs packages without checking signatures", in.keyword())
		case strings.Contains(lw, "gpgcheck=0"):
			s.report(checkInsecureTransfer, in, "%s writes a repository definition with gpgcheck=0, which installs packages without checking signatures", in.keyword())
		}
	}
	if posixShells[c.name] || c.name == "eval" || c.name == "source" || c.name == "." {
		for _, w := range c.args[1:] {
			if m := fetchSubst.FindStringSubmatch(w); m != nil {
				s.report(checkPipeToShell, in, "%s runs the output of %s with %s, running downloaded code unverified", in.keyword(), m[2], c.name)
			}
		}
	}
	if len(c.args) == 0 {
		return
	}
	args := c.args[1:]
	switch c.name {
	case "cd":
		s.report(checkCd, in, "%s changes directory with cd; later instructions do not see it", in.keyword())
	case "apt-get", "apt":
		s.checkApt(r, c)
	case "apk":
		s.checkApk(r, args)
	case "yum", "dnf", "microdnf", "tdnf":
		s.checkYum(r, c.name, args)
	case "zypper":
		s.checkZypper(r, args)
	case "pip":
		s.checkPip(r, args)
	case "npm", "yarn", "pnpm":
		s.checkNode(r, c.name, args)
	case "gem":
		a := parseArgs(args, "-v --version -i --install-dir -n --bindir --source -s -P --trust-policy --platform")
		if len(a.operands) > 1 && a.operands[0] == "install" && !a.has("-v", "--version") {
			s.reportUnpinned(r, "gem install", a.operands[1:], func(p string) bool {
				return strings.Contains(p, ":") || strings.HasSuffix(p, ".gem")
			})
		}
		if a.has("-P", "--trust-policy") && strings.EqualFold(strings.Join(a.values("-P", "--trust-policy"), ""), "NoSecurity") {
			s.report(checkInsecureTransfer, in, "%s installs gems with the NoSecurity trust policy", in.keyword())
		}
	case "go":
		if len(args) > 1 && (args[0] == "install" || args[0] == "get") {
			for _, p := range args[1:] {
				if strings.HasSuffix(p, "@latest") {
					s.report(checkUnpinnedPackage, in, "%s runs go %s %s, which takes whatever version is newest", in.keyword(), args[0], p)
				}
			}
		}
	case "curl":
		s.checkCurl(r, args)
	case "wget":
		for _, a := range args {
			if a == "--no-check-certificate" {
				s.report(checkInsecureTransfer, in, "%s runs wget --no-check-certificate, which accepts any TLS certificate", in.keyword())
			}
		}
		r.addURLs(args)
	case "git":
		lower := strings.ToLower(strings.Join(args, " "))
		if strings.Contains(lower, "http.sslverify=false") || strings.Contains(lower, "http.sslverify false") ||
			strings.Contains(lower, "http.sslverify=0") || strings.Contains(lower, "http.sslverify 0") {
			s.report(checkInsecureTransfer, in, "%s sets git http.sslVerify to false, which accepts any TLS certificate", in.keyword())
		}
		if len(args) > 0 && (args[0] == "clone" || args[0] == "fetch" || args[0] == "pull" || args[0] == "submodule") {
			r.addURLs(args)
		}
	case "rpm":
		for _, a := range args {
			if a == "--nosignature" || a == "--nodigest" || a == "--nosig" {
				s.report(checkInsecureTransfer, in, "%s runs rpm %s, which installs packages without checking them", in.keyword(), a)
			}
		}
	case "chmod":
		a := parseArgs(args, "--reference")
		if len(a.operands) > 1 && worldWritable(a.operands[0]) {
			s.report(checkWorldWritable, in, "%s runs chmod %s %s, making it writable by every user", in.keyword(), a.operands[0], clip(strings.Join(a.operands[1:], " ")))
		}
	case "docker", "podman", "nerdctl":
		for _, a := range args {
			if strings.Contains(a, "docker.sock") {
				s.report(checkDockerSocket, in, "%s runs %s with the Docker socket (%s)", in.keyword(), c.name, clip(a))
				break
			}
		}
	case "rm":
		for _, p := range parseArgs(args, "").operands {
			switch {
			case strings.HasPrefix(p, "/var/lib/apt/lists"):
				r.listsRemoved = true
			case strings.HasPrefix(p, "/var/cache/apk"):
				r.apkCacheRemoved = true
			case strings.HasPrefix(p, "/var/cache/yum"), strings.HasPrefix(p, "/var/cache/dnf"), strings.HasPrefix(p, "/var/cache/zypp"):
				r.yumCleaned = true
			}
		}
	case "sha256sum", "sha512sum", "sha384sum", "sha1sum", "md5sum", "shasum", "b2sum", "gpg", "gpgv", "cosign", "minisign", "signify", "slsa-verifier":
		r.verified = true
	case "set":
		if hasWord(args, "pipefail") {
			r.pipefail = true
		}
	}
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func hasWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

// checkApt checks apt-get and apt.
func (s *scanner) checkApt(r *run, c command) {
	in := r.in
	prog := c.name
	a := parseArgs(c.args[1:], "-o -c -t --option --config-file --target-release --default-release")
	opts := strings.ToLower(strings.Join(a.values("-o", "--option"), " "))
	for _, f := range []string{"--allow-unauthenticated", "--force-yes", "--allow-insecure-repositories"} {
		if a.has(f) {
			s.report(checkInsecureTransfer, in, "%s runs %s %s, which installs packages without checking signatures", in.keyword(), prog, f)
		}
	}
	for _, o := range []string{"allowunauthenticated=true", "allowinsecurerepositories=true", "verify-peer=false", "verify-host=false"} {
		if strings.Contains(opts, o) {
			s.report(checkInsecureTransfer, in, "%s runs %s with -o %s, which turns off signature or TLS checks", in.keyword(), prog, o)
		}
	}
	if len(a.operands) == 0 {
		return
	}
	sub := a.operands[0]
	if prog == "apt" {
		s.report(checkAptInScript, in, "%s runs apt %s; use apt-get in scripts", in.keyword(), sub)
	}
	switch sub {
	case "update":
		r.aptUpdate = true
	case "install", "reinstall":
		r.aptChange = true
		quiet := a.count("-q") >= 2 || hasWord(a.values("--quiet"), "2")
		if !quiet && !r.st.aptAssumeYes && !a.has("-y", "--yes", "--assume-yes") &&
			!strings.Contains(opts, "assume-yes=true") && !strings.Contains(opts, "assume-yes=1") {
			s.report(checkNoAssumeYes, in, "%s runs %s install without -y", in.keyword(), prog)
		}
		if !r.st.aptNoRecommends && !a.has("--no-install-recommends") &&
			!strings.Contains(opts, "install-recommends=false") && !strings.Contains(opts, "install-recommends=0") {
			s.report(checkAptRecommends, in, "%s runs %s install without --no-install-recommends", in.keyword(), prog)
		}
		s.reportUnpinned(r, prog+" install", a.operands[1:], func(p string) bool {
			return strings.Contains(p, "=") || strings.HasSuffix(p, ".deb")
		})
	case "upgrade", "dist-upgrade", "full-upgrade":
		r.aptChange = true
		s.report(checkUpgrade, in, "%s runs %s %s", in.keyword(), prog, sub)
	case "build-dep", "satisfy", "source":
		r.aptChange = true
	}
}

// checkApk checks apk.
func (s *scanner) checkApk(r *run, args []string) {
	in := r.in
	a := parseArgs(args, "-X --repository -t --virtual -p --root --arch --keys-dir --cache-dir --repositories-file --cache-max-age")
	if a.has("--allow-untrusted") {
		s.report(checkInsecureTransfer, in, "%s runs apk --allow-untrusted, which installs packages without checking signatures", in.keyword())
	}
	if len(a.operands) == 0 {
		return
	}
	switch a.operands[0] {
	case "update":
		r.apkUpdate = true
	case "add":
		r.apkChange = true
		if !a.has("--no-cache") {
			r.apkNeedsClean = true
		}
		s.reportUnpinned(r, "apk add", a.operands[1:], func(p string) bool {
			return strings.ContainsAny(p, "=~<>") || strings.HasSuffix(p, ".apk")
		})
	case "upgrade":
		r.apkChange = true
		if len(a.operands) == 1 {
			s.report(checkUpgrade, in, "%s runs apk upgrade", in.keyword())
		}
	case "cache":
		if len(a.operands) > 1 && (a.operands[1] == "clean" || a.operands[1] == "purge") {
			r.apkCacheRemoved = true
		}
	case "fix":
		r.apkChange = true
	}
}

// checkYum checks yum, dnf, microdnf and tdnf.
func (s *scanner) checkYum(r *run, prog string, args []string) {
	in := r.in
	a := parseArgs(args, "-c --config -e -d -x --exclude --installroot --releasever --enablerepo --disablerepo --repo --repoid --setopt")
	setopt := strings.ToLower(strings.Join(a.values("--setopt"), " "))
	if a.has("--nogpgcheck", "--no-gpgchecks") || strings.Contains(setopt, "gpgcheck=0") || strings.Contains(setopt, "sslverify=0") || strings.Contains(setopt, "sslverify=false") {
		s.report(checkInsecureTransfer, in, "%s runs %s with signature or TLS checks turned off", in.keyword(), prog)
	}
	if len(a.operands) == 0 {
		return
	}
	switch a.operands[0] {
	case "install", "groupinstall", "localinstall", "reinstall", "group":
		if a.operands[0] == "group" && (len(a.operands) < 2 || a.operands[1] != "install") {
			return
		}
		if r.yumInstall == "" {
			r.yumInstall = prog
		}
		// microdnf and tdnf do not ask for confirmation.
		if (prog == "yum" || prog == "dnf") && !a.has("-y", "--assumeyes") {
			s.report(checkNoAssumeYes, in, "%s runs %s install without -y", in.keyword(), prog)
		}
	case "update", "upgrade", "distro-sync", "upgrade-minimal":
		if len(a.operands) == 1 {
			s.report(checkUpgrade, in, "%s runs %s %s", in.keyword(), prog, a.operands[0])
		}
	case "clean":
		r.yumCleaned = true
	}
}

// checkZypper checks zypper.
func (s *scanner) checkZypper(r *run, args []string) {
	in := r.in
	a := parseArgs(args, "-r --repo --root -R --reposd-dir -D --cache-dir -C --raw-cache-dir")
	if a.has("--no-gpg-checks") {
		s.report(checkInsecureTransfer, in, "%s runs zypper --no-gpg-checks, which installs packages without checking signatures", in.keyword())
	}
	if len(a.operands) == 0 {
		return
	}
	switch a.operands[0] {
	case "in", "install":
		if r.yumInstall == "" {
			r.yumInstall = "zypper"
		}
		if !a.has("-n", "--non-interactive", "-y", "--no-confirm") {
			s.report(checkNoAssumeYes, in, "%s runs zypper install without --non-interactive", in.keyword())
		}
	case "up", "update", "dup", "dist-upgrade", "patch":
		if len(a.operands) == 1 {
			s.report(checkUpgrade, in, "%s runs zypper %s", in.keyword(), a.operands[0])
		}
	case "clean", "cc":
		r.yumCleaned = true
	}
}

// checkPip checks pip install.
func (s *scanner) checkPip(r *run, args []string) {
	in := r.in
	a := parseArgs(args, "-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f --find-links -t --target "+
		"--prefix --root --trusted-host --platform --python-version --implementation --abi --src --upgrade-strategy --progress-bar "+
		"--cache-dir --log --proxy --timeout --retries --cert --client-cert --global-option -C --config-settings --no-binary "+
		"--only-binary --exists-action --report --python")
	if len(a.operands) == 0 || a.operands[0] != "install" {
		return
	}
	if a.has("--trusted-host") {
		s.report(checkInsecureTransfer, in, "%s runs pip install --trusted-host %s, which accepts the host without valid TLS", in.keyword(), strings.Join(a.values("--trusted-host"), ","))
	}
	r.addURLs(a.values("-i", "--index-url", "--extra-index-url", "-f", "--find-links"))
	// PIP_NO_CACHE_DIR, set by ENV, export or before the command, does
	// what --no-cache-dir does.
	if _, set := r.st.env.get("PIP_NO_CACHE_DIR"); !set && !a.has("--no-cache-dir") && !strings.Contains(r.in.node.Original, "PIP_NO_CACHE_DIR=") {
		r.pipCache = true
	}
	if a.has("-c", "--constraint", "--require-hashes") {
		return
	}
	s.reportUnpinned(r, "pip install", a.operands[1:], func(p string) bool {
		return strings.Contains(p, "==") || strings.Contains(p, "@")
	})
}

// checkNode checks npm, yarn and pnpm.
func (s *scanner) checkNode(r *run, prog string, args []string) {
	in := r.in
	a := parseArgs(args, "--prefix --registry --cache -w --workspace --tag --userconfig --cwd")
	ops := a.operands
	if len(ops) >= 3 && ops[0] == "config" && ops[1] == "set" {
		kv := strings.ToLower(strings.Join(ops[2:], "="))
		if strings.HasPrefix(kv, "strict-ssl=false") {
			s.report(checkInsecureTransfer, in, "%s runs %s config set strict-ssl false, which accepts any TLS certificate", in.keyword(), prog)
		}
		return
	}
	if len(ops) > 0 && ops[0] == "global" {
		ops = ops[1:]
	}
	if len(ops) < 2 {
		return
	}
	switch ops[0] {
	case "install", "i", "add":
	default:
		return
	}
	s.reportUnpinned(r, prog+" "+ops[0], ops[1:], func(p string) bool {
		at := strings.LastIndexByte(p, '@')
		return at > 0 && p[at+1:] != "latest" && p[at+1:] != ""
	})
}

// reportUnpinned reports the packages that pinned does not accept.
// Variables, paths and URLs are left alone: what they name is not known.
func (s *scanner) reportUnpinned(r *run, what string, pkgs []string, pinned func(string) bool) {
	var loose []string
	for _, p := range pkgs {
		if p == "" || strings.ContainsAny(p, "$`*") || strings.HasPrefix(p, ".") || strings.HasPrefix(p, "/") ||
			strings.HasPrefix(p, "~") || strings.Contains(p, "://") || strings.HasPrefix(p, "git+") ||
			strings.HasSuffix(p, ".whl") || strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz") || strings.HasSuffix(p, ".zip") {
			continue
		}
		if !pinned(p) {
			loose = append(loose, p)
		}
	}
	if len(loose) == 0 {
		return
	}
	list := strings.Join(loose, ", ")
	if len(loose) > 4 {
		list = strings.Join(loose[:4], ", ") + ", …"
	}
	s.report(checkUnpinnedPackage, r.in, "%s runs %s without pinning versions: %s", r.in.keyword(), what, list)
}

// curlValued are curl's short options that take a value.
const curlValued = "AbcCdDeEFHKmoPQrtTuUwxXyYz"

// checkCurl checks curl's options and URLs.
func (s *scanner) checkCurl(r *run, args []string) {
	in := r.in
	insecure := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--insecure":
			insecure = true
		case strings.HasPrefix(a, "--"):
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for j := 1; j < len(a); j++ {
				if a[j] == 'k' {
					insecure = true
				}
				if strings.IndexByte(curlValued, a[j]) >= 0 {
					if j == len(a)-1 {
						i++ // the value is the next word
					}
					break
				}
			}
		}
	}
	if insecure {
		s.report(checkInsecureTransfer, in, "%s runs curl with -k (--insecure), which accepts any TLS certificate", in.keyword())
	}
	r.addURLs(args)
}

// addURLs records plain-HTTP URLs among words.
func (r *run) addURLs(words []string) {
	for _, w := range words {
		if u, ok := plainHTTP(w); ok {
			r.httpURLs = append(r.httpURLs, u)
		}
	}
}

// plainHTTP reports whether w is an http:// URL to a host other than the
// local one, and returns it without any user:password part.
func plainHTTP(w string) (string, bool) {
	if len(w) < 7 || !strings.EqualFold(w[:7], "http://") {
		return "", false
	}
	u, err := url.Parse(w)
	if err != nil || u.Host == "" || strings.ContainsAny(u.Host, "$`{") {
		return "", false
	}
	h := u.Hostname()
	if h == "localhost" || h == "::1" || h == "0.0.0.0" || strings.HasPrefix(h, "127.") {
		return "", false
	}
	u.User, u.RawQuery, u.Fragment = nil, "", "" // credentials and tokens stay out of messages
	return clip(u.String()), true
}

// worldWritable reports whether a chmod mode gives write access to
// others. Modes with the sticky bit (chmod 1777 /tmp) are the accepted
// way to share a directory and are left alone.
func worldWritable(mode string) bool {
	if mode == "" {
		return false
	}
	if strings.Trim(mode, "01234567") == "" {
		if len(mode) > 6 {
			return false
		}
		v := 0
		for _, c := range mode {
			v = v*8 + int(c-'0')
		}
		return v&0o002 != 0 && v&0o1000 == 0
	}
	world := false
	for _, clause := range strings.Split(mode, ",") {
		j := 0
		for j < len(clause) && strings.IndexByte("ugoa", clause[j]) >= 0 {
			j++
		}
		who, rest := clause[:j], clause[j:]
		for k := 0; k < len(rest); {
			op := rest[k]
			if op != '+' && op != '=' && op != '-' {
				return false // not a mode
			}
			k++
			start := k
			for k < len(rest) && strings.IndexByte("+-=", rest[k]) < 0 {
				k++
			}
			perms := rest[start:k]
			if strings.Contains(perms, "t") {
				return false
			}
			if op != '-' && strings.Contains(perms, "w") && strings.ContainsAny(who, "oa") {
				world = true
			}
		}
	}
	return world
}

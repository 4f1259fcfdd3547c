// Package imageconfig audits a built image the way Dockle does: its
// configuration (user, health check, environment, exposed ports, tags,
// build history) and what its layers leave behind (setuid files, keys,
// credentials, shell histories, .git folders, package manager caches) —
// including files a later layer deleted, whose bytes every pull still
// downloads.
package imageconfig

import (
	"fmt"
	iofs "io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// Input is the image to audit.
type Input struct {
	Config *v1.ConfigFile
	// RepoTags are the image's names (from the archive or the reference
	// the user gave).
	RepoTags []string
	// FS is the merged file system of the layers, with the files later
	// layers hid; nil to audit the configuration only.
	FS Files
}

const (
	cisDocker = "CIS Docker Benchmark v1.6.0 "
	dockerRef = "https://docs.docker.com/reference/dockerfile/"
)

var (
	checkRootUser = misconfig.Check{
		ID: "BW-IMG-001", Title: "Image runs as root", Severity: severity.High, Target: misconfig.TargetImage,
		Rationale:  "The image sets no user, or sets root, so its processes run as UID 0. A process that escapes the container, or a volume mounted into it, is then reached with root's rights.",
		Fix:        "Create an unprivileged user in the image and name it with USER (for example USER 10001), or run with --user.",
		References: []string{cisDocker + "4.1", dockerRef + "#user"},
	}
	checkNoHealthcheck = misconfig.Check{
		ID: "BW-IMG-002", Title: "No HEALTHCHECK", Severity: severity.Low, Target: misconfig.TargetImage,
		Rationale:  "Without a health check, Docker and Compose cannot tell a hung container from a working one and will not restart it.",
		Fix:        "Add a HEALTHCHECK instruction that probes the service, or rely on the orchestrator's probes and suppress this check.",
		References: []string{cisDocker + "4.6", dockerRef + "#healthcheck"},
	}
	checkSetuidFile = misconfig.Check{
		ID: "BW-IMG-003", Title: "setuid or setgid file", Severity: severity.Low, Target: misconfig.TargetImage,
		Rationale:  "A setuid or setgid executable runs with its owner's or group's rights whoever starts it; each is a path to privilege escalation inside the container.",
		Fix:        "Remove the files the application does not need, or clear the bits: RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +",
		References: []string{cisDocker + "4.8"},
	}
	checkEnvSecret = misconfig.Check{
		ID: "BW-IMG-004", Title: "Credential in an environment variable", Severity: severity.High, Target: misconfig.TargetImage,
		Rationale:  "ENV values are stored in the image configuration: anyone who can pull the image can read them with docker inspect, and every container inherits them.",
		Fix:        "Pass credentials at run time (secrets, a mounted file, or the orchestrator's secret store); use build secrets (RUN --mount=type=secret) during the build.",
		References: []string{cisDocker + "4.10", "https://docs.docker.com/build/building/secrets/"},
	}
	checkSensitiveFile = misconfig.Check{
		ID: "BW-IMG-005", Title: "Credential or private key file in the image", Severity: severity.High, Target: misconfig.TargetImage,
		Rationale:  "Private keys and credential files in a layer are readable by anyone who pulls the image, even when a later layer deleted them.",
		Fix:        "Do not copy keys or credential files into the build context; use build secrets, and add them to .dockerignore.",
		References: []string{cisDocker + "4.10", "https://docs.docker.com/build/building/secrets/"},
	}
	checkLeftoverFile = misconfig.Check{
		ID: "BW-IMG-006", Title: "Build leftover in the image", Severity: severity.Medium, Target: misconfig.TargetImage,
		Rationale:  "Shell histories, .git folders and SSH host keys left in an image leak commands, source history and shared host identities to anyone who pulls it.",
		Fix:        "Exclude them with .dockerignore, use multi-stage builds, and generate host keys when the container starts.",
		References: []string{"https://docs.docker.com/build/concepts/context/#dockerignore-files"},
	}
	checkPackageCache = misconfig.Check{
		ID: "BW-IMG-007", Title: "Package manager cache left in the image", Severity: severity.Low, Target: misconfig.TargetImage,
		Rationale:  "Downloaded packages and index files make the image larger and slower to pull, and carry nothing the application runs.",
		Fix:        "Clean in the same RUN that installs: apt-get clean && rm -rf /var/lib/apt/lists/*, apk add --no-cache, yum clean all, pip --no-cache-dir, npm cache clean --force.",
		References: []string{"https://docs.docker.com/build/building/best-practices/#apt-get"},
	}
	checkLatestTag = misconfig.Check{
		ID: "BW-IMG-008", Title: "Image tagged only as latest", Severity: severity.Low, Target: misconfig.TargetImage,
		Rationale:  "A latest tag moves with every push: a deployment that names it cannot be reproduced or rolled back, and may run an image nobody reviewed.",
		Fix:        "Tag images with a version or the commit, and deploy by that tag or by digest.",
		References: []string{"https://docs.docker.com/reference/cli/docker/image/tag/"},
	}
	checkAddInstruction = misconfig.Check{
		ID: "BW-IMG-009", Title: "ADD used in the build", Severity: severity.Low, Target: misconfig.TargetImage,
		Rationale:  "ADD fetches URLs and unpacks archives implicitly, so what lands in the image depends on remote content or archive contents nobody reviewed; COPY only copies.",
		Fix:        "Use COPY for local files; download with a checksum-verified RUN or ADD --checksum for remote files.",
		References: []string{cisDocker + "4.9", dockerRef + "#add"},
	}
	checkSudoUsed = misconfig.Check{
		ID: "BW-IMG-010", Title: "sudo used in the build", Severity: severity.Low, Target: misconfig.TargetImage,
		Rationale:  "A build that needs sudo usually leaves sudo and a sudoers entry in the image, a ready path back to root.",
		Fix:        "Run privileged build steps as root before the USER instruction, and do not install sudo.",
		References: []string{dockerRef + "#user"},
	}
	checkUpdateAlone = misconfig.Check{
		ID: "BW-IMG-011", Title: "Package index updated in a step that installs nothing", Severity: severity.Low, Target: misconfig.TargetImage,
		Rationale:  "A cached 'apt-get update' layer is reused by later builds, so installs in other steps get stale package versions, including missing security fixes.",
		Fix:        "Update and install in the same RUN: apt-get update && apt-get install -y --no-install-recommends pkg.",
		References: []string{cisDocker + "4.7", "https://docs.docker.com/build/building/best-practices/#apt-get"},
	}
	checkSSHPort = misconfig.Check{
		ID: "BW-IMG-012", Title: "SSH port exposed", Severity: severity.Medium, Target: misconfig.TargetImage,
		Rationale:  "Running sshd in a container adds a remote login service to secure and patch; docker exec or kubectl exec reach the container without it.",
		Fix:        "Remove the SSH server and EXPOSE 22; use docker exec or kubectl exec.",
		References: []string{cisDocker + "5.7"},
	}
)

// Checks lists the checks this package runs, in ID order: a fresh slice
// the caller may change.
func Checks() []misconfig.Check {
	return misconfig.Catalog(
		checkRootUser, checkNoHealthcheck, checkSetuidFile, checkEnvSecret,
		checkSensitiveFile, checkLeftoverFile, checkPackageCache, checkLatestTag,
		checkAddInstruction, checkSudoUsed, checkUpdateAlone, checkSSHPort,
	)
}

// Scan audits an image.
func Scan(in Input) []misconfig.Finding {
	var out []misconfig.Finding
	add := func(f misconfig.Finding) {
		f.Layer = -1
		out = append(out, f)
	}
	if cfg := in.Config; cfg != nil {
		c := cfg.Config
		if isRoot(c.User) {
			msg := "the image config sets no user, so containers run as root"
			if c.User != "" {
				msg = fmt.Sprintf("the image config sets user %q", c.User)
			}
			add(checkRootUser.At("config.User", 0, misconfig.Resource{}, "%s", msg))
		}
		if c.Healthcheck == nil || len(c.Healthcheck.Test) == 0 || strings.EqualFold(c.Healthcheck.Test[0], "NONE") {
			add(checkNoHealthcheck.At("config.Healthcheck", 0, misconfig.Resource{}, "the image config has no health check"))
		}
		for _, e := range c.Env {
			name, value, _ := strings.Cut(e, "=")
			if sensitiveName(name) && literal(value) {
				add(checkEnvSecret.At("config.Env", 0, misconfig.Resource{}, "environment variable %s holds a value in the image config", name))
			}
		}
		for port := range c.ExposedPorts {
			if p, _, _ := strings.Cut(port, "/"); p == "22" {
				add(checkSSHPort.At("config.ExposedPorts", 0, misconfig.Resource{}, "the image exposes port %s", port))
			}
		}
		out = append(out, historyFindings(cfg.History)...)
	}
	if len(in.RepoTags) > 0 {
		latest := true
		for _, t := range in.RepoTags {
			if !strings.HasSuffix(t, ":latest") && strings.Contains(afterSlash(t), ":") {
				latest = false
			}
		}
		if latest {
			add(checkLatestTag.At("RepoTags", 0, misconfig.Resource{}, "the image is named only %s", strings.Join(in.RepoTags, ", ")))
		}
	}
	if in.FS != nil {
		out = append(out, fileFindings(in.FS)...)
	}
	return out
}

func afterSlash(ref string) string {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

func isRoot(user string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(user), ":")
	return name == "" || name == "root" || name == "0"
}

var secretName = regexp.MustCompile(`(?i)(passw(or)?d|passwd|secret|token|api_?key|access_?key|private_?key|credential|auth)`)

// sensitiveName: a variable named for a credential. Names that point at
// one (…_FILE, …_PATH, …_URL) or configure one (…_LENGTH) do not count.
func sensitiveName(name string) bool {
	if !secretName.MatchString(name) {
		return false
	}
	upper := strings.ToUpper(name)
	for _, s := range []string{"_FILE", "_PATH", "_DIR", "_URL", "_URI", "_HOST", "_PORT", "_LENGTH", "_SIZE", "_TTL", "_TIMEOUT", "_ENABLED", "_MODE", "_TYPE", "_NAME", "_USER", "_HEADER", "_METHOD"} {
		if strings.HasSuffix(upper, s) {
			return false
		}
	}
	return true
}

// literal: a value that is a credential rather than empty, a reference to
// another variable, or a boolean.
func literal(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 4 || strings.HasPrefix(v, "$") {
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "none", "null", "changeme", "password", "secret":
		return false
	}
	return true
}

// historyFindings reads the build steps recorded in the configuration.
func historyFindings(history []v1.History) []misconfig.Finding {
	var out []misconfig.Finding
	for i, h := range history {
		cmd := h.CreatedBy
		field := fmt.Sprintf("history[%d].created_by", i)
		step := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cmd), "/bin/sh -c"))
		step = strings.TrimSpace(strings.TrimPrefix(step, "#(nop)"))
		upper := strings.ToUpper(step)
		f := func(c misconfig.Check, format string, args ...any) {
			x := c.At(field, 0, misconfig.Resource{}, format, args...)
			x.Layer = -1
			out = append(out, x)
		}
		if strings.HasPrefix(upper, "ADD ") && !baseRootfs(step) {
			f(checkAddInstruction, "build step %d: %s", i, shorten(step, 120))
		}
		if !strings.HasPrefix(upper, "RUN") && strings.Contains(cmd, "#(nop)") {
			continue // metadata steps: ENV, LABEL, CMD…
		}
		if hasWord(step, "sudo") {
			f(checkSudoUsed, "build step %d runs sudo", i)
		}
		if updateWithoutInstall(step) {
			f(checkUpdateAlone, "build step %d updates the package index without installing in the same step", i)
		}
	}
	return out
}

// baseRootfs: the base image's root file system, added from a tarball
// ("ADD file:3a7f… in /"), which every image built FROM scratch has.
func baseRootfs(step string) bool {
	f := strings.Fields(step)
	return len(f) >= 2 && (strings.HasPrefix(f[1], "file:") || strings.HasPrefix(f[1], "dir:")) && strings.HasSuffix(step, " /")
}

func hasWord(s, w string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ';' || r == '&' || r == '|' || r == '\t' || r == '(' }) {
		if f == w {
			return true
		}
	}
	return false
}

func updateWithoutInstall(step string) bool {
	s := " " + step + " "
	updates := strings.Contains(s, "apt-get update") || strings.Contains(s, "apt update") || strings.Contains(s, "apk update") || strings.Contains(s, "yum makecache")
	installs := strings.Contains(s, " install") || strings.Contains(s, "apk add") || strings.Contains(s, "upgrade")
	return updates && !installs
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// Sensitive files by name. Paths are relative to the image root.
var (
	privateKeyNames = map[string]bool{"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true, "id_ecdsa_sk": true, "id_ed25519_sk": true}
	credentialFiles = []string{".aws/credentials", ".docker/config.json", ".kube/config", ".git-credentials", ".netrc", ".pypirc", ".npmrc", ".gem/credentials", ".config/gh/hosts.yml", ".m2/settings-security.xml", ".vault-token"}
	historyNames    = map[string]bool{".bash_history": true, ".zsh_history": true, ".ash_history": true, ".sh_history": true, ".python_history": true, ".mysql_history": true, ".psql_history": true, ".node_repl_history": true, ".rediscli_history": true, ".lesshst": false}
	hostKey         = regexp.MustCompile(`^etc/ssh/ssh_host_[a-z0-9]+_key$`)
)

type cache struct {
	dir  string
	what string
	// entry decides which files under dir count (nil: all)
	entry func(rel string) bool
}

var caches = []cache{
	{dir: "var/cache/apt/archives", what: "apt package archives", entry: func(r string) bool { return strings.HasSuffix(r, ".deb") }},
	{dir: "var/lib/apt/lists", what: "apt package lists", entry: func(r string) bool { return !strings.Contains(r, "/") && r != "lock" }},
	{dir: "var/cache/apk", what: "apk cache"},
	{dir: "var/cache/yum", what: "yum cache"},
	{dir: "var/cache/dnf", what: "dnf cache"},
	{dir: "root/.cache/pip", what: "pip cache"},
	{dir: "root/.npm/_cacache", what: "npm cache"},
	{dir: "usr/local/share/.cache/yarn", what: "yarn cache"},
}

// fileFindings looks through the merged file system and at the files
// later layers hid.
// Files is the image's file system as the audit reads it (a
// layerfs.FS): EachFile visits every file visible in the merged view
// (hiddenBy -1), then each file a later layer deleted or replaced, with
// the layer holding that copy and the layer that hid it.
type Files interface {
	EachFile(visit func(path string, mode iofs.FileMode, size int64, layer, hiddenBy int))
}

func fileFindings(fs Files) []misconfig.Finding {
	var out []misconfig.Finding
	type cacheUse struct {
		files int
		bytes int64
		layer int
	}
	used := map[int]*cacheUse{}
	fs.EachFile(func(p string, mode iofs.FileMode, size int64, layer, hiddenBy int) {
		hidden := hiddenBy >= 0
		note := ""
		if hidden {
			note = fmt.Sprintf(" (deleted in layer %d, still in layer %d)", hiddenBy, layer)
		}
		at := func(c misconfig.Check, format string, args ...any) {
			x := c.At(p, 0, misconfig.Resource{}, format+note, args...)
			x.Layer = layer
			out = append(out, x)
		}
		if mode.IsDir() {
			if path.Base(p) == ".git" && !hidden {
				at(checkLeftoverFile, "a .git folder is in the image")
			}
			return
		}
		if !mode.IsRegular() {
			return
		}
		base := path.Base(p)
		switch {
		case privateKeyNames[base]:
			at(checkSensitiveFile, "SSH private key %s", p)
		case hostKey.MatchString(p):
			at(checkLeftoverFile, "SSH host key %s is baked into the image: every container shares it", p)
		case historyNames[base]:
			at(checkLeftoverFile, "shell history %s", p)
		default:
			for _, c := range credentialFiles {
				if p == c || strings.HasSuffix(p, "/"+c) {
					at(checkSensitiveFile, "credential file %s", p)
					break
				}
			}
		}
		if !hidden && (mode&iofs.ModeSetuid != 0 || mode&iofs.ModeSetgid != 0) && mode&0o111 != 0 {
			kind := "setuid"
			if mode&iofs.ModeSetuid == 0 {
				kind = "setgid"
			} else if mode&iofs.ModeSetgid != 0 {
				kind = "setuid and setgid"
			}
			at(checkSetuidFile, "%s is %s", p, kind)
		}
		if !hidden {
			for i, c := range caches {
				rel, ok := strings.CutPrefix(p, c.dir+"/")
				if !ok || (c.entry != nil && !c.entry(rel)) {
					continue
				}
				u := used[i]
				if u == nil {
					u = &cacheUse{layer: layer}
					used[i] = u
				}
				u.files++
				u.bytes += size
			}
		}
	})
	idx := make([]int, 0, len(used))
	for i := range used {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		u, c := used[i], caches[i]
		x := checkPackageCache.At(c.dir, 0, misconfig.Resource{}, "%s: %d files, %s", c.what, u.files, humanBytes(u.bytes))
		x.Layer = u.layer
		out = append(out, x)
	}
	return out
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

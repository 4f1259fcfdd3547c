package dockerfile

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkLatestTag = misconfig.Check{
		ID: "BW-DF-001", Title: "Image used without a version tag", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "An image named without a tag, or with the tag latest, resolves to whatever was pushed last: builds are not reproducible and can silently pick up a different, possibly compromised or broken, release.",
		Fix:        "Name a specific version tag (for example ubuntu:24.04), and better, pin the digest as well.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.2", refPractices + "#pin-base-image-versions"},
	}
	checkNoDigest = misconfig.Check{
		ID: "BW-DF-002", Title: "Base image not pinned by digest", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "A tag can be moved to point at other content at any time; only a digest names fixed content, so a build that pulls by tag trusts the registry not to change it.",
		Fix:        "Append the digest to the reference (FROM image:tag@sha256:…) and let a bot such as Dependabot or Renovate update it.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.2", refPractices + "#pin-base-image-versions"},
	}
	checkRootUser = misconfig.Check{
		ID: "BW-DF-003", Title: "Image runs as root", Severity: severity.High, Target: misconfig.TargetDockerfile,
		Rationale:  "The last USER of the final stage is root, so every process in the container runs as root; a compromise of the application then gives an attacker root inside the container and a far better position to escape it.",
		Fix:        "Create an unprivileged user (or use the one the base image provides) and end the final stage with USER <name or UID>; do root-only work before it.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.1", refDockerfile + "#user", refPractices + "#user"},
	}
	checkNoUser = misconfig.Check{
		ID: "BW-DF-004", Title: "No USER in the final stage", Severity: severity.High, Target: misconfig.TargetDockerfile,
		Rationale:  "Without a USER instruction the container runs as the base image's user, which for most images is root; a compromised application then holds root privileges inside the container.",
		Fix:        "Add USER <name or UID> of an unprivileged account to the final stage, or build from a base image that already runs as non-root.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.1", refDockerfile + "#user", refPractices + "#user"},
	}
	checkExposeSSH = misconfig.Check{
		ID: "BW-DF-020", Title: "SSH port exposed", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "Exposing port 22 suggests an SSH server runs in the container: another service to patch, credentials to manage and a remote entry point that bypasses the container runtime's access control.",
		Fix:        "Remove the SSH server and EXPOSE 22; use docker exec or kubectl exec for access.",
		References: []string{refDockerfile + "#expose"},
	}
	checkNoHealthcheck = misconfig.Check{
		ID: "BW-DF-021", Title: "No HEALTHCHECK in the final stage", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "Without a HEALTHCHECK the runtime only knows whether the process is alive, not whether it still serves; a hung application keeps receiving traffic.",
		Fix:        "Add a HEALTHCHECK that probes the service (or HEALTHCHECK NONE to state that the orchestrator probes it).",
		References: []string{"CIS Docker Benchmark v1.6.0 4.6", refDockerfile + "#healthcheck"},
	}
	checkRelativeWorkdir = misconfig.Check{
		ID: "BW-DF-025", Title: "Relative WORKDIR", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "A relative WORKDIR is resolved against the previous working directory, which may come from the base image and change with it.",
		Fix:        "Use an absolute path in WORKDIR.",
		References: []string{refChecks + "workdir-relative-path/", refPractices + "#workdir"},
	}
	checkOverridden = misconfig.Check{
		ID: "BW-DF-026", Title: "Instruction overridden in the same stage", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect; an earlier one is dead code that misleads readers about what the image runs.",
		Fix:        "Remove all but the last CMD, ENTRYPOINT and HEALTHCHECK of each stage.",
		References: []string{refChecks + "multiple-instructions-disallowed/"},
	}
	checkDuplicateStage = misconfig.Check{
		ID: "BW-DF-030", Title: "Duplicate stage name", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "Two stages with the same name make COPY --from and FROM references ambiguous; BuildKit rejects the file.",
		Fix:        "Give every stage a unique name.",
		References: []string{refChecks + "duplicate-stage-name/"},
	}
	checkUndefinedStage = misconfig.Check{
		ID: "BW-DF-031", Title: "--from names no build stage", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "A --from value that matches no stage is pulled as an image from a registry: a typo in a stage name silently copies files from someone else's public image.",
		Fix:        "Use the name of a stage defined in this Dockerfile, or a fully qualified image reference with a tag or digest.",
		References: []string{refDockerfile + "#copy---from"},
	}
	checkTrailingComment = misconfig.Check{
		ID: "BW-DF-038", Title: "Text after # is not a comment", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "Dockerfile comments must start the line; a trailing # … after an instruction is passed to it as arguments, which breaks FROM and EXPOSE and gives USER or WORKDIR a value nobody meant.",
		Fix:        "Move the comment to a line of its own above the instruction.",
		References: []string{refDockerfile + "#format"},
	}
)

// checkStageNames resolves each FROM (ARG defaults substituted, earlier
// stage names recognised) and reports repeated stage names.
func (s *scanner) checkStageNames() {
	byName := map[string]*stage{}
	for _, st := range s.f.stages {
		if w := st.from.words(); len(w) > 0 {
			st.image, st.known = expand(w[0], s.meta.lookup)
			if st.known {
				if p, ok := byName[strings.ToLower(st.image)]; ok {
					st.parent = p
				}
			}
		}
		if st.name == "" {
			continue
		}
		if _, ok := s.stageNames[st.name]; !ok {
			s.stageNames[st.name] = st
		}
		if prev, ok := byName[st.name]; ok {
			s.report(checkDuplicateStage, st.from, "stage name %q is already used by the stage on line %d", st.name, prev.from.start)
			continue
		}
		byName[st.name] = st
	}
}

// mayNameStage reports whether an unresolved FROM argument could expand
// to the name of a stage before st: FROM build-${TARGETOS} after
// FROM … AS build-linux.
func (s *scanner) mayNameStage(st *stage) bool {
	w := st.from.words()
	if st.known || len(w) == 0 {
		return false
	}
	re := refPattern(w[0])
	if re == nil {
		return false
	}
	for _, other := range s.f.stages[:st.index] {
		if other.name != "" && re.MatchString(other.name) {
			return true
		}
	}
	return false
}

// refPattern turns a FROM argument with $NAME or ${…} references into a
// pattern of the names it may expand to, each reference matching
// anything.
func refPattern(s string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?i)^")
	lit := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			continue
		}
		end := i + 1
		switch {
		case s[i+1] == '{':
			end = closingBrace(s, i+1)
			if end < 0 {
				end = len(s) - 1
			}
			end++
		case s[i+1] == '_' || isAlnum(s[i+1]):
			for end < len(s) && (s[end] == '_' || isAlnum(s[end])) {
				end++
			}
		default:
			continue
		}
		b.WriteString(regexp.QuoteMeta(s[lit:i]))
		b.WriteString(".*")
		lit = end
		i = end - 1
	}
	b.WriteString(regexp.QuoteMeta(s[lit:]))
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}

// checkFrom checks a stage's base image reference.
func (s *scanner) checkFrom(st *stage) {
	s.checkTrailing(st.from)
	if st.parent != nil || !st.known || st.image == "" {
		return
	}
	ref := parseRef(st.image)
	if strings.EqualFold(ref.name, "scratch") {
		return
	}
	shown := st.from.words()[0]
	if shown != st.image {
		shown += " (" + st.image + ")"
	}
	if ref.digest == "" {
		switch ref.tag {
		case "":
			s.report(checkLatestTag, st.from, "FROM %s names no tag, so the build takes whatever latest points to", shown)
		case "latest":
			s.report(checkLatestTag, st.from, "FROM %s uses the latest tag, which changes without notice", shown)
		}
		s.report(checkNoDigest, st.from, "FROM %s is not pinned by digest", shown)
	}
}

// checkFinal checks the final stage: who it runs as, and whether it has
// a health check. Both may come from the stages it builds on.
func (s *scanner) checkFinal(last *stage, st *state) {
	// An image that starts from scratch and names no program is an
	// artefact export (binaries, files), not something that runs.
	artefact := st.scratch && st.cmd == nil && st.entry == nil
	switch {
	case st.user != nil:
		if st.userKnown && isRoot(st.userName) {
			via := ""
			if st.user.stage != last {
				via = ", inherited from stage " + st.user.stage.label() + ","
			}
			s.report(checkRootUser, st.user, "USER %s%s makes the final stage run as root", st.userName, via)
		}
	case !st.nonRootBase && !artefact && !st.unknownBase:
		s.report(checkNoUser, last.from, "the final stage sets no USER, so the container runs as the base image's user, root for most images")
	}
	if st.health == nil && !artefact && !st.unknownBase {
		s.report(checkNoHealthcheck, last.from, "the final stage has no HEALTHCHECK")
	}
}

// isRoot reports whether a USER value (user[:group]) is the root user.
func isRoot(u string) bool {
	name, _, _ := strings.Cut(u, ":")
	return name == "root" || name == "0"
}

// trailingArgs lists the instructions whose arguments a "# …" can
// silently join; RUN, CMD and ENTRYPOINT are read by a shell, which
// treats # as a comment, and ENV and LABEL fail to parse instead.
var trailingArgs = map[string]bool{
	"from": true, "expose": true, "copy": true, "add": true, "arg": true, "volume": true,
	"user": true, "workdir": true, "stopsignal": true, "maintainer": true,
}

// checkTrailing reports "# …" text after an instruction's arguments.
func (s *scanner) checkTrailing(in *instr) {
	if in.json || !trailingArgs[in.cmd] || len(in.args) == 0 {
		return
	}
	var text string
	switch in.cmd {
	case "user", "workdir", "stopsignal", "maintainer":
		if i := trailingComment(in.args[0]); i >= 0 {
			text = in.args[0][i:]
		}
	default:
		if w := in.words(); len(w) < len(in.args) {
			text = strings.Join(in.args[len(w):], " ")
		}
	}
	if text != "" {
		s.report(checkTrailingComment, in, "%s takes %q as arguments: a comment must start its own line", in.keyword(), clip(text))
	}
}

// checkWorkdir reports a relative WORKDIR with no absolute one before it.
func (s *scanner) checkWorkdir(st *state, in *instr) {
	dir, ok := expand(in.value(), st.lookup)
	if !ok || dir == "" {
		return
	}
	if isAbs(dir) {
		st.absWorkdir = true
		return
	}
	if !st.absWorkdir {
		s.report(checkRelativeWorkdir, in, "WORKDIR %s is relative and no absolute WORKDIR comes before it", dir)
	}
}

func isAbs(p string) bool {
	if strings.HasPrefix(p, "/") || strings.HasPrefix(p, `\`) {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && (p[0]|0x20 >= 'a' && p[0]|0x20 <= 'z') // C:\ on Windows
}

// checkOverride reports a CMD, ENTRYPOINT or HEALTHCHECK that a later one
// in the same stage replaces.
func (s *scanner) checkOverride(st *state, in *instr) {
	if prev := st.local[in.cmd]; prev != nil {
		s.report(checkOverridden, prev, "%s on line %d has no effect: the %s on line %d replaces it",
			prev.keyword(), prev.start, in.keyword(), in.start)
	}
	st.local[in.cmd] = in
}

// checkExpose reports port 22.
func (s *scanner) checkExpose(st *state, in *instr) {
	for _, w := range in.words() {
		p, ok := expand(w, st.lookup)
		if !ok {
			continue
		}
		p, _, _ = strings.Cut(p, "/")
		lo, hi, isRange := strings.Cut(p, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 == nil && err2 == nil && a <= 22 && 22 <= b {
			s.report(checkExposeSSH, in, "EXPOSE %s opens the SSH port 22", w)
		}
	}
}

// checkFromRef checks the --from of COPY or of a RUN mount: it must name
// a stage, an earlier stage's index, or an image with a version.
func (s *scanner) checkFromRef(st *state, in *instr, ref, what string) {
	if in.onbuild || in.stage == nil {
		return
	}
	v, ok := expand(ref, st.lookupWithMeta(s.meta))
	if !ok || v == "" {
		return
	}
	if other, ok := s.stageNames[strings.ToLower(v)]; ok {
		if other == in.stage {
			s.report(checkUndefinedStage, in, "%s=%s refers to its own stage", what, v)
		}
		return
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 || n >= in.stage.index {
			s.report(checkUndefinedStage, in, "%s=%d is not the index of an earlier stage", what, n)
		}
		return
	}
	if !strings.ContainsAny(v, ":/@.") {
		s.report(checkUndefinedStage, in, "%s=%s names no stage in this file, so the image %s:latest is pulled from Docker Hub", what, v, v)
		return
	}
	if r := parseRef(v); r.digest == "" && (r.tag == "" || r.tag == "latest") {
		s.report(checkLatestTag, in, "%s=%s uses an image without a version tag", what, v)
	}
}

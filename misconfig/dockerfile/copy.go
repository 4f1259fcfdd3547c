package dockerfile

import (
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkAddForCopy = misconfig.Check{
		ID: "BW-DF-005", Title: "ADD used where COPY fits", Severity: severity.Low, Target: misconfig.TargetDockerfile,
		Rationale:  "ADD silently unpacks archives and can fetch URLs; used for plain local files it hides that behaviour where a reviewer does not expect it, and a file that later becomes an archive changes what the image contains.",
		Fix:        "Use COPY for local files and directories; keep ADD for local tar archives that must be extracted.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.9", refPractices + "#add-or-copy"},
	}
	checkAddURL = misconfig.Check{
		ID: "BW-DF-006", Title: "ADD fetches a remote URL", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "ADD with a URL or Git repository downloads content at build time without any integrity check unless --checksum is given: whoever controls the server or the network path controls what goes into the image.",
		Fix:        "Download with RUN curl/wget and verify a checksum or signature in the same RUN, or use ADD --checksum=sha256:… for HTTP sources.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.9", refDockerfile + "#add", refPractices + "#add-or-copy"},
	}
	checkContextCopy = misconfig.Check{
		ID: "BW-DF-022", Title: "Whole build context copied without .dockerignore", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "COPY . copies everything in the build context; without a .dockerignore that includes .git, .env files, local credentials and build output, which then ship in the image.",
		Fix:        "Add a .dockerignore next to the Dockerfile that excludes .git, secrets and build artefacts, or copy only the files the image needs.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.10", "https://docs.docker.com/build/concepts/context/#dockerignore-files"},
	}
	checkCredentialFile = misconfig.Check{
		ID: "BW-DF-035", Title: "Credential file copied into the image", Severity: severity.Medium, Target: misconfig.TargetDockerfile,
		Rationale:  "Files such as SSH private keys, .npmrc, .pypirc, .netrc or .env usually hold credentials; copied into a layer they stay in the image even if a later step deletes them.",
		Fix:        "Mount the file only for the step that needs it (RUN --mount=type=secret or type=ssh) and keep it out of the build context with .dockerignore.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.10", "https://docs.docker.com/build/building/secrets/"},
	}
)

var remoteSource = regexp.MustCompile(`(?i)^(https?://|ftp://|git://|ssh://|git@)`)

// archiveSuffixes are the files ADD unpacks (or may: the builder looks at
// the content, the check at the name).
var archiveSuffixes = []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".gz", ".bz2", ".xz", ".zst"}

func isArchive(p string) bool {
	p = strings.ToLower(p)
	for _, s := range archiveSuffixes {
		if strings.HasSuffix(p, s) {
			return true
		}
	}
	return false
}

// checkCopy runs the checks of COPY and ADD.
func (s *scanner) checkCopy(st *state, in *instr) {
	w := in.words()
	if len(w) < 2 {
		return
	}
	srcs := w[:len(w)-1]
	s.checkCommandSecrets(in) // URLs with credentials, heredoc files
	for _, m := range in.flag("chmod") {
		if worldWritable(m) {
			s.report(checkWorldWritable, in, "%s --chmod=%s makes the copied files writable by every user", in.keyword(), m)
		}
	}
	if from := in.flag("from"); len(from) > 0 {
		s.checkFromRef(st, in, from[0], in.keyword()+" --from")
		return // the sources are in another stage or image
	}
	var remote []string
	archive, unknown := false, false
	for _, src := range srcs {
		switch {
		case strings.HasPrefix(src, "<<"): // heredoc: an inline file
		case remoteSource.MatchString(src):
			remote = append(remote, src)
		default:
			archive = archive || isArchive(src)
			unknown = unknown || strings.Contains(src, "$")
		}
	}
	if in.cmd == "add" {
		checksum := len(in.flag("checksum")) > 0
		for _, u := range remote {
			shown := u
			if h, ok := plainHTTP(u); ok {
				shown = h
				if !checksum {
					s.report(checkPlainHTTP, in, "%s downloads %s over plain HTTP without a checksum", in.keyword(), h)
				}
			}
			if !checksum {
				s.report(checkAddURL, in, "%s fetches %s without --checksum", in.keyword(), redactURL(shown))
			}
		}
		if len(remote) == 0 && !archive && !unknown {
			s.report(checkAddForCopy, in, "%s copies local files (%s); COPY does so without ADD's archive and URL handling", in.keyword(), clip(strings.Join(srcs, " ")))
		}
	}
	if !s.opts.Dockerignore && len(in.flag("exclude")) == 0 {
		for _, src := range srcs {
			if src == "." || src == "./" {
				s.report(checkContextCopy, in, "%s %s copies the whole build context and there is no .dockerignore", in.keyword(), src)
				break
			}
		}
	}
	for _, src := range srcs {
		if credentialFile(src) {
			s.report(checkCredentialFile, in, "%s copies %s, a file that usually holds credentials", in.keyword(), src)
		}
	}
}

// redactURL drops a user:password part and the query from a URL.
func redactURL(u string) string {
	u, _, _ = strings.Cut(u, "?")
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return clip(u)
	}
	host, path, _ := strings.Cut(rest, "/")
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if path != "" {
		host += "/" + path
	}
	return clip(scheme + "://" + host)
}

// credentialNames are files that usually hold credentials.
var credentialNames = map[string]bool{
	"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true, ".ssh": true,
	".netrc": true, "_netrc": true, ".npmrc": true, ".pypirc": true, ".git-credentials": true,
	".htpasswd": true, ".pgpass": true, ".env": true, "credentials.json": true, ".dockercfg": true,
}

// credentialFile reports whether a COPY source names a credential file.
func credentialFile(src string) bool {
	p := strings.ToLower(strings.TrimSuffix(src, "/"))
	b := baseName(p)
	switch {
	case credentialNames[b]:
		return true
	case strings.HasPrefix(b, ".env."):
		switch strings.TrimPrefix(b, ".env.") {
		case "example", "sample", "template", "dist", "defaults":
			return false
		}
		return true
	case strings.HasSuffix(b, ".key") || strings.HasSuffix(b, ".p12") || strings.HasSuffix(b, ".pfx"):
		return true
	}
	for _, tail := range []string{".aws/credentials", ".docker/config.json", ".kube/config"} {
		if p == tail || strings.HasSuffix(p, "/"+tail) {
			return true
		}
	}
	return false
}

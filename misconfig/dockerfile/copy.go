package dockerfile

import (
	"regexp"
	"strings"
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
			s.report(idWorldWritable, in, "%s --chmod=%s makes the copied files writable by every user", in.keyword(), m)
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
					s.report(idPlainHTTP, in, "%s downloads %s over plain HTTP without a checksum", in.keyword(), h)
				}
			}
			if !checksum {
				s.report(idAddURL, in, "%s fetches %s without --checksum", in.keyword(), redactURL(shown))
			}
		}
		if len(remote) == 0 && !archive && !unknown {
			s.report(idAddForCopy, in, "%s copies local files (%s); COPY does so without ADD's archive and URL handling", in.keyword(), clip(strings.Join(srcs, " ")))
		}
	}
	if !s.opts.Dockerignore && len(in.flag("exclude")) == 0 {
		for _, src := range srcs {
			if src == "." || src == "./" {
				s.report(idContextCopy, in, "%s %s copies the whole build context and there is no .dockerignore", in.keyword(), src)
				break
			}
		}
	}
	for _, src := range srcs {
		if credentialFile(src) {
			s.report(idCredentialFile, in, "%s copies %s, a file that usually holds credentials", in.keyword(), src)
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

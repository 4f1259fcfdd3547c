package dockerfile

import (
	"strings"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

// The checks this file reports.
var (
	checkSecretVar = misconfig.Check{
		ID: "BW-DF-008", Title: "Secret in ENV, ARG or LABEL", Severity: severity.High, Target: misconfig.TargetDockerfile,
		Rationale:  "ENV, ARG and LABEL values are stored in the image configuration and build history, where anyone who can pull the image can read them.",
		Fix:        "Pass secrets at build time with RUN --mount=type=secret and at run time through the orchestrator's secret store; never write their values into the Dockerfile.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.10", "https://docs.docker.com/build/building/secrets/", refChecks + "secrets-used-in-arg-or-env/"},
	}
	checkSecretCommand = misconfig.Check{
		ID: "BW-DF-009", Title: "Secret in a command or inline file", Severity: severity.High, Target: misconfig.TargetDockerfile,
		Rationale:  "A credential written into a RUN, CMD or ENTRYPOINT command or into a heredoc is kept in the image history or its files, and in every copy of the Dockerfile.",
		Fix:        "Remove the credential, rotate it, and supply it at build time with RUN --mount=type=secret.",
		References: []string{"CIS Docker Benchmark v1.6.0 4.10", "https://docs.docker.com/build/building/secrets/"},
	}
)

// checkVars checks the variables an ENV, ARG or LABEL sets: secrets and
// settings that turn off TLS or signature checks. st is nil for ARGs
// before the first FROM.
func (s *scanner) checkVars(st *state, in *instr) {
	for _, p := range in.pairs() {
		if !p.has || p.value == "" {
			continue
		}
		if hits := secrets().Scan(s.file, []byte(p.name+"="+p.value)); len(hits) > 0 {
			s.report(checkSecretVar, in, "%s %s holds a value that looks like a %s (%s)", in.keyword(), p.name, hits[0].Title, hits[0].Match)
		} else if in.cmd != "label" && secretName(p.name) && literal(p.raw) {
			s.report(checkSecretVar, in, "%s %s sets a literal value for a variable named like a secret", in.keyword(), p.name)
		}
		if in.cmd != "label" {
			if what, bad := insecureSetting(p.name, p.value); bad {
				s.report(checkInsecureTransfer, in, "%s %s=%s %s", in.keyword(), p.name, clip(p.value), what)
			}
		}
	}
}

// checkCommandSecrets looks for credentials in an instruction's command
// text and heredocs.
func (s *scanner) checkCommandSecrets(in *instr) {
	texts := []string{in.node.Original}
	for _, h := range in.heredocs {
		texts = append(texts, h.Content)
	}
	for _, t := range texts {
		for _, hit := range secrets().Scan(s.file, []byte(t)) {
			s.report(checkSecretCommand, in, "%s contains what looks like a %s (%s)", in.keyword(), hit.Title, hit.Match)
		}
	}
}

// secretWords end variable names that hold secrets (DB_PASSWORD,
// GITHUB_TOKEN); secretPairs likewise as the last two words (API_KEY).
var (
	secretWords = map[string]bool{
		"password": true, "passwd": true, "pwd": true, "pass": true, "passphrase": true,
		"secret": true, "token": true, "apikey": true, "credential": true, "credentials": true,
	}
	secretPairs = map[string]bool{
		"api key": true, "private key": true, "secret key": true, "access key": true, "auth key": true,
		"encryption key": true, "signing key": true, "master key": true, "client secret": true,
	}
)

// secretName reports whether a variable's name says it holds a secret.
// Names that end in another word (PASSWORD_FILE, TOKEN_URL) point at a
// secret rather than hold one.
func secretName(name string) bool {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	n := len(words)
	if n == 0 {
		return false
	}
	if secretWords[words[n-1]] {
		return true
	}
	return n >= 2 && secretPairs[words[n-2]+" "+words[n-1]]
}

// literal reports whether a value as written is a constant that could be
// a secret: not empty, not built from other variables, not a switch.
func literal(raw string) bool {
	v := strings.TrimSpace(unquote(raw))
	if v == "" || strings.Contains(raw, "$") {
		return false
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "0", "1", "none", "null":
		return false
	}
	return true
}

// insecureSetting reports environment variables that turn off TLS or
// integrity checks, saying what they turn off.
func insecureSetting(name, value string) (string, bool) {
	v := strings.ToLower(strings.TrimSpace(value))
	off := v == "0" || v == "false" || v == "no" || v == "off"
	switch strings.ToUpper(name) {
	case "NODE_TLS_REJECT_UNAUTHORIZED":
		return "turns off TLS certificate checks in Node.js", v == "0"
	case "PYTHONHTTPSVERIFY":
		return "turns off TLS certificate checks in Python", v == "0"
	case "GIT_SSL_NO_VERIFY":
		return "turns off TLS certificate checks in git", v != "" && !off
	case "NPM_CONFIG_STRICT_SSL":
		return "turns off TLS certificate checks in npm", off
	case "PIP_TRUSTED_HOST":
		return "makes pip trust hosts without valid TLS", v != ""
	case "GOINSECURE":
		return "lets the go command fetch modules without TLS checks", v != ""
	case "GOSUMDB":
		return "turns off Go module checksum verification", v == "off"
	case "GONOSUMCHECK", "GONOSUMDB":
		return "turns off Go module checksum verification", v == "1" || v == "*"
	case "GOFLAGS":
		return "lets the go command fetch modules insecurely", strings.Contains(v, "-insecure")
	}
	return "", false
}

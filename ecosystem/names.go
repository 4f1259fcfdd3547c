package ecosystem

import "strings"

// goModule splits a Go module path at its last slash, as the golang purl
// type does: github.com/google/uuid is namespace github.com/google, name
// uuid.
func goModule(name string) (string, string) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "", name
	}
	return name[:i], name[i+1:]
}

// npmScope makes an npm scope ("@babel" of "@babel/core") the namespace.
func npmScope(name string) (string, string) {
	if strings.HasPrefix(name, "@") {
		if scope, rest, ok := strings.Cut(name, "/"); ok {
			return scope, rest
		}
	}
	return "", name
}

// cutAt splits a name at the first sep into namespace and name: Maven's
// group:artifact, Composer's vendor/name.
func cutAt(sep string) func(string) (string, string) {
	return func(name string) (string, string) {
		if namespace, rest, ok := strings.Cut(name, sep); ok {
			return namespace, rest
		}
		return "", name
	}
}

// pypiName writes a Python project's purl name normalised, as the pypi
// purl type asks.
func pypiName(name string) (string, string) { return "", pep503(name) }

// pep503 returns a Python project name in the normalised form of PEP 503:
// lower case, runs of "-", "_" and "." as one "-".
func pep503(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r == '-' || r == '_' || r == '.' {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

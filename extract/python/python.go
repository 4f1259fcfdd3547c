// Package python finds Python packages: installed distributions (the
// METADATA or PKG-INFO of a .dist-info or .egg-info, wherever a Python
// installation keeps them) and the pins of a project's requirements files
// and lockfiles (poetry.lock, Pipfile.lock, uv.lock, PEP 751 pylock.toml).
//
// Names are reported as the file writes them; the scan's purl step
// normalises them for matching.
package python

import "strings"

// baseName is path.Base for the cleaned, slash-separated paths the walk
// hands over, without allocating: Required runs on every file of every
// layer.
func baseName(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// dirName is the directory part of p without its trailing slash, or "" for
// a file at the root.
func dirName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// inInstalledPackage reports whether p lies inside an installation
// directory. Requirements files and lockfiles found there came with an
// installed package's sources and record its author's development
// environment, not anything installed in the image.
func inInstalledPackage(p string) bool {
	return strings.Contains(p, "site-packages/") || strings.Contains(p, "dist-packages/")
}

// validName reports whether s is a distribution name as PEP 508 allows:
// ASCII letters and digits, with ".", "_" and "-" inside.
func validName(s string) bool {
	if s == "" || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// pinnedVersion returns the version of an exact pin as lockfiles write it
// ("==1.2.3" or the arbitrary-equality "===1.2.3"), and false for anything
// looser (ranges, wildcards, several clauses).
func pinnedVersion(spec string) (string, bool) {
	spec = strings.TrimSpace(spec)
	switch {
	case strings.HasPrefix(spec, "==="):
		// Arbitrary equality compares strings: any version text.
		v := strings.TrimSpace(spec[3:])
		if v == "" || strings.ContainsAny(v, ",;<>=~ \t\"'$") {
			return "", false
		}
		return v, true
	case strings.HasPrefix(spec, "=="):
		v := strings.TrimSpace(spec[2:])
		if v == "" {
			return "", false
		}
		// The characters of a PEP 440 version; "*" (a prefix match,
		// "==1.4.*"), a comma (a second clause) or anything else means
		// no single pin.
		for i := 0; i < len(v); i++ {
			if c := v[i]; !isAlnum(c) && strings.IndexByte(".+!_-", c) < 0 {
				return "", false
			}
		}
		return v, true
	}
	return "", false
}

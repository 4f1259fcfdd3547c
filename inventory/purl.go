package inventory

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// purlNamespaces maps os-release IDs to the namespace package URLs use for
// that vendor's packages where the two differ.
var purlNamespaces = map[string]string{
	"rhel":                "redhat",
	"ol":                  "oracle",
	"amzn":                "amazon",
	"sles":                "suse",
	"sled":                "suse",
	"opensuse-leap":       "opensuse",
	"opensuse-tumbleweed": "opensuse",
}

// PURL builds the package URL of an OS package, qualified with the
// distribution release it was built for, as distro advisories need. It
// returns "" for package types it does not know.
func PURL(p Package, os *OS) string {
	var namespace, distro string
	if os != nil {
		namespace = os.Family
		if ns, ok := purlNamespaces[os.Family]; ok {
			namespace = ns
		}
		distro = os.Family
		if os.Version != "" {
			distro += "-" + os.Version
		}
	}
	q := map[string]string{}
	add := func(k, v string) {
		if v != "" {
			q[k] = v
		}
	}
	version := p.Version
	switch p.Type {
	case TypeDeb:
		if namespace == "" {
			namespace = "debian"
		}
	case TypeAPK:
		if namespace == "" {
			namespace = "alpine"
		}
	case TypeRPM:
		// purl keeps the epoch out of the version, in a qualifier.
		if e, rest, ok := strings.Cut(version, ":"); ok && isDigits(e) {
			version = rest
			add("epoch", e)
		}
	default:
		return languagePURL(p)
	}
	add("arch", p.Arch)
	add("distro", distro)
	if p.SourceName != "" && p.SourceName != p.Name {
		add("upstream", p.SourceName)
	}
	// QualifiersFromMap sorts by key, so the string is canonical.
	return packageurl.NewPackageURL(p.Type, namespace, p.Name, version, packageurl.QualifiersFromMap(q), "").ToString()
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// languagePURL builds the package URL of a language package. Names are
// split into namespace and name the way each ecosystem's purl type says:
// Go module paths and Maven group:artifact, npm scopes and Composer
// vendor/name.
func languagePURL(p Package) string {
	var namespace, name string
	switch p.Type {
	case TypeGolang:
		i := strings.LastIndexByte(p.Name, '/')
		if i < 0 {
			namespace, name = "", p.Name
		} else {
			namespace, name = p.Name[:i], p.Name[i+1:]
		}
	case TypeNPM:
		name = p.Name
		if strings.HasPrefix(p.Name, "@") {
			if scope, rest, ok := strings.Cut(p.Name, "/"); ok {
				namespace, name = scope, rest
			}
		}
	case TypeMaven:
		var ok bool
		namespace, name, ok = strings.Cut(p.Name, ":")
		if !ok {
			namespace, name = "", p.Name
		}
	case TypeComposer:
		var ok bool
		namespace, name, ok = strings.Cut(p.Name, "/")
		if !ok {
			namespace, name = "", p.Name
		}
	case TypePyPI:
		name = NormalizePyPI(p.Name)
	case TypeGem, TypeCargo, TypeNuGet:
		name = p.Name
	default:
		return ""
	}
	if name == "" || p.Version == "" {
		return ""
	}
	return packageurl.NewPackageURL(p.Type, namespace, name, p.Version, nil, "").ToString()
}

// NormalizePyPI returns a Python project name in the normalised form of
// PEP 503: lower case, runs of "-", "_" and "." as one "-".
func NormalizePyPI(name string) string {
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

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
		return ""
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

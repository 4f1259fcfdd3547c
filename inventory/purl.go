package inventory

import (
	"strings"

	"github.com/package-url/packageurl-go"

	"github.com/bulwark-sec/bulwark/ecosystem"
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

// PURL builds the package URL of a package: an OS package's qualified
// with the distribution release it was built for, as distro advisories
// need; a language package's split into namespace and name the way its
// purl type says (ecosystem.Descriptor.PURLName). It returns "" for
// package types the ecosystem table does not know.
func PURL(p Package, os *OS) string {
	d, ok := ecosystem.ByPackageType(p.Type)
	if !ok {
		return ""
	}
	if !d.Distro() {
		return languagePURL(p, d)
	}
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
	if namespace == "" {
		namespace = d.PURLNamespace
	}
	q := map[string]string{}
	add := func(k, v string) {
		if v != "" {
			q[k] = v
		}
	}
	version := p.Version
	if d.PURLEpoch {
		if e, rest, ok := strings.Cut(version, ":"); ok && isDigits(e) {
			version = rest
			add("epoch", e)
		}
	}
	add("arch", p.Arch)
	add("distro", distro)
	if p.SourceName != "" && p.SourceName != p.Name {
		add("upstream", p.SourceName)
	}
	// QualifiersFromMap sorts by key, so the string is canonical.
	return packageurl.NewPackageURL(d.PURLType, namespace, p.Name, version, packageurl.QualifiersFromMap(q), "").ToString()
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

// languagePURL builds the package URL of a language package.
func languagePURL(p Package, d ecosystem.Descriptor) string {
	namespace, name := "", p.Name
	if d.PURLName != nil {
		namespace, name = d.PURLName(p.Name)
	}
	if name == "" || p.Version == "" {
		return ""
	}
	return packageurl.NewPackageURL(d.PURLType, namespace, name, p.Version, nil, "").ToString()
}

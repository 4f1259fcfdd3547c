package inventory

import (
	"fmt"
	"maps"
	"slices"
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

// FromPURL reads a package URL made elsewhere (an SBOM) back into a
// package: the package type and name as Bulwark's extractors write them
// (the reverse of PURL, through the ecosystem table), the version with the
// epoch qualifier put back, the arch, and the source package of an
// "upstream" qualifier ("name" or "name@version"). An OS package's
// "distro" qualifier ("debian-12", "alpine-3.20.3", "rhel-9.4") gives the
// OS it was built for; nil when there is none. A purl type the table does
// not know keeps its type and its namespace/name, so that a scan can say
// it was not checked.
func FromPURL(s string) (Package, *OS, error) {
	u, err := packageurl.FromString(s)
	if err != nil {
		return Package{}, nil, fmt.Errorf("package URL %q: %w", s, err)
	}
	p := Package{Type: u.Type, Version: u.Version, Layer: -1, PURL: s}
	q := u.Qualifiers.Map()
	d, known := ecosystem.ByPURLType(u.Type)
	switch {
	case !known:
		p.Name = u.Name
		if u.Namespace != "" {
			p.Name = u.Namespace + "/" + u.Name
		}
		return p, nil, nil
	case !d.Distro():
		p.Type, p.Name = d.PackageType, d.PackageName(u.Namespace, u.Name)
		return p, nil, nil
	}
	p.Type, p.Name, p.Arch = d.PackageType, u.Name, q["arch"]
	if e := q["epoch"]; isDigits(e) && !strings.Contains(p.Version, ":") && p.Version != "" {
		p.Version = e + ":" + p.Version
	}
	if up := q["upstream"]; up != "" {
		p.SourceName, p.SourceVersion, _ = strings.Cut(up, "@")
	}
	return p, distroOS(q["distro"], u.Namespace), nil
}

// distroOS reads a purl's distro qualifier: an os-release ID and a
// version joined by "-" (the ID may hold dashes itself: opensuse-leap-15.5,
// sles-15-SP5), or an ID alone. Vendors that name the distribution
// differently in purls ("redhat") are mapped back to the os-release ID.
// Without a qualifier the namespace gives the family alone, whose
// release, unknown, chooses no advisories.
func distroOS(distro, namespace string) *OS {
	family, version := distro, ""
	for i := 0; i+1 < len(distro); i++ {
		if distro[i] == '-' && distro[i+1] >= '0' && distro[i+1] <= '9' {
			family, version = distro[:i], distro[i+1:]
			break
		}
	}
	if family == "" {
		family = namespace
	}
	family = strings.ToLower(family)
	if family == "" {
		return nil
	}
	if _, ok := ecosystem.ByFamily(family); !ok {
		for _, id := range slices.Sorted(maps.Keys(purlNamespaces)) {
			if purlNamespaces[id] == family {
				if _, ok := ecosystem.ByFamily(id); ok {
					family = id
					break
				}
			}
		}
	}
	return &OS{Family: family, Version: version}
}

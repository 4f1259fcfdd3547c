package match

import (
	"strings"

	"github.com/bulwark-sec/bulwark/inventory"
)

// query is one lookup for one package: the OSV ecosystem (with release)
// and the name and version the records use.
type query struct {
	ecosystem, name, version string
}

// releases lists the full ecosystem strings a database holds for a base
// ecosystem ("Ubuntu:22.04:LTS", ...).
type releases func(base string) []string

// queriesFor works out where a package's advisories are filed. Distribution
// advisories are per release and, for Debian and Alpine, per source
// package; language advisories are per ecosystem and package name. A
// package whose distribution release is unknown has no queries: matching
// it against another release's data would be guesswork.
func queriesFor(p inventory.Package, os *inventory.OS, rel releases) []query {
	switch p.Type {
	case inventory.TypeDeb, inventory.TypeAPK, inventory.TypeRPM:
		return distroQueries(p, os, rel)
	}
	eco, ok := languageEcosystems[p.Type]
	if !ok || p.Name == "" || p.Version == "" {
		return nil
	}
	q := query{ecosystem: eco, name: p.Name, version: p.Version}
	if p.Type == inventory.TypeGolang {
		// Go's records write versions without the module "v".
		q.version = strings.TrimPrefix(p.Version, "v")
	}
	return []query{q}
}

var languageEcosystems = map[string]string{
	inventory.TypeGolang:   "Go",
	inventory.TypeNPM:      "npm",
	inventory.TypePyPI:     "PyPI",
	inventory.TypeMaven:    "Maven",
	inventory.TypeGem:      "RubyGems",
	inventory.TypeCargo:    "crates.io",
	inventory.TypeComposer: "Packagist",
	inventory.TypeNuGet:    "NuGet",
}

func distroQueries(p inventory.Package, os *inventory.OS, rel releases) []query {
	if os == nil {
		return nil
	}
	name, version := p.Name, p.Version
	if p.Type != inventory.TypeRPM && p.SourceName != "" {
		// Debian and Alpine file advisories under the source package.
		name = p.SourceName
		if p.SourceVersion != "" {
			version = p.SourceVersion
		}
	}
	var ecos []string
	major, minor := versionParts(os.Version)
	pick := func(base string, keep func(r string) bool) {
		for _, r := range rel(base) {
			if keep(r) {
				ecos = append(ecos, r)
			}
		}
	}
	switch os.Family {
	case "debian":
		if major != "" {
			ecos = []string{"Debian:" + major}
		}
	case "ubuntu":
		if major != "" && minor != "" {
			v := major + "." + minor
			pick("Ubuntu", func(r string) bool { return r == "Ubuntu:"+v || strings.HasPrefix(r, "Ubuntu:"+v+":") })
		}
	case "alpine":
		if major != "" && minor != "" {
			ecos = []string{"Alpine:v" + major + "." + minor}
		}
	case "wolfi":
		ecos = []string{"Wolfi"}
	case "chainguard":
		ecos = []string{"Chainguard"}
	case "rocky":
		ecos = []string{"Rocky Linux:" + major}
	case "almalinux":
		ecos = []string{"AlmaLinux:" + major}
	case "rhel", "centos":
		// Red Hat's ecosystems name the product stream:
		// "Red Hat:enterprise_linux:9::appstream".
		pick("Red Hat", func(r string) bool { return strings.Contains(r, ":enterprise_linux:"+major+"::") })
	case "sles", "sled", "sles_sap":
		sp := strings.ReplaceAll(os.Version, "-", " ")
		pick("SUSE", func(r string) bool {
			return strings.HasSuffix(r, " "+sp) || strings.HasSuffix(r, " "+strings.ReplaceAll(sp, ".", " SP"))
		})
	case "opensuse-leap":
		ecos = []string{"openSUSE:Leap " + os.Version}
	}
	if major == "" && (os.Family == "rocky" || os.Family == "almalinux") {
		return nil
	}
	out := make([]query, 0, len(ecos))
	for _, e := range ecos {
		out = append(out, query{ecosystem: e, name: name, version: version})
	}
	return out
}

// versionParts splits an OS version ("12", "3.20.3", "22.04", "9.4") into
// its first two numbers.
func versionParts(v string) (major, minor string) {
	parts := strings.SplitN(v, ".", 3)
	major = parts[0]
	if len(parts) > 1 {
		minor = parts[1]
	}
	return major, minor
}

package match

import (
	"strings"

	"github.com/bulwark-sec/bulwark/ecosystem"
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

// queriesFor works out where a package's advisories are filed, as the
// ecosystem table says. Distribution advisories are per release and, for
// Debian and Alpine, per source package; language advisories are per
// ecosystem and package name. A package whose distribution release is
// unknown has no queries: matching it against another release's data
// would be guesswork.
func queriesFor(p inventory.Package, os *inventory.OS, rel releases) []query {
	d, ok := ecosystem.ByPackageType(p.Type)
	if !ok {
		return nil
	}
	if d.Distro() {
		return distroQueries(p, d, os, rel)
	}
	if p.Name == "" || p.Version == "" {
		return nil
	}
	return []query{{ecosystem: d.OSV, name: p.Name, version: strings.TrimPrefix(p.Version, d.VersionPrefix)}}
}

// distroQueries looks an OS package up under the distribution the image
// runs, whatever the package's own type (typ) says.
func distroQueries(p inventory.Package, typ ecosystem.Descriptor, os *inventory.OS, rel releases) []query {
	if os == nil {
		return nil
	}
	d, ok := ecosystem.ByFamily(os.Family)
	if !ok {
		return nil
	}
	name, version := p.Name, p.Version
	if typ.BySource && p.SourceName != "" {
		name = p.SourceName
		if p.SourceVersion != "" {
			version = p.SourceVersion
		}
	}
	ecos := d.Releases(os.Version, func() []string { return rel(d.OSV) })
	out := make([]query, 0, len(ecos))
	for _, e := range ecos {
		out = append(out, query{ecosystem: e, name: name, version: version})
	}
	return out
}

// Package ecosystem is the one table of the package ecosystems Bulwark
// knows. A row says, for one OSV ecosystem, which package type extractors
// give its packages, how its package URLs are written, how its versions
// compare and its names normalise, where a distribution files its
// advisories, and whether a database update downloads it by default.
//
// Every stage reads the table (inventory for package URLs, match for where
// to look a package up, version for comparators, vulndb for names and the
// download list) instead of keeping a switch of its own, so adding an
// ecosystem is one row here and one extractor folder.
package ecosystem

// Descriptor is one row of the table: one OSV ecosystem and the package
// type its packages have. Several distributions share a package type
// (Debian and Ubuntu both ship deb packages); the fields that describe the
// package type rather than the ecosystem (PackageType, PURLType,
// PURLNamespace, PURLName, PURLEpoch, BySource, VersionPrefix, Compare)
// agree across the rows of one type.
type Descriptor struct {
	// OSV is the base ecosystem name OSV records and the database use
	// ("Debian", "npm"), without a release suffix.
	OSV string
	// PackageType is the inventory.Package.Type extractors give the
	// ecosystem's packages.
	PackageType string
	// PURLType is the package-URL type of those packages.
	PURLType string
	// Compare orders two versions under the ecosystem's scheme, or fails
	// when either is not a version of it.
	Compare func(a, b string) (int, error)
	// Normalize puts a package name in the form the ecosystem compares
	// names in; nil where names compare as written.
	Normalize func(name string) string
	// Default marks the ecosystems a database update downloads unless it
	// is given a list.
	Default bool

	// PURLName splits a package name into its package-URL namespace and
	// name; nil keeps the name whole, without a namespace.
	PURLName func(name string) (namespace, purlName string)
	// purlJoin puts a namespace and a name back together, the reverse of
	// PURLName; see PackageName.
	purlJoin string
	// VersionPrefix is a prefix installed versions carry that the
	// ecosystem's advisories leave out (Go's module "v").
	VersionPrefix string

	// Families are the os-release IDs of the distributions whose packages
	// this ecosystem's advisories cover; set only for distributions.
	Families []string
	// BySource is set where advisories name the source package rather
	// than the binary package (Debian, Alpine).
	BySource bool
	// PURLNamespace is the package-URL namespace of a distribution's
	// packages when the image's distribution is unknown.
	PURLNamespace string
	// PURLEpoch is set where a package URL keeps the version's epoch in a
	// qualifier rather than in the version (rpm).
	PURLEpoch bool
	// releases is how a distribution names its releases; see Releases.
	releases releaseRule
}

// Distro reports whether the row is a distribution's: its advisories are
// filed per release and chosen by the image's OS, not by package type.
func (d Descriptor) Distro() bool { return len(d.Families) > 0 }

// Releases names the ecosystems, with their release suffix, that hold a
// distribution's advisories for one OS version ("12" gives "Debian:12").
// known lists the database's releases of the base ecosystem; it is called
// only for distributions whose release names the version alone does not
// give (Ubuntu's ":LTS", Red Hat's product streams). None means the
// release is unknown: matching against another release's data would be
// guesswork.
func (d Descriptor) Releases(osVersion string, known func() []string) []string {
	if d.releases == nil {
		return nil
	}
	return d.releases(d.OSV, osVersion, known)
}

// PackageName is the reverse of PURLName: the package name, as extractors
// write it, of a package URL's namespace and name ("github.com/google" and
// "uuid" give "github.com/google/uuid"; "@babel" and "core" give
// "@babel/core"). A distribution's namespace names its vendor, not part
// of the package, and is left out.
func (d Descriptor) PackageName(namespace, name string) string {
	if namespace == "" || d.purlJoin == "" {
		return name
	}
	return namespace + d.purlJoin + name
}

// All returns the table, in the order a database update downloads it.
func All() []Descriptor {
	return append([]Descriptor(nil), table...)
}

// ByOSV returns the row of a base OSV ecosystem ("Debian", "PyPI").
func ByOSV(base string) (Descriptor, bool) {
	return lookup(byOSV, base)
}

// ByPackageType returns the first row of a package type ("deb" gives
// Debian's), which is enough for the fields rows of one type share.
func ByPackageType(typ string) (Descriptor, bool) {
	return lookup(byType, typ)
}

// ByPURLType returns the first row of a package-URL type ("deb" gives
// Debian's, "golang" Go's): the reverse of Descriptor.PURLType, for
// readers of package URLs made elsewhere (SBOMs).
func ByPURLType(typ string) (Descriptor, bool) {
	return lookup(byPURLType, typ)
}

// ByFamily returns the row of the distribution with an os-release ID
// ("debian", "rhel").
func ByFamily(family string) (Descriptor, bool) {
	return lookup(byFamily, family)
}

// Defaults returns the base ecosystems a database update downloads unless
// it is given a list, in table order.
func Defaults() []string {
	var out []string
	for _, d := range table {
		if d.Default {
			out = append(out, d.OSV)
		}
	}
	return out
}

// The indexes are built once from the table and never change.
var (
	byOSV      = index(func(d Descriptor) []string { return []string{d.OSV} })
	byType     = index(func(d Descriptor) []string { return []string{d.PackageType} })
	byFamily   = index(func(d Descriptor) []string { return d.Families })
	byPURLType = index(func(d Descriptor) []string { return []string{d.PURLType} })
)

func lookup(m map[string]int, k string) (Descriptor, bool) {
	i, ok := m[k]
	if !ok {
		return Descriptor{}, false
	}
	return table[i], true
}

// index maps each key of each row to the first row that has it.
func index(keys func(Descriptor) []string) map[string]int {
	m := map[string]int{}
	for i, d := range table {
		for _, k := range keys(d) {
			if _, ok := m[k]; !ok {
				m[k] = i
			}
		}
	}
	return m
}

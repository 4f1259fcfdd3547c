package ecosystem

import (
	"strings"

	"github.com/bulwark-sec/bulwark/version/apk"
	"github.com/bulwark-sec/bulwark/version/composer"
	"github.com/bulwark-sec/bulwark/version/dpkg"
	"github.com/bulwark-sec/bulwark/version/gem"
	"github.com/bulwark-sec/bulwark/version/maven"
	"github.com/bulwark-sec/bulwark/version/pep440"
	"github.com/bulwark-sec/bulwark/version/rpm"
	"github.com/bulwark-sec/bulwark/version/semver"
)

// Package types, as extractors write them in inventory.Package.Type.
const (
	TypeDeb = "deb"
	TypeAPK = "apk"
	TypeRPM = "rpm"

	TypeGolang   = "golang"
	TypeNPM      = "npm"
	TypePyPI     = "pypi"
	TypeMaven    = "maven"
	TypeGem      = "gem"
	TypeCargo    = "cargo"
	TypeComposer = "composer"
	TypeNuGet    = "nuget"
)

// table is every ecosystem Bulwark matches, distributions first; its
// order is the download order of a database update.
var table = []Descriptor{
	{
		OSV: "Debian", PackageType: TypeDeb, PURLType: "deb", Compare: dpkg.Compare, Default: true,
		Families: []string{"debian"}, BySource: true, PURLNamespace: "debian", releases: byMajor,
	},
	{
		OSV: "Ubuntu", PackageType: TypeDeb, PURLType: "deb", Compare: dpkg.Compare, Default: true,
		Families: []string{"ubuntu"}, BySource: true, PURLNamespace: "debian", releases: ubuntu,
	},
	{
		OSV: "Alpine", PackageType: TypeAPK, PURLType: "apk", Compare: apk.Compare, Default: true,
		Families: []string{"alpine"}, BySource: true, PURLNamespace: "alpine", releases: alpine,
	},
	{
		OSV: "Wolfi", PackageType: TypeAPK, PURLType: "apk", Compare: apk.Compare, Default: true,
		Families: []string{"wolfi"}, BySource: true, PURLNamespace: "alpine", releases: unversioned,
	},
	{
		OSV: "Chainguard", PackageType: TypeAPK, PURLType: "apk", Compare: apk.Compare, Default: true,
		Families: []string{"chainguard"}, BySource: true, PURLNamespace: "alpine", releases: unversioned,
	},
	{
		OSV: "Red Hat", PackageType: TypeRPM, PURLType: "rpm", Compare: rpm.Compare, Default: true,
		Families: []string{"rhel", "centos"}, PURLEpoch: true, releases: redHat,
	},
	{
		OSV: "Rocky Linux", PackageType: TypeRPM, PURLType: "rpm", Compare: rpm.Compare, Default: true,
		Families: []string{"rocky"}, PURLEpoch: true, releases: byMajor,
	},
	{
		OSV: "AlmaLinux", PackageType: TypeRPM, PURLType: "rpm", Compare: rpm.Compare, Default: true,
		Families: []string{"almalinux"}, PURLEpoch: true, releases: byMajor,
	},
	{
		OSV: "SUSE", PackageType: TypeRPM, PURLType: "rpm", Compare: rpm.Compare, Default: true,
		Families: []string{"sles", "sled", "sles_sap"}, PURLEpoch: true, releases: suse,
	},
	{
		OSV: "openSUSE", PackageType: TypeRPM, PURLType: "rpm", Compare: rpm.Compare, Default: true,
		Families: []string{"opensuse-leap"}, PURLEpoch: true, releases: leap,
	},

	{OSV: "Go", PackageType: TypeGolang, PURLType: "golang", Compare: semver.Compare, Default: true, PURLName: goModule, purlJoin: "/", VersionPrefix: "v"},
	{OSV: "npm", PackageType: TypeNPM, PURLType: "npm", Compare: semver.Compare, Default: true, PURLName: npmScope, purlJoin: "/"},
	{OSV: "PyPI", PackageType: TypePyPI, PURLType: "pypi", Compare: pep440.Compare, Default: true, Normalize: pep503, PURLName: pypiName},
	{OSV: "Maven", PackageType: TypeMaven, PURLType: "maven", Compare: maven.Compare, Default: true, PURLName: cutAt(":"), purlJoin: ":"},
	{OSV: "crates.io", PackageType: TypeCargo, PURLType: "cargo", Compare: semver.Compare, Default: true},
	{OSV: "RubyGems", PackageType: TypeGem, PURLType: "gem", Compare: gem.Compare, Default: true},
	{OSV: "NuGet", PackageType: TypeNuGet, PURLType: "nuget", Compare: semver.CompareNuGet, Default: true, Normalize: strings.ToLower},
	{OSV: "Packagist", PackageType: TypeComposer, PURLType: "composer", Compare: composer.Compare, Default: true, Normalize: strings.ToLower, PURLName: cutAt("/"), purlJoin: "/"},
}

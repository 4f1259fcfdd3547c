// Package version picks the version comparison an OSV ecosystem uses.
// Each scheme lives in its own package (version/dpkg, version/semver, ...)
// and is tested against the scheme's reference implementation.
package version

import (
	"github.com/bulwark-sec/bulwark/version/apk"
	"github.com/bulwark-sec/bulwark/version/composer"
	"github.com/bulwark-sec/bulwark/version/dpkg"
	"github.com/bulwark-sec/bulwark/version/gem"
	"github.com/bulwark-sec/bulwark/version/maven"
	"github.com/bulwark-sec/bulwark/version/pep440"
	"github.com/bulwark-sec/bulwark/version/rpm"
	"github.com/bulwark-sec/bulwark/version/semver"
)

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b, or
// an error when either is not a valid version of the scheme.
type Compare func(a, b string) (int, error)

// Semver is the comparison of OSV's SEMVER ranges, whatever the ecosystem.
var Semver Compare = semver.Compare

// schemes maps OSV base ecosystems to their comparison.
var schemes = map[string]Compare{
	"Debian":      dpkg.Compare,
	"Ubuntu":      dpkg.Compare,
	"Alpine":      apk.Compare,
	"Wolfi":       apk.Compare,
	"Chainguard":  apk.Compare,
	"Red Hat":     rpm.Compare,
	"Rocky Linux": rpm.Compare,
	"AlmaLinux":   rpm.Compare,
	"SUSE":        rpm.Compare,
	"openSUSE":    rpm.Compare,
	"Go":          semver.Compare,
	"npm":         semver.Compare,
	"crates.io":   semver.Compare,
	"NuGet":       semver.CompareNuGet,
	"PyPI":        pep440.Compare,
	"Maven":       maven.Compare,
	"RubyGems":    gem.Compare,
	"Packagist":   composer.Compare,
}

// For returns the comparison of a base ecosystem ("Debian", "npm").
func For(base string) (Compare, bool) {
	c, ok := schemes[base]
	return c, ok
}

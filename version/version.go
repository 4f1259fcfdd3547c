// Package version picks the version comparison an OSV ecosystem uses, as
// the ecosystem table says. Each scheme lives in its own package
// (version/dpkg, version/semver, ...) and is tested against the scheme's
// reference implementation.
package version

import (
	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/version/semver"
)

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b, or
// an error when either is not a valid version of the scheme.
type Compare func(a, b string) (int, error)

// Semver is the comparison of OSV's SEMVER ranges, whatever the ecosystem.
var Semver Compare = semver.Compare

// For returns the comparison of a base ecosystem ("Debian", "npm").
func For(base string) (Compare, bool) {
	d, ok := ecosystem.ByOSV(base)
	if !ok || d.Compare == nil {
		return nil, false
	}
	return d.Compare, true
}

package report

import (
	"sort"

	"github.com/bulwark-sec/bulwark/inventory"
)

// SortPackages orders packages by type, name, version, architecture and
// location, the order every format prints them in.
func SortPackages(pkgs []inventory.Package) {
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		switch {
		case a.Type != b.Type:
			return a.Type < b.Type
		case a.Name != b.Name:
			return a.Name < b.Name
		case a.Version != b.Version:
			return a.Version < b.Version
		case a.Arch != b.Arch:
			return a.Arch < b.Arch
		default:
			return a.Location < b.Location
		}
	})
}

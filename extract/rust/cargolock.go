// Package rust finds Rust crates: the packages a Cargo.lock pins, and the
// dependency list cargo-auditable embeds in the binaries it builds.
package rust

import (
	"context"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// LockExtractor reads Cargo.lock files.
type LockExtractor struct{}

// Name implements extract.Extractor.
func (LockExtractor) Name() string { return "cargo-lock" }

// Version implements extract.Extractor.
func (LockExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. The largest real lockfiles (big
// workspaces) are a few megabytes.
func (LockExtractor) MaxSize() int64 { return 16 << 20 }

// Required implements extract.Extractor: files named Cargo.lock, except
// those inside unpacked crate sources (a cargo registry cache, Debian's
// /usr/share/cargo/registry), which are the lockfiles of crates as their
// authors develop them, not of anything built in the image.
func (LockExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() || path.Base(f.Path) != "Cargo.lock" {
		return false
	}
	return !strings.Contains(f.Path, ".cargo/registry/") && !strings.HasPrefix(f.Path, "usr/share/cargo/registry/")
}

// Extract implements extract.Extractor.
func (LockExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "cargo-lock", ParseLock)
}

// lockPackage is one [[package]] of a lockfile. Fields not needed here
// (checksum, replace) are skipped.
type lockPackage struct {
	Name    string
	Version string
	// Source is "registry+<index url>", "sparse+<url>" or
	// "git+<url>#<commit>"; empty for the workspace's own crates and
	// crates depended on by path.
	Source       string
	Dependencies []string
}

// ParseLock returns the crates a Cargo.lock pins, in any of its formats
// (version 1 without a version key, through version 4). Crates without a
// source are the workspace's own or path dependencies: they are not
// published packages and are left out. The others are direct when one of
// those local crates depends on them, transitive otherwise.
func ParseLock(data []byte) ([]inventory.Package, error) {
	lock, err := decodeLock(data)
	if err != nil {
		return nil, err
	}
	all := lock.packages
	if lock.root != nil {
		all = append(all, *lock.root)
	}
	// A dependency is written "name", or "name version" when two versions
	// are locked, or "name version (source)" (always, before version 2).
	// Published crates are indexed by each of those forms, so that each
	// distinct dependency costs one lookup: a crate is in one list per
	// form, and the work stays linear however the file repeats itself.
	type ref struct{ name, version, source string }
	index := map[ref][]int{} // into all
	for i, p := range all {
		if p.Source != "" && p.Name != "" && p.Version != "" {
			for _, r := range []ref{{p.Name, "", ""}, {p.Name, p.Version, ""}, {p.Name, p.Version, p.Source}} {
				index[r] = append(index[r], i)
			}
		}
	}
	direct := make([]bool, len(all))
	done := map[ref]bool{}
	anyLocal := false
	for _, p := range all {
		if p.Source != "" {
			continue
		}
		anyLocal = true
		for _, d := range p.Dependencies {
			f := strings.Fields(d)
			if len(f) == 0 {
				continue
			}
			r := ref{name: f[0]}
			if len(f) > 1 {
				r.version = f[1]
			}
			if len(f) > 2 {
				r.source = strings.TrimSuffix(strings.TrimPrefix(strings.Join(f[2:], " "), "("), ")")
			}
			if done[r] {
				continue
			}
			done[r] = true
			for _, i := range index[r] {
				direct[i] = true
			}
		}
	}
	// Cargo would refuse a lockfile listing a crate twice; here the
	// duplicate is dropped.
	seen := map[ref]bool{}
	var pkgs []inventory.Package
	for i, p := range all {
		r := ref{p.Name, p.Version, p.Source}
		if p.Source == "" || p.Name == "" || p.Version == "" || seen[r] {
			continue
		}
		seen[r] = true
		dep := ""
		switch {
		case !anyLocal:
			// No crate of the project is in the file, so it says nothing
			// about which crates the project uses directly.
		case direct[i]:
			dep = inventory.DependencyDirect
		default:
			dep = inventory.DependencyTransitive
		}
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeCargo, Name: p.Name, Version: p.Version,
			Dependency: dep, Layer: -1,
		})
	}
	return pkgs, nil
}

package yarn

import (
	"errors"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/internal/yamltree"
	"github.com/bulwark-sec/bulwark/inventory"
)

// berryEntry is one resolution in a berry lockfile. Its key lists the
// descriptors ("name@npm:^1.0.0, name@npm:^1.2.0") it serves.
type berryEntry struct {
	key, version, resolution string
}

// maxResolutionDepth bounds how many protocol wrappers (patch: around
// npm:, virtual: around patch:) are unwrapped; real ones nest two deep.
const maxResolutionDepth = 8

// ParseBerry reads a Yarn 2+ lockfile, a YAML document with a __metadata
// entry and one entry per resolution:
//
//	"ms@npm:2.0.0, old-ms@npm:ms@2.0.0":
//	  version: 2.0.0
//	  resolution: "ms@npm:2.0.0"
//
// The resolution names the package, so aliases come out under the real
// name. A patch: resolution is reported as the npm package it patches; the
// project's workspaces and link:, portal:, file: and exec: packages are its
// own code and are left out. Git and tarball resolutions keep the version
// their manifest declares. The workspaces' own entries list what each asks
// for: those packages are direct, the rest transitive.
func ParseBerry(data []byte) ([]inventory.Package, error) {
	top, err := yamltree.Parse(data)
	if err != nil {
		return nil, err
	}
	if top == nil {
		return nil, errors.New("empty document: not a Yarn 2+ lockfile")
	}
	w := yamltree.NewWalker(data)
	var (
		entries    []berryEntry
		metadata   bool
		workspaces bool
		asked      = map[string]bool{} // descriptors the workspaces ask for
		deps       []string
	)
	err = w.Mapping(top, "lockfile", func(key string, v *yaml.Node) error {
		if key == "__metadata" {
			metadata = true
			return w.Mapping(v, key, func(string, *yaml.Node) error { return nil })
		}
		e := berryEntry{key: key}
		deps = deps[:0]
		err := w.Mapping(v, key, func(field string, v *yaml.Node) (err error) {
			switch field {
			case "version":
				e.version, err = w.Scalar(v, key+" version")
			case "resolution":
				e.resolution, err = w.Scalar(v, key+" resolution")
			case "dependencies":
				err = w.Mapping(v, key+" dependencies", func(name string, r *yaml.Node) error {
					rng, err := w.Scalar(r, key+" dependency "+name)
					deps = append(deps, name+"@"+rng)
					return err
				})
			}
			return err
		})
		if _, rng := splitDescriptor(e.resolution); strings.HasPrefix(rng, "workspace:") {
			workspaces = true
			for _, d := range deps {
				asked[d] = true
			}
		}
		entries = append(entries, e)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !metadata {
		return nil, errors.New("no __metadata: not a Yarn 2+ lockfile")
	}

	var pkgs []inventory.Package
	for _, e := range entries {
		name, version, ok := resolve(e.resolution)
		if !ok {
			continue
		}
		if version == "" {
			version = e.version // git or tarball: the manifest's version
		}
		if name == "" || version == "" {
			continue
		}
		p := inventory.Package{Type: inventory.TypeNPM, Name: name, Version: version, Layer: -1}
		if workspaces {
			p.Dependency = inventory.DependencyTransitive
			for d := range strings.SplitSeq(e.key, ",") {
				if asked[strings.TrimSpace(d)] {
					p.Dependency = inventory.DependencyDirect
				}
			}
		}
		pkgs = append(pkgs, p)
	}
	return dedupe(pkgs), nil
}

// resolve reads a berry resolution ("name@protocol:reference") as the npm
// package it installs. version is empty for remote protocols (git, https
// tarballs) whose reference is no version; ok is false for local ones.
func resolve(res string) (name, version string, ok bool) {
	for range maxResolutionDepth {
		var ref string
		name, ref = splitDescriptor(res)
		protocol, body, _ := strings.Cut(ref, ":")
		switch protocol {
		case "npm":
			// Parameters follow "::" when the archive URL is unusual.
			version, _, _ = strings.Cut(body, "::")
			return name, version, true
		case "patch":
			// patch:<escaped resolution of the original>#<patch file>
			inner, _, _ := strings.Cut(body, "#")
			u, err := url.PathUnescape(inner)
			if err != nil {
				return "", "", false
			}
			res = u
		case "virtual":
			// virtual:<hash>#<the resolution it instantiates>
			_, inner, found := strings.Cut(body, "#")
			if !found {
				return "", "", false
			}
			res = name + "@" + inner
		default:
			if localProtocol(ref) || ref == "" {
				return "", "", false
			}
			return name, "", true
		}
	}
	return "", "", false
}

// Package dotnet finds NuGet packages: those a built .NET application
// loads (its .deps.json), those a restore pinned (packages.lock.json), and
// those a project file or packages.config references.
package dotnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path"
	"sort"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// DepsExtractor reads the .deps.json the .NET SDK writes next to a built
// or published application: every library the host may load, with the
// application's own references to tell direct from transitive.
type DepsExtractor struct{}

// Name implements extract.Extractor.
func (DepsExtractor) Name() string { return "dotnet-deps" }

// Version implements extract.Extractor.
func (DepsExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. Large applications' files are a
// few hundred kilobytes.
func (DepsExtractor) MaxSize() int64 { return 32 << 20 }

// Required implements extract.Extractor: files named <app>.deps.json.
func (DepsExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && strings.HasSuffix(f.Path, ".deps.json") && len(path.Base(f.Path)) > len(".deps.json")
}

// Extract implements extract.Extractor. The file is named for the
// application, which names the root project among the file's projects.
func (DepsExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	app := strings.TrimSuffix(path.Base(in.Path), ".deps.json")
	return extract.ParseWhole(in, "dotnet-deps", func(data []byte) ([]inventory.Package, error) {
		return parseDeps(data, app)
	})
}

// runtimePackPrefix starts the library names a self-contained application
// gives the runtime packs it carries. Without it the name is the NuGet
// package the runtime ships as (Microsoft.NETCore.App.Runtime.linux-x64),
// which is where advisories about the runtime are recorded.
const runtimePackPrefix = "runtimepack."

var errNoLibraries = errors.New(`no "libraries" object`)

// ParseDeps returns the NuGet packages (and runtime packs) a .deps.json
// lists. Projects (the application and the projects it references) are
// not packages and are left out. Packages the root project references are
// direct, the rest transitive; when the root cannot be told, neither is
// said.
func ParseDeps(data []byte) ([]inventory.Package, error) { return parseDeps(data, "") }

// parseDeps is ParseDeps with the application's name, when known, to pick
// the root project.
func parseDeps(data []byte, app string) ([]inventory.Package, error) {
	var doc struct {
		// RuntimeTarget is {"name": ...}; kept raw so that an odd value
		// does not lose the libraries.
		RuntimeTarget json.RawMessage                 `json:"runtimeTarget"`
		Targets       map[string]map[string]depsEntry `json:"targets"`
		Libraries     map[string]struct {
			Type string `json:"type"`
		} `json:"libraries"`
	}
	if err := json.Unmarshal(trimBOM(data), &doc); err != nil {
		return nil, err
	}
	if doc.Libraries == nil {
		return nil, errNoLibraries
	}
	var rt struct {
		Name string `json:"name"`
	}
	json.Unmarshal(doc.RuntimeTarget, &rt)

	// The runtime target's entries say what depends on what; a file
	// with a single target needs no name to find it.
	entries := doc.Targets[rt.Name]
	if entries == nil && len(doc.Targets) == 1 {
		for _, e := range doc.Targets {
			entries = e
		}
	}
	var projects []string // "Name/Version" keys
	for key, lib := range doc.Libraries {
		if lib.Type == "project" {
			projects = append(projects, key)
		}
	}
	sort.Strings(projects)
	direct, known := directDeps(entries, projects, app)

	var pkgs []inventory.Package
	for key, lib := range doc.Libraries {
		name, version, ok := strings.Cut(key, "/")
		if !ok || name == "" || version == "" {
			continue
		}
		switch lib.Type {
		case "package":
		case "runtimepack":
			name = strings.TrimPrefix(name, runtimePackPrefix)
		default:
			continue // project, reference, referenceassembly, ...
		}
		dep := ""
		if known {
			dep = inventory.DependencyTransitive
			if direct[key] {
				dep = inventory.DependencyDirect
			}
		}
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeNuGet, Name: name, Version: version,
			Dependency: dep, Layer: -1,
		})
	}
	sortPackages(pkgs)
	return pkgs, nil
}

// directDeps finds the root project and returns the "Name/Version" keys it
// depends on. The root is the project named for the application or, if
// that is not known, the one project no other project depends on; known
// is false when there is no such single project.
func directDeps(entries map[string]depsEntry, projects []string, app string) (direct map[string]bool, known bool) {
	root := ""
	for _, p := range projects {
		if name, _, _ := strings.Cut(p, "/"); app != "" && name == app {
			root = p
		}
	}
	if root == "" {
		referenced := map[string]bool{}
		for _, p := range projects {
			for name := range entries[p].Dependencies {
				referenced[name] = true
			}
		}
		for _, p := range projects {
			if name, _, _ := strings.Cut(p, "/"); !referenced[name] {
				if root != "" {
					return nil, false
				}
				root = p
			}
		}
	}
	e, ok := entries[root]
	if root == "" || !ok {
		return nil, false
	}
	direct = map[string]bool{}
	for name, version := range e.Dependencies {
		direct[name+"/"+version] = true
	}
	return direct, true
}

// depsEntry is a library's entry under a target: what it depends on, by
// name and version. Its assets are not needed.
type depsEntry struct {
	Dependencies map[string]string `json:"dependencies"`
}

// sortPackages orders packages by name and version, for output that does
// not depend on the order of a JSON object's keys.
func sortPackages(pkgs []inventory.Package) {
	sort.Slice(pkgs, func(i, j int) bool {
		if pkgs[i].Name != pkgs[j].Name {
			return pkgs[i].Name < pkgs[j].Name
		}
		return pkgs[i].Version < pkgs[j].Version
	})
}

// trimBOM drops a UTF-8 byte order mark, which Visual Studio writes at the
// start of JSON files and encoding/json rejects.
func trimBOM(data []byte) []byte { return bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) }

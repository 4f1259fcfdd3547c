package vulndb

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/internal/yamltree"
	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/version/apk"
)

// Alpine's security database (secdb) lists, per release and repository,
// which package version fixed which advisories:
//
//	distroversion: v3.11
//	reponame: main
//	packages:
//	  - pkg:
//	      name: openssl
//	      secfixes:
//	        1.1.1d-r2:
//	          - CVE-2019-1551
//	        "0":
//	          - CVE-2016-0682   # never affected this package
//
// The alpine-secdb repository keeps it as YAML (v3.X/main.yaml), and
// secdb.alpinelinux.org serves the same structure as JSON. Each
// (package, fixed version, advisory) becomes an affected package of the
// OSV record the advisory gets, shaped as osv.dev's own Alpine converter
// shapes it: ID "ALPINE-<advisory>", upstream the advisory, ecosystem
// "Alpine:v3.11", one ECOSYSTEM range introduced "0", fixed at that
// version. The fixed version "0" says the package in that release was
// never affected; it gives no entry and is counted as Unaffected.

// SecDB is what one secdb document holds.
type SecDB struct {
	Release string // "v3.11"
	Repo    string // "main", "community"
	// Records are the advisories, one OSV record each, by ID.
	Records []*osv.Vulnerability
	// Unaffected counts (package, advisory) pairs marked never affected
	// (fixed version "0").
	Unaffected int
	// Skipped counts entries left out: versions apk does not accept,
	// advisory names that are not IDs; Problems describes the first few.
	Skipped  int
	Problems []string
}

func (s *SecDB) skip(format string, args ...any) {
	s.Skipped++
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
	}
}

var (
	alpineRelease = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
	// advisoryID accepts CVE-2019-1551, XSA-207, wnpa-sec-2017-18, GHSA-...
	advisoryID = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9._]+)+$`)
	// miswrittenCVE is a CVE written with a space or an underscore:
	// "CVE 2018-16859", "CVE_2019-2426".
	miswrittenCVE = regexp.MustCompile(`^CVE[\s_]+([0-9]{4}-[0-9]+)$`)
)

// ParseSecDB reads one secdb document, YAML or JSON.
func ParseSecDB(data []byte) (*SecDB, error) {
	top, err := parseYAML(data)
	if err != nil {
		return nil, fmt.Errorf("secdb: %w", err)
	}
	return secdbOf(yamltree.NewWalker(data), top)
}

func secdbOf(w *yamltree.Walker, top *yaml.Node) (*SecDB, error) {
	s := &SecDB{}
	type fix struct{ pkg, version string }
	fixes := map[string][]fix{} // advisory → where it was fixed
	var order []string
	var pkgs *yaml.Node
	err := w.Mapping(top, "secdb", func(key string, v *yaml.Node) error {
		var err error
		switch key {
		case "distroversion":
			s.Release, err = w.Scalar(v, key)
		case "reponame":
			s.Repo, err = w.Scalar(v, key)
		case "packages":
			pkgs = v
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("secdb: %w", err)
	}
	if !strings.HasPrefix(s.Release, "v") {
		s.Release = "v" + s.Release
	}
	if !alpineRelease.MatchString(s.Release) {
		return nil, fmt.Errorf("secdb: distroversion %q is not an Alpine release (v3.11, ...)", strings.TrimPrefix(s.Release, "v"))
	}
	eco := "Alpine:" + s.Release
	if pkgs == nil {
		return s, nil
	}
	err = w.Sequence(pkgs, "packages", func(p *yaml.Node) error {
		var name string
		var secfixes *yaml.Node
		err := w.Mapping(p, "packages entry", func(key string, v *yaml.Node) error {
			if key != "pkg" {
				return nil
			}
			return w.Mapping(v, "pkg", func(key string, v *yaml.Node) error {
				var err error
				switch key {
				case "name":
					name, err = w.Scalar(v, "pkg name")
				case "secfixes":
					secfixes = v
				}
				return err
			})
		})
		if err != nil {
			return err
		}
		if name == "" {
			s.skip("a package with no name")
			return nil
		}
		if secfixes == nil {
			return nil
		}
		return w.Mapping(secfixes, name+" secfixes", func(ver string, ids *yaml.Node) error {
			valid := ver == "0"
			if !valid {
				_, err := apk.Parse(ver)
				valid = err == nil
			}
			return w.Sequence(ids, name+" "+ver, func(n *yaml.Node) error {
				raw, err := w.Scalar(n, name+" "+ver+" advisory")
				if err != nil {
					return err
				}
				id := advisoryOf(raw)
				switch {
				case id == "":
					s.skip("%s %s: %q is not an advisory ID", name, ver, raw)
				case !valid:
					s.skip("%s %s (%s): not an apk version", name, ver, id)
				case ver == "0":
					s.Unaffected++
				default:
					if fixes[id] == nil {
						order = append(order, id)
					}
					fixes[id] = append(fixes[id], fix{name, ver})
				}
				return nil
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("secdb %s: %w", eco, err)
	}
	sort.Strings(order)
	for _, id := range order {
		v := &osv.Vulnerability{ID: "ALPINE-" + id, Upstream: []string{id}}
		if strings.HasPrefix(id, "CVE-") {
			v.References = []osv.Reference{{Type: "ADVISORY", URL: "https://security.alpinelinux.org/vuln/" + id}}
		}
		for _, f := range fixes[id] {
			v.Affected = append(v.Affected, osv.Affected{
				Package: osv.Package{Ecosystem: eco, Name: f.pkg, Purl: "pkg:apk/alpine/" + f.pkg + "?arch=source"},
				Ranges: []osv.Range{{Type: osv.RangeEcosystem, Events: []osv.Event{
					{Introduced: "0"}, {Fixed: f.version},
				}}},
			})
		}
		s.Records = append(s.Records, v)
	}
	return s, nil
}

// advisoryOf is the advisory ID an entry names: its first word that is an
// ID ("CVE-????-?????  XSA-295" is XSA-295), with a CVE written
// "CVE 2018-16859" or "CVE_2019-2426" mended; "" when there is none.
func advisoryOf(s string) string {
	s = strings.TrimSpace(s)
	if m := miswrittenCVE.FindStringSubmatch(s); m != nil {
		return "CVE-" + m[1]
	}
	for _, f := range strings.Fields(s) {
		if advisoryID.MatchString(f) {
			return f
		}
	}
	return ""
}

package java

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// PomExtractor reads Maven pom.xml files in source folders.
type PomExtractor struct{}

// Name implements extract.Extractor.
func (PomExtractor) Name() string { return pomName }

// Version implements extract.Extractor.
func (PomExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (PomExtractor) MaxSize() int64 { return 8 << 20 }

// Required implements extract.Extractor: files named pom.xml, except the
// copies Maven packs under META-INF/maven/ (an unpacked war has them):
// those describe how a library was built, and the archive extractor reads
// the libraries themselves.
func (PomExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && path.Base(f.Path) == "pom.xml" && !strings.Contains(f.Path, "META-INF/maven/")
}

// Extract implements extract.Extractor.
func (PomExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, pomName, ParsePom)
}

type pomDependency struct {
	GroupID    string `xml:"groupId"`
	ArtifactID string `xml:"artifactId"`
	Version    string `xml:"version"`
}

type pomProject struct {
	XMLName    xml.Name `xml:"project"`
	GroupID    string   `xml:"groupId"`
	ArtifactID string   `xml:"artifactId"`
	Version    string   `xml:"version"`
	Parent     struct {
		GroupID    string `xml:"groupId"`
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
	} `xml:"parent"`
	Properties struct {
		Entries []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	} `xml:"properties"`
	Licenses     []string        `xml:"licenses>license>name"`
	Dependencies []pomDependency `xml:"dependencies>dependency"`
	Managed      []pomDependency `xml:"dependencyManagement>dependencies>dependency"`
}

// ParsePom returns the project a pom.xml builds and the dependencies it
// declares, all marked direct, test-scoped ones included (they are still
// declared). Versions are resolved from the file alone: ${...} references
// to its <properties> and to project and parent coordinates, the project
// inheriting its parent's group and version, and a dependency without a
// version taking it from the same file's <dependencyManagement>. A
// dependency whose version needs anything else (a parent or BOM from a
// repository, a version range) is left out rather than guessed.
func ParsePom(data []byte) ([]inventory.Package, error) {
	var p pomProject
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = charsetReader
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	props := map[string]string{}
	for _, e := range p.Properties.Entries {
		props[e.XMLName.Local] = strings.TrimSpace(e.Value)
	}
	group := firstNonEmpty(p.GroupID, p.Parent.GroupID)
	version := firstNonEmpty(p.Version, p.Parent.Version)
	for _, prefix := range []string{"project.", "pom.", ""} {
		props[prefix+"groupId"] = strings.TrimSpace(group)
		props[prefix+"artifactId"] = strings.TrimSpace(p.ArtifactID)
		props[prefix+"version"] = strings.TrimSpace(version)
	}
	for _, prefix := range []string{"project.parent.", "parent."} {
		props[prefix+"groupId"] = strings.TrimSpace(p.Parent.GroupID)
		props[prefix+"artifactId"] = strings.TrimSpace(p.Parent.ArtifactID)
		props[prefix+"version"] = strings.TrimSpace(p.Parent.Version)
	}
	resolve := func(s string) string { return interpolate(strings.TrimSpace(s), props) }

	managed := map[string]string{}
	for _, d := range p.Managed {
		k := resolve(d.GroupID) + ":" + resolve(d.ArtifactID)
		if _, ok := managed[k]; !ok {
			managed[k] = d.Version
		}
	}

	var pkgs []inventory.Package
	seen := map[string]bool{}
	add := func(g, a, v, dep string, licenses []string) {
		c := coords{group: g, artifact: a, version: v}
		if !resolved(g) || !resolved(a) || !resolved(v) || strings.ContainsAny(v[:1], "[(") || seen[c.key()] {
			return
		}
		seen[c.key()] = true
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeMaven, Name: c.name(), Version: v,
			Licenses: licenses, Dependency: dep, Layer: -1,
		})
	}
	var licenses []string
	for _, l := range p.Licenses {
		if l = strings.TrimSpace(l); l != "" {
			licenses = append(licenses, l)
		}
	}
	add(resolve(group), resolve(p.ArtifactID), resolve(version), "", licenses)
	for _, d := range p.Dependencies {
		g, a := resolve(d.GroupID), resolve(d.ArtifactID)
		v := d.Version
		if strings.TrimSpace(v) == "" {
			v = managed[g+":"+a]
		}
		add(g, a, resolve(v), inventory.DependencyDirect, nil)
	}
	return pkgs, nil
}

// resolved reports whether a coordinate is present and has no property
// reference left in it.
func resolved(s string) bool { return isIdentifier(s) && !strings.Contains(s, "${") }

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// maxInterpolated bounds the length a value may grow to by substitution:
// properties that refer to each other twice over double at every step.
const maxInterpolated = 1024

// interpolate replaces ${name} references with props values, repeatedly,
// since a property may be defined in terms of another. Unknown references
// stay as they are; so does everything once a cycle or a runaway expansion
// shows.
func interpolate(s string, props map[string]string) string {
	for range 10 {
		if !strings.Contains(s, "${") {
			return s
		}
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, "${")
			if i < 0 {
				b.WriteString(rest)
				break
			}
			j := strings.IndexByte(rest[i:], '}')
			if j < 0 {
				b.WriteString(rest)
				break
			}
			b.WriteString(rest[:i])
			if v, ok := props[rest[i+2:i+j]]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(rest[i : i+j+1])
			}
			rest = rest[i+j+1:]
			if b.Len() > maxInterpolated {
				return s
			}
		}
		if b.String() == s {
			return s
		}
		s = b.String()
	}
	return s
}

// charsetReader lets the XML decoder read the single-byte encodings pom
// files declare besides UTF-8. Latin-1 (and its superset windows-1252,
// close enough for coordinates, which are ASCII) maps byte for rune.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252":
		data, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(data))
		for _, c := range data {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q", charset)
}

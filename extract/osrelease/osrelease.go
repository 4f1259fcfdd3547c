// Package osrelease detects the operating system of an image from its
// release files: os-release first, then the distribution-specific files
// older or minimal images carry instead.
package osrelease

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// Priority orders release files: when several are present, the one listed
// first wins. os-release is the standard; the others are fallbacks.
var Priority = []string{
	"etc/os-release",
	"usr/lib/os-release",
	"etc/alpine-release",
	"etc/redhat-release",
	"etc/centos-release",
	"etc/system-release",
	"etc/debian_version",
}

// maxReleaseSize bounds a release file; real ones are under 1 KB.
const maxReleaseSize = 64 << 10

// Extractor reads release files.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "osrelease" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return maxReleaseSize }

// Required implements extract.Extractor.
func (Extractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() {
		return false
	}
	for _, p := range Priority {
		if f.Path == p {
			return true
		}
	}
	return false
}

// Extract implements extract.Extractor.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	data, err := io.ReadAll(in.Content)
	if err != nil {
		return extract.Result{}, fmt.Errorf("osrelease: %s: %w", in.Path, err)
	}
	var os *inventory.OS
	switch in.Path {
	case "etc/os-release", "usr/lib/os-release":
		os = ParseOSRelease(data)
	case "etc/alpine-release":
		os = &inventory.OS{Family: "alpine", Name: "Alpine Linux", Version: firstLine(data)}
	case "etc/debian_version":
		os = &inventory.OS{Family: "debian", Name: "Debian GNU/Linux", Version: firstLine(data)}
	default:
		os = parseRedHatRelease(data)
	}
	if os == nil || os.Family == "" {
		return extract.Result{}, fmt.Errorf("osrelease: %s: no distribution named", in.Path)
	}
	os.Source = in.Path
	return extract.Result{OS: os}, nil
}

// ParseOSRelease reads the os-release format (freedesktop.org): KEY=value
// lines, values optionally quoted, with backslash escapes inside quotes.
func ParseOSRelease(data []byte) *inventory.OS {
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxReleaseSize)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		kv[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
	}
	os := &inventory.OS{
		Family:   strings.ToLower(kv["ID"]),
		Name:     kv["PRETTY_NAME"],
		Version:  kv["VERSION_ID"],
		Codename: kv["VERSION_CODENAME"],
	}
	if os.Name == "" {
		os.Name = kv["NAME"]
	}
	// Google's distroless images ship Debian's release data under the
	// pretty name "Distroless".
	if strings.Contains(strings.ToLower(os.Name), "distroless") {
		os.Distroless = true
	}
	return os
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		q := v[0]
		v = v[1 : len(v)-1]
		if q == '"' && strings.Contains(v, `\`) {
			var b strings.Builder
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
			}
			v = b.String()
		}
	}
	return v
}

func firstLine(data []byte) string {
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	return strings.TrimSpace(string(line))
}

// redHatRelease matches "<name> release <version> (<codename>)", the form
// of /etc/redhat-release and its relatives.
var redHatRelease = regexp.MustCompile(`^(.+?)\s+release\s+([0-9][0-9A-Za-z.]*)\s*(?:\((.*)\))?`)

// redHatFamilies maps the names in redhat-release style files to os-release
// IDs, most specific first.
var redHatFamilies = []struct{ prefix, family string }{
	{"red hat enterprise linux", "rhel"},
	{"centos stream", "centos"},
	{"centos", "centos"},
	{"rocky linux", "rocky"},
	{"almalinux", "almalinux"},
	{"oracle linux", "ol"},
	{"fedora", "fedora"},
	{"amazon linux", "amzn"},
}

func parseRedHatRelease(data []byte) *inventory.OS {
	line := firstLine(data)
	m := redHatRelease.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	lower := strings.ToLower(m[1])
	for _, f := range redHatFamilies {
		if strings.HasPrefix(lower, f.prefix) {
			return &inventory.OS{Family: f.family, Name: line, Version: m[2], Codename: m[3]}
		}
	}
	return nil
}

// Best picks the operating system from the release files visible in an
// image, keyed by path: the highest-priority file decides the family and
// version.
func Best(found map[string]*inventory.OS) *inventory.OS {
	var best *inventory.OS
	for _, p := range Priority {
		if os, ok := found[p]; ok && os != nil && os.Family != "" {
			c := *os
			best = &c
			break
		}
	}
	return best
}

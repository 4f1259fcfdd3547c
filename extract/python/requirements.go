package python

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// RequirementsExtractor reads pip requirements files: any .txt whose name
// holds "requirements" (requirements.txt, requirements-dev.txt,
// dev-requirements.txt, Apache Beam's base_image_requirements.txt), and any
// .txt in a directory named requirements (requirements/base.txt).
type RequirementsExtractor struct{}

// Name implements extract.Extractor.
func (RequirementsExtractor) Name() string { return "pip-requirements" }

// Version implements extract.Extractor.
func (RequirementsExtractor) Version() int { return 2 }

// MaxSize implements extract.Extractor. A fully hashed requirements file
// for a large application is a few hundred kilobytes.
func (RequirementsExtractor) MaxSize() int64 { return 16 << 20 }

// Required implements extract.Extractor.
func (RequirementsExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() || inInstalledPackage(f.Path) {
		return false
	}
	base := baseName(f.Path)
	if !strings.HasSuffix(base, ".txt") {
		return false
	}
	// Names that only contain the word are as common as those that start
	// with it (dev-requirements.txt, test-requirements.txt), and are what
	// osv-scanner reads too.
	return strings.Contains(base, "requirements") || baseName(dirName(f.Path)) == "requirements"
}

// Extract implements extract.Extractor.
func (RequirementsExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	return extract.ParseWhole(in, "pip-requirements", ParseRequirements)
}

// ParseRequirements returns the exactly pinned requirements of a pip
// requirements file ("name==version", "name[extra]===version"), in file
// order. Environment markers, per-requirement options (--hash) and comments
// are ignored; ranges, unpinned names, options (-r, -c, -e, --index-url),
// URLs and local paths are skipped, since they name no one version. The
// file does not say which requirements are direct, so Dependency is left
// empty. Binary data is an error.
func ParseRequirements(data []byte) ([]inventory.Package, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, errors.New("binary data, not a requirements file")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	type key struct{ name, version string }
	var (
		out  []inventory.Package
		seen = map[key]bool{}
	)
	for _, line := range logicalLines(string(data)) {
		name, version, ok := pinnedRequirement(line)
		if !ok || seen[key{name, version}] {
			continue
		}
		seen[key{name, version}] = true
		out = append(out, inventory.Package{
			Type: inventory.TypePyPI, Name: name, Version: version, Layer: -1,
		})
	}
	return out, nil
}

// logicalLines splits a requirements file into lines as pip reads them: a
// line ending in a backslash continues on the next, and comments ("#" at
// the start or after whitespace) are removed.
func logicalLines(s string) []string {
	var (
		out  []string
		cont strings.Builder
	)
	for s != "" {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		line = strings.TrimSuffix(line, "\r")
		if strings.HasSuffix(line, "\\") && !isComment(line) {
			cont.WriteString(strings.TrimSuffix(line, "\\"))
			continue
		}
		if cont.Len() > 0 {
			cont.WriteString(line)
			line = cont.String()
			cont.Reset()
		}
		out = append(out, stripComment(line))
	}
	if cont.Len() > 0 {
		out = append(out, stripComment(cont.String()))
	}
	return out
}

// isComment reports whether a whole line is a comment.
func isComment(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), "#")
}

// stripComment cuts a line at the first "#" that starts the line or
// follows whitespace; a "#" inside a token (a URL fragment) is kept.
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

// pinnedRequirement returns the name and version of a logical line that
// pins one version, as "name[extras] == version ; marker --option".
func pinnedRequirement(line string) (name, version string, ok bool) {
	// pip reads the requirement up to the first token that is an option.
	f := strings.Fields(line)
	n := 0
	for n < len(f) && !strings.HasPrefix(f[n], "-") {
		n++
	}
	req := strings.Join(f[:n], " ")
	if req == "" || strings.Contains(req, "@") || strings.Contains(req, "://") {
		return "", "", false // an option line, or a direct reference (URL, VCS)
	}
	req, _, _ = strings.Cut(req, ";") // environment marker
	end := 0
	for end < len(req) && (isAlnum(req[end]) || strings.IndexByte("._-", req[end]) >= 0) {
		end++
	}
	name, rest := req[:end], strings.TrimSpace(req[end:])
	if !validName(name) {
		return "", "", false
	}
	if strings.HasPrefix(rest, "[") {
		i := strings.IndexByte(rest, ']')
		if i < 0 {
			return "", "", false
		}
		rest = strings.TrimSpace(rest[i+1:])
	}
	// The pre-PEP 508 form "name (==1.0)" is still accepted by pip.
	if strings.HasPrefix(rest, "(") && strings.HasSuffix(rest, ")") {
		rest = rest[1 : len(rest)-1]
	}
	version, ok = pinnedVersion(rest)
	return strings.ToValidUTF8(name, ""), strings.ToValidUTF8(version, "\uFFFD"), ok
}

package dpkg

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

const (
	docPrefix     = "usr/share/doc/"
	copyrightName = "/copyright"
	// maxCopyrightSize bounds a copyright file; the largest in Debian are
	// a few hundred KB.
	maxCopyrightSize = 4 << 20
)

// Copyright reads the licenses of an installed Debian package from its
// usr/share/doc/<package>/copyright file, where Debian records them (the
// status database has no license field).
type Copyright struct{}

// Name implements extract.Extractor.
func (Copyright) Name() string { return "dpkg-copyright" }

// Version implements extract.Extractor.
func (Copyright) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (Copyright) MaxSize() int64 { return maxCopyrightSize }

// Required implements extract.Extractor.
func (Copyright) Required(f extract.File) bool {
	return f.Mode.IsRegular() && packageOfCopyright(f.Path) != ""
}

func packageOfCopyright(p string) string {
	if !strings.HasPrefix(p, docPrefix) || !strings.HasSuffix(p, copyrightName) {
		return ""
	}
	name := p[len(docPrefix) : len(p)-len(copyrightName)]
	if name == "" || strings.Contains(name, "/") || !validName(name) {
		return ""
	}
	return name
}

// Extract implements extract.Extractor.
func (Copyright) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	data, err := io.ReadAll(in.Content)
	if err != nil {
		return extract.Result{}, fmt.Errorf("dpkg: %s: %w", in.Path, err)
	}
	lic := ParseCopyright(data)
	if len(lic) == 0 {
		return extract.Result{}, nil
	}
	return extract.Result{Licenses: &extract.PackageLicenses{
		Type:     inventory.TypeDeb,
		Package:  packageOfCopyright(in.Path),
		Licenses: lic,
	}}, nil
}

// commonLicense matches references to the license texts Debian ships in
// /usr/share/common-licenses, the way copyright files that predate the
// machine-readable format name their license.
var commonLicense = regexp.MustCompile(`/usr/share/common-licenses/([A-Za-z0-9][A-Za-z0-9.+_-]*[A-Za-z0-9+])`)

// ParseCopyright returns the license names a copyright file declares, in
// order of first appearance. Machine-readable files (DEP-5) name them in
// License fields; others are searched for references to common-licenses.
func ParseCopyright(data []byte) []string {
	var out []string
	seen := map[string]bool{}
	add := func(l string) {
		l = strings.TrimSpace(l)
		if l != "" && !seen[l] && len(l) < 200 {
			seen[l] = true
			out = append(out, l)
		}
	}
	if bytes.HasPrefix(data, []byte("Format:")) {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 0, 64<<10), maxCopyrightSize)
		for sc.Scan() {
			line := sc.Text()
			if len(line) > 8 && strings.EqualFold(line[:8], "License:") {
				add(line[8:])
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	for _, m := range commonLicense.FindAllSubmatch(data, -1) {
		add(strings.TrimSuffix(string(m[1]), "."))
	}
	return out
}

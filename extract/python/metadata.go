package python

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/license"
)

// DistExtractor reads the core metadata of installed distributions: the
// METADATA file of a wheel's .dist-info directory, the PKG-INFO of a
// setuptools .egg-info directory or an egg's EGG-INFO, and a bare
// .egg-info file, which distutils wrote (Debian's older python3-* packages,
// Python 2's standard library) in the same format.
type DistExtractor struct{}

// Name implements extract.Extractor.
func (DistExtractor) Name() string { return "python-dist" }

// Version implements extract.Extractor.
func (DistExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor. The headers are read and the long
// description after them is not, so a file's size costs nothing; the limit
// is high so that no real METADATA is skipped for a large README.
func (DistExtractor) MaxSize() int64 { return 1 << 30 }

// Required implements extract.Extractor.
func (DistExtractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() {
		return false
	}
	base := baseName(f.Path)
	switch base {
	case "METADATA":
		return strings.HasSuffix(dirName(f.Path), ".dist-info")
	case "PKG-INFO":
		dir := dirName(f.Path)
		if strings.HasSuffix(dir, ".egg-info") {
			return true
		}
		// An installed egg: <name>-<version>-py3.X.egg/EGG-INFO/PKG-INFO.
		return baseName(dir) == "EGG-INFO" && strings.HasSuffix(dirName(dir), ".egg")
	}
	return len(base) > len(".egg-info") && strings.HasSuffix(base, ".egg-info")
}

// Extract implements extract.Extractor.
func (DistExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	p, err := ParseMetadata(in.Content)
	if err != nil {
		return extract.Result{}, fmt.Errorf("python-dist: %s: %w", in.Path, err)
	}
	p.Location = in.Path
	return extract.Result{Packages: []inventory.Package{p}}, nil
}

// ParseMetadata reads a core metadata file (METADATA, PKG-INFO) and returns
// the distribution it describes. Only the header block is read: the body
// after the first empty line is the long description, which can be
// megabytes. A file without Name or Version is an error.
//
// Licenses come from License-Expression (PEP 639) where present; else from
// License when it is a short single line (an SPDX identifier where the
// name is a known alias, as written otherwise); else from the License
// trove classifiers, mapped to SPDX identifiers where the classifier names
// one license version.
func ParseMetadata(r io.Reader) (inventory.Package, error) {
	h, err := readHeaders(r)
	if err != nil {
		return inventory.Package{}, err
	}
	name, version := oneLine(h.name), oneLine(h.version)
	switch {
	case name == "":
		return inventory.Package{}, errors.New("no Name header")
	case version == "":
		return inventory.Package{}, errors.New("no Version header")
	}
	return inventory.Package{
		Type:     inventory.TypePyPI,
		Name:     name,
		Version:  version,
		Licenses: h.licenses(),
		Layer:    -1,
	}, nil
}

// Limits on the header block. Metadata versions before 2.1 keep the long
// description in a Description header, so the block itself can be long;
// past maxHeaderBytes the fields already read are used, which in practice
// include Name and Version, always written first.
const (
	maxHeaderBytes = 4 << 20
	lineBufSize    = 16 << 10 // longer lines keep only this much
	maxValueLen    = 4 << 10  // continuation lines past this are dropped
)

// headers are the fields of a metadata header block that Bulwark uses.
// Values keep the line breaks of continuation lines.
type headers struct {
	name, version, license, licenseExpr string
	haveName, haveVersion               bool
	haveLicense, haveLicenseExpr        bool
	classifiers                         []string
}

// readHeaders parses an RFC 822 style header block the way Python's email
// parser does for importlib.metadata: "Key: value" lines, continuation
// lines starting with a space or tab, keys matched without regard to case,
// the first of repeated single-valued keys winning. The block ends at the
// first empty line, at a line that is neither a header nor a continuation,
// or at end of input.
func readHeaders(r io.Reader) (headers, error) {
	var (
		h   headers
		lr  = lineReader{br: bufio.NewReaderSize(r, lineBufSize)}
		cur *string // the value continuation lines extend; nil for unused keys
	)
	// handle reads one line without its terminator and reports whether
	// the header block goes on.
	handle := func(s []byte) bool {
		if len(s) == 0 {
			return false
		}
		if s[0] == ' ' || s[0] == '\t' {
			// Values of the fields used are short; a long one (a
			// license text) only needs to be seen to be long, and
			// growing it line by line would be quadratic.
			if cur != nil && len(*cur) < maxValueLen {
				*cur += "\n" + string(s[:min(len(s), maxValueLen)])
			}
			return true
		}
		if bytes.HasPrefix(s, []byte("From ")) {
			cur = nil
			return true // an mbox envelope line, which Python skips
		}
		i := bytes.IndexByte(s, ':')
		if i < 0 || !headerName(s[:i]) {
			return false // the body begins without the empty line
		}
		key, value := s[:i], bytes.TrimLeft(s[i+1:], " \t")
		cur = nil
		first := func(have *bool, v *string) {
			if !*have {
				*have, *v = true, string(value)
				cur = v
			}
		}
		switch {
		case bytes.EqualFold(key, []byte("Name")):
			first(&h.haveName, &h.name)
		case bytes.EqualFold(key, []byte("Version")):
			first(&h.haveVersion, &h.version)
		case bytes.EqualFold(key, []byte("License")):
			first(&h.haveLicense, &h.license)
		case bytes.EqualFold(key, []byte("License-Expression")):
			first(&h.haveLicenseExpr, &h.licenseExpr)
		case bytes.EqualFold(key, []byte("Classifier")):
			if bytes.HasPrefix(value, []byte("License ::")) {
				h.classifiers = append(h.classifiers, string(value))
				cur = &h.classifiers[len(h.classifiers)-1]
			}
		}
		return true
	}
	for lr.n <= maxHeaderBytes {
		line, err := lr.next()
		if err != nil && err != io.EOF {
			return h, fmt.Errorf("reading headers: %w", err)
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		// Python reads the file with universal newlines, so a lone "\r"
		// ends a line too.
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		more := true
		for more {
			part, rest, found := bytes.Cut(line, []byte("\r"))
			if more = handle(part); !found {
				break
			}
			line = rest
		}
		if !more || err == io.EOF {
			break
		}
	}
	return h, nil
}

// headerName reports whether b can be a header name for Python's email
// parser: printable ASCII other than space and colon.
func headerName(b []byte) bool {
	for _, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// lineReader reads lines of bounded length from a bufio.Reader, counting
// the bytes consumed.
type lineReader struct {
	br   *bufio.Reader
	n    int    // bytes consumed
	long []byte // the kept start of an overlong line
}

// next returns the next line with its terminator. A line longer than the
// buffer keeps its first lineBufSize bytes and the rest is skipped, up to
// the header limit. The returned slice is valid until the next call.
func (lr *lineReader) next() ([]byte, error) {
	line, err := lr.br.ReadSlice('\n')
	lr.n += len(line)
	if err != bufio.ErrBufferFull {
		return line, err
	}
	lr.long = append(lr.long[:0], line...)
	for err == bufio.ErrBufferFull && lr.n <= maxHeaderBytes {
		line, err = lr.br.ReadSlice('\n')
		lr.n += len(line)
	}
	if err == bufio.ErrBufferFull {
		err = nil // over the limit: the caller stops
	}
	return lr.long, err
}

// maxLicenseLen is the longest License value taken as a license name. Older
// setuptools put the whole license text there, which is not a name.
const maxLicenseLen = 128

// licenses picks the license field a distribution's metadata records, most
// precise first.
func (h headers) licenses() []string {
	if e := oneLine(h.licenseExpr); e != "" {
		return []string{e}
	}
	if l := strings.TrimSpace(h.license); l != "" && !strings.Contains(l, "\n") && len(l) <= maxLicenseLen &&
		!strings.EqualFold(l, "UNKNOWN") { // distutils' placeholder for a missing field
		l = strings.ToValidUTF8(l, "\uFFFD")
		if id, ok := license.SPDXID(l); ok {
			return []string{id}
		}
		return []string{l}
	}
	var out []string
	for _, c := range h.classifiers {
		if l := classifierLicense(oneLine(c)); l != "" && !contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// oneLine joins a header value's continuation lines with single spaces and
// makes it valid UTF-8.
func oneLine(s string) string {
	if strings.ContainsAny(s, "\n\t") || strings.Contains(s, "  ") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package java

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/archive"
	"github.com/bulwark-sec/bulwark/inventory"
)

// ErrLimit is wrapped by the error an archive returns when reading it would
// exceed one of the Options bounds: nested too deep, too many entries, too
// many bytes decompressed. Such an archive is either hostile or far outside
// what real ones look like, so it is reported rather than read in part.
var ErrLimit = archive.ErrLimit

// Options bound the work reading one archive, and everything nested in
// it, may take: how many levels of archives are read (the outer one
// counts), how many bytes they decompress to, how many entries and nested
// archives they hold. Zero fields take java's defaults.
type Options = archive.Limits

const (
	// maxArchiveSize is the largest outer archive the extractor reads.
	maxArchiveSize = 1 << 30
	// Metadata files are small; reading is capped rather than failed, as
	// a signed jar's manifest lists every class after the main section
	// that matters.
	maxManifest   = 1 << 20
	maxProperties = 64 << 10
)

// defaults are far above what real archives need (a Spring Boot jar nests
// one level, a war in an ear two) and low enough that a crafted archive
// costs a bounded amount of memory and time.
func defaults() Options {
	return Options{
		MaxDepth:     5, // the outer archive and four levels nested in it
		MaxBytes:     1 << 30,
		MaxEntrySize: 512 << 20,
		MaxEntries:   1 << 20,
		MaxArchives:  10000,
		InMemory:     32 << 20,
		// Metadata is read in part (above), never passed over for its size.
		MaxMember: math.MaxInt64,
	}
}

// ArchiveExtractor reads Java archives: jar, war, ear, Jenkins plugins (jpi,
// hpi), and the par, sar and nar variants, with the archives nested in them.
type ArchiveExtractor struct{}

// Name implements extract.Extractor.
func (ArchiveExtractor) Name() string { return archiveName }

// Version implements extract.Extractor.
func (ArchiveExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (ArchiveExtractor) MaxSize() int64 { return maxArchiveSize }

// Required implements extract.Extractor: regular files with a Java archive
// extension, in any case.
func (ArchiveExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && isArchiveName(f.Path)
}

// isArchiveName reports whether a name ends in one of the Java archive
// extensions, without allocating: it is called for every file of an image.
func isArchiveName(name string) bool {
	n := len(name)
	if n < 5 || name[n-4] != '.' || name[n-5] == '/' {
		return false
	}
	var ext [3]byte
	for i := range ext {
		c := name[n-3+i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		ext[i] = c
	}
	switch string(ext[:]) {
	case "jar", "war", "ear", "jpi", "hpi", "par", "sar", "nar":
		return true
	}
	return false
}

// Extract implements extract.Extractor. The archive is held in memory when
// small and copied to a file in in.TempDir otherwise, since a zip is read
// from its end. A file that is not a zip archive is an error.
func (ArchiveExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	opts := Options{TempDir: in.TempDir}.Or(defaults())
	ra, size, done, err := archive.Spool(in.Content, in.Size, maxArchiveSize, opts.InMemory, opts.TempDir)
	if err != nil {
		return extract.Result{}, fmt.Errorf("%s: %s: %w", archiveName, in.Path, err)
	}
	defer done()
	pkgs, err := ReadArchive(ctx, ra, size, in.Path, opts)
	if err != nil {
		return extract.Result{}, fmt.Errorf("%s: %s: %w", archiveName, in.Path, err)
	}
	return extract.Result{Packages: pkgs}, nil
}

// ParseArchive reads an archive held in memory with the default Options.
// name is the archive's path, which becomes the packages' location and
// whose base name is the last resort for naming it.
func ParseArchive(data []byte, name string) ([]inventory.Package, error) {
	return ReadArchive(context.Background(), bytes.NewReader(data), int64(len(data)), name, Options{})
}

// ReadArchive reads the Java archive in r, of size bytes, found at name,
// and the archives nested in it, returning each artifact once, where it
// is first found: an archive's own artifacts before those of the archives
// in it. A package found in a nested archive is located at
// "outer.war!/WEB-INF/lib/x.jar", with entry names as the archive writes
// them.
//
// A nested archive that is not a readable zip is skipped, as are entries
// that fail to decompress: one broken library in a war should not hide the
// others. Exceeding a bound in opts, nesting deeper than MaxDepth
// included, is an error wrapping ErrLimit.
func ReadArchive(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) ([]inventory.Package, error) {
	var rd reader
	w := archive.Walker{
		Limits: opts.Or(defaults()),
		Nested: nestedFormat,
		Want:   wanted,
		Strict: true,
		Enter:  rd.enter,
		Leave:  rd.leave,
	}
	if _, err := w.WalkZip(ctx, r, size, name, rd.member); err != nil {
		return nil, err
	}
	return rd.packages(), nil
}

// nestedFormat opens the Java archives in an archive, as zips whatever
// their first bytes: an executable jar starts with its launch script.
func nestedFormat(name string) archive.Format {
	if isArchiveName(name) {
		return archive.Zip
	}
	return archive.None
}

// wanted picks the entries that say what an archive is.
func wanted(name string) bool {
	return isPomProperties(name) || isManifest(name)
}

func isManifest(name string) bool { return strings.EqualFold(name, "META-INF/MANIFEST.MF") }

// reader gathers, for each archive a walk opens, what it says of itself.
type reader struct {
	jars []*jar // in the order opened: an archive before those in it
	open []*jar // the archives being read, the outer one first
}

// jar is what one archive says of itself.
type jar struct {
	loc      string // as ReadArchive locates packages
	props    []coords
	manifest Manifest // the first one
}

func (rd *reader) enter(a archive.Archive) error {
	j := &jar{loc: a.Name}
	if n := len(rd.open); n > 0 {
		j.loc = rd.open[n-1].loc + "!/" + a.Name
	}
	rd.jars = append(rd.jars, j)
	rd.open = append(rd.open, j)
	return nil
}

func (rd *reader) leave(archive.Archive) error {
	rd.open = rd.open[:len(rd.open)-1]
	return nil
}

// member reads a pom.properties or a manifest of the archive being read.
func (rd *reader) member(m archive.Member) error {
	j := rd.open[len(rd.open)-1]
	switch {
	case isPomProperties(m.Name):
		data, err := readSmall(m.Content, maxProperties)
		if err != nil {
			return err
		}
		if c, ok := propsCoords(m.Name, data); ok {
			j.props = append(j.props, c)
		}
	case j.manifest == nil && isManifest(m.Name):
		data, err := readSmall(m.Content, maxManifest)
		if err != nil {
			return err
		}
		j.manifest = ParseManifest(data)
	}
	return nil
}

// packages names the artifacts of every archive read, each once.
func (rd *reader) packages() []inventory.Package {
	var pkgs []inventory.Package
	seen := map[string]bool{} // group:artifact:version already reported
	for _, j := range rd.jars {
		for _, c := range identify(j.props, j.manifest, path.Base(j.loc)) {
			if seen[c.key()] {
				continue
			}
			seen[c.key()] = true
			pkgs = append(pkgs, inventory.Package{
				Type:     inventory.TypeMaven,
				Name:     c.name(),
				Version:  c.version,
				Licenses: c.licenses,
				Location: j.loc,
				Layer:    -1,
			})
		}
	}
	return pkgs
}

// readSmall reads up to max bytes of a metadata entry. An entry that does
// not decompress reads as empty; only running out of budget is an error.
func readSmall(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max))
	if errors.Is(err, ErrLimit) {
		return nil, err
	}
	if err != nil {
		return nil, nil
	}
	return data, nil
}

// isPomProperties matches META-INF/maven/<group>/<artifact>/pom.properties.
func isPomProperties(name string) bool {
	rest, ok := strings.CutPrefix(name, "META-INF/maven/")
	if !ok {
		return false
	}
	rest, ok = strings.CutSuffix(rest, "/pom.properties")
	return ok && strings.Count(rest, "/") == 1 && !strings.HasPrefix(rest, "/") && !strings.HasSuffix(rest, "/")
}

// propsCoords reads a pom.properties, taking group and artifact from its
// path when the file lacks them. A version Maven left unresolved ("${...}",
// from builds that filter resources badly) is no version.
func propsCoords(name string, data []byte) (coords, bool) {
	p := ParseProperties(data)
	dir := strings.TrimSuffix(strings.TrimPrefix(name, "META-INF/maven/"), "/pom.properties")
	g, a, _ := strings.Cut(dir, "/")
	c := coords{group: strings.TrimSpace(p["groupId"]), artifact: strings.TrimSpace(p["artifactId"]), version: strings.TrimSpace(p["version"])}
	if c.group == "" {
		c.group = g
	}
	if c.artifact == "" {
		c.artifact = a
	}
	for _, s := range []string{c.group, c.artifact, c.version} {
		if !isIdentifier(s) || strings.Contains(s, "${") {
			return coords{}, false
		}
	}
	return c, true
}

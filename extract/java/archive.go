package java

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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

// Defaults for Options. They are far above what real archives need (a
// Spring Boot jar nests one level, a war in an ear two) and low enough that
// a crafted archive costs a bounded amount of memory and time.
const (
	defaultMaxDepth     = 4
	defaultMaxBytes     = 1 << 30
	defaultMaxEntrySize = 512 << 20
	defaultMaxEntries   = 1 << 20
	defaultMaxArchives  = 10000
	defaultInMemory     = 32 << 20

	// maxArchiveSize is the largest outer archive the extractor reads.
	maxArchiveSize = 1 << 30
	// Metadata files are small; reading is capped rather than failed, as
	// a signed jar's manifest lists every class after the main section
	// that matters.
	maxManifest   = 1 << 20
	maxProperties = 64 << 10
)

// Options bound the work reading one archive (and everything nested in it)
// may take. Zero fields take the defaults.
type Options struct {
	// MaxDepth is how deep archives may nest below the outer one.
	MaxDepth int
	// MaxBytes is the total of decompressed bytes read, over all entries
	// of all nested archives.
	MaxBytes int64
	// MaxEntrySize is the largest nested archive read.
	MaxEntrySize int64
	// MaxEntries is the total number of entries over all archives read,
	// and the most one archive's central directory may declare.
	MaxEntries int
	// MaxArchives is the number of nested archives read.
	MaxArchives int
	// InMemory is the largest nested archive held in memory; a larger one
	// is copied to a file in TempDir.
	InMemory int64
	// TempDir is where large nested archives are copied to; "" means the
	// system's temporary directory.
	TempDir string
}

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = defaultMaxDepth
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = defaultMaxBytes
	}
	if o.MaxEntrySize <= 0 {
		o.MaxEntrySize = defaultMaxEntrySize
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = defaultMaxEntries
	}
	if o.MaxArchives <= 0 {
		o.MaxArchives = defaultMaxArchives
	}
	if o.InMemory <= 0 {
		o.InMemory = defaultInMemory
	}
	return o
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
	opts := Options{TempDir: in.TempDir}.withDefaults()
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

// ReadArchive reads the Java archive in r, of size bytes, found at path,
// and the archives nested in it, returning each artifact once. A package
// found in a nested archive is located at "outer.war!/WEB-INF/lib/x.jar".
//
// A nested archive that is not a readable zip is skipped, as are entries
// that fail to decompress: one broken library in a war should not hide the
// others. Exceeding a bound in opts is an error wrapping ErrLimit.
func ReadArchive(ctx context.Context, r io.ReaderAt, size int64, path string, opts Options) ([]inventory.Package, error) {
	opts = opts.withDefaults()
	w := &walker{ctx: ctx, opts: opts, budget: archive.NewBudget(opts.MaxBytes), seen: map[string]bool{}}
	if err := w.archive(r, size, path, 0); err != nil {
		return nil, err
	}
	return w.pkgs, nil
}

// walker carries the budgets of one outer archive through its nested ones.
type walker struct {
	ctx      context.Context
	opts     Options
	budget   *archive.Budget
	entries  int
	archives int
	seen     map[string]bool // group:artifact:version already reported
	pkgs     []inventory.Package
}

func (w *walker) archive(r io.ReaderAt, size int64, loc string, depth int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if err := archive.CheckZipDirectory(r, size, w.opts.MaxEntries); err != nil {
		return err
	}
	zr, err := zip.NewReader(r, size)
	// ErrInsecurePath (names with "../" when GODEBUG zipinsecurepath=0)
	// comes with a usable reader; entry names are only ever matched and
	// printed here, never used as file names.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("not a readable zip archive: %w", err)
	}
	if w.entries += len(zr.File); w.entries > w.opts.MaxEntries {
		return fmt.Errorf("%w: more than %d entries", ErrLimit, w.opts.MaxEntries)
	}
	var (
		props    []coords
		manifest Manifest
		nested   []*zip.File
	)
	for i, f := range zr.File {
		if i%1024 == 0 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		switch {
		case strings.HasSuffix(f.Name, "/"):
		case isPomProperties(f.Name):
			data, err := w.readSmall(f, maxProperties)
			if err != nil {
				return err
			}
			if c, ok := propsCoords(f.Name, data); ok {
				props = append(props, c)
			}
		case manifest == nil && strings.EqualFold(f.Name, "META-INF/MANIFEST.MF"):
			data, err := w.readSmall(f, maxManifest)
			if err != nil {
				return err
			}
			manifest = ParseManifest(data)
		case isArchiveName(f.Name):
			nested = append(nested, f)
		}
	}
	for _, c := range identify(props, manifest, path.Base(loc)) {
		w.add(c, loc)
	}
	for _, f := range nested {
		if err := w.nested(r, size, f, loc, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// nested reads one archive stored inside another. A stored (uncompressed)
// entry, as Spring Boot writes BOOT-INF/lib, is read in place; a
// compressed one is decompressed to memory or, when large, to a file.
func (w *walker) nested(parent io.ReaderAt, parentSize int64, f *zip.File, outer string, depth int) error {
	loc := outer + "!/" + f.Name
	if depth > w.opts.MaxDepth {
		return fmt.Errorf("%w: %s is nested more than %d archives deep", ErrLimit, loc, w.opts.MaxDepth)
	}
	if w.archives++; w.archives > w.opts.MaxArchives {
		return fmt.Errorf("%w: more than %d nested archives", ErrLimit, w.opts.MaxArchives)
	}
	if f.UncompressedSize64 > uint64(w.opts.MaxEntrySize) {
		return fmt.Errorf("%w: %s declares %d bytes, over the %d byte limit", ErrLimit, loc, f.UncompressedSize64, w.opts.MaxEntrySize)
	}
	if f.Method == zip.Store && f.CompressedSize64 == f.UncompressedSize64 {
		off, err := f.DataOffset()
		n := int64(f.UncompressedSize64)
		if err != nil || off < 0 || off > parentSize || n > parentSize-off {
			return nil // truncated or inconsistent entry: skip it
		}
		if err := w.budget.Charge(n); err != nil {
			return err
		}
		return w.skipFormat(w.archive(io.NewSectionReader(parent, off, n), n, loc, depth))
	}
	rc, err := f.Open()
	if err != nil {
		return nil // unsupported method or bad header: skip it
	}
	defer rc.Close()
	ra, n, done, err := archive.Spool(w.budget.Reader(rc), int64(min(f.UncompressedSize64, 1<<40)), w.opts.MaxEntrySize, w.opts.InMemory, w.opts.TempDir)
	if err != nil {
		if errors.Is(err, ErrLimit) || w.ctx.Err() != nil {
			return fmt.Errorf("%s: %w", loc, err)
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("%s: %w", loc, err) // the temp dir failed, not the entry
		}
		return nil // corrupt compressed data: skip it
	}
	defer done()
	return w.skipFormat(w.archive(ra, n, loc, depth))
}

// skipFormat lets a nested archive that is not a readable zip pass: a file
// named .jar may be anything, and the outer archive's other contents still
// count. Limits and cancellation still stop the walk.
func (w *walker) skipFormat(err error) error {
	if err == nil || errors.Is(err, ErrLimit) || w.ctx.Err() != nil {
		return err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return err
	}
	return nil
}

// readSmall reads up to max bytes of a metadata entry. An entry that does
// not decompress reads as empty; only running out of budget is an error.
func (w *walker) readSmall(f *zip.File, max int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, nil
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(w.budget.Reader(rc), max))
	if errors.Is(err, ErrLimit) {
		return nil, err
	}
	if err != nil {
		return nil, nil
	}
	return data, nil
}

func (w *walker) add(c coords, loc string) {
	if w.seen[c.key()] {
		return
	}
	w.seen[c.key()] = true
	w.pkgs = append(w.pkgs, inventory.Package{
		Type:     inventory.TypeMaven,
		Name:     c.name(),
		Version:  c.version,
		Licenses: c.licenses,
		Location: loc,
		Layer:    -1,
	})
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

package java

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// ErrLimit is wrapped by the error an archive returns when reading it would
// exceed one of the Options bounds: nested too deep, too many entries, too
// many bytes decompressed. Such an archive is either hostile or far outside
// what real ones look like, so it is reported rather than read in part.
var ErrLimit = errors.New("java archive limit exceeded")

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
	// minDirectoryEntry is the size of a central directory record with
	// an empty name, used to bound how many records a directory can hold.
	minDirectoryEntry = 46
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
	ra, size, done, err := spool(in.Content, in.Size, maxArchiveSize, opts.InMemory, opts.TempDir)
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
	w := &walker{ctx: ctx, opts: opts, left: opts.MaxBytes, seen: map[string]bool{}}
	if err := w.archive(r, size, path, 0); err != nil {
		return nil, err
	}
	return w.pkgs, nil
}

// walker carries the budgets of one outer archive through its nested ones.
type walker struct {
	ctx      context.Context
	opts     Options
	left     int64 // decompressed bytes still allowed
	entries  int
	archives int
	seen     map[string]bool // group:artifact:version already reported
	pkgs     []inventory.Package
}

func (w *walker) archive(r io.ReaderAt, size int64, loc string, depth int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if err := checkDirectory(r, size, w.opts.MaxEntries); err != nil {
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
		if err := w.charge(n); err != nil {
			return err
		}
		return w.skipFormat(w.archive(io.NewSectionReader(parent, off, n), n, loc, depth))
	}
	rc, err := f.Open()
	if err != nil {
		return nil // unsupported method or bad header: skip it
	}
	defer rc.Close()
	ra, n, done, err := spool(&budgetReader{r: rc, w: w}, int64(min(f.UncompressedSize64, 1<<40)), w.opts.MaxEntrySize, w.opts.InMemory, w.opts.TempDir)
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
	data, err := io.ReadAll(io.LimitReader(&budgetReader{r: rc, w: w}, max))
	if errors.Is(err, ErrLimit) {
		return nil, err
	}
	if err != nil {
		return nil, nil
	}
	return data, nil
}

func (w *walker) charge(n int64) error {
	if n > w.left {
		w.left = 0
		return fmt.Errorf("%w: more than %d bytes to decompress", ErrLimit, w.opts.MaxBytes)
	}
	w.left -= n
	return nil
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

// budgetReader charges what it reads to its walker's byte budget, so that
// no entry, whatever size it declares, decompresses past it.
type budgetReader struct {
	r io.Reader
	w *walker
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if int64(len(p)) > b.w.left+1 {
		p = p[:b.w.left+1]
	}
	n, err := b.r.Read(p)
	if err := b.w.charge(int64(n)); err != nil {
		return 0, err
	}
	return n, err
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

// spool makes a stream readable at random offsets, as a zip must be: in
// memory up to inMemory bytes, else in a new file in dir, removed by done.
// More than limit bytes is an error wrapping ErrLimit. sizeHint, the size
// the stream claims (0 if unknown), sizes the memory buffer once instead
// of growing it by doubling; a wrong claim costs nothing but that.
func spool(r io.Reader, sizeHint, limit, inMemory int64, dir string) (ra io.ReaderAt, size int64, done func(), err error) {
	var buf bytes.Buffer
	if sizeHint > 0 && sizeHint <= min(inMemory, limit) {
		buf.Grow(int(sizeHint) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(r, min(inMemory, limit)+1))
	if err != nil {
		return nil, 0, nil, err
	}
	if n <= min(inMemory, limit) {
		return bytes.NewReader(buf.Bytes()), n, func() {}, nil
	}
	if n > limit {
		return nil, 0, nil, fmt.Errorf("%w: over %d bytes", ErrLimit, limit)
	}
	f, err := os.CreateTemp(dir, "bulwark-java-*.zip")
	if err != nil {
		return nil, 0, nil, err
	}
	done = func() {
		f.Close()
		os.Remove(f.Name())
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		done()
		return nil, 0, nil, err
	}
	m, err := io.Copy(f, io.LimitReader(r, limit-n+1))
	if err == nil && n+m > limit {
		err = fmt.Errorf("%w: over %d bytes", ErrLimit, limit)
	}
	if err != nil {
		done()
		return nil, 0, nil, err
	}
	return f, n + m, done, nil
}

// checkDirectory bounds the central directory before archive/zip reads it.
// archive/zip keeps a record for every entry and reads records from the
// directory's start to the end of the file, trusting neither the declared
// count nor the declared size, so a crafted archive could make it hold
// millions of records. This finds the end-of-directory record as
// archive/zip does and rejects a directory that declares, or has room for,
// more than maxEntries records. An archive whose end record it cannot find
// or read passes, and archive/zip reports it.
func checkDirectory(r io.ReaderAt, size int64, maxEntries int) error {
	const (
		endLen   = 22
		locLen   = 20
		end64Len = 56
	)
	n := min(size, 65*1024)
	if n < endLen {
		return nil
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return nil
	}
	p := -1
	for i := len(buf) - endLen; i >= 0; i-- {
		if buf[i] == 'P' && buf[i+1] == 'K' && buf[i+2] == 5 && buf[i+3] == 6 {
			if int(binary.LittleEndian.Uint16(buf[i+20:]))+endLen+i <= len(buf) {
				p = i
			}
			break
		}
	}
	if p < 0 {
		return nil
	}
	endOffset := size - n + int64(p)
	e := buf[p:]
	records := uint64(binary.LittleEndian.Uint16(e[10:]))
	dirSize := uint64(binary.LittleEndian.Uint32(e[12:]))
	dirOffset := uint64(binary.LittleEndian.Uint32(e[16:]))
	if records == 0xffff || dirSize == 0xffff || dirOffset == 0xffffffff {
		loc := make([]byte, locLen)
		if endOffset >= locLen {
			if _, err := r.ReadAt(loc, endOffset-locLen); err == nil && binary.LittleEndian.Uint32(loc) == 0x07064b50 {
				off := binary.LittleEndian.Uint64(loc[8:])
				e64 := make([]byte, end64Len)
				if off < uint64(size) {
					if _, err := r.ReadAt(e64, int64(off)); err == nil && binary.LittleEndian.Uint32(e64) == 0x06064b50 {
						records = binary.LittleEndian.Uint64(e64[32:])
						dirSize = binary.LittleEndian.Uint64(e64[40:])
						dirOffset = binary.LittleEndian.Uint64(e64[48:])
						endOffset = int64(off)
					}
				}
			}
		}
	}
	if records > uint64(maxEntries) {
		return fmt.Errorf("%w: central directory declares %d entries, over %d", ErrLimit, records, maxEntries)
	}
	// The directory starts at dirOffset, or at dirSize before its end
	// record when the archive has data prepended (a launcher script);
	// archive/zip may use either, so allow for the earlier.
	start := uint64(endOffset)
	if dirSize <= start {
		start -= dirSize
	} else {
		start = 0
	}
	start = min(start, dirOffset)
	if room := (uint64(size) - min(start, uint64(size))) / minDirectoryEntry; room > uint64(maxEntries) {
		return fmt.Errorf("%w: central directory has room for %d entries, over %d", ErrLimit, room, maxEntries)
	}
	return nil
}

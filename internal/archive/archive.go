// Package archive reads the members of zip, tar, gzip and bzip2 archives,
// and of archives nested in them, under bounds on depth, entry count and
// decompressed bytes: the archives come from images and folders an
// attacker may have written, so a bomb must cost a bounded amount of
// memory and time. Nothing is ever written out under a member's name;
// member names are only reported.
package archive

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"cmp"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// ErrLimit is wrapped by the error returned when reading an archive would
// exceed one of its bounds. Such an archive is hostile or far outside what
// real ones look like, so it is reported rather than read in part.
var ErrLimit = errors.New("archive limit exceeded")

// Limits bound the work one outer archive, with everything nested in it,
// may take. Zero fields take the defaults; a caller with defaults of its
// own fills them in with Or.
type Limits struct {
	// MaxDepth is how many levels of archives are opened: 1 reads the
	// members of the outer archive only, 2 also those of archives in it.
	MaxDepth int
	// MaxBytes is the total of decompressed bytes read over all members
	// of all levels.
	MaxBytes int64
	// MaxEntries is the total of members over all levels.
	MaxEntries int
	// MaxMember is the largest member handed to the caller; larger ones
	// are passed over and counted in Stats.Skipped.
	MaxMember int64
	// MaxEntrySize is the largest nested archive opened, as its archive
	// declares it and as it decompresses.
	MaxEntrySize int64
	// MaxArchives is the total of nested archives opened over all levels.
	MaxArchives int
	// InMemory is the largest zip held in memory; larger ones are copied
	// to a file in TempDir, as a zip is read from its end.
	InMemory int64
	// TempDir is where large zips are copied to; "" is the system's.
	TempDir string
}

// Defaults for Limits: above what real archives need (a Spring Boot jar
// nests one level, a war in an ear two), low enough to stop bombs.
const (
	defaultMaxDepth     = 3
	defaultMaxBytes     = 1 << 30
	defaultMaxEntries   = 1 << 20
	defaultMaxMember    = 10 << 20
	defaultMaxEntrySize = 256 << 20
	// Every nested archive is a member too, so by default MaxEntries
	// stops a walk before this does.
	defaultMaxArchives = defaultMaxEntries
	defaultInMemory    = 32 << 20
)

// Or returns l with each field that is zero (or negative) taken from d.
func (l Limits) Or(d Limits) Limits {
	l.MaxDepth = or(l.MaxDepth, d.MaxDepth)
	l.MaxBytes = or(l.MaxBytes, d.MaxBytes)
	l.MaxEntries = or(l.MaxEntries, d.MaxEntries)
	l.MaxMember = or(l.MaxMember, d.MaxMember)
	l.MaxEntrySize = or(l.MaxEntrySize, d.MaxEntrySize)
	l.MaxArchives = or(l.MaxArchives, d.MaxArchives)
	l.InMemory = or(l.InMemory, d.InMemory)
	l.TempDir = cmp.Or(l.TempDir, d.TempDir)
	return l
}

func or[T int | int64](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

func (l Limits) withDefaults() Limits {
	return l.Or(Limits{
		MaxDepth:     defaultMaxDepth,
		MaxBytes:     defaultMaxBytes,
		MaxEntries:   defaultMaxEntries,
		MaxMember:    defaultMaxMember,
		MaxEntrySize: defaultMaxEntrySize,
		MaxArchives:  defaultMaxArchives,
		InMemory:     defaultInMemory,
	})
}

// Member is one file inside an archive, handed to the caller of Walk.
type Member struct {
	// Path locates the member from the outer archive's name, with "!/"
	// between the levels: "app.war!/WEB-INF/lib/x.jar!/config.properties".
	Path string
	// Size is the size the archive declares (the real size for gzip and
	// bzip2 is not known beforehand: -1).
	Size int64
	// Content yields at most Limits.MaxMember bytes and is valid only
	// during the call.
	Content io.Reader
}

// Stats counts what a walk passed over.
type Stats struct {
	Archives int // archives opened, the outer one included
	Members  int // members handed to the caller
	Skipped  int // members over MaxMember, or nested archives not opened
}

// Format is the kind of an archive.
type Format int

// Formats.
const (
	None Format = iota
	Zip
	Tar
	Gzip
	Bzip2
)

// FormatOf tells an archive's format from its name, without allocating:
// it is called for every file of an image.
func FormatOf(name string) Format {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || i == len(name)-1 || len(name)-i > 7 {
		return None
	}
	var buf [6]byte
	ext := buf[:0]
	for _, c := range []byte(name[i+1:]) {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		ext = append(ext, c)
	}
	switch string(ext) {
	case "zip", "jar", "war", "ear", "aar", "jpi", "hpi", "whl", "egg", "nupkg", "xpi", "ipa":
		return Zip
	case "tar":
		return Tar
	case "gz", "tgz":
		return Gzip
	case "bz2", "tbz2", "tbz":
		return Bzip2
	}
	return None
}

// sniff tells a format from a member's first bytes; the name only
// suggests one.
func sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return Zip
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return Gzip
	case bytes.HasPrefix(head, []byte("BZh")):
		return Bzip2
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return Tar
	}
	return None
}

// Walk reads the archive r, named name, and calls fn for each regular
// member that is not itself an archive opened in turn. An error from fn
// stops the walk and is returned. A malformed archive is an error; a
// malformed nested one is passed over (counted in Skipped), so one broken
// member does not hide the others. Exceeding a limit is an error wrapping
// ErrLimit.
func Walk(ctx context.Context, r io.Reader, name string, lim Limits, fn func(Member) error) (Stats, error) {
	w := &walker{ctx: ctx, lim: lim.withDefaults(), fn: fn}
	w.budget = NewBudget(w.lim.MaxBytes)
	err := w.stream(r, name, 1, true)
	return w.stats, err
}

type walker struct {
	ctx      context.Context
	lim      Limits
	fn       func(Member) error
	budget   *Budget
	entries  int // members met so far, at every level
	archives int // nested archives opened so far
	stats    Stats
}

// errSkip marks a nested archive that turned out unreadable.
var errSkip = errors.New("not a readable archive")

// stream reads an archive of any format from a stream, at the given
// level (1 for the outer archive).
func (w *walker) stream(r io.Reader, name string, depth int, outer bool) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	w.stats.Archives++
	br := bufio.NewReaderSize(r, 512)
	head, _ := br.Peek(512)
	var err error
	switch sniff(head) {
	case Zip:
		err = w.spoolZip(br, name, depth)
	case Tar:
		err = w.tar(br, name, depth)
	case Gzip:
		err = w.gzip(br, name, depth)
	case Bzip2:
		err = w.compressed(bzip2.NewReader(br), name, strings.TrimSuffix(name, path.Ext(name)), depth)
	default:
		err = errSkip
	}
	if errors.Is(err, errSkip) && outer {
		return fmt.Errorf("%s: %w", name, err)
	}
	return err
}

// gzip reads a gzip stream: a tarball when its content is one, else a
// single compressed file.
func (w *walker) gzip(r io.Reader, name string, depth int) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return errSkip
	}
	defer zr.Close()
	inner := strings.TrimSuffix(name, path.Ext(name))
	if strings.EqualFold(path.Ext(name), ".tgz") {
		inner += ".tar"
	}
	return w.compressed(zr, name, inner, depth)
}

// compressed reads a decompressed stream whose content is a tarball or a
// single file: a tarball is walked at the same level, as "x.tar.gz" is
// one archive to its user.
func (w *walker) compressed(r io.Reader, name, inner string, depth int) error {
	br := bufio.NewReaderSize(w.budget.Reader(r), 512)
	head, err := br.Peek(512)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, ErrLimit) {
			return err
		}
		return errSkip
	}
	if sniff(head) == Tar {
		return w.tar(br, name, depth)
	}
	return w.member(br, name+"!/"+path.Base(inner), -1, depth)
}

func (w *walker) tar(r io.Reader, name string, depth int) error {
	tr := tar.NewReader(r)
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrLimit) {
				return err
			}
			// A truncated or corrupt tarball: keep what was read.
			return nil
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA {
			continue
		}
		// A tar member is not decompressed: what it reads was charged
		// where it was, if the tarball itself was compressed.
		if err := w.member(tr, name+"!/"+cleanName(hdr.Name), hdr.Size, depth); err != nil {
			return err
		}
	}
}

// spoolZip makes a zip stream readable at random offsets and reads it.
func (w *walker) spoolZip(r io.Reader, name string, depth int) error {
	limit := w.lim.MaxEntrySize
	if depth == 1 {
		limit = 1 << 40 // the caller bounds the outer archive
	}
	ra, size, done, err := Spool(r, 0, limit, w.lim.InMemory, w.lim.TempDir)
	if err != nil {
		var pe *os.PathError
		if depth > 1 && !errors.Is(err, ErrLimit) && !errors.As(err, &pe) && w.ctx.Err() == nil {
			// A nested zip that does not decompress (corrupt data, a
			// bad checksum): pass it over, as any unreadable member.
			return errSkip
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	defer done()
	return w.zip(ra, size, name, depth)
}

func (w *walker) zip(r io.ReaderAt, size int64, name string, depth int) error {
	if err := CheckZipDirectory(r, size, w.lim.MaxEntries-w.entries); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return errSkip
	}
	for _, f := range zr.File {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if f.Mode()&os.ModeType != 0 || strings.HasSuffix(f.Name, "/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			w.stats.Skipped++ // unsupported method or bad header
			continue
		}
		err = w.member(w.budget.Reader(rc), name+"!/"+cleanName(f.Name), int64(min(f.UncompressedSize64, 1<<62)), depth)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// member hands one member to the caller, or opens it when it is an
// archive and the depth allows.
func (w *walker) member(r io.Reader, loc string, size int64, depth int) error {
	if w.entries++; w.entries > w.lim.MaxEntries {
		return fmt.Errorf("%w: more than %d members", ErrLimit, w.lim.MaxEntries)
	}
	if FormatOf(loc) != None && depth < w.lim.MaxDepth {
		if w.archives++; w.archives > w.lim.MaxArchives {
			return fmt.Errorf("%w: more than %d nested archives", ErrLimit, w.lim.MaxArchives)
		}
		if size > w.lim.MaxEntrySize {
			w.stats.Skipped++
			return nil
		}
		err := w.stream(io.LimitReader(r, w.lim.MaxEntrySize+1), loc, depth+1, false)
		if errors.Is(err, errSkip) {
			w.stats.Skipped++
			return nil
		}
		return err
	}
	if size > w.lim.MaxMember {
		w.stats.Skipped++
		return nil
	}
	w.stats.Members++
	return w.fn(Member{Path: loc, Size: size, Content: io.LimitReader(r, w.lim.MaxMember)})
}

// cleanName makes a member name printable as a path: slash-separated,
// relative, with no "." or ".." elements left to mislead a reader.
func cleanName(n string) string {
	n = strings.ReplaceAll(n, "\\", "/")
	n = strings.TrimLeft(path.Clean("/"+n), "/")
	if n == "" {
		return "_"
	}
	return n
}

// Budget counts the decompressed bytes a walk may still read, so that no
// member, whatever size it declares, decompresses past the total.
type Budget struct {
	left, max int64
}

// NewBudget allows max bytes.
func NewBudget(max int64) *Budget { return &Budget{left: max, max: max} }

// Charge takes n bytes from the budget, or fails with ErrLimit when fewer
// are left (and leaves none).
func (b *Budget) Charge(n int64) error {
	if n > b.left {
		b.left = 0
		return fmt.Errorf("%w: more than %d bytes to decompress", ErrLimit, b.max)
	}
	b.left -= n
	return nil
}

// Reader charges what r yields to the budget.
func (b *Budget) Reader(r io.Reader) io.Reader { return &budgetReader{r: r, b: b} }

type budgetReader struct {
	r io.Reader
	b *Budget
}

func (br *budgetReader) Read(p []byte) (int, error) {
	if int64(len(p)) > br.b.left+1 {
		p = p[:br.b.left+1]
	}
	n, err := br.r.Read(p)
	if err := br.b.Charge(int64(n)); err != nil {
		return 0, err
	}
	return n, err
}

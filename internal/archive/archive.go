// Package archive reads the members of zip, tar, gzip and bzip2 archives,
// and of archives nested in them, under bounds on depth, entry count and
// decompressed bytes: the archives come from images and folders an
// attacker may have written, so a bomb must cost a bounded amount of
// memory and time. Nothing is ever written out under a member's name;
// member names are only reported.
//
// It is the one walk over nested archives: a caller says, with a Walker,
// which members are archives to open and which it wants handed over, and
// is told as each archive is entered and left.
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
	"hash/crc32"
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

// Member is one file inside an archive, handed to the caller of a walk.
type Member struct {
	// Path locates the member from the outer archive's name, with "!/"
	// between the levels: "app.war!/WEB-INF/lib/x.jar!/config.properties".
	Path string
	// Name is the member's name in its archive as the archive writes it,
	// for matching ("META-INF/MANIFEST.MF"). Unlike Path's last element it
	// is not cleaned: it may climb ("../x") and must never name a file.
	Name string
	// Size is the size the archive declares (the real size for gzip and
	// bzip2 is not known beforehand: -1).
	Size int64
	// Content yields at most Limits.MaxMember bytes and is valid only
	// during the call.
	Content io.Reader
}

// Archive is one archive a walk opens: the outer one, or one nested in it.
type Archive struct {
	// Path locates the archive as Member.Path does; the outer archive's
	// is the name the walk was given.
	Path string
	// Name is the archive's name in the archive holding it, as
	// Member.Name; the outer archive's is its Path.
	Name string
	// Depth is 1 for the outer archive, 2 for an archive in it, and so on.
	Depth int
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

// A Walker reads an archive and the archives nested in it, under its
// Limits, and leaves it to the caller to decide which members matter: by
// default every member FormatOf names an archive is opened (as the
// format its content shows) and every other member is handed over.
type Walker struct {
	Limits
	// Nested, when set, tells which members are archives to open, from
	// the name they have in their archive (Member.Name), and as which
	// format, whatever their first bytes say; None makes a member a plain
	// one.
	Nested func(name string) Format
	// Want, when set, tells which members that are not opened as archives
	// to hand over, from the name they have in their archive; the others
	// are passed over unread.
	Want func(name string) bool
	// Strict makes a nested archive that the limits would pass over, as
	// nested deeper than MaxDepth or declaring more than MaxEntrySize, an
	// error wrapping ErrLimit: for callers to whom an archive not read is
	// an answer missing, not a member less.
	Strict bool
	// Enter, when set, is called as each archive is opened, once it is
	// found readable and before its first member, the outer archive
	// first; Leave after its last member. An error from either stops the
	// walk and is returned.
	Enter, Leave func(Archive) error
}

// Walk reads the archive r, named name, and calls fn for each regular
// member that is not itself an archive opened in turn. An error from fn
// stops the walk and is returned. A malformed archive is an error; a
// malformed nested one is passed over (counted in Skipped), so one broken
// member does not hide the others. Exceeding a limit is an error wrapping
// ErrLimit.
func Walk(ctx context.Context, r io.Reader, name string, lim Limits, fn func(Member) error) (Stats, error) {
	return Walker{Limits: lim}.Walk(ctx, r, name, fn)
}

// Walk reads the archive r, named name, as the function Walk does, with
// the Walker's choices.
func (wk Walker) Walk(ctx context.Context, r io.Reader, name string, fn func(Member) error) (Stats, error) {
	w := wk.start(ctx, fn)
	w.nameOuter = true
	err := w.stream(r, Archive{Path: name, Name: name, Depth: 1}, byContent, 0)
	if unreadable(err) {
		err = fmt.Errorf("%s: %w", name, errSkip)
	}
	return w.stats, err
}

// WalkZip reads the zip archive r, of size bytes, named name, as Walk
// does: a zip is read from its end, so a caller that holds one at random
// access need not have it copied. An archive that is not a zip is an
// error. Errors about the outer archive do not name it: the caller, which
// holds it, does.
func (wk Walker) WalkZip(ctx context.Context, r io.ReaderAt, size int64, name string, fn func(Member) error) (Stats, error) {
	w := wk.start(ctx, fn)
	if err := ctx.Err(); err != nil {
		return w.stats, err
	}
	w.stats.Archives++
	err := w.zip(r, size, Archive{Path: name, Name: name, Depth: 1})
	return w.stats, err
}

func (wk Walker) start(ctx context.Context, fn func(Member) error) *walker {
	wk.Limits = wk.Limits.withDefaults()
	return &walker{Walker: wk, ctx: ctx, fn: fn, budget: NewBudget(wk.MaxBytes)}
}

// walker carries the budgets of one outer archive through its nested ones.
type walker struct {
	Walker    // with the default limits filled in
	ctx       context.Context
	fn        func(Member) error
	budget    *Budget
	entries   int    // members met so far, at every level
	archives  int    // nested archives opened so far
	nameOuter bool   // whether errors about the outer archive name it
	buf       []byte // for the checksums of zips read in place
	stats     Stats
}

// What becomes of a member that is not opened as an archive of a known
// format, besides None (handed over).
const (
	byContent Format = -1 // opened as an archive of the format its first bytes show
	passOver  Format = -2 // neither opened nor handed over
)

var (
	// errSkip marks a nested archive that turned out unreadable.
	errSkip = errors.New("not a readable archive")
	// errNotZip marks one that is not a readable zip, as WalkZip says.
	errNotZip = errors.New("not a readable zip archive")
)

// unreadable reports whether err says that an archive could not be read,
// as a nested one may be and be passed over.
func unreadable(err error) bool {
	return errors.Is(err, errSkip) || errors.Is(err, errNotZip)
}

// at names the archive an error is about.
func (w *walker) at(a Archive, err error) error {
	if a.Depth == 1 && !w.nameOuter {
		return err
	}
	return fmt.Errorf("%s: %w", a.Path, err)
}

func (w *walker) enter(a Archive) error {
	if w.Enter == nil {
		return nil
	}
	return w.Enter(a)
}

func (w *walker) leave(a Archive) error {
	if w.Leave == nil {
		return nil
	}
	return w.Leave(a)
}

// stream reads an archive from a stream, as format f; sizeHint is the
// size its archive declares for it (0 if unknown).
func (w *walker) stream(r io.Reader, a Archive, f Format, sizeHint int64) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	w.stats.Archives++
	if f == byContent {
		br := bufio.NewReaderSize(r, 512)
		head, _ := br.Peek(512)
		f, r = sniff(head), br
	}
	switch f {
	case Zip:
		return w.spoolZip(r, a, sizeHint)
	case Tar:
		return w.tar(r, a)
	case Gzip:
		return w.gzip(r, a)
	case Bzip2:
		return w.compressed(bzip2.NewReader(r), a, strings.TrimSuffix(a.Path, path.Ext(a.Path)))
	}
	return errSkip
}

// gzip reads a gzip stream: a tarball when its content is one, else a
// single compressed file.
func (w *walker) gzip(r io.Reader, a Archive) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return errSkip
	}
	defer zr.Close()
	inner := strings.TrimSuffix(a.Path, path.Ext(a.Path))
	if strings.EqualFold(path.Ext(a.Path), ".tgz") {
		inner += ".tar"
	}
	return w.compressed(zr, a, inner)
}

// compressed reads a decompressed stream whose content is a tarball or a
// single file: a tarball is walked at the same level, as "x.tar.gz" is
// one archive to its user.
func (w *walker) compressed(r io.Reader, a Archive, inner string) error {
	br := bufio.NewReaderSize(w.budget.Reader(r), 512)
	head, err := br.Peek(512)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, ErrLimit) {
			return err
		}
		return errSkip
	}
	if sniff(head) == Tar {
		return w.tar(br, a)
	}
	if err := w.enter(a); err != nil {
		return err
	}
	name := path.Base(inner)
	if err := w.member(br, &pending{in: a, name: name, size: -1, loc: a.Path + "!/" + name}); err != nil {
		return err
	}
	return w.leave(a)
}

func (w *walker) tar(r io.Reader, a Archive) error {
	if err := w.enter(a); err != nil {
		return err
	}
	tr := tar.NewReader(r)
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrLimit) {
				return err
			}
			// A truncated or corrupt tarball: keep what was read.
			break
		}
		if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeRegA {
			continue
		}
		// A tar member is not decompressed: what it reads was charged
		// where it was, if the tarball itself was compressed.
		if err := w.member(tr, &pending{in: a, name: hdr.Name, size: hdr.Size}); err != nil {
			return err
		}
	}
	return w.leave(a)
}

// spoolZip makes a zip stream readable at random offsets and reads it.
func (w *walker) spoolZip(r io.Reader, a Archive, sizeHint int64) error {
	limit := w.MaxEntrySize
	if a.Depth == 1 {
		limit = 1 << 40 // the caller bounds the outer archive
	}
	ra, size, done, err := Spool(r, sizeHint, limit, w.InMemory, w.TempDir)
	if err != nil {
		var pe *os.PathError
		if a.Depth > 1 && !errors.Is(err, ErrLimit) && !errors.As(err, &pe) && w.ctx.Err() == nil {
			// A nested zip that does not decompress (corrupt data, a
			// bad checksum): pass it over, as any unreadable member.
			return errSkip
		}
		return w.at(a, err)
	}
	defer done()
	return w.zip(ra, size, a)
}

func (w *walker) zip(r io.ReaderAt, size int64, a Archive) error {
	if err := CheckZipDirectory(r, size, w.MaxEntries-w.entries); err != nil {
		return w.at(a, err)
	}
	zr, err := zip.NewReader(r, size)
	// ErrInsecurePath (names with "../" when GODEBUG zipinsecurepath=0)
	// comes with a usable reader: member names are only matched and
	// reported, never used as file names.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("%w: %w", errNotZip, err)
	}
	if err := w.enter(a); err != nil {
		return err
	}
	for _, f := range zr.File {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if f.Mode()&os.ModeType != 0 || strings.HasSuffix(f.Name, "/") {
			continue
		}
		if err := w.zipMember(r, size, f, a); err != nil {
			return err
		}
	}
	return w.leave(a)
}

// zipMember decides on a member f of the zip r, of size bytes, before
// opening it, so that members no one wants cost nothing but their
// directory record.
func (w *walker) zipMember(r io.ReaderAt, size int64, f *zip.File, a Archive) error {
	m := &pending{in: a, name: f.Name, size: int64(min(f.UncompressedSize64, 1<<62))}
	as, err := w.classify(m)
	if err != nil || as == passOver {
		return err
	}
	if as == Zip || as == byContent {
		if done, err := w.inPlace(r, size, f, m.archive(), as); done {
			return err
		}
	}
	rc, err := f.Open()
	if err != nil {
		w.stats.Skipped++ // unsupported method or bad header
		return nil
	}
	defer rc.Close()
	return w.use(w.budget.Reader(rc), m, as)
}

// inPlace reads a nested zip that its parent r, of size bytes, stores
// uncompressed (as Spring Boot stores BOOT-INF/lib) where it lies, rather
// than copying it out; it is charged to the budget and its checksum
// verified as a copy would be. It reports false, having done nothing,
// when f is not a stored zip at a consistent place.
func (w *walker) inPlace(r io.ReaderAt, size int64, f *zip.File, inner Archive, as Format) (bool, error) {
	if f.Method != zip.Store || f.CompressedSize64 != f.UncompressedSize64 {
		return false, nil
	}
	n := int64(f.UncompressedSize64)
	off, err := f.DataOffset()
	if err != nil || off < 0 || off > size || n > size-off {
		return false, nil // left for archive/zip to find wanting
	}
	data := io.NewSectionReader(r, off, n)
	if as == byContent {
		var head [512]byte
		k, _ := data.ReadAt(head[:], 0)
		if sniff(head[:k]) != Zip {
			return false, nil
		}
	}
	if err := w.ctx.Err(); err != nil {
		return true, err
	}
	w.stats.Archives++
	if err := w.budget.Charge(n); err != nil {
		return true, w.at(inner, err)
	}
	// archive/zip compares the checksum when one is set or a data
	// descriptor follows.
	if f.CRC32 != 0 || f.Flags&0x8 != 0 {
		if w.buf == nil {
			w.buf = make([]byte, 32<<10)
		}
		h := crc32.NewIEEE()
		if _, err := io.CopyBuffer(h, data, w.buf); err != nil {
			return true, w.at(inner, err)
		}
		if h.Sum32() != f.CRC32 {
			w.stats.Skipped++
			return true, nil
		}
	}
	err = w.zip(data, n, inner)
	if unreadable(err) {
		w.stats.Skipped++
		return true, nil
	}
	return true, err
}

// pending is a member being decided on.
type pending struct {
	in   Archive // the archive holding it
	name string  // as that archive writes it
	size int64   // as declared, -1 if unknown
	loc  string  // Member.Path, made when first needed
}

func (m *pending) path() string {
	if m.loc == "" {
		m.loc = m.in.Path + "!/" + cleanName(m.name)
	}
	return m.loc
}

// archive is the member as a nested archive.
func (m *pending) archive() Archive {
	return Archive{Path: m.path(), Name: m.name, Depth: m.in.Depth + 1}
}

// member handles a member read from r, a stream.
func (w *walker) member(r io.Reader, m *pending) error {
	as, err := w.classify(m)
	if err != nil || as == passOver {
		return err
	}
	return w.use(r, m, as)
}

// classify counts a member and says what becomes of it: a format to open
// it as, None to hand it over, or passOver.
func (w *walker) classify(m *pending) (Format, error) {
	if w.entries++; w.entries > w.MaxEntries {
		return passOver, fmt.Errorf("%w: more than %d members", ErrLimit, w.MaxEntries)
	}
	as := byContent
	if w.Nested != nil {
		as = w.Nested(m.name)
	} else if FormatOf(m.path()) == None {
		as = None
	}
	if as != None {
		switch {
		case m.in.Depth < w.MaxDepth:
			if w.archives++; w.archives > w.MaxArchives {
				return passOver, fmt.Errorf("%w: more than %d nested archives", ErrLimit, w.MaxArchives)
			}
			if m.size > w.MaxEntrySize {
				if w.Strict {
					return passOver, fmt.Errorf("%w: %s declares %d bytes, over the %d byte limit", ErrLimit, m.path(), m.size, w.MaxEntrySize)
				}
				w.stats.Skipped++
				return passOver, nil
			}
			return as, nil
		case w.Strict:
			return passOver, fmt.Errorf("%w: %s is nested more than %d archives deep", ErrLimit, m.path(), w.MaxDepth-1)
		}
	}
	if w.Want != nil && !w.Want(m.name) {
		return passOver, nil
	}
	if m.size > w.MaxMember {
		w.stats.Skipped++
		return passOver, nil
	}
	return None, nil
}

// use opens a member read from r as an archive of format as, or hands it
// over when as is None.
func (w *walker) use(r io.Reader, m *pending, as Format) error {
	if as == None {
		w.stats.Members++
		return w.fn(Member{Path: m.path(), Name: m.name, Size: m.size, Content: io.LimitReader(r, w.MaxMember)})
	}
	err := w.stream(io.LimitReader(r, w.MaxEntrySize+1), m.archive(), as, max(m.size, 0))
	if unreadable(err) {
		w.stats.Skipped++
		return nil
	}
	return err
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

// Package layerfs turns an image's layers into one layered file system:
// every layer is read once (several at a time), each file an extractor asks
// for is handed to it while the layer streams past, and the results are
// merged with overlay semantics (whiteouts, opaque directories, files
// replaced by later layers). Every file keeps the layer it came from, and
// files a later layer deleted or replaced stay listed with the layer that
// hid them.
package layerfs

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/image"
)

// Entry is one file-system entry of a layer.
type Entry struct {
	Path     string // slash-separated, relative to the root, cleaned
	Mode     fs.FileMode
	Size     int64
	UID, GID int
	Linkname string // symlink target, or hard link target path
	HardLink bool
}

// FileResult is what one extractor found in one file of a layer.
type FileResult struct {
	Path      string
	Extractor string
	Result    extract.Result
}

// Warning is a problem with one entry or file that did not stop the walk.
type Warning struct {
	Path    string
	Message string
}

// LayerResult is everything learned from one layer. It holds no file
// contents, so it is small enough to cache.
type LayerResult struct {
	Entries   []Entry
	Whiteouts []string // paths this layer deletes from the layers below
	Opaque    []string // directories whose lower-layer contents this layer hides
	Files     []FileResult
	Warnings  []Warning
	Bytes     int64 // uncompressed bytes read
}

// Options control a walk.
type Options struct {
	Extractors []extract.Extractor
	// Parallel is how many layers are read at once; 0 means GOMAXPROCS.
	Parallel int
	// Cache, when set, stores layer results by diff ID.
	Cache Cache
	// TempDir is where extractors may write scratch files.
	TempDir string
	// MaxEntries bounds the entries of one layer; 0 means 4 million.
	MaxEntries int
	// Progress, when set, is called from the walking goroutines as layers
	// are read. It must be safe for concurrent use and cheap.
	Progress func(ProgressEvent)
}

// ProgressEvent reports a layer started, advanced, or finished.
type ProgressEvent struct {
	Layer  int
	Bytes  int64 // uncompressed bytes read so far in this layer
	Done   bool
	Cached bool
}

// ErrTooManyEntries is returned for a layer with more entries than
// Options.MaxEntries.
var ErrTooManyEntries = errors.New("too many entries in layer")

const defaultMaxEntries = 4 << 20

// Walk reads every layer of src (or its root directory) and returns one
// result per layer, in layer order. A failing layer fails the walk: a
// partial inventory would silently hide packages.
func Walk(ctx context.Context, src *image.Source, opts Options) ([]*LayerResult, error) {
	if src.RootDir != "" {
		r, err := walkDir(ctx, src.RootDir, src.Project, opts)
		if err != nil {
			return nil, err
		}
		return []*LayerResult{r}, nil
	}
	par := opts.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	results := make([]*LayerResult, len(src.Layers))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(par)
	key := cacheKeySuffix(opts.Extractors)
	for i, l := range src.Layers {
		g.Go(func() error {
			if opts.Cache != nil && l.DiffID != "" {
				if r, ok := loadCached(opts.Cache, l.DiffID+key); ok {
					results[i] = r
					progress(opts, ProgressEvent{Layer: i, Bytes: r.Bytes, Done: true, Cached: true})
					return nil
				}
				if lk, ok := opts.Cache.(Locker); ok {
					unlock, err := lk.Lock(ctx, l.DiffID+key)
					if err != nil {
						return fmt.Errorf("layer %d (%s): %w", i, shortDigest(l.DiffID), err)
					}
					defer unlock()
					// Another process may have analysed it while this one waited.
					if r, ok := loadCached(opts.Cache, l.DiffID+key); ok {
						results[i] = r
						progress(opts, ProgressEvent{Layer: i, Bytes: r.Bytes, Done: true, Cached: true})
						return nil
					}
				}
			}
			r, err := walkLayer(ctx, i, l, opts)
			if err != nil {
				return fmt.Errorf("layer %d (%s): %w", i, shortDigest(l.DiffID), err)
			}
			results[i] = r
			if opts.Cache != nil && l.DiffID != "" {
				// A cache that cannot be written only costs speed.
				_ = storeCached(opts.Cache, l.DiffID+key, r)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return results, nil
}

func progress(opts Options, ev ProgressEvent) {
	if opts.Progress != nil {
		opts.Progress(ev)
	}
}

func shortDigest(d string) string {
	if _, hex, ok := strings.Cut(d, ":"); ok && len(hex) > 12 {
		return hex[:12]
	}
	return d
}

// countingReader counts bytes for progress reports and cancels promptly.
type countingReader struct {
	ctx  context.Context
	r    io.Reader
	n    atomic.Int64
	tick int64
	emit func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	total := c.n.Add(int64(n))
	if c.emit != nil && total-c.tick >= 8<<20 {
		c.tick = total
		c.emit(total)
	}
	return n, err
}

func walkLayer(ctx context.Context, idx int, l image.Layer, opts Options) (*LayerResult, error) {
	rc, err := l.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	cr := &countingReader{ctx: ctx, r: rc}
	if opts.Progress != nil {
		cr.emit = func(n int64) { opts.Progress(ProgressEvent{Layer: idx, Bytes: n}) }
	}
	res, err := walkTar(ctx, tar.NewReader(bufio.NewReaderSize(cr, 1<<20)), opts)
	if err != nil {
		return nil, err
	}
	// Drain what follows the end-of-archive marker so that a verifying
	// reader (registry blobs) sees the whole stream.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, err
	}
	res.Bytes = cr.n.Load()
	progress(opts, ProgressEvent{Layer: idx, Bytes: res.Bytes, Done: true})
	return res, nil
}

func walkTar(ctx context.Context, tr *tar.Reader, opts Options) (*LayerResult, error) {
	res := &LayerResult{}
	maxEntries := opts.MaxEntries
	if maxEntries <= 0 {
		maxEntries = defaultMaxEntries
	}
	seen := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read tar: %w", err)
		}
		if seen++; seen > maxEntries {
			return nil, fmt.Errorf("%w (more than %d)", ErrTooManyEntries, maxEntries)
		}
		p, ok := CleanPath(hdr.Name)
		if !ok {
			res.Warnings = append(res.Warnings, Warning{Path: hdr.Name, Message: "skipped entry: path escapes the root"})
			continue
		}
		if p == "" {
			continue // the root directory itself
		}
		dir, base := path.Split(p)
		if base == opaqueMarker {
			res.Opaque = append(res.Opaque, strings.TrimSuffix(dir, "/"))
			continue
		}
		if strings.HasPrefix(base, whiteoutPrefix) {
			res.Whiteouts = append(res.Whiteouts, dir+base[len(whiteoutPrefix):])
			continue
		}
		e := Entry{Path: p, Mode: hdr.FileInfo().Mode(), Size: hdr.Size, UID: hdr.Uid, GID: hdr.Gid}
		switch hdr.Typeflag {
		case tar.TypeSymlink:
			e.Linkname = hdr.Linkname
		case tar.TypeLink:
			e.HardLink = true
			if target, ok := CleanPath(hdr.Linkname); ok {
				e.Linkname = target
			}
			// A hard link's mode is the target's; treat it as regular
			// for listing, but it carries no content of its own.
			e.Size = 0
		}
		res.Entries = append(res.Entries, e)
		if hdr.Typeflag == tar.TypeReg {
			if err := extractFile(ctx, res, e, tr, opts); err != nil {
				return nil, err
			}
		}
	}
}

// extractFile hands one regular file to every extractor that wants it,
// reading the file once. A file one extractor wants streams straight from
// the layer, so large files (executables, archives) are never copied whole
// unless the extractor chooses to. A small file several want is read into
// memory and handed to each in turn; a large one is streamed to all of them
// at once through pipes. Only a failure to read the layer itself is
// returned; extractor errors become warnings.
func extractFile(ctx context.Context, res *LayerResult, e Entry, content io.Reader, opts Options) error {
	f := fileOf(e)
	var wanted []extract.Extractor
	for _, x := range opts.Extractors {
		if !x.Required(f) {
			continue
		}
		if e.Size > x.MaxSize() {
			res.Warnings = append(res.Warnings, Warning{Path: e.Path, Message: fmt.Sprintf("%s: skipped: %d bytes is over its %d byte limit", x.Name(), e.Size, x.MaxSize())})
			continue
		}
		wanted = append(wanted, x)
	}
	switch {
	case len(wanted) == 0:
		return nil
	case len(wanted) == 1:
		// Whatever the extractor leaves unread is skipped by the tar
		// reader; a read error there surfaces on the next entry.
		lr := &io.LimitedReader{R: content, N: e.Size}
		r, err := runExtractor(ctx, wanted[0], input(e, lr, opts))
		record(res, e, wanted[0], r, err)
		return nil
	case e.Size <= fanOutSize:
		data := make([]byte, e.Size)
		if _, err := io.ReadFull(content, data); err != nil {
			return fmt.Errorf("read %s: %w", e.Path, err)
		}
		for _, x := range wanted {
			r, err := runExtractor(ctx, x, input(e, bytes.NewReader(data), opts))
			record(res, e, x, r, err)
		}
		return nil
	}
	return fanOut(ctx, res, e, content, wanted, opts)
}

// fanOutSize is the largest file several extractors get as one in-memory
// copy; above it they read it together as it streams.
const fanOutSize = 1 << 20

// fanOut streams one file to several extractors running concurrently, each
// reading its own pipe. An extractor that stops reading early has the rest
// of its pipe drained, so it never holds up the others.
func fanOut(ctx context.Context, res *LayerResult, e Entry, content io.Reader, wanted []extract.Extractor, opts Options) error {
	type outcome struct {
		r   extract.Result
		err error
	}
	outcomes := make([]outcome, len(wanted))
	writers := make([]io.Writer, len(wanted))
	readers := make([]*io.PipeReader, len(wanted))
	for i := range wanted {
		readers[i], writers[i] = io.Pipe()
	}
	var wg sync.WaitGroup
	for i, x := range wanted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := runExtractor(ctx, x, input(e, readers[i], opts))
			outcomes[i] = outcome{r, err}
			io.Copy(io.Discard, readers[i])
		}()
	}
	_, err := io.Copy(io.MultiWriter(writers...), io.LimitReader(content, e.Size))
	for _, w := range writers {
		w.(*io.PipeWriter).CloseWithError(err)
	}
	wg.Wait()
	if err != nil {
		return fmt.Errorf("read %s: %w", e.Path, err)
	}
	for i, x := range wanted {
		record(res, e, x, outcomes[i].r, outcomes[i].err)
	}
	return nil
}

func input(e Entry, content io.Reader, opts Options) extract.Input {
	return extract.Input{File: fileOf(e), Content: content, TempDir: opts.TempDir}
}

// record keeps what one extractor found in one file, and its error as a
// warning.
func record(res *LayerResult, e Entry, x extract.Extractor, r extract.Result, err error) {
	// An extractor that fails part-way may still return what it found
	// before (the secrets of an archive that then broke a limit).
	if err != nil {
		res.Warnings = append(res.Warnings, Warning{Path: e.Path, Message: err.Error()})
	}
	if !r.Empty() {
		res.Files = append(res.Files, FileResult{Path: e.Path, Extractor: x.Name(), Result: r})
	}
}

func fileOf(e Entry) extract.File {
	return extract.File{Path: e.Path, Mode: e.Mode, Size: e.Size}
}

// runExtractor calls an extractor, turning a panic — a bug, but one an
// attacker-controlled file may trigger — into an error on that file.
func runExtractor(ctx context.Context, x extract.Extractor, in extract.Input) (r extract.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: crashed on this file: %v", x.Name(), p)
		}
	}()
	return x.Extract(ctx, in)
}

const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// CleanPath turns a tar entry name into a root-relative slash path ("" for
// the root). Leading "/" and "./" are dropped, as tar itself does on
// extraction; a name whose ".." components climb above the root is
// rejected rather than silently re-rooted.
func CleanPath(name string) (string, bool) {
	name = strings.TrimLeft(name, "/")
	if name == "" || name == "." || name == "./" {
		return "", true
	}
	depth := 0
	for _, part := range strings.Split(name, "/") {
		switch part {
		case "", ".":
		case "..":
			if depth--; depth < 0 {
				return "", false
			}
		default:
			depth++
		}
	}
	p := path.Clean(name)
	if p == "." {
		return "", true
	}
	return p, true
}

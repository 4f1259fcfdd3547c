package layerfs

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"sync"
	"syscall"
)

// virtualDirs are top-level directories of a live system that hold no
// installed files, only kernel views; walking them on "/" would be slow and
// meaningless.
var virtualDirs = map[string]bool{"proc": true, "sys": true, "dev": true}

// vcsDirs are version-control folders, skipped anywhere in a source
// folder: large, and never the home of a dependency list.
var vcsDirs = map[string]bool{".git": true, ".hg": true, ".svn": true}

// walkDir treats an unpacked root filesystem or a source folder (project)
// as a single layer. Files are opened through an os.Root, so a symlink in
// the tree can never make the walk read outside it, and symlinks are
// listed, never followed.
func walkDir(ctx context.Context, dir string, project bool, opts Options) (*LayerResult, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open root %s: %w", dir, err)
	}
	defer root.Close()
	res := &LayerResult{}
	maxEntries := opts.MaxEntries
	if maxEntries <= 0 {
		maxEntries = defaultMaxEntries
	}
	// One goroutine walks; workers open and extract the files it finds,
	// so that a folder, a single "layer", still uses every core.
	ex := newDirExtraction(ctx, root, opts)
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// An unreadable directory is reported and skipped.
			res.Warnings = append(res.Warnings, Warning{Path: p, Message: err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if d.IsDir() && (!project && virtualDirs[p] || project && vcsDirs[d.Name()]) {
			return fs.SkipDir
		}
		if len(res.Entries) >= maxEntries {
			return fmt.Errorf("%w (more than %d)", ErrTooManyEntries, maxEntries)
		}
		info, err := d.Info()
		if err != nil {
			res.Warnings = append(res.Warnings, Warning{Path: p, Message: err.Error()})
			return nil
		}
		e := Entry{Path: p, Mode: info.Mode(), Size: info.Size()}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			e.UID, e.GID = int(st.Uid), int(st.Gid)
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			if target, err := root.Readlink(p); err == nil {
				e.Linkname = target
			}
		}
		res.Entries = append(res.Entries, e)
		res.Bytes += e.Size
		if !info.Mode().IsRegular() {
			return nil
		}
		ex.add(e)
		return nil
	})
	ex.wait(res)
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", dir, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	progress(opts, ProgressEvent{Layer: 0, Bytes: res.Bytes, Done: true})
	return res, nil
}

// dirExtraction runs extractors on a folder's files in parallel and
// gathers their results in walk order, so output does not depend on
// scheduling.
type dirExtraction struct {
	ctx    context.Context
	root   *os.Root
	opts   Options
	jobs   chan dirJob
	wg     sync.WaitGroup
	parts  []*LayerResult // one per worker
	order  [][]int        // per worker: walk index of each FileResult
	worder [][]int        // per worker: walk index of each Warning
	next   int
}

type dirJob struct {
	idx int
	e   Entry
}

func newDirExtraction(ctx context.Context, root *os.Root, opts Options) *dirExtraction {
	n := opts.Parallel
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	x := &dirExtraction{ctx: ctx, root: root, opts: opts, jobs: make(chan dirJob, 256),
		parts: make([]*LayerResult, n), order: make([][]int, n), worder: make([][]int, n)}
	for w := 0; w < n; w++ {
		x.parts[w] = &LayerResult{}
		x.wg.Add(1)
		go func() {
			defer x.wg.Done()
			part := x.parts[w]
			for j := range x.jobs {
				if ctx.Err() != nil {
					continue
				}
				files, warns := len(part.Files), len(part.Warnings)
				extractRootFile(ctx, root, part, j.e, opts)
				for range part.Files[files:] {
					x.order[w] = append(x.order[w], j.idx)
				}
				for range part.Warnings[warns:] {
					x.worder[w] = append(x.worder[w], j.idx)
				}
			}
		}()
	}
	return x
}

// add queues a regular file, cheaply skipping those no extractor wants.
func (x *dirExtraction) add(e Entry) {
	f := fileOf(e)
	for _, ex := range x.opts.Extractors {
		if ex.Required(f) {
			x.jobs <- dirJob{idx: x.next, e: e}
			x.next++
			return
		}
	}
}

// wait lets the workers finish and appends their results to res in walk
// order.
func (x *dirExtraction) wait(res *LayerResult) {
	close(x.jobs)
	x.wg.Wait()
	type tagged[T any] struct {
		idx int
		v   T
	}
	var files []tagged[FileResult]
	var warns []tagged[Warning]
	for w, part := range x.parts {
		for i, f := range part.Files {
			files = append(files, tagged[FileResult]{x.order[w][i], f})
		}
		for i, wr := range part.Warnings {
			warns = append(warns, tagged[Warning]{x.worder[w][i], wr})
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].idx < files[j].idx })
	sort.SliceStable(warns, func(i, j int) bool { return warns[i].idx < warns[j].idx })
	for _, f := range files {
		res.Files = append(res.Files, f.v)
	}
	for _, w := range warns {
		res.Warnings = append(res.Warnings, w.v)
	}
}

func extractRootFile(ctx context.Context, root *os.Root, res *LayerResult, e Entry, opts Options) error {
	f := fileOf(e)
	wanted := false
	for _, x := range opts.Extractors {
		if x.Required(f) {
			wanted = true
			break
		}
	}
	if !wanted {
		return nil
	}
	file, err := root.Open(e.Path)
	if err != nil {
		res.Warnings = append(res.Warnings, Warning{Path: e.Path, Message: err.Error()})
		return nil
	}
	defer file.Close()
	if err := extractFile(ctx, res, e, file, opts); err != nil {
		// A file that shrank or vanished under us is that file's problem,
		// not the walk's.
		res.Warnings = append(res.Warnings, Warning{Path: e.Path, Message: err.Error()})
	}
	return nil
}

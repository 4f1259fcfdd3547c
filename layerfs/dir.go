package layerfs

import (
	"context"
	"fmt"
	"io/fs"
	"os"
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
		return extractRootFile(ctx, root, res, e, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", dir, err)
	}
	progress(opts, ProgressEvent{Layer: 0, Bytes: res.Bytes, Done: true})
	return res, nil
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

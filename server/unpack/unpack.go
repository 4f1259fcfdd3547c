// Package unpack writes an uploaded tar of lockfiles and manifests (or one
// file) into a private folder, refusing whatever could reach outside it or
// grow without bound: absolute names and names that climb out with "..",
// links, devices, duplicates, too many entries, too many bytes. Files are
// written through an os.Root of the folder, so nothing lands outside it
// whatever the names say.
package unpack

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
)

// Bounds of one entry's name.
const (
	maxNameLen   = 1024
	maxNameDepth = 32
)

// DefaultEntries is a sensible Limits.Entries: projects upload lockfiles,
// not trees.
const DefaultEntries = 10000

// Limits bound what one upload unpacks to: Bytes of file contents in all
// (which also bounds what a compressed tar expands to) and Entries.
type Limits struct {
	Bytes   int64
	Entries int
}

var (
	// ErrBad marks an upload that is not an acceptable tar.
	ErrBad = errors.New("bad upload")
	// ErrTooLarge marks an upload over its limits, or a request body over
	// its http.MaxBytesReader limit.
	ErrTooLarge = errors.New("upload too large")
)

// Tar writes the regular files and directories of a tar stream, gzip
// compressed or not, under dir, and refuses the whole upload at the first
// entry it will not write. What it wrote before stays: dir is the
// caller's to remove.
func Tar(r io.Reader, dir string, lim Limits) error {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return readError("gzip", err)
		}
		defer zr.Close()
		src = zr
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(src)
	budget := lim.Bytes
	for n := 0; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			if n == 0 {
				return fmt.Errorf("%w: an empty tar", ErrBad)
			}
			return nil
		}
		if err != nil {
			return readError("tar", err)
		}
		if n >= lim.Entries {
			return fmt.Errorf("%w: more than %d tar entries", ErrTooLarge, lim.Entries)
		}
		switch h.Typeflag {
		case tar.TypeXGlobalHeader: // pax defaults, as git archive writes
			continue
		case tar.TypeDir:
			name, err := entryName(h.Name)
			if err != nil {
				return err
			}
			if name != "." {
				if err := root.MkdirAll(name, 0o700); err != nil {
					return fmt.Errorf("%w: %s: %v", ErrBad, name, err)
				}
			}
		case tar.TypeReg:
			name, err := entryName(h.Name)
			if err != nil {
				return err
			}
			if budget, err = writeFile(root, name, tr, budget); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: %q is a %s: only regular files and directories are accepted", ErrBad, h.Name, typeName(h.Typeflag))
		}
	}
}

// File writes one uploaded file, named by the client, under dir.
func File(r io.Reader, dir, name string, maxBytes int64) error {
	if strings.Contains(name, "/") {
		return fmt.Errorf("%w: name %q: a file name, without folders", ErrBad, name)
	}
	clean, err := entryName(name)
	if err != nil {
		return err
	}
	if clean == "." {
		return fmt.Errorf("%w: name %q: not a file name", ErrBad, name)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	_, err = writeFile(root, clean, r, maxBytes)
	return err
}

// writeFile writes one file from r and returns what is left of budget.
func writeFile(root *os.Root, name string, r io.Reader, budget int64) (int64, error) {
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o700); err != nil {
			return 0, fmt.Errorf("%w: %s: %v", ErrBad, name, err)
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return 0, fmt.Errorf("%w: %s appears twice", ErrBad, name)
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", ErrBad, name, err)
	}
	n, err := io.Copy(f, io.LimitReader(r, budget+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return 0, readError(name, err)
	case n > budget:
		return 0, fmt.Errorf("%w: the files unpack to more than %d bytes", ErrTooLarge, budget)
	}
	return budget - n, nil
}

// entryName checks a tar entry's name and cleans it; "." is the upload's
// root.
func entryName(name string) (string, error) {
	switch {
	case name == "" || len(name) > maxNameLen:
		return "", fmt.Errorf("%w: a tar entry name empty or over %d bytes", ErrBad, maxNameLen)
	case strings.ContainsAny(name, "\x00\\"):
		return "", fmt.Errorf("%w: %q: a NUL or backslash in a name", ErrBad, name)
	case strings.HasPrefix(name, "/"):
		return "", fmt.Errorf("%w: %q: an absolute name", ErrBad, name)
	}
	parts := strings.Split(name, "/")
	if len(parts) > maxNameDepth {
		return "", fmt.Errorf("%w: %q: nested over %d levels", ErrBad, name, maxNameDepth)
	}
	for _, p := range parts {
		if p == ".." {
			return "", fmt.Errorf("%w: %q: a name that climbs out with ..", ErrBad, name)
		}
	}
	return path.Clean(name), nil
}

// readError sorts a failed read of the upload: over the body limit
// (413), or a malformed or cut-off stream (400).
func readError(what string, err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return fmt.Errorf("%w: over %d bytes", ErrTooLarge, tooLarge.Limit)
	}
	return fmt.Errorf("%w: %s: %v", ErrBad, what, err)
}

func typeName(t byte) string {
	switch t {
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeFifo:
		return "FIFO"
	}
	return fmt.Sprintf("tar entry of type %q", t)
}

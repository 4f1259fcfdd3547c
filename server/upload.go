package server

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

// Bounds of one upload's names and entries, beside the byte limit
// (Config.MaxUpload), which also bounds what a compressed tar unpacks to.
const (
	maxUploadEntries = 10000
	maxNameLen       = 1024
	maxNameDepth     = 32
)

// uploadLimits bound what one upload unpacks to.
type uploadLimits struct {
	bytes   int64
	entries int
}

var (
	// errBadUpload marks an upload that is not an acceptable tar (400).
	errBadUpload = errors.New("bad upload")
	// errUploadTooLarge marks an upload over its bounds (413).
	errUploadTooLarge = errors.New("upload too large")
)

// unpack writes the regular files and directories of a tar stream, gzip
// compressed or not, under dir, and refuses the whole upload at the first
// entry it will not write: an absolute name or one that climbs out with
// "..", a link, a device, a duplicate. Files are written through an
// os.Root of dir, so nothing lands outside it whatever the names say, and
// within lim.
func unpack(r io.Reader, dir string, lim uploadLimits) error {
	br := bufio.NewReader(r)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return uploadReadError("gzip", err)
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
	budget := lim.bytes
	for n := 0; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			if n == 0 {
				return fmt.Errorf("%w: an empty tar", errBadUpload)
			}
			return nil
		}
		if err != nil {
			return uploadReadError("tar", err)
		}
		if n >= lim.entries {
			return fmt.Errorf("%w: more than %d tar entries", errUploadTooLarge, lim.entries)
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
					return fmt.Errorf("%w: %s: %v", errBadUpload, name, err)
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
			return fmt.Errorf("%w: %q is a %s: only regular files and directories are accepted", errBadUpload, h.Name, typeName(h.Typeflag))
		}
	}
}

// writeOne writes a single uploaded file, named by the client, under dir.
func writeOne(r io.Reader, dir, name string, maxBytes int64) error {
	if strings.Contains(name, "/") {
		return fmt.Errorf("%w: name %q: a file name, without folders", errBadUpload, name)
	}
	clean, err := entryName(name)
	if err != nil {
		return err
	}
	if clean == "." {
		return fmt.Errorf("%w: name %q: not a file name", errBadUpload, name)
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
			return 0, fmt.Errorf("%w: %s: %v", errBadUpload, name, err)
		}
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return 0, fmt.Errorf("%w: %s appears twice", errBadUpload, name)
	}
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %v", errBadUpload, name, err)
	}
	n, err := io.Copy(f, io.LimitReader(r, budget+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return 0, uploadReadError(name, err)
	case n > budget:
		return 0, fmt.Errorf("%w: the files unpack to more than %d bytes", errUploadTooLarge, budget)
	}
	return budget - n, nil
}

// entryName checks a tar entry's name and cleans it; "." is the upload's
// root.
func entryName(name string) (string, error) {
	switch {
	case name == "" || len(name) > maxNameLen:
		return "", fmt.Errorf("%w: a tar entry name empty or over %d bytes", errBadUpload, maxNameLen)
	case strings.ContainsAny(name, "\x00\\"):
		return "", fmt.Errorf("%w: %q: a NUL or backslash in a name", errBadUpload, name)
	case strings.HasPrefix(name, "/"):
		return "", fmt.Errorf("%w: %q: an absolute name", errBadUpload, name)
	}
	parts := strings.Split(name, "/")
	if len(parts) > maxNameDepth {
		return "", fmt.Errorf("%w: %q: nested over %d levels", errBadUpload, name, maxNameDepth)
	}
	for _, p := range parts {
		if p == ".." {
			return "", fmt.Errorf("%w: %q: a name that climbs out with ..", errBadUpload, name)
		}
	}
	return path.Clean(name), nil
}

// uploadReadError sorts a failed read of the upload: over the body limit
// (413), or a malformed or cut-off stream (400).
func uploadReadError(what string, err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return fmt.Errorf("%w: over %d bytes", errUploadTooLarge, tooLarge.Limit)
	}
	return fmt.Errorf("%w: %s: %v", errBadUpload, what, err)
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

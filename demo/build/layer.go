package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// epoch stamps every file, history entry and zip member demo/build makes
// itself (files taken from .deb packages keep the times Debian gave them):
// the day the inputs were pinned, after the newest of them.
var epoch = time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)

// entry is one member of a layer tar. Paths are relative to the image
// root, without a leading "./" or "/".
type entry struct {
	path     string
	typ      byte
	mode     int64
	mtime    time.Time
	linkname string
	body     []byte
}

func file(p string, mode int64, body []byte) entry {
	return entry{path: p, typ: tar.TypeReg, mode: mode, mtime: epoch, body: body}
}

func dir(p string) entry {
	return entry{path: p, typ: tar.TypeDir, mode: 0o755, mtime: epoch}
}

// privateDir is a directory only its owner may enter, like /root.
func privateDir(p string) entry {
	e := dir(p)
	e.mode = 0o700
	return e
}

// whiteout deletes p from the layers below, as the overlay filesystem
// records an rm.
func whiteout(p string) entry {
	return file(path.Join(path.Dir(p), ".wh."+path.Base(p)), 0o644, nil)
}

// layerTar writes entries as one layer: the parent directories of every
// entry are added where missing, duplicates keep their first occurrence,
// and members are sorted by path, so the same input always gives the same
// bytes.
func layerTar(entries []entry) ([]byte, error) {
	byPath := map[string]entry{}
	for _, e := range entries {
		if _, ok := byPath[e.path]; !ok {
			byPath[e.path] = e
		}
	}
	for _, e := range entries {
		for d := path.Dir(e.path); d != "." && d != "/"; d = path.Dir(d) {
			if _, ok := byPath[d]; !ok {
				byPath[d] = dir(d)
			}
		}
	}
	paths := make([]string, 0, len(byPath))
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		e := byPath[p]
		h := &tar.Header{
			Name: p, Typeflag: e.typ, Mode: e.mode, ModTime: e.mtime.UTC().Truncate(time.Second),
			Linkname: e.linkname, Uname: "root", Gname: "root", Format: tar.FormatPAX,
		}
		if e.typ == tar.TypeDir {
			h.Name += "/"
		}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write(e.body); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// gzipLayer compresses a layer tar as registries store it. The gzip
// header carries no name or time, so the digest depends only on the tar.
func gzipLayer(data []byte) (v1.Layer, error) {
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	compressed := gz.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(compressed)), nil
	})
}

// readTar reads a tar stream (a .deb's data member) into entries, with
// "./" stripped from names and the root entry dropped.
func readTar(r io.Reader) ([]entry, error) {
	var out []entry
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		p := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		if p == "" || p == "." {
			continue
		}
		e := entry{path: p, typ: h.Typeflag, mode: h.Mode & 0o7777, mtime: h.ModTime, linkname: h.Linkname}
		switch h.Typeflag {
		case tar.TypeReg:
			if e.body, err = io.ReadAll(tr); err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
		case tar.TypeLink:
			e.linkname = strings.TrimPrefix(h.Linkname, "./")
		case tar.TypeDir, tar.TypeSymlink:
		default:
			return nil, fmt.Errorf("%s: unexpected tar entry type %q", p, h.Typeflag)
		}
		out = append(out, e)
	}
}

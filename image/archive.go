package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/result"
)

// archiveMember returns a reader of one named member of a tar file.
// Older docker save archives store a repeated layer as a symlink to the
// first copy, so symlinks are followed inside the archive (never out of
// it), a few hops at most.
func archiveMember(file, member string) (io.ReadCloser, error) {
	want := path.Clean(member)
	for hops := 0; hops < 8; hops++ {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(f)
		var h *tar.Header
		for {
			h, err = tr.Next()
			if err == io.EOF {
				f.Close()
				return nil, fmt.Errorf("%s: no %s in the archive", file, member)
			}
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: not a readable tar archive: %w", file, err)
			}
			if path.Clean(h.Name) == want {
				break
			}
		}
		switch h.Typeflag {
		case tar.TypeReg:
			return struct {
				io.Reader
				io.Closer
			}{tr, f}, nil
		case tar.TypeSymlink, tar.TypeLink:
			f.Close()
			target := h.Linkname
			if h.Typeflag == tar.TypeSymlink && !path.IsAbs(target) {
				target = path.Join(path.Dir(want), target)
			}
			target = path.Clean(strings.TrimPrefix(target, "/"))
			if target == "." || strings.HasPrefix(target, "../") || target == ".." {
				return nil, fmt.Errorf("%s: %s links outside the archive", file, member)
			}
			want = target
		default:
			f.Close()
			return nil, fmt.Errorf("%s: %s is not a regular file", file, member)
		}
	}
	return nil, fmt.Errorf("%s: %s: too many links", file, member)
}

// archiveKind reports which image manifests a tar file holds.
func archiveKind(file string) (docker, oci bool, err error) {
	f, err := os.Open(file)
	if err != nil {
		return false, false, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return docker, oci, nil
		}
		if err != nil {
			return false, false, fmt.Errorf("not a readable tar archive: %w", err)
		}
		switch path.Clean(h.Name) {
		case "manifest.json":
			docker = true
		case "index.json":
			oci = true
		}
	}
}

// openArchive opens a docker-archive (docker save) or oci-archive tarball.
// Modern docker save writes both forms in one file; docker's
// manifest.json is preferred there since it names the tags.
func openArchive(file, target, sel string, opts Options) (*Source, error) {
	docker, oci, err := archiveKind(file)
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", file, err)
	}
	switch {
	case docker:
		return openDockerArchive(file, target, sel, opts)
	case oci:
		return openOCIArchive(file, target, sel, opts)
	default:
		return nil, fmt.Errorf("image: %s is a tar archive but not an image (no manifest.json or index.json)", file)
	}
}

func openDockerArchive(file, target, sel string, opts Options) (*Source, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(file) }
	manifest, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("image: %s: read manifest.json: %w", file, err)
	}
	if len(manifest) == 0 {
		return nil, fmt.Errorf("image: %s: manifest.json lists no image", file)
	}
	entry := manifest[0]
	switch {
	case sel != "":
		t, err := name.NewTag(sel)
		if err != nil {
			return nil, fmt.Errorf("image: %s: %q is not a tag: %w", file, sel, err)
		}
		found := false
		for _, d := range manifest {
			for _, rt := range d.RepoTags {
				if other, err := name.NewTag(rt); err == nil && other.String() == t.String() {
					entry, found = d, true
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("image: %s has no image tagged %s (tags: %s)", file, sel, strings.Join(allTags(manifest), ", "))
		}
	case len(manifest) > 1:
		return nil, fmt.Errorf("image: %s holds %d images; pick one with %s:TAG (tags: %s)", file, len(manifest), file, strings.Join(allTags(manifest), ", "))
	}
	if len(entry.Layers) == 0 {
		return nil, fmt.Errorf("image: %s: the image has no layers", file)
	}
	// The archive is read directly rather than through go-containerregistry's
	// tarball image, which hashes every layer blob to build a manifest the
	// archive does not carry: a quarter second per 300 MB even when every
	// layer's result is cached.
	rc, err := archiveMember(file, entry.Config)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	rawCfg, err := io.ReadAll(io.LimitReader(rc, maxConfigSize+1))
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("image: %s: read config: %w", file, err)
	}
	if len(rawCfg) > maxConfigSize {
		return nil, fmt.Errorf("image: %s: image config larger than %d bytes", file, maxConfigSize)
	}
	cfg, err := v1.ParseConfigFile(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, fmt.Errorf("image: %s: parse config: %w", file, err)
	}
	if len(cfg.RootFS.DiffIDs) != len(entry.Layers) {
		return nil, fmt.Errorf("image: %s: config lists %d layers but manifest.json has %d", file, len(cfg.RootFS.DiffIDs), len(entry.Layers))
	}
	id, _, err := v1.SHA256(bytes.NewReader(rawCfg))
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", file, err)
	}
	src := &Source{
		Artifact: result.Artifact{
			Name: target, Kind: result.KindDockerArchive, RepoTags: entry.RepoTags,
			ImageID: id.String(), OS: cfg.OS, Architecture: cfg.Architecture,
			BaseImage: baseImage(nil, cfg.Config.Labels),
		},
		Config: cfg,
	}
	createdBy := layerHistory(cfg, len(entry.Layers))
	max := opts.maxLayerSize()
	for i, member := range entry.Layers {
		src.Layers = append(src.Layers, Layer{
			Layer: inventory.Layer{Index: i, DiffID: cfg.RootFS.DiffIDs[i].String(), CreatedBy: createdBy[i]},
			Open: func() (io.ReadCloser, error) {
				rc, err := archiveMember(file, member)
				if err != nil {
					return nil, err
				}
				return decompress(rc, max)
			},
		})
	}
	return src, nil
}

// maxConfigSize bounds an image config; real ones are a few KB, large
// ones with long histories under 1 MB.
const maxConfigSize = 16 << 20

func allTags(m tarball.Manifest) []string {
	var tags []string
	for _, d := range m {
		tags = append(tags, d.RepoTags...)
	}
	if len(tags) == 0 {
		return []string{"none"}
	}
	return tags
}

// openOCIArchive unpacks an oci-archive's layout into a private temporary
// directory (removed by Close) and opens it as a layout. Only the layout's
// own files are unpacked: regular files under blobs/ with clean names,
// index.json and oci-layout; links and anything else are refused.
func openOCIArchive(file, target, sel string, opts Options) (*Source, error) {
	dir, err := os.MkdirTemp(opts.TempDir, "bulwark-oci-")
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if err := unpackLayout(file, dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("image: %s: %w", file, err)
	}
	src, err := openLayoutDir(dir, target, sel, opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	src.Artifact.Kind = result.KindOCIArchive
	src.closers = append(src.closers, func() error { return os.RemoveAll(dir) })
	return src, nil
}

// UnpackOCIArchive unpacks the layout files of an oci-archive into dir,
// as the oci-archive source does, for a caller that needs the layout
// itself (its signatures, say).
func UnpackOCIArchive(file, dir string) error { return unpackLayout(file, dir) }

func unpackLayout(file, dir string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	// The archive is not compressed as a whole, so what it unpacks to can
	// never exceed its own size; check anyway against crafted headers.
	budget := info.Size()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("not a readable tar archive: %w", err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if h.Typeflag == tar.TypeDir {
			continue
		}
		ok := name == "index.json" || name == "oci-layout" || (strings.HasPrefix(name, "blobs/") && !strings.Contains(name, ".."))
		if !ok || h.Typeflag != tar.TypeReg || path.IsAbs(name) {
			continue
		}
		if budget -= h.Size; budget < 0 {
			return errors.New("archive members are larger than the archive")
		}
		out := filepath.Join(dir, filepath.FromSlash(name))
		if !strings.HasPrefix(out, dir+string(filepath.Separator)) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return err
		}
		w, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.CopyN(w, tr, h.Size); err != nil {
			w.Close()
			return fmt.Errorf("unpack %s: %w", name, err)
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
}

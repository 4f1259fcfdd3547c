// Package testimage builds container images for tests without a Docker
// engine, with go-containerregistry, and writes them in every on-disk form
// Bulwark reads.
package testimage

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// File is one tar entry. Whiteouts are ordinary files named ".wh.<name>"
// or ".wh..wh..opq".
type File struct {
	Path     string
	Body     []byte
	Mode     int64 // 0 means 0644 for files, 0755 for directories
	Typeflag byte  // 0 means a regular file
	Linkname string
}

// Tar returns the uncompressed tar stream of files.
func Tar(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		typ := f.Typeflag
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
			if typ == tar.TypeDir {
				mode = 0o755
			}
		}
		h := &tar.Header{Name: f.Path, Typeflag: typ, Mode: mode, Linkname: f.Linkname}
		if typ == tar.TypeReg {
			h.Size = int64(len(f.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("testimage: %s: %w", f.Path, err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write(f.Body); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Layer returns a gzip-compressed layer of files.
func Layer(files []File) (v1.Layer, error) {
	data, err := Tar(files)
	if err != nil {
		return nil, err
	}
	return LayerFromTar(data)
}

// LayerFromTar returns a gzip-compressed layer of an uncompressed tar.
func LayerFromTar(data []byte) (v1.Layer, error) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
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

// Image stacks layers on an empty image with a linux/amd64 config and a
// history entry per layer.
func Image(layers ...v1.Layer) (v1.Image, error) {
	return ImageFor("linux", "amd64", layers...)
}

// ImageFor is Image for another platform.
func ImageFor(os, arch string, layers ...v1.Layer) (v1.Image, error) {
	img := empty.Image
	for i, l := range layers {
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: fmt.Sprintf("test layer %d", i)}})
		if err != nil {
			return nil, err
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = os, arch
	cfg.Config.Env = []string{"PATH=/usr/bin:/bin"}
	return mutate.ConfigFile(img, cfg)
}

// WriteDockerArchive writes img as `docker save` does, tagged tag, with
// gzip layers.
func WriteDockerArchive(path, tag string, img v1.Image) error {
	t, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(path, t, img)
}

// WriteMultiDockerArchive writes several tagged images into one archive.
func WriteMultiDockerArchive(path string, imgs map[string]v1.Image) error {
	refs := map[name.Reference]v1.Image{}
	for tag, img := range imgs {
		t, err := name.NewTag(tag)
		if err != nil {
			return err
		}
		refs[t] = img
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := tarball.MultiRefWrite(refs, f); err != nil {
		return err
	}
	return f.Close()
}

// WriteDockerArchiveUncompressed writes img as a modern `docker save`
// does: layers stored as plain tars, named by diff ID.
func WriteDockerArchiveUncompressed(path, tag string, img v1.Image) error {
	cfgName, err := img.ConfigName()
	if err != nil {
		return err
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	cfgFile := "blobs/sha256/" + cfgName.Hex
	if err := add(cfgFile, cfg); err != nil {
		return err
	}
	var layerFiles []string
	for _, l := range layers {
		d, err := l.DiffID()
		if err != nil {
			return err
		}
		rc, err := l.Uncompressed()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		p := "blobs/sha256/" + d.Hex
		if err := add(p, data); err != nil {
			return err
		}
		layerFiles = append(layerFiles, p)
	}
	m := fmt.Sprintf(`[{"Config":%q,"RepoTags":[%q],"Layers":[%s]}]`, cfgFile, tag, quoteAll(layerFiles))
	if err := add("manifest.json", []byte(m)); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func quoteAll(ss []string) string {
	var b bytes.Buffer
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", s)
	}
	return b.String()
}

// WriteOCILayout writes img into a new OCI layout directory, annotated with
// ref name refName when it is not empty.
func WriteOCILayout(dir, refName string, img v1.Image) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	var opts []layout.Option
	if refName != "" {
		opts = append(opts, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": refName}))
	}
	return p.AppendImage(img, opts...)
}

// WriteOCILayoutIndex writes a multi-platform index of imgs into a new
// OCI layout directory.
func WriteOCILayoutIndex(dir string, idx v1.ImageIndex) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendIndex(idx)
}

// Index builds a multi-platform index from images, using each image's
// config for its platform.
func Index(imgs ...v1.Image) (v1.ImageIndex, error) {
	var adds []mutate.IndexAddendum
	for _, img := range imgs {
		cfg, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture}}})
	}
	return mutate.AppendManifests(empty.Index, adds...), nil
}

// WriteOCIArchive writes img as an oci-archive: an OCI layout in a tar.
func WriteOCIArchive(path string, img v1.Image) error {
	dir, err := os.MkdirTemp("", "testimage-oci-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := WriteOCILayout(dir, "", img); err != nil {
		return err
	}
	return tarDir(path, dir)
}

// WriteOCIArchiveIndex writes a multi-platform index as an oci-archive.
func WriteOCIArchiveIndex(path string, idx v1.ImageIndex) error {
	dir, err := os.MkdirTemp("", "testimage-oci-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := WriteOCILayoutIndex(dir, idx); err != nil {
		return err
	}
	return tarDir(path, dir)
}

// tarDir writes the files under dir to a new tar at path.
// WriteOCIArchiveOfLayout packs an OCI layout directory, whatever it
// holds besides images (signatures, referrers), as an oci-archive.
func WriteOCIArchiveOfLayout(path, dir string) error { return tarDir(path, dir) }

func tarDir(path, dir string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// Command mkimage packs directories of this machine's root filesystem into
// a multi-layer docker-archive, for benchmarks: a real Debian system's
// files and package database, several hundred MB, made without a Docker
// engine.
//
//	mkimage -o image.tar -tag bench:latest 'etc,var/lib/dpkg,usr/bin' 'usr/share' ...
//
// Each argument is one layer: a comma-separated list of paths relative to
// -root, or to DIR when the argument is written "@DIR:paths". Layers are
// gzip-compressed, as registries store them.
package main

import (
	"archive/tar"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/klauspost/compress/gzip"
)

func main() {
	out := flag.String("o", "image.tar", "output docker-archive")
	tag := flag.String("tag", "bulwark-bench:latest", "image tag")
	root := flag.String("root", "/", "directory the layer paths are relative to")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("mkimage: name at least one layer")
	}
	tmp, err := os.MkdirTemp(filepath.Dir(*out), ".mkimage-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	img := empty.Image
	for i, spec := range flag.Args() {
		file := filepath.Join(tmp, fmt.Sprintf("layer%d.tar.gz", i))
		// "@DIR:paths" takes this layer's paths from DIR instead of -root.
		layerRoot, paths := *root, spec
		if dir, rest, ok := strings.Cut(spec, ":"); ok && strings.HasPrefix(dir, "@") {
			layerRoot, paths = dir[1:], rest
		}
		if err := writeLayer(file, layerRoot, strings.Split(paths, ",")); err != nil {
			log.Fatalf("mkimage: layer %d: %v", i, err)
		}
		layer, err := tarball.LayerFromFile(file)
		if err != nil {
			log.Fatal(err)
		}
		img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "mkimage " + spec}})
		if err != nil {
			log.Fatal(err)
		}
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		log.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		log.Fatal(err)
	}
	ref, err := name.NewTag(*tag)
	if err != nil {
		log.Fatal(err)
	}
	if err := tarball.WriteToFile(*out, ref, img); err != nil {
		log.Fatal(err)
	}
}

// writeLayer writes a gzip tar of the given paths. Unreadable files are
// skipped: the point is realistic bulk, not a faithful copy.
func writeLayer(file, root string, paths []string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	for _, p := range paths {
		base := filepath.Join(root, p)
		err := filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			link := ""
			if info.Mode()&fs.ModeSymlink != 0 {
				link, _ = os.Readlink(path)
			}
			if !info.Mode().IsRegular() && !info.IsDir() && link == "" {
				return nil // sockets, devices
			}
			hdr, err := tar.FileInfoHeader(info, link)
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(root, path)
			hdr.Name = filepath.ToSlash(rel)
			if info.IsDir() {
				hdr.Name += "/"
			}
			if !info.Mode().IsRegular() {
				return tw.WriteHeader(hdr)
			}
			src, err := os.Open(path)
			if err != nil {
				return nil
			}
			defer src.Close()
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			_, err = io.CopyN(tw, src, hdr.Size)
			return err
		})
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

// Package image opens the things Bulwark scans — docker-archive tarballs,
// OCI layouts and archives, registry references and unpacked root
// filesystems — and exposes each as a list of layers whose uncompressed tar
// streams can be read, or as a root directory.
package image

import (
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/result"
)

// Source is an opened scan target. Exactly one of Layers and RootDir is set.
type Source struct {
	Artifact result.Artifact
	Config   *v1.ConfigFile // nil for a rootfs
	Layers   []Layer
	// RootDir is the directory of an unpacked root filesystem or a
	// source folder.
	RootDir string
	// Project marks RootDir as a source folder rather than a root
	// filesystem: version-control metadata is skipped at any depth, and
	// no directory is a kernel view to be skipped.
	Project bool
	closers []func() error
}

// Close releases files the source holds open.
func (s *Source) Close() error {
	var first error
	for _, c := range s.closers {
		if err := c(); err != nil && first == nil {
			first = err
		}
	}
	s.closers = nil
	return first
}

// Layer is one layer of an image.
type Layer struct {
	inventory.Layer
	// Open returns the layer's uncompressed tar stream. Reading past the
	// source's size limit fails with ErrTooLarge.
	Open func() (io.ReadCloser, error)
}

// Package extract defines the interface every file analyzer implements: it
// says which files it wants, and turns one such file into findings.
//
// The layer walk (package walk) reads each layer once and hands every file
// an extractor asks for to that extractor, so adding an ecosystem means
// adding one package that implements Extractor and one line in the list the
// CLI builds.
package extract

import (
	"context"
	"fmt"
	"io"
	"io/fs"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/result"
)

// File describes a file in a layer or root filesystem, before its content is
// read.
type File struct {
	// Path is slash-separated and relative to the image root, with no
	// leading slash or "./" (for example "var/lib/dpkg/status").
	Path string
	Mode fs.FileMode
	Size int64
}

// Input is one file handed to an extractor.
type Input struct {
	File
	// Content yields the file's bytes. It yields at most the size the
	// extractor declared in MaxSize and is only valid during Extract.
	Content io.Reader
	// TempDir is a private directory for extractors that need a real file
	// (an SQLite database, say). It is removed after the scan.
	TempDir string
}

// Result is what an extractor found in one file.
type Result struct {
	Packages []inventory.Package
	// OS is set by release-file extractors. Its Source names the file.
	OS *inventory.OS
	// Licenses is set by extractors of per-package license files (Debian's
	// copyright files), to be attached to the installed package of that
	// type and name.
	Licenses *PackageLicenses
	// Secrets are credentials found in the file, already redacted; the
	// scan fills in their layer.
	Secrets []result.Secret
	// ConfigFile is the content of a configuration file (Dockerfile,
	// Compose file, Kubernetes manifest) kept for the image audit.
	ConfigFile []byte
}

// Empty reports whether the extractor found nothing in the file, so that
// the walk keeps no record of it. A new field of Result belongs here.
func (r Result) Empty() bool {
	return len(r.Packages) == 0 && r.OS == nil && r.Licenses == nil && len(r.Secrets) == 0 && r.ConfigFile == nil
}

// PackageLicenses names the licenses a separate file records for one
// package.
type PackageLicenses struct {
	Type     string // purl type of the package, e.g. deb
	Package  string
	Licenses []string
}

// Extractor finds packages or facts in one kind of file.
type Extractor interface {
	// Name identifies the extractor in errors and cache keys.
	Name() string
	// Version changes whenever the extractor's output for the same input
	// can change, so that cached layer results are not reused across it.
	Version() int
	// Required reports whether the extractor wants the file. It is called
	// for every file in every layer and must be cheap.
	Required(f File) bool
	// MaxSize is the largest file the extractor accepts; larger files are
	// skipped with a warning rather than read.
	MaxSize() int64
	// Extract reads one file. A malformed file returns an error, which the
	// walk reports and skips; it must never panic.
	Extract(ctx context.Context, in Input) (Result, error)
}

// ParseWhole reads an input completely and parses it with parse, the shape
// of every extractor whose file is one small document. Errors name the
// extractor and the file; every package gets the file as its location.
func ParseWhole(in Input, name string, parse func([]byte) ([]inventory.Package, error)) (Result, error) {
	data, err := io.ReadAll(in.Content)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %s: %w", name, in.Path, err)
	}
	pkgs, err := parse(data)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %s: %w", name, in.Path, err)
	}
	for i := range pkgs {
		pkgs[i].Location = in.Path
	}
	return Result{Packages: pkgs}, nil
}

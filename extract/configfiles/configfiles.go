// Package configfiles keeps the configuration files an image ships — its
// Dockerfiles, Compose files and Kubernetes manifests — so that the image
// audit can check them as bulwark config checks a folder. Only the bytes
// are kept; the audit decides what they are.
package configfiles

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/misconfig"
)

// MaxSize is the largest configuration file kept: real Dockerfiles and
// manifests are a few kilobytes.
const MaxSize = 1 << 20

// Extractor keeps configuration files.
type Extractor struct{}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "config-file" }

// Version implements extract.Extractor.
func (Extractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return MaxSize }

// skipDirs hold third-party and distribution files: their YAML is not the
// image's own deployment.
var skipDirs = []string{
	"usr/share/", "usr/lib/", "usr/local/lib/", "usr/include/", "lib/", "var/lib/", "proc/", "sys/", "opt/conda/pkgs/",
}

// skipParts are folders of installed dependencies anywhere in the tree.
var skipParts = []string{
	"node_modules/", "site-packages/", "dist-packages/", "vendor/", "go/pkg/mod/", ".cargo/registry/", "testdata/", ".git/",
}

// Required implements extract.Extractor: files whose name says Dockerfile
// or Compose, the .dockerignore files that change what a Dockerfile's COPY
// takes, and YAML or JSON files that may be manifests (Extract looks
// inside).
func (Extractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() || f.Size > MaxSize {
		return false
	}
	for _, d := range skipDirs {
		if strings.HasPrefix(f.Path, d) {
			return false
		}
	}
	for _, d := range skipParts {
		if strings.HasPrefix(f.Path, d) || strings.Contains(f.Path, "/"+d) {
			return false
		}
	}
	base := path.Base(f.Path)
	return base == ".dockerignore" || misconfig.Classify(base) != misconfig.KindNone
}

// Extract implements extract.Extractor: the file is kept when it is a
// Dockerfile or Compose file by name, or a manifest by content.
func (Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	data, err := io.ReadAll(io.LimitReader(in.Content, MaxSize+1))
	if err != nil {
		return extract.Result{}, fmt.Errorf("config file: %s: %w", in.Path, err)
	}
	if len(data) > MaxSize {
		return extract.Result{}, nil
	}
	if misconfig.Classify(path.Base(in.Path)) == misconfig.KindManifest && !misconfig.LooksLikeKubernetes(data) {
		return extract.Result{}, nil
	}
	return extract.Result{ConfigFile: data}, nil
}

package secrets

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/archive"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/secret"
)

// MaxArchiveSize is the largest archive opened for secret scanning.
const MaxArchiveSize = 1 << 30

// ArchiveExtractor finds secrets in the members of archives (zip and its
// kin such as jar and whl, tar, gzip, bzip2), down to Depth levels of
// nesting. It runs only when asked for: archives in images are mostly
// third-party artifacts, and opening them costs time. A member is located
// from the archive's path: "app/app.jar!/BOOT-INF/classes/application.yml".
type ArchiveExtractor struct {
	Engine *secret.Engine
	// Depth is how many levels of archives are opened (at least 1).
	Depth int
	// Limits bound the work of one archive; Depth overrides MaxDepth.
	Limits archive.Limits
}

// Name implements extract.Extractor.
func (ArchiveExtractor) Name() string { return "secret-archive" }

// Version implements extract.Extractor: it changes with the rules, with
// what is decoded and with the depth.
func (x ArchiveExtractor) Version() int {
	return int((version(x.Engine)*31 + uint32(x.Depth)) & 0x7fffffff)
}

// MaxSize implements extract.Extractor.
func (ArchiveExtractor) MaxSize() int64 { return MaxArchiveSize }

// Required implements extract.Extractor: archives outside the folders
// that are never scanned.
func (ArchiveExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && f.Size > 0 && archive.FormatOf(f.Path) != archive.None && inScannedDir(f.Path)
}

// Extract implements extract.Extractor. Members that are binary, or of a
// kind the file scanner passes over, are not scanned. An archive that
// breaks a limit still reports what was found before it did.
func (x ArchiveExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	lim := x.Limits
	lim.MaxDepth = max(x.Depth, 1)
	if lim.MaxMember <= 0 {
		lim.MaxMember = MaxSize
	}
	if lim.TempDir == "" {
		lim.TempDir = in.TempDir
	}
	var found []result.Secret
	_, err := archive.Walk(ctx, in.Content, in.Path, lim, func(m archive.Member) error {
		if !scannable(m.Path) {
			return nil
		}
		data, err := io.ReadAll(m.Content)
		if err != nil {
			if errors.Is(err, archive.ErrLimit) {
				return err
			}
			return nil // a corrupt member: the others still count
		}
		found = append(found, layerSecrets(x.Engine.ScanWith(m.Path, data, kubernetesSecrets))...)
		return nil
	})
	if err != nil {
		return extract.Result{Secrets: found}, fmt.Errorf("secret: %s: %w", in.Path, err)
	}
	return extract.Result{Secrets: found}, nil
}

// Package secrets runs the secret engine over the files of each layer.
// Because layers are read one by one, a secret in a file that a later
// layer deleted is found in the layer that still ships it.
package secrets

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/secret"
)

// MaxSize is the largest file scanned; larger ones are skipped (with a
// warning from the walk), as are the kinds of file that hold no text.
const MaxSize = 10 << 20

// Extractor finds secrets in text files.
type Extractor struct {
	Engine *secret.Engine
}

// New returns an extractor with the built-in rules.
func New() Extractor {
	return Extractor{Engine: secret.New(secret.Builtin(), secret.Options{MaxFileSize: MaxSize})}
}

// Name implements extract.Extractor.
func (Extractor) Name() string { return "secret" }

// Version implements extract.Extractor: it changes with the rule set and
// with what is decoded, so cached layer results are not reused across
// such changes.
func (x Extractor) Version() int {
	return int(version(x.Engine) & 0x7fffffff)
}

// version identifies what the extractors find with an engine: its rules
// and limits, and what is decoded for it.
func version(eng *secret.Engine) uint32 {
	return eng.Fingerprint()*31 + decodeVersion
}

// MaxSize implements extract.Extractor.
func (Extractor) MaxSize() int64 { return MaxSize }

// skipDirs hold compiled or generated data, locales and documentation of
// distribution packages: no credentials, much volume.
var skipDirs = []string{
	"usr/share/locale/", "usr/share/i18n/", "usr/share/zoneinfo/", "usr/share/man/", "usr/share/doc/",
	"usr/share/info/", "usr/share/icons/", "usr/share/fonts/", "usr/lib/locale/", "usr/share/mime/",
	"var/lib/dpkg/info/", "usr/share/perl", "usr/lib/python3/dist-packages/", "proc/", "sys/",
}

// skipExts are formats that are binary or compressed.
var skipExts = map[string]bool{
	".so": true, ".a": true, ".o": true, ".pyc": true, ".pyo": true, ".class": true, ".jar": true, ".war": true,
	".zip": true, ".gz": true, ".tgz": true, ".bz2": true, ".xz": true, ".zst": true, ".7z": true, ".whl": true, ".egg": true,
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".ico": true, ".webp": true, ".svg": false,
	".woff": true, ".woff2": true, ".ttf": true, ".otf": true, ".eot": true, ".mo": true, ".gmo": true,
	".pdf": true, ".mp3": true, ".mp4": true, ".wasm": true, ".node": true, ".db": true, ".sqlite": true,
	".deb": true, ".rpm": true, ".apk": false, ".iso": true, ".img": true, ".bin": true, ".dat": true,
}

// textExts are formats of text that may hold credentials.
var textExts = map[string]bool{
	".sql": true, ".log": true, ".txt": true, ".json": true, ".yaml": true, ".yml": true, ".env": true,
	".csv": true, ".js": true, ".xml": true, ".conf": true, ".cfg": true, ".ini": true, ".properties": true,
	".dump": true, ".bak": true, ".tf": true, ".tfstate": true, ".pem": true, ".key": true,
}

// Required implements extract.Extractor.
func (Extractor) Required(f extract.File) bool {
	if !f.Mode.IsRegular() || f.Size == 0 {
		return false
	}
	if f.Size > MaxSize {
		// Too large to scan. Text formats are still claimed so that the
		// walk reports them as skipped over the limit: a database dump or
		// a log of that size is worth a look by hand. Large binaries are
		// passed over silently.
		return textExts[strings.ToLower(path.Ext(f.Path))]
	}
	return scannable(f.Path)
}

// scannable tells by its path whether a file of a size within the limit
// is worth scanning.
func scannable(p string) bool {
	if skipExts[strings.ToLower(path.Ext(p))] {
		return false
	}
	return inScannedDir(p)
}

// inScannedDir reports whether a path lies outside the folders that are
// never scanned.
func inScannedDir(p string) bool {
	for _, d := range skipDirs {
		if strings.HasPrefix(p, d) {
			return false
		}
	}
	// Installed third-party packages: their sources and test fixtures are
	// full of token-shaped strings, and they are not where an image's own
	// credentials live.
	for _, d := range []string{"node_modules/", "site-packages/", "dist-packages/", ".git/"} {
		if strings.HasPrefix(p, d) || strings.Contains(p, "/"+d) {
			return false
		}
	}
	return true
}

// Extract implements extract.Extractor.
func (x Extractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	data, err := io.ReadAll(io.LimitReader(in.Content, MaxSize))
	if err != nil {
		return extract.Result{}, fmt.Errorf("secret: %s: %w", in.Path, err)
	}
	return extract.Result{Secrets: layerSecrets(x.Engine.ScanWith(in.Path, data, kubernetesSecrets))}, nil
}

// layerSecrets turns the engine's findings into the scan's, for a file in
// a layer; the scan fills in which layer.
func layerSecrets(found []secret.Finding) []result.Secret {
	out := make([]result.Secret, len(found))
	for i, f := range found {
		out[i] = result.Secret{
			RuleID: f.RuleID, Title: f.Title, Severity: f.Severity, Source: "layer",
			Path: f.Path, Line: f.Line, Match: f.Match, Encoding: f.Encoding,
		}
	}
	return out
}

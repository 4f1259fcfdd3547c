// Package scan runs a whole scan of one opened source: it walks the layers,
// merges them, and assembles the report's inventory (packages with their
// introducing layer and package URL, and the operating system).
package scan

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/extract/apk"
	"github.com/bulwark-sec/bulwark/extract/dpkg"
	"github.com/bulwark-sec/bulwark/extract/gobinary"
	"github.com/bulwark-sec/bulwark/extract/gomod"
	"github.com/bulwark-sec/bulwark/extract/osrelease"
	"github.com/bulwark-sec/bulwark/extract/rpm"
	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/report"
)

// Extractors returns the extractors a default scan runs. Adding an
// ecosystem means adding it here.
func Extractors() []extract.Extractor {
	return []extract.Extractor{
		osrelease.Extractor{},
		dpkg.Extractor{},
		dpkg.Copyright{},
		apk.Extractor{},
		rpm.Extractor{},
		gobinary.Extractor{},
		gomod.Extractor{},
	}
}

// Options control a scan.
type Options struct {
	// Extractors default to Extractors().
	Extractors []extract.Extractor
	Parallel   int
	Cache      layerfs.Cache
	TempDir    string
	Progress   func(layerfs.ProgressEvent)
	Tool       report.Tool
	// Now stamps the report; tests fix it.
	Now func() time.Time
}

// Run scans src and returns its report.
func Run(ctx context.Context, src *image.Source, opts Options) (*report.Report, error) {
	exts := opts.Extractors
	if exts == nil {
		exts = Extractors()
	}
	results, err := layerfs.Walk(ctx, src, layerfs.Options{
		Extractors: exts,
		Parallel:   opts.Parallel,
		Cache:      opts.Cache,
		TempDir:    opts.TempDir,
		Progress:   opts.Progress,
	})
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", src.Artifact.Name, err)
	}
	merged := layerfs.Merge(results)

	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          opts.Tool,
		CreatedAt:     now().UTC(),
		Artifact:      src.Artifact,
	}
	r.Inventory.Layers = layersOf(src)
	r.Inventory.OS = detectOS(merged)
	r.Inventory.Packages = packagesOf(merged, r.Inventory.OS)
	for i, l := range results {
		layer := i
		if src.RootDir != "" {
			layer = -1
		}
		for _, w := range l.Warnings {
			r.Warnings = append(r.Warnings, report.Warning{Layer: layer, Path: w.Path, Message: w.Message})
		}
	}
	return r, nil
}

func layersOf(src *image.Source) []inventory.Layer {
	if src.RootDir != "" {
		return []inventory.Layer{{Index: 0}}
	}
	out := make([]inventory.Layer, len(src.Layers))
	for i, l := range src.Layers {
		out[i] = l.Layer
		out[i].Index = i
	}
	return out
}

func detectOS(fs *layerfs.FS) *inventory.OS {
	found := map[string]*inventory.OS{}
	for _, f := range fs.Found {
		if f.Result.OS != nil {
			found[f.Path] = f.Result.OS
		}
	}
	os := osrelease.Best(found)
	if os == nil {
		return nil
	}
	// Distroless Debian images keep one stanza per package in status.d
	// and have no status file.
	if _, ok := fs.Stat("var/lib/dpkg/status"); !ok {
		if d, ok := fs.Stat("var/lib/dpkg/status.d"); ok && d.Mode.IsDir() {
			os.Distroless = true
		}
	}
	return os
}

func packagesOf(fs *layerfs.FS, os *inventory.OS) []inventory.Package {
	type typeName struct{ typ, name string }
	licenses := map[typeName][]string{}
	for _, f := range fs.Found {
		if l := f.Result.Licenses; l != nil {
			licenses[typeName{l.Type, l.Package}] = l.Licenses
		}
	}
	var pkgs []inventory.Package
	for _, f := range fs.Found {
		for _, p := range f.Result.Packages {
			if p.PURL == "" {
				p.PURL = inventory.PURL(p, os)
			}
			if len(p.Licenses) == 0 {
				p.Licenses = licenses[typeName{p.Type, p.Name}]
			}
			pkgs = append(pkgs, p)
		}
	}
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return strings.Compare(a.Location, b.Location) < 0
	})
	return pkgs
}

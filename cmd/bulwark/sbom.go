package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark/cache"
	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/extract/secrets"
	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/cyclonedx"
	"github.com/bulwark-sec/bulwark/report/jsonreport"
	"github.com/bulwark-sec/bulwark/report/spdx"
	"github.com/bulwark-sec/bulwark/report/table"
	"github.com/bulwark-sec/bulwark/scan"
	"github.com/bulwark-sec/bulwark/secret"
)

// formats maps --format values to writers.
var formats = map[string]func(io.Writer, *report.Report) error{
	"table":     table.Write,
	"json":      jsonreport.Write,
	"cyclonedx": cyclonedx.Write,
	"spdx-json": spdx.Write,
}

const sbomUsage = `Usage:
  bulwark sbom [flags] IMAGE_REFERENCE       image in a registry
  bulwark sbom [flags] --input PATH          docker-archive or oci-archive tarball, or OCI layout directory
  bulwark sbom [flags] --rootfs DIR          unpacked root filesystem
  bulwark sbom [flags] --dir DIR             source folder (lockfiles, manifests)

Flags:
`

// targetFlags are the flags of every command that scans an image or a
// folder: what to open, how to reach it, and how to walk it.
type targetFlags struct {
	input, rootfs, dir           string
	pkgTypes                     string
	username, password, platform string
	cacheDir                     string
	insecure, noCache, quiet     bool
	parallel                     int
	maxLayerSize                 int64
	// secrets, when set by a command, adds secret scanning to the walk.
	secrets *secret.Engine
	// archiveDepth, when above 0, has the secret scanner open archives
	// that many levels deep.
	archiveDepth int
	// imageConfig audits the image's configuration and files.
	imageConfig bool
}

func (f *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.input, "input", "", "docker-archive or oci-archive `tarball`, or OCI layout directory (append :TAG to pick one image of a multi-image archive)")
	fs.StringVar(&f.rootfs, "rootfs", "", "unpacked root filesystem `directory`")
	fs.StringVar(&f.dir, "dir", "", "source folder `directory` (a project checkout)")
	fs.StringVar(&f.pkgTypes, "pkg-types", "os,library", "package `kinds` to list: os (distribution packages), library (language packages), or both")
	fs.StringVar(&f.username, "username", os.Getenv("BULWARK_USERNAME"), "registry `user` (default $BULWARK_USERNAME; otherwise ~/.docker/config.json)")
	fs.StringVar(&f.password, "password", os.Getenv("BULWARK_PASSWORD"), "registry `password` (default $BULWARK_PASSWORD)")
	fs.StringVar(&f.platform, "platform", "", "`os/arch[/variant]` to pick from a multi-platform image (default linux and this machine's architecture)")
	fs.BoolVar(&f.insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "cache `directory` for layer results and the vulnerability database (default the user cache dir's bulwark folder)")
	fs.BoolVar(&f.noCache, "no-cache", false, "neither read nor write the layer cache")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output or warnings")
	fs.IntVar(&f.parallel, "parallel", 0, "layers read at once (default the number of CPUs)")
	fs.Int64Var(&f.maxLayerSize, "max-layer-size", 0, "largest uncompressed layer in `bytes` before the scan stops (default 16 GiB)")
}

// maxArchiveDepth bounds --archive-depth: real archives nest two or three
// levels (a jar in a war in an ear).
const maxArchiveDepth = 8

// cacheRoot is the directory the layer cache and the database live in.
func (f *targetFlags) cacheRoot() (string, error) {
	if f.cacheDir != "" {
		return f.cacheDir, nil
	}
	return cache.DefaultDir()
}

// scan opens the one target named by the flags or the positional argument
// and returns its inventory report.
func (f *targetFlags) scan(ctx context.Context, fs *flag.FlagSet, positional []string, stderr io.Writer) (*report.Report, error) {
	if f.archiveDepth < 0 || f.archiveDepth > maxArchiveDepth {
		return nil, fmt.Errorf("%w: --archive-depth %d is outside 0 to %d", errUsage, f.archiveDepth, maxArchiveDepth)
	}
	exts, err := extractorsFor(f.pkgTypes)
	if err != nil {
		return nil, err
	}
	targets := 0
	for _, set := range []bool{f.input != "", f.rootfs != "", f.dir != "", len(positional) > 0} {
		if set {
			targets++
		}
	}
	if targets != 1 || len(positional) > 1 {
		fs.Usage()
		return nil, fmt.Errorf("%w: name exactly one image reference, --input, --rootfs or --dir", errUsage)
	}

	var src *image.Source
	opts := image.Options{
		Platform:     f.platform,
		Username:     f.username,
		Password:     f.password,
		Insecure:     f.insecure,
		MaxLayerSize: f.maxLayerSize,
	}
	switch {
	case f.rootfs != "":
		src, err = image.OpenRootfs(f.rootfs)
	case f.dir != "":
		src, err = image.OpenDir(f.dir)
	case f.input != "":
		src, err = image.Open(ctx, f.input, opts)
	default:
		src, err = image.Open(ctx, positional[0], opts)
	}
	if err != nil {
		return nil, err
	}
	defer src.Close()

	if f.secrets != nil {
		exts = append(exts, secrets.Extractor{Engine: f.secrets})
		if f.archiveDepth > 0 {
			exts = append(exts, secrets.ArchiveExtractor{Engine: f.secrets, Depth: f.archiveDepth})
		}
	}
	sopts := scan.Options{Extractors: exts, Parallel: f.parallel, Tool: report.Tool{Name: "bulwark", Version: toolVersion()}, Secrets: f.secrets, ImageConfig: f.imageConfig}
	tmpParent := ""
	if !f.noCache {
		dir, err := f.cacheRoot()
		if err != nil {
			return nil, err
		}
		c, err := cache.Open(dir)
		if err != nil {
			// A busy or unwritable cache slows the scan; it does not stop it.
			fmt.Fprintf(stderr, "bulwark: warning: %v; scanning without the cache\n", err)
		} else {
			defer c.Close()
			sopts.Cache = c
			tmpParent = dir
		}
	}
	tmp, err := os.MkdirTemp(tmpParent, "bulwark-scan-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	sopts.TempDir = tmp

	prog := newProgress(stderr, !f.quiet, len(src.Layers))
	sopts.Progress = prog.event
	rep, err := scan.Run(ctx, src, sopts)
	prog.finish()
	if err != nil {
		return nil, err
	}
	if !f.quiet {
		for _, w := range rep.Warnings {
			loc := w.Path
			if w.Layer >= 0 {
				loc = fmt.Sprintf("layer %d: %s", w.Layer, w.Path)
			}
			fmt.Fprintf(stderr, "bulwark: warning: %s: %s\n", loc, w.Message)
		}
	}
	return rep, nil
}

func runSBOM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var t targetFlags
	var format, output string
	fs := flag.NewFlagSet("sbom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, sbomUsage)
		fs.PrintDefaults()
	}
	t.register(fs)
	fs.StringVar(&format, "format", "table", "output `format`: table, json, cyclonedx, spdx-json")
	fs.StringVar(&output, "output", "", "write the report to `file` instead of standard output")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	write, ok := formats[format]
	if !ok {
		return fmt.Errorf("%w: unknown --format %q (want table, json, cyclonedx or spdx-json)", errUsage, format)
	}
	rep, err := t.scan(ctx, fs, positional, stderr)
	if err != nil {
		return err
	}
	return writeReport(output, stdout, func(w io.Writer) error { return write(w, rep) })
}

// writeReport writes to path atomically (a temp file renamed into place),
// or to stdout when path is empty.
func writeReport(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" {
		// Formats write in many small pieces; unbuffered, each would be
		// a system call.
		bw := bufio.NewWriterSize(stdout, 256<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".bulwark-report-*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := write(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("bulwark sbom IMAGE --format json"), which the flag package
// alone does not allow: it stops at the first positional argument, so each
// round takes that argument and parses the rest again.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

var _ layerfs.Cache = (*cache.Cache)(nil)

// extractorsFor turns a --pkg-types value into the extractors to run.
func extractorsFor(kinds string) ([]extract.Extractor, error) {
	var exts []extract.Extractor
	seen := map[string]bool{}
	for _, k := range strings.Split(kinds, ",") {
		k = strings.TrimSpace(k)
		if seen[k] {
			continue
		}
		seen[k] = true
		switch k {
		case "none": // secret scanning alone
		case "os":
			exts = append(exts, scan.OSExtractors()...)
		case "library":
			exts = append(exts, scan.LanguageExtractors()...)
		default:
			return nil, fmt.Errorf("%w: unknown --pkg-types %q (want os, library or os,library)", errUsage, k)
		}
	}
	return exts, nil
}

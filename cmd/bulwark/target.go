package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/severity"
)

// targetFlags are the flags of every command that scans an image or a
// folder: what to open, how to reach it, and how to walk it.
type targetFlags struct {
	target                       pipeline.Target
	pkgTypes                     string
	username, password, platform string
	cacheDir                     string
	insecure, noCache, quiet     bool
	parallel                     int
	maxLayerSize                 int64
	archiveDepth                 int
}

func (f *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target.Input, "input", "", "docker-archive or oci-archive `tarball`, or OCI layout directory (append :TAG to pick one image of a multi-image archive)")
	fs.StringVar(&f.target.Rootfs, "rootfs", "", "unpacked root filesystem `directory`")
	fs.StringVar(&f.target.Dir, "dir", "", "source folder `directory` (a project checkout)")
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

// archiveDepthUsage describes --archive-depth, the same on every command.
const archiveDepthUsage = "open archives (zip, jar, whl, tar, gzip, bzip2) `levels` deep to scan their files for secrets (default 0: archives are not opened)"

// options are the pipeline options the flags choose; positional is the
// image reference, if any.
func (f *targetFlags) options(fs *flag.FlagSet, positional []string, stderr io.Writer) (pipeline.Target, pipeline.Options, error) {
	t := f.target
	if len(positional) > 0 {
		t.Reference = positional[0]
	}
	if err := t.Check(); err != nil || len(positional) > 1 {
		fs.Usage()
		return t, pipeline.Options{}, fmt.Errorf("%w: name exactly one image reference, --input, --rootfs or --dir", errUsage)
	}
	opts := pipeline.Options{
		PackageKinds: strings.Split(f.pkgTypes, ","),
		Image: image.Options{
			Platform: f.platform, Username: f.username, Password: f.password,
			Insecure: f.insecure, MaxLayerSize: f.maxLayerSize,
		},
		Parallel:     f.parallel,
		CacheDir:     f.cacheDir,
		NoCache:      f.noCache,
		ArchiveDepth: f.archiveDepth,
		Tool:         result.Tool{Name: "bulwark", Version: toolVersion()},
		Log:          stderr,
		Quiet:        f.quiet,
		Progress:     newProgress(stderr, !f.quiet),
	}
	return t, opts, nil
}

// severities parses a --severity list; withUnknown allows UNKNOWN, which
// only vulnerabilities have.
func severities(list string, withUnknown bool) (map[string]bool, error) {
	keep := map[string]bool{}
	for _, s := range strings.Split(strings.ToUpper(list), ",") {
		s = strings.TrimSpace(s)
		if severity.Rank(s) == 0 && !(withUnknown && s == severity.Unknown) {
			want := "CRITICAL, HIGH, MEDIUM, LOW"
			if withUnknown {
				want += ", UNKNOWN"
			}
			return nil, fmt.Errorf("%w: unknown --severity %q (want %s)", errUsage, s, want)
		}
		keep[s] = true
	}
	return keep, nil
}

// parseFlags parses a command's flags; help is reported as done.
func parseFlags(fs *flag.FlagSet, args []string) (positional []string, help bool, err error) {
	positional, err = parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w: %v", errUsage, err)
	}
	return positional, false, nil
}

// newFlagSet is a command's flag set, printing usage and then the flags.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
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
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bulwark-report-*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 256<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
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

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// idSet is a comma-separated flag of check IDs, upper-cased.
type idSet map[string]bool

func (s *idSet) String() string { return "" }
func (s *idSet) Set(v string) error {
	if *s == nil {
		*s = idSet{}
	}
	for _, id := range strings.Split(v, ",") {
		if id = strings.TrimSpace(id); id != "" {
			(*s)[strings.ToUpper(id)] = true
		}
	}
	return nil
}

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/progress"
	"github.com/bulwark-sec/bulwark/pipeline"
)

// targetFlags are the flags of every command that scans an image or a
// folder: what to open, how to reach it, and how to walk it.
type targetFlags struct {
	target                 pipeline.Target
	image                  image.Options
	pkgTypes, cacheDir     string
	noCache, quiet         bool
	parallel, archiveDepth int
}

func (f *targetFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.target.Input, "input", "", "docker-archive or oci-archive `tarball`, or OCI layout directory (append :TAG to pick one image of a multi-image archive)")
	fs.StringVar(&f.target.Rootfs, "rootfs", "", "unpacked root filesystem `directory`")
	fs.StringVar(&f.target.Dir, "dir", "", "source folder `directory` (a project checkout)")
	fs.StringVar(&f.pkgTypes, "pkg-types", "os,library", "package `kinds` to list: os (distribution packages), library (language packages), or both")
	fs.StringVar(&f.image.Username, "username", os.Getenv("BULWARK_USERNAME"), "registry `user` (default $BULWARK_USERNAME; otherwise ~/.docker/config.json)")
	fs.StringVar(&f.image.Password, "password", os.Getenv("BULWARK_PASSWORD"), "registry `password` (default $BULWARK_PASSWORD)")
	fs.StringVar(&f.image.Platform, "platform", "", "`os/arch[/variant]` to pick from a multi-platform image (default linux and this machine's architecture)")
	fs.BoolVar(&f.image.Insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "cache `directory` for layer results and the vulnerability database (default the user cache dir's bulwark folder)")
	fs.BoolVar(&f.noCache, "no-cache", false, "neither read nor write the layer cache")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output or warnings")
	fs.IntVar(&f.parallel, "parallel", 0, "layers read at once (default the number of CPUs)")
	fs.Int64Var(&f.image.MaxLayerSize, "max-layer-size", 0, "largest uncompressed layer in `bytes` before the scan stops (default 16 GiB)")
	fs.StringVar(&f.image.ContainerdNamespace, "namespace", "", "containerd `namespace` of containerd://NAME images (default $CONTAINERD_NAMESPACE or default)")
}

// archiveDepthUsage describes --archive-depth, the same on every command.
const archiveDepthUsage = "open archives (zip, jar, whl, tar, gzip, bzip2) `levels` deep to scan their files for secrets (default 0: archives are not opened)"

// options returns the target the flags name (positional is the image
// reference, if any) and sets the pipeline options they choose.
func (f *targetFlags) options(fs *flag.FlagSet, positional []string, stderr io.Writer, opts *pipeline.Options) (pipeline.Target, error) {
	t := f.target
	if len(positional) > 0 {
		t.Reference = positional[0]
	}
	if err := t.Check(); err != nil || len(positional) > 1 {
		fs.Usage()
		names := "image reference, --input, --rootfs or --dir"
		if fs.Lookup("from-sbom") != nil {
			names = "image reference, --input, --rootfs, --dir or --from-sbom"
		}
		return t, fmt.Errorf("%w: name exactly one %s", errUsage, names)
	}
	opts.PackageKinds, opts.Parallel, opts.CacheDir, opts.NoCache = strings.Split(f.pkgTypes, ","), f.parallel, f.cacheDir, f.noCache
	opts.ArchiveDepth, opts.Log, opts.Quiet, opts.Progress = f.archiveDepth, stderr, f.quiet, progress.New(stderr, !f.quiet)
	opts.Image = f.image
	return t, nil
}

// Command bulwark scans container images, root filesystems and registries.
// This package holds only the command line: flags, wiring and exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/bulwark-sec/bulwark/extract/rpm"
	"github.com/bulwark-sec/bulwark/pipeline"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the scan failed
	exitUsage = 2 // the command line is wrong
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const usage = `Usage: bulwark <command> [flags]

Commands:
  image     find vulnerabilities (and with --scanners: secrets, misconfigurations) in an image
  sbom      list the software in an image, archive, layout, registry image or root filesystem
  secret    find credentials in a folder (images: bulwark image --scanners secret)
  fs        find vulnerabilities and secrets (and with --scanners: misconfigurations) in a folder
  config    check Dockerfiles, Kubernetes manifests, Helm charts, Kustomize overlays and Compose files
  db        update, import or show the vulnerability database
  version   print the version

Run 'bulwark <command> -h' for a command's flags.
`

func main() {
	// Must run first: in a child started to read an rpm database in
	// isolation, this reads it and exits.
	rpm.Isolate()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks command-line mistakes, which exit with exitUsage.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "sbom":
		err = runSBOM(ctx, args[1:], stdout, stderr)
	case "image":
		err = runImage(ctx, args[1:], stdout, stderr)
	case "db":
		err = runDB(ctx, args[1:], stdout, stderr)
	case "secret":
		err = runSecret(ctx, args[1:], stdout, stderr)
	case "config":
		err = runConfig(ctx, args[1:], stdout, stderr)
	case "fs":
		err = runFS(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "bulwark %s\n", toolVersion())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "bulwark: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	var found *findingsError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &found):
		return found.code
	case errors.Is(err, errUsage), errors.Is(err, pipeline.ErrOptions):
		fmt.Fprintf(stderr, "bulwark: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "bulwark: %v\n", err)
		return exitError
	}
}

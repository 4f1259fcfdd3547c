// Command bulwark scans container images, root filesystems and registries.
// This package holds only the command line: flags, output selection and
// exit codes; the scanning is package pipeline's.
package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/bulwark-sec/bulwark/extract/rpm"
	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/pipeline"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the scan failed
	exitUsage = 2 // the command line is wrong
)

// The commands' help texts, one file each.
//
//go:embed usage/*.txt
var usageFiles embed.FS

func usage(name string) string { return cliflag.Text(usageFiles, "usage/"+name+".txt") }

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
var errUsage = cliflag.ErrUsage

// findingsError carries the exit code asked for when findings remain.
type findingsError struct {
	code, count int
}

func (e *findingsError) Error() string {
	return fmt.Sprintf("%d findings", e.count)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage("bulwark"))
		return exitUsage
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"sbom": runSBOM, "image": runImage, "fs": runFS, "db": runDB, "secret": runSecret, "config": runConfig,
		"host": runHost, "server": runServer, "verify": runVerify,
	}
	var err error
	switch cmd, ok := commands[args[0]]; {
	case ok:
		err = cmd(ctx, args[1:], stdout, stderr)
	case args[0] == "version" || args[0] == "--version":
		fmt.Fprintf(stdout, "bulwark %s\n", pipeline.Tool().Version)
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		fmt.Fprint(stdout, usage("bulwark"))
	default:
		fmt.Fprintf(stderr, "bulwark: unknown command %q\n\n%s", args[0], usage("bulwark"))
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

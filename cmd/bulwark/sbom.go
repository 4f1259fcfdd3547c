package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/cyclonedx"
	"github.com/bulwark-sec/bulwark/report/jsonreport"
	"github.com/bulwark-sec/bulwark/report/spdx"
	"github.com/bulwark-sec/bulwark/report/table"
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

func runSBOM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var t targetFlags
	var format, output string
	fs := newFlagSet("sbom", sbomUsage, stderr)
	t.register(fs)
	fs.StringVar(&format, "format", "table", "output `format`: table, json, cyclonedx, spdx-json")
	fs.StringVar(&output, "output", "", "write the report to `file` instead of standard output")
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	write, ok := formats[format]
	if !ok {
		return fmt.Errorf("%w: unknown --format %q (want table, json, cyclonedx or spdx-json)", errUsage, format)
	}
	target, opts, err := t.options(fs, positional, stderr)
	if err != nil {
		return err
	}
	rep, err := pipeline.Run(ctx, target, opts)
	if err != nil {
		return err
	}
	return writeReport(output, stdout, func(w io.Writer) error { return write(w, rep) })
}

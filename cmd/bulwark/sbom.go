package main

import (
	"context"
	"io"

	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/pipeline"
)

func runSBOM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var t targetFlags
	var out outputFlags
	fs := cliflag.NewSet("sbom", usage("sbom"), stderr)
	t.register(fs)
	out.register(fs, []string{"table", "json", "cyclonedx", "spdx-json"}, "", "")
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	if _, err := out.check(false); err != nil {
		return err
	}
	var opts pipeline.Options
	target, err := t.options(fs, positional, stderr, &opts)
	if err != nil {
		return err
	}
	rep, err := pipeline.Run(ctx, target, opts)
	if err != nil {
		return err
	}
	return out.write(stdout, rep, 0)
}

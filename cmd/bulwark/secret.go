package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/pipeline"
)

func runSecret(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var t targetFlags
	var out outputFlags
	var config string
	fs := cliflag.NewSet("secret", usage("secret"), stderr)
	out.register(fs, []string{"table", "json", "sarif"}, "LOW,MEDIUM,HIGH,CRITICAL", "secrets are found")
	fs.StringVar(&config, "secret-config", "", "secret rules and allowlists from a YAML `file`")
	fs.IntVar(&t.archiveDepth, "archive-depth", 0, archiveDepthUsage)
	fs.BoolVar(&t.quiet, "quiet", false, "no progress output or warnings")
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	keep, err := out.check(false)
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: name one folder", errUsage)
	}
	t.target.Dir, t.noCache, t.pkgTypes = positional[0], true, "none"
	var opts pipeline.Options
	target, err := t.options(fs, nil, stderr, &opts)
	if err != nil {
		return err
	}
	opts.Scanners.Secret, opts.Severities = true, keep
	if opts.Secrets, err = pipeline.SecretEngine(config); err != nil {
		return err
	}
	rep, err := pipeline.Run(ctx, target, opts)
	if err != nil {
		return err
	}
	return out.write(stdout, rep, len(rep.Secrets))
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/bulwark-sec/bulwark/extract/secrets"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/secret"
)

const secretUsage = `Usage:
  bulwark secret [flags] DIR        a source folder or an unpacked file tree

Looks for credentials in every text file under DIR (Dockerfiles, .env
files, manifests, configuration; installed third-party trees such as
node_modules are skipped). Matches are redacted. For images, use
bulwark image --scanners secret.

Flags:
`

func runSecret(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var t targetFlags
	var format, output, sevs, config string
	var exitCode int
	fs := newFlagSet("secret", secretUsage, stderr)
	fs.StringVar(&format, "format", "table", "output `format`: table, json, sarif")
	fs.StringVar(&output, "output", "", "write the report to `file` instead of standard output")
	fs.StringVar(&sevs, "severity", "LOW,MEDIUM,HIGH,CRITICAL", "comma-separated `severities` to report")
	fs.IntVar(&exitCode, "exit-code", 0, "exit with `code` when secrets are found")
	fs.StringVar(&config, "secret-config", "", "secret rules and allowlists from a YAML `file`")
	fs.IntVar(&t.archiveDepth, "archive-depth", 0, archiveDepthUsage)
	fs.BoolVar(&t.quiet, "quiet", false, "no progress output or warnings")
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	write, ok := imageFormats[format]
	if !ok {
		return fmt.Errorf("%w: unknown --format %q (want table, json or sarif)", errUsage, format)
	}
	if len(positional) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: name one folder", errUsage)
	}
	if info, err := os.Stat(positional[0]); err != nil || !info.IsDir() {
		return fmt.Errorf("secret: %s is not a folder", positional[0])
	}
	t.target.Dir, t.noCache, t.pkgTypes = positional[0], true, "none"
	target, opts, err := t.options(fs, nil, stderr)
	if err != nil {
		return err
	}
	opts.Scanners.Secret = true
	if opts.Severities, err = severities(sevs, false); err != nil {
		return err
	}
	if opts.Secrets, err = secretEngine(config); err != nil {
		return err
	}
	rep, err := pipeline.Run(ctx, target, opts)
	if err != nil {
		return err
	}
	if err := writeReport(output, stdout, func(w io.Writer) error { return write(w, rep) }); err != nil {
		return err
	}
	if exitCode != 0 && len(rep.Secrets) > 0 {
		return &findingsError{code: exitCode, count: len(rep.Secrets)}
	}
	return nil
}

// secretEngine builds the secret engine: the built-in rules, changed by a
// configuration file when one is named.
func secretEngine(configPath string) (*secret.Engine, error) {
	rules, opts := secret.Builtin(), secret.Options{MaxFileSize: secrets.MaxSize}
	if configPath != "" {
		cfg, err := secret.LoadConfig(configPath)
		if err != nil {
			return nil, err
		}
		if rules, opts, err = cfg.Apply(rules, opts); err != nil {
			return nil, fmt.Errorf("%s: %w", configPath, err)
		}
	}
	return secret.New(rules, opts), nil
}

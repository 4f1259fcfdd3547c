package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulwark-sec/bulwark/extract/secrets"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/secret"
	"github.com/bulwark-sec/bulwark/severity"
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
	var format, output, severities, config string
	var exitCode int
	fs := flag.NewFlagSet("secret", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, secretUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&format, "format", "table", "output `format`: table, json, sarif")
	fs.StringVar(&output, "output", "", "write the report to `file` instead of standard output")
	fs.StringVar(&severities, "severity", "LOW,MEDIUM,HIGH,CRITICAL", "comma-separated `severities` to report")
	fs.IntVar(&exitCode, "exit-code", 0, "exit with `code` when secrets are found")
	fs.StringVar(&config, "secret-config", "", "secret rules and allowlists from a YAML `file`")
	fs.IntVar(&t.archiveDepth, "archive-depth", 0, archiveDepthUsage)
	fs.BoolVar(&t.quiet, "quiet", false, "no progress output or warnings")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
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
	keep := map[string]bool{}
	for _, s := range strings.Split(strings.ToUpper(severities), ",") {
		s = strings.TrimSpace(s)
		if severity.Rank(s) == 0 {
			return fmt.Errorf("%w: unknown --severity %q (want CRITICAL, HIGH, MEDIUM, LOW)", errUsage, s)
		}
		keep[s] = true
	}
	t.dir, t.noCache, t.pkgTypes = positional[0], true, "none"
	if t.secrets, err = secretEngine(config); err != nil {
		return err
	}
	rep, err := t.scan(ctx, fs, nil, stderr)
	if err != nil {
		return err
	}
	kept := []report.Secret{}
	for _, s := range rep.Secrets {
		if keep[s.Severity] {
			kept = append(kept, s)
		}
	}
	rep.Secrets = kept
	if err := writeReport(output, stdout, func(w io.Writer) error { return write(w, rep) }); err != nil {
		return err
	}
	if exitCode != 0 && len(rep.Secrets) > 0 {
		return &findingsError{code: exitCode, count: len(rep.Secrets)}
	}
	return nil
}

// archiveDepthUsage describes --archive-depth, the same on every command.
const archiveDepthUsage = "open archives (zip, jar, whl, tar, gzip, bzip2) `levels` deep to scan their files for secrets (default 0: archives are not opened)"

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

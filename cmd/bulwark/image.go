package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/triage"
)

func runImage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runImageOrFS(ctx, args, stdout, stderr, false)
}

func runFS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runImageOrFS(ctx, args, stdout, stderr, true)
}

// runImageOrFS is bulwark image, or with folder set bulwark fs, which
// takes one folder.
func runImageOrFS(ctx context.Context, args []string, stdout, stderr io.Writer, folder bool) error {
	var (
		t                                  targetFlags
		db                                 dbFlags
		out                                outputFlags
		scanners, ignoreFile, secretConfig string
		server                             serverFlags
		vex                                cliflag.Multi
		opts                               pipeline.Options
		pol                                policyFlags
	)
	name := "image"
	if folder {
		name = "fs"
	}
	fs := cliflag.NewSet(name, usage(name), stderr)
	t.register(fs)
	if !folder {
		fs.StringVar(&t.target.SBOM, "from-sbom", "", "match the packages of this CycloneDX or SPDX JSON `file` instead of scanning an image (vulnerabilities only)")
	}
	db.registerSource(fs)
	server.register(fs)
	out.register(fs, []string{"table", "json", "sarif"}, "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL", "vulnerabilities, secrets or misconfigurations remain after filtering, or packages went unchecked")
	fs.StringVar(&scanners, "scanners", "vuln,secret", "comma-separated `scanners` to run: vuln, secret, misconfig (the image's configuration and files)")
	fs.Var((*cliflag.IDSet)(&opts.SkipChecks), "skip-checks", "comma-separated configuration check `IDs` not to report")
	fs.StringVar(&secretConfig, "secret-config", "", "secret rules and allowlists from a YAML `file`")
	fs.IntVar(&t.archiveDepth, "archive-depth", 0, archiveDepthUsage)
	fs.BoolVar(&opts.IgnoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities that have no fixed version")
	fs.StringVar(&ignoreFile, "ignorefile", ".bulwarkignore", "ignore `file`: lines of ID [package] [exp:YYYY-MM-DD] [# reason] (used when it exists)")
	fs.Var(&vex, "vex", "OpenVEX `document` whose not_affected and fixed statements suppress findings (repeatable)")
	fs.BoolVar(&opts.DB.Offline, "offline", false, "never download: use the database as it is")
	fs.StringVar(&opts.DB.Path, "db", "", "match against this database `file`, OSV export zip, or folder of zips or records instead of the cache's (never refreshed)")
	fs.DurationVar(&opts.DB.RefreshAfter, "db-refresh-after", 24*time.Hour, "refresh the database when older than this `duration` (unless --offline)")
	fs.DurationVar(&opts.DB.MaxAge, "db-max-age", 7*24*time.Hour, "with --exit-code, fail when the database is older than this `duration` (unless --offline)")
	fs.BoolVar(&opts.AllowUncovered, "allow-uncovered", false, "pass the --exit-code gate, and scan at all, when packages are in ecosystems the database does not cover")
	if !folder {
		pol.register(fs)
		fs.BoolVar(&opts.RequireSignature, "require-signature", false, "check the image's signatures first (with --key, or --certificate-identity, --certificate-oidc-issuer and --trusted-root) and scan the digest checked; none verifying is a finding")
		fs.BoolVar(&opts.VEXFromAttestation, "vex-from-attestation", false, "take OpenVEX documents from the image's attestations that verify with --key or the keyless flags")
	}
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	if opts.RequireSignature || opts.VEXFromAttestation {
		if opts.Signatures, err = pol.options(); err != nil {
			return err
		}
	}
	if opts.Severities, err = out.check(true); err != nil {
		return err
	}
	if t.target.SBOM != "" && !cliflag.IsSet(fs, "scanners") {
		scanners = "vuln" // the default's secret scanner needs files, which an SBOM has not
	}
	if opts.Scanners, err = pipeline.ParseScanners(scanners); err != nil {
		return err
	}
	if opts.Ignore, opts.VEX, err = triage.Load(ignoreFile, cliflag.IsSet(fs, "ignorefile"), vex); err != nil {
		return err
	}
	if folder {
		if len(positional) != 1 || t.target != (pipeline.Target{}) {
			fs.Usage()
			return fmt.Errorf("%w: name one folder", errUsage)
		}
		t.target.Dir, positional = positional[0], nil
	}
	target, err := t.options(fs, positional, stderr, &opts)
	if err != nil {
		return err
	}
	if opts.Scanners.Secret {
		if opts.Secrets, err = pipeline.SecretEngine(secretConfig); err != nil {
			return err
		}
	}
	if out.exitCode == 0 {
		opts.DB.MaxAge = 0 // only a gate refuses old data
	}
	opts.DB.Update = db.updateOptions()
	rep, err := server.run(ctx, fs, target, opts)
	if err != nil {
		return err
	}
	n, why := pipeline.GateCount(rep, opts.AllowUncovered)
	if why != "" && out.exitCode != 0 {
		fmt.Fprintf(stderr, "bulwark: %s\n", why)
	}
	return out.write(stdout, rep, n)
}

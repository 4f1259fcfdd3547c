package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/jsonreport"
	"github.com/bulwark-sec/bulwark/report/sarif"
	"github.com/bulwark-sec/bulwark/report/table"
	"github.com/bulwark-sec/bulwark/triage"
	"github.com/bulwark-sec/bulwark/vulndb"
)

const imageUsage = `Usage:
  bulwark image [flags] IMAGE_REFERENCE       image in a registry
  bulwark image [flags] --input PATH          docker-archive or oci-archive tarball, or OCI layout directory
  bulwark image [flags] --rootfs DIR          unpacked root filesystem
  bulwark image [flags] --dir DIR             source folder (lockfiles, manifests)

Scans the target's packages for known vulnerabilities and its files
(every layer, deleted files too) and configuration for secrets; add
misconfig to --scanners for the audit of the image's configuration and
files, or name only the scanners you want. The vulnerability
database is downloaded or refreshed first when missing or older than
--db-max-age, unless --offline.

Exit status: 0 when nothing at or above --severity remains (or
--exit-code is 0), the --exit-code value when findings remain, 1 when the
scan fails, 2 for a wrong command line.

Flags:
`

// findingsError carries the exit code asked for when findings remain.
type findingsError struct {
	code, count int
}

func (e *findingsError) Error() string {
	return fmt.Sprintf("%d findings", e.count)
}

var imageFormats = map[string]func(io.Writer, *report.Report) error{
	"table": table.Write,
	"json":  jsonreport.Write,
	"sarif": sarif.Write,
}

const fsUsage = `Usage:
  bulwark fs [flags] DIR            a source folder or checkout

Scans a folder as a whole: its lockfiles and manifests for known
vulnerabilities, its files for secrets, and with --scanners misconfig its
Dockerfiles, Kubernetes manifests, charts, overlays and Compose files
(as bulwark config). The same as bulwark image --dir DIR with secrets
on by default.

Flags:
`

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
		t                              targetFlags
		db                             dbFlags
		format, output, scanners, sevs string
		ignoreFile, secretConfig       string
		skipChecks                     idSet
		vex                            multiFlag
		exitCode                       int
		ignoreUnfixed, offline         bool
		uncovered                      bool
		dbPath                         string
		dbMaxAge, dbRefresh            time.Duration
	)
	name, usage := "image", imageUsage
	if folder {
		name, usage = "fs", fsUsage
	}
	fs := newFlagSet(name, usage, stderr)
	t.register(fs)
	fs.StringVar(&db.url, "db-url", envOr("BULWARK_DB_URL", vulndb.DefaultBaseURL), "base `URL` of OSV exports for database updates (default $BULWARK_DB_URL or osv.dev)")
	fs.StringVar(&db.ecosystems, "ecosystems", strings.Join(vulndb.DefaultEcosystems, ","), "comma-separated OSV `ecosystems` a database update downloads")
	db.registerEnrichment(fs)
	fs.StringVar(&format, "format", "table", "output `format`: table, json, sarif")
	fs.StringVar(&output, "output", "", "write the report to `file` instead of standard output")
	fs.StringVar(&scanners, "scanners", "vuln,secret", "comma-separated `scanners` to run: vuln, secret, misconfig (the image's configuration and files)")
	fs.Var(&skipChecks, "skip-checks", "comma-separated configuration check `IDs` not to report")
	fs.StringVar(&secretConfig, "secret-config", "", "secret rules and allowlists from a YAML `file`")
	fs.IntVar(&t.archiveDepth, "archive-depth", 0, archiveDepthUsage)
	fs.StringVar(&sevs, "severity", "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL", "comma-separated `severities` to report")
	fs.IntVar(&exitCode, "exit-code", 0, "exit with `code` when vulnerabilities remain after filtering")
	fs.BoolVar(&ignoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities that have no fixed version")
	fs.StringVar(&ignoreFile, "ignorefile", ".bulwarkignore", "ignore `file`: lines of ID [package] [exp:YYYY-MM-DD] [# reason] (used when it exists)")
	fs.Var(&vex, "vex", "OpenVEX `document` whose not_affected and fixed statements suppress findings (repeatable)")
	fs.BoolVar(&offline, "offline", false, "never download: use the database as it is")
	fs.StringVar(&dbPath, "db", "", "match against this database `file`, OSV export zip, or folder of zips or records instead of the cache's (never refreshed)")
	fs.DurationVar(&dbRefresh, "db-refresh-after", 24*time.Hour, "refresh the database when older than this `duration` (unless --offline)")
	fs.DurationVar(&dbMaxAge, "db-max-age", 7*24*time.Hour, "with --exit-code, fail when the database is older than this `duration` (unless --offline)")
	fs.BoolVar(&uncovered, "allow-uncovered", false, "pass the --exit-code gate, and scan at all, when packages are in ecosystems the database does not cover")
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	write, ok := imageFormats[format]
	if !ok {
		return fmt.Errorf("%w: unknown --format %q (want table, json or sarif)", errUsage, format)
	}
	var sc pipeline.Scanners
	for _, s := range strings.Split(scanners, ",") {
		switch strings.TrimSpace(s) {
		case "vuln":
			sc.Vuln = true
		case "secret":
			sc.Secret = true
		case "misconfig", "config":
			sc.Misconfig = true
		default:
			return fmt.Errorf("%w: unknown --scanners value %q (want vuln, secret, misconfig)", errUsage, s)
		}
	}
	keep, err := severities(sevs, true)
	if err != nil {
		return err
	}
	// Triage inputs are read before the scan, so that a mistake in them
	// fails fast.
	var ig *triage.Ignore
	if _, err := os.Stat(ignoreFile); err == nil || isSet(fs, "ignorefile") {
		if ig, err = triage.LoadIgnore(ignoreFile); err != nil {
			return err
		}
	}
	var vexes []*triage.VEX
	for _, p := range vex {
		x, err := triage.LoadVEX(p)
		if err != nil {
			return err
		}
		vexes = append(vexes, x)
	}
	if folder {
		if len(positional) != 1 || t.target != (pipeline.Target{}) {
			fs.Usage()
			return fmt.Errorf("%w: name one folder", errUsage)
		}
		t.target.Dir, positional = positional[0], nil
	}
	target, opts, err := t.options(fs, positional, stderr)
	if err != nil {
		return err
	}
	if sc.Secret {
		if opts.Secrets, err = secretEngine(secretConfig); err != nil {
			return err
		}
	}
	opts.Scanners, opts.Severities, opts.SkipChecks = sc, keep, skipChecks
	opts.IgnoreUnfixed, opts.Ignore, opts.VEX = ignoreUnfixed, ig, vexes
	opts.DB = pipeline.DBOptions{Path: dbPath, Offline: offline, RefreshAfter: dbRefresh, Update: db.updateOptions(nil)}
	if exitCode != 0 {
		opts.DB.MaxAge = dbMaxAge
	}
	opts.AllowUncovered = uncovered
	rep, err := pipeline.Run(ctx, target, opts)
	if err != nil {
		return err
	}
	if err := writeReport(output, stdout, func(w io.Writer) error { return write(w, rep) }); err != nil {
		return err
	}
	if n := len(rep.Vulnerabilities) + len(rep.Secrets) + len(rep.Misconfigurations); exitCode != 0 && n > 0 {
		return &findingsError{code: exitCode, count: n}
	}
	if n := rep.Coverage.UncoveredPackages(); exitCode != 0 && n > 0 && !uncovered {
		// Fail closed: no finding is not the same as no vulnerability.
		e := rep.Coverage.Uncovered[0]
		fmt.Fprintf(stderr, "bulwark: %d packages were not checked for vulnerabilities (%s: %s); --allow-uncovered accepts that\n", n, e.Ecosystem, e.Reason)
		return &findingsError{code: exitCode, count: n}
	}
	return nil
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

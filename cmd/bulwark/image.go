package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/match"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/jsonreport"
	"github.com/bulwark-sec/bulwark/report/sarif"
	"github.com/bulwark-sec/bulwark/report/table"
	"github.com/bulwark-sec/bulwark/severity"
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

type imageFlags struct {
	targetFlags
	db                     dbFlags
	format, output         string
	scanners, severities   string
	ignoreFile             string
	secretConfig           string
	skipChecks             idSet
	vex                    multiFlag
	exitCode               int
	ignoreUnfixed, offline bool
	dbMaxAge               time.Duration
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

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
// takes one folder and scans for secrets by default.
func runImageOrFS(ctx context.Context, args []string, stdout, stderr io.Writer, folder bool) error {
	var f imageFlags
	name, usage, scanners := "image", imageUsage, "vuln,secret"
	if folder {
		name, usage, scanners = "fs", fsUsage, "vuln,secret"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	f.targetFlags.register(fs)
	fs.StringVar(&f.db.url, "db-url", envOr("BULWARK_DB_URL", vulndb.DefaultBaseURL), "base `URL` of OSV exports for database updates (default $BULWARK_DB_URL or osv.dev)")
	fs.StringVar(&f.db.ecosystems, "ecosystems", strings.Join(vulndb.DefaultEcosystems, ","), "comma-separated OSV `ecosystems` a database update downloads")
	f.db.registerEnrichment(fs)
	fs.StringVar(&f.format, "format", "table", "output `format`: table, json, sarif")
	fs.StringVar(&f.output, "output", "", "write the report to `file` instead of standard output")
	fs.StringVar(&f.scanners, "scanners", scanners, "comma-separated `scanners` to run: vuln, secret, misconfig (the image's configuration and files)")
	fs.Var(&f.skipChecks, "skip-checks", "comma-separated configuration check `IDs` not to report")
	fs.StringVar(&f.secretConfig, "secret-config", "", "secret rules and allowlists from a YAML `file`")
	fs.IntVar(&f.archiveDepth, "archive-depth", 0, archiveDepthUsage)
	fs.StringVar(&f.severities, "severity", "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL", "comma-separated `severities` to report")
	fs.IntVar(&f.exitCode, "exit-code", 0, "exit with `code` when vulnerabilities remain after filtering")
	fs.BoolVar(&f.ignoreUnfixed, "ignore-unfixed", false, "leave out vulnerabilities that have no fixed version")
	fs.StringVar(&f.ignoreFile, "ignorefile", ".bulwarkignore", "ignore `file`: lines of ID [package] [exp:YYYY-MM-DD] [# reason] (used when it exists)")
	fs.Var(&f.vex, "vex", "OpenVEX `document` whose not_affected and fixed statements suppress findings (repeatable)")
	fs.BoolVar(&f.offline, "offline", false, "never download: use the database as it is")
	fs.DurationVar(&f.dbMaxAge, "db-max-age", 24*time.Hour, "refresh the database when older than this `duration` (unless --offline)")
	positional, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	write, ok := imageFormats[f.format]
	if !ok {
		return fmt.Errorf("%w: unknown --format %q (want table, json or sarif)", errUsage, f.format)
	}
	vulnScan := false
	for _, s := range strings.Split(f.scanners, ",") {
		switch strings.TrimSpace(s) {
		case "vuln":
			vulnScan = true
		case "secret":
			if f.secrets, err = secretEngine(f.secretConfig); err != nil {
				return err
			}
		case "misconfig", "config":
			f.imageConfig = true
		default:
			return fmt.Errorf("%w: unknown --scanners value %q (want vuln, secret, misconfig)", errUsage, s)
		}
	}
	keep := map[string]bool{}
	for _, s := range strings.Split(strings.ToUpper(f.severities), ",") {
		s = strings.TrimSpace(s)
		if severity.Rank(s) == 0 && s != severity.Unknown {
			return fmt.Errorf("%w: unknown --severity %q (want CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)", errUsage, s)
		}
		keep[s] = true
	}
	// Triage inputs are read before the scan, so that a mistake in them
	// fails fast.
	var ig *triage.Ignore
	if _, err := os.Stat(f.ignoreFile); err == nil || isSet(fs, "ignorefile") {
		if ig, err = triage.LoadIgnore(f.ignoreFile); err != nil {
			return err
		}
	}
	var vexes []*triage.VEX
	for _, p := range f.vex {
		x, err := triage.LoadVEX(p)
		if err != nil {
			return err
		}
		vexes = append(vexes, x)
	}

	if folder {
		if len(positional) != 1 || f.input != "" || f.rootfs != "" || f.dir != "" {
			fs.Usage()
			return fmt.Errorf("%w: name one folder", errUsage)
		}
		f.dir, positional = positional[0], nil
	}
	configAudit := folder && f.imageConfig
	f.imageConfig = f.imageConfig && !folder
	rep, err := f.scan(ctx, fs, positional, stderr)
	if err != nil {
		return err
	}
	if configAudit {
		res, err := audit.Path(ctx, f.dir, audit.Options{SkipChecks: f.skipChecks, Parallel: f.parallel})
		if err != nil {
			return err
		}
		rep.Misconfigurations = append([]misconfig.Finding{}, res.Findings...)
		rep.SuppressedMisconfigurations = res.Suppressed
		rep.ConfigFiles = res.Files
		for _, w := range res.Warnings {
			rep.Warnings = append(rep.Warnings, report.Warning{Layer: -1, Path: w.Path, Message: w.Message})
		}
	}
	if rep.Secrets != nil {
		var kept []report.Secret
		for _, s := range rep.Secrets {
			if keep[s.Severity] {
				kept = append(kept, s)
			}
		}
		rep.Secrets = append([]report.Secret{}, kept...)
	}
	if rep.Misconfigurations != nil {
		kept := []misconfig.Finding{}
		for _, m := range rep.Misconfigurations {
			if keep[m.Severity] && !f.skipChecks[strings.ToUpper(m.CheckID)] {
				kept = append(kept, m)
			}
		}
		rep.Misconfigurations = kept
	}
	if vulnScan {
		if err := f.matchVulnerabilities(ctx, rep, keep, ig, vexes, stderr); err != nil {
			return err
		}
	}
	if err := writeReport(f.output, stdout, func(w io.Writer) error { return write(w, rep) }); err != nil {
		return err
	}
	if n := len(rep.Vulnerabilities) + len(rep.Secrets) + len(rep.Misconfigurations); f.exitCode != 0 && n > 0 {
		return &findingsError{code: f.exitCode, count: n}
	}
	return nil
}

// matchVulnerabilities adds the findings of the vulnerability database to
// the report, filtered by severity and triaged.
func (f *imageFlags) matchVulnerabilities(ctx context.Context, rep *report.Report, keep map[string]bool, ig *triage.Ignore, vexes []*triage.VEX, stderr io.Writer) error {
	db, err := f.openDB(ctx, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	vulns, warnings, err := match.Match(&rep.Inventory, db, match.Options{IgnoreUnfixed: f.ignoreUnfixed})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		rep.Warnings = append(rep.Warnings, report.Warning{Layer: -1, Message: "match: " + w})
		if !f.quiet {
			fmt.Fprintf(stderr, "bulwark: warning: match: %s\n", w)
		}
	}
	var shown []report.Vulnerability
	for _, v := range vulns {
		if keep[v.Severity] {
			shown = append(shown, v)
		}
	}
	today := time.Now().UTC()
	if ig != nil && !f.quiet {
		for _, r := range ig.Expired(today) {
			fmt.Fprintf(stderr, "bulwark: warning: %s line %d: rule for %s expired on %s\n", ig.Path, r.Line, r.ID, r.Expires.Format("2006-01-02"))
		}
	}
	rep.Vulnerabilities, rep.Suppressed = triage.Apply(shown, ig, vexes, today)
	if rep.Vulnerabilities == nil {
		rep.Vulnerabilities = []report.Vulnerability{}
	}
	rep.Database, err = databaseInfo(db)
	return err
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

// openDB opens the vulnerability database, first downloading it when it
// is missing or stale and the scan may go online. A failed refresh of an
// existing database is a warning: stale data beats no scan.
func (f *imageFlags) openDB(ctx context.Context, stderr io.Writer) (*vulndb.DB, error) {
	root, err := f.cacheRoot()
	if err != nil {
		return nil, err
	}
	f.db.cacheDir = root
	path := filepath.Join(root, "db", "vuln.db")
	db, err := vulndb.Open(path)
	missing := errors.Is(err, vulndb.ErrNoDatabase)
	if err != nil && !missing {
		return nil, err
	}
	if f.offline {
		if missing {
			return nil, fmt.Errorf("%w (and --offline forbids downloading it)", err)
		}
		return db, nil
	}
	if !missing {
		if !stale(db, f.dbMaxAge) {
			return db, nil
		}
		db.Close()
	}
	progress := func(s string) {
		if !f.quiet {
			fmt.Fprintf(stderr, "bulwark: db: %s\n", s)
		}
	}
	_, uerr := vulndb.Update(ctx, path, f.db.updateOptions(progress))
	db, err = vulndb.Open(path)
	if err != nil {
		if uerr != nil {
			return nil, uerr
		}
		return nil, err
	}
	if uerr != nil {
		fmt.Fprintf(stderr, "bulwark: warning: %v; matching with the data there is\n", uerr)
	}
	return db, nil
}

// stale reports whether any ecosystem of the database is older than
// maxAge.
func stale(db *vulndb.DB, maxAge time.Duration) bool {
	metas, err := db.Ecosystems()
	if err != nil || len(metas) == 0 {
		return true
	}
	for _, m := range metas {
		if time.Since(m.Updated) > maxAge {
			return true
		}
	}
	return false
}

func databaseInfo(db *vulndb.DB) (*report.Database, error) {
	metas, err := db.Ecosystems()
	if err != nil {
		return nil, err
	}
	d := &report.Database{Ecosystems: []string{}}
	for _, m := range metas {
		d.Ecosystems = append(d.Ecosystems, m.Ecosystem)
		if d.Updated.IsZero() || m.Updated.Before(d.Updated) {
			d.Updated = m.Updated
		}
	}
	return d, nil
}

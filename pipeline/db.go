package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/match"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/triage"
	"github.com/bulwark-sec/bulwark/vulndb"
)

// DBOptions are the vulnerability database policy of a scan. A scan never
// reports a clean result from data it does not have: with no usable
// database it fails, and packages in ecosystems the database does not
// cover are listed in the report's coverage.
type DBOptions struct {
	// Path, when set, is the database to match against instead of the
	// cache's: a database file, an OSV export zip, or a folder of zips or
	// records (imported into a temporary database for this scan). It is
	// never downloaded or refreshed.
	Path string
	// Offline never downloads: the database is used as it is.
	Offline bool
	// RefreshAfter is how old the database may be before a scan that may
	// go online refreshes it (default a day).
	RefreshAfter time.Duration
	// MaxAge, when set, is the oldest database a scan accepts: older data
	// is an error unless Offline (for CI gates, where stale data would
	// pass images that current data fails).
	MaxAge time.Duration
	// Update says where a download or refresh fetches from.
	Update vulndb.UpdateOptions
}

// ErrNoDatabase means there is no usable vulnerability database: none, an
// empty one, or one whose download failed.
var ErrNoDatabase = errors.New("no usable vulnerability database")

// Path is where the database of a cache directory lives.
func Path(cacheDir string) string {
	return filepath.Join(cacheDir, "db", "vuln.db")
}

// howToGetOne is the fix every "no database" error names.
const howToGetOne = "run 'bulwark db update' (online), 'bulwark db import FILE...' (offline copies of the OSV exports), or give --db-url MIRROR or --db PATH"

// matchVulnerabilities adds the findings of the vulnerability database to
// the report, filtered by severity and triaged, with what the database
// covered.
// Match finds the vulnerabilities of a report whose inventory was made
// elsewhere (a client that walked the image itself, an uploaded SBOM): the
// vulnerability stage of Run alone, under the same database policy,
// severity filter and triage. It fills rep's Vulnerabilities, Suppressed,
// Coverage and Database.
func Match(ctx context.Context, rep *report.Report, opts Options) error {
	return opts.matchVulnerabilities(ctx, rep)
}

func (o *Options) matchVulnerabilities(ctx context.Context, rep *report.Report) error {
	db, cleanup, err := o.openDB(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	rep.Coverage = match.Coverage(&rep.Inventory, db)
	if rep.Coverage.CoveredPackages() == 0 && rep.Coverage.UncoveredPackages() > 0 && !o.AllowUncovered {
		first := rep.Coverage.Uncovered[0]
		return fmt.Errorf("%w for this target: %d packages, none in an ecosystem the database covers (%s: %s); %s",
			ErrNoDatabase, rep.Coverage.UncoveredPackages(), first.Ecosystem, first.Reason, howToGetOne)
	}
	vulns, warnings, err := match.Match(&rep.Inventory, db, match.Options{IgnoreUnfixed: o.IgnoreUnfixed})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Message: "match: " + w})
		o.logf(false, "warning: match: %s", w)
	}
	o.triage(rep, vulns)
	rep.Database, err = databaseInfo(db)
	return err
}

// Triage applies a scan's own filters to vulnerabilities matched elsewhere
// (by a scan server, for a client that walked the image itself): the
// severity filter, IgnoreUnfixed, and the ignore file and VEX documents,
// which move findings to the suppressed list. Findings the matcher
// already suppressed stay suppressed.
func Triage(rep *report.Report, opts Options) {
	var vulns []result.Vulnerability
	for _, v := range rep.Vulnerabilities {
		if !opts.IgnoreUnfixed || v.Status != result.StatusUnfixed {
			vulns = append(vulns, v)
		}
	}
	already := rep.Suppressed
	opts.triage(rep, vulns)
	rep.Suppressed = append(already, rep.Suppressed...)
}

// triage keeps the vulnerabilities of the wanted severities and sets
// aside those the ignore file and VEX documents suppress.
func (o *Options) triage(rep *report.Report, vulns []result.Vulnerability) {
	var shown []result.Vulnerability
	for _, v := range vulns {
		if o.keepSeverity(v.Severity) {
			shown = append(shown, v)
		}
	}
	today := time.Now().UTC()
	if o.Ignore != nil {
		for _, r := range o.Ignore.Expired(today) {
			o.logf(false, "warning: %s line %d: rule for %s expired on %s", o.Ignore.Path, r.Line, r.ID, r.Expires.Format("2006-01-02"))
		}
	}
	rep.Vulnerabilities, rep.Suppressed = triage.Apply(shown, o.Ignore, o.VEX, today)
	if rep.Vulnerabilities == nil {
		rep.Vulnerabilities = []result.Vulnerability{}
	}
}

// openDB opens the vulnerability database, first downloading it when it
// is missing or due for a refresh and the scan may go online. A failed
// refresh of a database that has data is one warning: stale data beats
// no scan, unless it is older than MaxAge.
func (o *Options) openDB(ctx context.Context) (*vulndb.DB, func(), error) {
	if o.DB.Path != "" {
		return o.givenDB()
	}
	root, err := o.cacheRoot()
	if err != nil {
		return nil, nil, err
	}
	path := Path(root)
	db, err := vulndb.Open(path)
	missing := errors.Is(err, vulndb.ErrNoDatabase)
	if err != nil && !missing {
		return nil, nil, err
	}
	switch {
	case o.DB.Offline && missing:
		return nil, nil, fmt.Errorf("%w: none at %s, and --offline forbids downloading it; %s", ErrNoDatabase, path, howToGetOne)
	case o.DB.Offline:
	case missing || age(db) > o.refreshAfter():
		if db != nil {
			db.Close()
		}
		if db, err = o.refresh(ctx, path); err != nil {
			return nil, nil, err
		}
	}
	closeDB := func() { db.Close() }
	if err := usable(db, path); err != nil {
		closeDB()
		return nil, nil, err
	}
	if a := age(db); o.DB.MaxAge > 0 && !o.DB.Offline && a > o.DB.MaxAge {
		closeDB()
		return nil, nil, fmt.Errorf("vulnerability database is %s old, over the --db-max-age of %s: refresh it with 'bulwark db update' (or scan with --offline to accept it)", humanAge(a), humanAge(o.DB.MaxAge))
	}
	return db, closeDB, nil
}

func (o *Options) refreshAfter() time.Duration {
	if o.DB.RefreshAfter > 0 {
		return o.DB.RefreshAfter
	}
	return 24 * time.Hour
}

// refresh downloads what changed and reopens the database. Per-ecosystem
// failures are summed up in one line, not one line each.
func (o *Options) refresh(ctx context.Context, path string) (*vulndb.DB, error) {
	uopts := o.DB.Update
	uopts.Progress = func(s string) {
		if !strings.Contains(s, ": failed: ") {
			o.logf(false, "db: %s", s)
		}
	}
	results, uerr := vulndb.Update(ctx, path, uopts)
	db, err := vulndb.Open(path)
	if err != nil {
		if uerr != nil {
			return nil, fmt.Errorf("%w: the download failed (%s); %s", ErrNoDatabase, failureSummary(results, uerr), howToGetOne)
		}
		return nil, err
	}
	if uerr != nil {
		if usable(db, path) != nil {
			db.Close()
			return nil, fmt.Errorf("%w: the download from %s failed (%s); %s", ErrNoDatabase, uopts.BaseURL, failureSummary(results, uerr), howToGetOne)
		}
		o.logf(true, "warning: database refresh failed (%s); matching with the database of %s ago", failureSummary(results, uerr), humanAge(age(db)))
	}
	return db, nil
}

// failureSummary says how many sources failed and why the first did.
func failureSummary(results []vulndb.UpdateResult, err error) string {
	var failed []vulndb.UpdateResult
	for _, r := range results {
		if r.Status == "failed" {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		return err.Error()
	}
	first := fmt.Sprintf("%s: %v", failed[0].Ecosystem, failed[0].Err)
	if len(failed) == 1 {
		return first
	}
	return fmt.Sprintf("%d of %d sources, first %s", len(failed), len(results), first)
}

// givenDB opens the database named by DBOptions.Path: a database file as
// it is, or export zips and record folders imported into a temporary one.
func (o *Options) givenDB() (*vulndb.DB, func(), error) {
	p := o.DB.Path
	info, err := os.Stat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("--db: %w", err)
	}
	if !info.IsDir() && !strings.HasSuffix(strings.ToLower(p), ".zip") {
		db, err := vulndb.Open(p)
		if err != nil {
			return nil, nil, fmt.Errorf("--db %s: %w", p, err)
		}
		if err := usable(db, p); err != nil {
			db.Close()
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	}
	inputs := []string{p}
	if info.IsDir() {
		zips, _ := filepath.Glob(filepath.Join(p, "*.zip"))
		if len(zips) > 0 {
			inputs = zips
		}
	}
	tmp, err := os.MkdirTemp("", "bulwark-db-")
	if err != nil {
		return nil, nil, fmt.Errorf("--db: %w", err)
	}
	path := filepath.Join(tmp, "vuln.db")
	if _, err := vulndb.Import(path, inputs, nil); err != nil {
		os.RemoveAll(tmp)
		return nil, nil, fmt.Errorf("--db %s: %w", p, err)
	}
	db, err := vulndb.Open(path)
	if err == nil {
		err = usable(db, p)
		if err != nil {
			db.Close()
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	return db, func() { db.Close(); os.RemoveAll(tmp) }, nil
}

// usable fails for a database with no records at all.
func usable(db *vulndb.DB, path string) error {
	metas, err := db.Ecosystems()
	if err != nil {
		return fmt.Errorf("vulnerability database %s: %w", path, err)
	}
	for _, m := range metas {
		if m.Records > 0 {
			return nil
		}
	}
	return fmt.Errorf("%w: the database at %s holds no records; %s", ErrNoDatabase, path, howToGetOne)
}

// age is how long ago the database's oldest ecosystem was updated.
func age(db *vulndb.DB) time.Duration {
	metas, err := db.Ecosystems()
	if err != nil || len(metas) == 0 {
		return time.Duration(1<<63 - 1)
	}
	var oldest time.Time
	for _, m := range metas {
		if oldest.IsZero() || m.Updated.Before(oldest) {
			oldest = m.Updated
		}
	}
	return time.Since(oldest)
}

// humanAge writes a duration the way people say an age.
func humanAge(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

func databaseInfo(db *vulndb.DB) (*result.Database, error) {
	metas, err := db.Ecosystems()
	if err != nil {
		return nil, err
	}
	d := &result.Database{Ecosystems: []string{}}
	for _, m := range metas {
		d.Ecosystems = append(d.Ecosystems, m.Ecosystem)
		if d.Updated.IsZero() || m.Updated.Before(d.Updated) {
			d.Updated = m.Updated
		}
		if m.Notice != "" && !slices.Contains(d.Notices, m.Notice) {
			d.Notices = append(d.Notices, m.Notice)
		}
	}
	return d, nil
}

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/bulwark-sec/bulwark/match"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/triage"
	"github.com/bulwark-sec/bulwark/vulndb"
)

// DBOptions are the vulnerability database policy of a scan.
type DBOptions struct {
	// Offline never downloads: the database is used as it is.
	Offline bool
	// MaxAge is how old the database may be before a scan refreshes it
	// (unless Offline).
	MaxAge time.Duration
	// Update says where a download or refresh fetches from.
	Update vulndb.UpdateOptions
}

// Path is where the database of a cache directory lives.
func Path(cacheDir string) string {
	return filepath.Join(cacheDir, "db", "vuln.db")
}

// matchVulnerabilities adds the findings of the vulnerability database to
// the report, filtered by severity and triaged.
func (o *Options) matchVulnerabilities(ctx context.Context, rep *report.Report) error {
	db, err := o.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	vulns, warnings, err := match.Match(&rep.Inventory, db, match.Options{IgnoreUnfixed: o.IgnoreUnfixed})
	if err != nil {
		return err
	}
	for _, w := range warnings {
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Message: "match: " + w})
		o.logf(false, "warning: match: %s", w)
	}
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
	rep.Database, err = databaseInfo(db)
	return err
}

// openDB opens the vulnerability database, first downloading it when it
// is missing or stale and the scan may go online. A failed refresh of an
// existing database is a warning: stale data beats no scan.
func (o *Options) openDB(ctx context.Context) (*vulndb.DB, error) {
	root, err := o.cacheRoot()
	if err != nil {
		return nil, err
	}
	path := Path(root)
	db, err := vulndb.Open(path)
	missing := errors.Is(err, vulndb.ErrNoDatabase)
	if err != nil && !missing {
		return nil, err
	}
	if o.DB.Offline {
		if missing {
			return nil, fmt.Errorf("%w (and --offline forbids downloading it)", err)
		}
		return db, nil
	}
	if !missing {
		if !stale(db, o.DB.MaxAge) {
			return db, nil
		}
		db.Close()
	}
	uopts := o.DB.Update
	uopts.Progress = func(s string) { o.logf(false, "db: %s", s) }
	_, uerr := vulndb.Update(ctx, path, uopts)
	db, err = vulndb.Open(path)
	if err != nil {
		if uerr != nil {
			return nil, uerr
		}
		return nil, err
	}
	if uerr != nil {
		o.logf(true, "warning: %v; matching with the data there is", uerr)
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
	}
	return d, nil
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bulwark-sec/bulwark/cache"
	"github.com/bulwark-sec/bulwark/vulndb"
)

const dbUsage = `Usage:
  bulwark db update [flags]              download changed ecosystems from osv.dev (or --db-url)
  bulwark db import [flags] FILE|DIR...  load osv.dev zips, folders or checkouts of OSV records (JSON,
                                         YAML), Go vulndb folders (or file:// URLs), Alpine secdb (offline)
  bulwark db status [flags]              show what the database holds

Flags:
`

// dbFlags locate the database and its source.
type dbFlags struct {
	cacheDir, url, ecosystems string
	kevURL, epssURL           string
	kevFile, epssFile         string
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.cacheDir, "cache-dir", "", "cache `directory` holding the database (default the user cache dir's bulwark folder)")
	fs.StringVar(&f.url, "db-url", envOr("BULWARK_DB_URL", vulndb.DefaultBaseURL), "base `URL` of OSV exports, <URL>/<ecosystem>/all.zip (a mirror works; default $BULWARK_DB_URL or osv.dev)")
	fs.StringVar(&f.ecosystems, "ecosystems", strings.Join(vulndb.DefaultEcosystems, ","), "comma-separated OSV `ecosystems` to download")
	f.registerEnrichment(fs)
}

func (f *dbFlags) registerEnrichment(fs *flag.FlagSet) {
	fs.StringVar(&f.kevURL, "kev-url", envOr("BULWARK_KEV_URL", vulndb.DefaultKEVURL), "`URL` of CISA's KEV catalog (empty: keep what the database has)")
	fs.StringVar(&f.epssURL, "epss-url", envOr("BULWARK_EPSS_URL", vulndb.DefaultEPSSURL), "`URL` of FIRST's EPSS scores (empty: keep what the database has)")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func (f *dbFlags) path() (string, error) {
	dir := f.cacheDir
	if dir == "" {
		var err error
		if dir, err = cache.DefaultDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "db", "vuln.db"), nil
}

func (f *dbFlags) updateOptions(progress func(string)) vulndb.UpdateOptions {
	var ecos []string
	for _, e := range strings.Split(f.ecosystems, ",") {
		if e = strings.TrimSpace(e); e != "" {
			ecos = append(ecos, e)
		}
	}
	return vulndb.UpdateOptions{
		BaseURL: f.url, Ecosystems: ecos, KEVURL: f.kevURL, EPSSURL: f.epssURL,
		Progress: progress, Client: &http.Client{Timeout: 30 * time.Minute},
	}
}

func runDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, dbUsage)
		return fmt.Errorf("%w: name a db command: update, import or status", errUsage)
	}
	var f dbFlags
	fs := flag.NewFlagSet("db "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, dbUsage)
		fs.PrintDefaults()
	}
	f.register(fs)
	if args[0] == "import" {
		fs.StringVar(&f.kevFile, "kev", "", "CISA KEV catalog `file` (JSON) to import")
		fs.StringVar(&f.epssFile, "epss", "", "FIRST EPSS scores `file` (CSV, gzipped or not) to import")
	}
	positional, err := parseInterleaved(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	path, err := f.path()
	if err != nil {
		return err
	}
	switch args[0] {
	case "update":
		_, err := vulndb.Update(ctx, path, f.updateOptions(func(s string) { fmt.Fprintln(stderr, s) }))
		return err
	case "import":
		enrich := map[string]string{}
		if f.kevFile != "" {
			enrich[vulndb.KEV] = f.kevFile
		}
		if f.epssFile != "" {
			enrich[vulndb.EPSS] = f.epssFile
		}
		if len(positional) == 0 && len(enrich) == 0 {
			return fmt.Errorf("%w: name the zip files, folders or file:// URLs to import", errUsage)
		}
		stats, err := vulndb.Import(path, positional, enrich)
		for _, in := range positional {
			st, ok := stats[in]
			if !ok {
				continue
			}
			fmt.Fprintf(stderr, "%s: %s\n", in, st)
			for _, p := range st.Problems {
				fmt.Fprintf(stderr, "  warning: %s\n", p)
			}
		}
		return err
	case "status":
		return dbStatus(path, stdout)
	}
	return fmt.Errorf("%w: unknown db command %q (want update, import or status)", errUsage, args[0])
}

func dbStatus(path string, stdout io.Writer) error {
	db, err := vulndb.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()
	metas, err := db.Ecosystems()
	if err != nil {
		return err
	}
	info, _ := os.Stat(path)
	fmt.Fprintf(stdout, "database: %s", path)
	if info != nil {
		fmt.Fprintf(stdout, " (%.1f MiB)", float64(info.Size())/(1<<20))
	}
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tRECORDS\tPACKAGES\tUPDATED\tAGE\tSOURCE")
	for _, m := range metas {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\n", m.Ecosystem, m.Records, m.Packages,
			m.Updated.Format(time.RFC3339), age(time.Since(m.Updated)), m.Source)
	}
	for _, name := range []string{vulndb.KEV, vulndb.EPSS} {
		if m, ok := db.Enrichment(name); ok {
			fmt.Fprintf(tw, "%s\t%d\t\t%s\t%s\t%s\n", strings.ToUpper(name), m.Records,
				m.Updated.Format(time.RFC3339), age(time.Since(m.Updated)), m.Source)
		}
	}
	return tw.Flush()
}

func age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report/dbstatus"
	"github.com/bulwark-sec/bulwark/vulndb"
)

// dbFlags locate the database and its sources.
type dbFlags struct {
	cacheDir, url, ecosystems string
	kevURL, epssURL           string
	kevFile, epssFile         string
}

// registerSource adds the flags saying where updates come from.
func (f *dbFlags) registerSource(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "db-url", cliflag.Env("BULWARK_DB_URL", vulndb.DefaultBaseURL, os.Getenv), "base `URL` of OSV exports, <URL>/<ecosystem>/all.zip (a mirror works; default $BULWARK_DB_URL or osv.dev)")
	fs.StringVar(&f.ecosystems, "ecosystems", strings.Join(vulndb.DefaultEcosystems, ","), "comma-separated OSV `ecosystems` to download")
	fs.StringVar(&f.kevURL, "kev-url", cliflag.Env("BULWARK_KEV_URL", vulndb.DefaultKEVURL, os.Getenv), "`URL` of CISA's KEV catalog (empty: keep what the database has)")
	fs.StringVar(&f.epssURL, "epss-url", cliflag.Env("BULWARK_EPSS_URL", vulndb.DefaultEPSSURL, os.Getenv), "`URL` of FIRST's EPSS scores (empty: keep what the database has)")
}

func (f *dbFlags) updateOptions() vulndb.UpdateOptions {
	return vulndb.UpdateOptions{
		BaseURL: f.url, Ecosystems: cliflag.List(f.ecosystems), KEVURL: f.kevURL, EPSSURL: f.epssURL,
	}
}

func runDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage("db"))
		return fmt.Errorf("%w: name a db command: update, import or status", errUsage)
	}
	var f dbFlags
	var format string
	var maxAge time.Duration
	fs := cliflag.NewSet("db "+args[0], usage("db"), stderr)
	fs.StringVar(&f.cacheDir, "cache-dir", "", "cache `directory` holding the database (default the user cache dir's bulwark folder)")
	f.registerSource(fs)
	switch args[0] {
	case "import":
		fs.StringVar(&f.kevFile, "kev", "", "CISA KEV catalog `file` (JSON) to import")
		fs.StringVar(&f.epssFile, "epss", "", "FIRST EPSS scores `file` (CSV, gzipped or not) to import")
	case "status":
		fs.StringVar(&format, "format", "table", "output `format`: table, json")
		fs.DurationVar(&maxAge, "db-max-age", 7*24*time.Hour, "call data older than this `duration` stale")
	}
	positional, help, err := cliflag.Parse(fs, args[1:])
	if help || err != nil {
		return err
	}
	switch args[0] {
	case "update":
		return pipeline.UpdateDB(ctx, f.cacheDir, f.updateOptions(), stderr)
	case "import":
		return pipeline.ImportDB(f.cacheDir, positional, f.kevFile, f.epssFile, stderr)
	case "status":
		write := map[string]func(io.Writer, *dbstatus.Status) error{"table": dbstatus.WriteTable, "json": dbstatus.WriteJSON}[format]
		if write == nil {
			return fmt.Errorf("%w: unknown --format %q (want table, json)", errUsage, format)
		}
		path, err := pipeline.DBFile(f.cacheDir)
		if err != nil {
			return err
		}
		st, err := dbstatus.Read(path, time.Now(), maxAge)
		if err != nil {
			return err
		}
		return write(stdout, st)
	}
	return fmt.Errorf("%w: unknown db command %q (want update, import or status)", errUsage, args[0])
}

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/server/client"
)

// serverFlags choose client mode: the scan server's layer store and
// database instead of this machine's (docs/client.md).
type serverFlags struct {
	url, token, caFile string
	timeout            time.Duration
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "server", "", "client mode: scan with the Bulwark server at `URL` (its layer cache and its database; no local database needed)")
	fs.StringVar(&f.token, "token", os.Getenv("BULWARK_TOKEN"), "bearer `token` for --server (default $BULWARK_TOKEN)")
	fs.StringVar(&f.caFile, "server-ca", "", "PEM `file` of the CA that signed --server's certificate, besides the system's")
	fs.DurationVar(&f.timeout, "server-timeout", client.DefaultTimeout, "longest `duration` of one request to --server")
}

// run scans locally, or with --server in client mode.
func (f *serverFlags) run(ctx context.Context, fs *flag.FlagSet, target pipeline.Target, opts pipeline.Options) (*report.Report, error) {
	if f.url == "" {
		return pipeline.Run(ctx, target, opts)
	}
	if cliflag.IsSet(fs, "db") {
		return nil, fmt.Errorf("%w: --db and --server: with --server the server's database is used", errUsage)
	}
	c, err := client.New(f.url, f.token, client.Options{CAFile: f.caFile, Timeout: f.timeout})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return c.Scan(ctx, target, opts)
}

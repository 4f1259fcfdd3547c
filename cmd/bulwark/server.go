package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/server"
	"github.com/bulwark-sec/bulwark/server/admission"
)

// runServer is bulwark server: the scan server (package server) with its
// configuration from flags.
func runServer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		cfg                        server.Config
		db                         dbFlags
		token, tokenFile, redisURL string
		logFormat, admissionPolicy string
		admit                      bool
		allow, insecure            cliflag.Multi
		workers                    int
		maxUploadMiB               int64
	)
	fs := cliflag.NewSet("server", usage("server"), stderr)
	fs.StringVar(&cfg.Listen, "listen", server.DefaultListen, "`address` to listen on")
	fs.StringVar(&token, "token", "", "bearer `token` every client must send (default $BULWARK_TOKEN)")
	fs.StringVar(&tokenFile, "token-file", "", "read the bearer token from `file`")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "serve HTTPS with this certificate `file` (PEM, with --tls-key)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "the certificate's private key `file` (PEM)")
	fs.IntVar(&workers, "workers", 2, "scan `n` images at once in this process")
	fs.BoolVar(&cfg.WorkerOnly, "worker", false, "only scan jobs from --redis: no API besides /healthz, /readyz and /metrics")
	fs.StringVar(&redisURL, "redis", "", "share the queue, reports and layer cache through Redis at `URL` (redis://host:6379/0)")
	fs.DurationVar(&cfg.LeaseTimeout, "lease-timeout", jobs.DefaultLeaseTimeout, "give a job to another worker when its worker is silent this `duration` (a worker extends its lease every third of it)")
	fs.Var(&allow, "allow-registry", "scan only images of this registry `host[:port]` (repeatable or comma-separated); it may be on a private address")
	fs.Var(&insecure, "insecure-registry", "reach this registry `host[:port]` over plain HTTP (repeatable or comma-separated)")
	fs.StringVar(&cfg.Pipeline.DB.Path, "db", "", "match against this database `file`, OSV export zip, or folder of zips or records (never refreshed)")
	fs.StringVar(&cfg.Pipeline.CacheDir, "cache-dir", "", "cache `directory` holding the layer cache and the database (default the user cache dir's bulwark folder)")
	fs.BoolVar(&cfg.Pipeline.DB.Offline, "offline", false, "never download the database: use it as it is")
	fs.DurationVar(&cfg.Pipeline.DB.RefreshAfter, "db-refresh-after", 24*time.Hour, "refresh the database when older than this `duration` (unless --offline or --db)")
	db.registerSource(fs)
	fs.StringVar(&cfg.Scanners, "scanners", server.DefaultScanners, "default `scanners` of a request that names none: vuln, secret, misconfig")
	fs.DurationVar(&cfg.ScanTimeout, "scan-timeout", server.DefaultScanTimeout, "give up on a scan after this `duration`")
	fs.DurationVar(&cfg.ReportTTL, "report-ttl", server.DefaultReportTTL, "answer a digest scanned within this `duration` (same scanners and database) from its report")
	fs.Int64Var(&maxUploadMiB, "max-upload", server.DefaultMaxUpload>>20, "largest upload (lockfiles, SBOM, inventory) in `MiB`")
	fs.BoolVar(&admit, "admission", false, "serve the Kubernetes admission webhook at "+admission.Path+" (no token: the API server sends none)")
	fs.StringVar(&admissionPolicy, "admission-policy", "", "the webhook's policy `file` (YAML or JSON; default: deny CRITICAL vulnerabilities); implies --admission")
	fs.StringVar(&logFormat, "log-format", "text", "log `format` on standard error: text or json")
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("%w: bulwark server takes no arguments, got %q", errUsage, positional)
	}
	if cfg.Token, err = serverToken(token, tokenFile, os.Getenv); err != nil {
		return err
	}
	switch {
	case cfg.WorkerOnly && redisURL == "":
		return fmt.Errorf("%w: --worker scans jobs another server queued: it needs --redis", errUsage)
	case workers < 0:
		return fmt.Errorf("%w: --workers %d: want 0 or more", errUsage, workers)
	case cfg.WorkerOnly && workers == 0:
		return fmt.Errorf("%w: --worker with --workers 0 would do nothing", errUsage)
	case maxUploadMiB <= 0:
		return fmt.Errorf("%w: --max-upload %d: want a positive number of MiB", errUsage, maxUploadMiB)
	}
	cfg.MaxUpload = maxUploadMiB << 20
	cfg.AllowRegistries, cfg.InsecureRegistries = cliflag.List(allow.String()), cliflag.List(insecure.String())
	cfg.Pipeline.DB.Update = db.updateOptions()
	switch logFormat {
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(stderr, nil))
	default:
		return fmt.Errorf("%w: unknown --log-format %q (want text, json)", errUsage, logFormat)
	}
	if admit || admissionPolicy != "" {
		if cfg.Admission, err = admissionPolicyFrom(admissionPolicy); err != nil {
			return err
		}
	}
	if redisURL != "" {
		// The queue's lease timeout and the workers' extensions agree.
		shared, err := openRedis(ctx, redisURL, cfg.LeaseTimeout, cfg.Logger)
		if err != nil {
			return err
		}
		defer shared.Close()
		cfg.Queue, cfg.Store, cfg.LayerCache = shared, shared, shared.LayerCache()
	}
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	return srv.Run(ctx, workers)
}

// serverToken is the token from --token-file, --token or $BULWARK_TOKEN,
// exactly one of which must give one.
func serverToken(token, file string, getenv func(string) string) (string, error) {
	if token != "" && file != "" {
		return "", fmt.Errorf("%w: give --token or --token-file, not both", errUsage)
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		token = strings.TrimSpace(string(data))
		if token == "" {
			return "", fmt.Errorf("%w: --token-file %s is empty", errUsage, file)
		}
	}
	if token == "" {
		token = strings.TrimSpace(getenv("BULWARK_TOKEN"))
	}
	if token == "" {
		return "", fmt.Errorf("%w: the server needs a token clients send as Authorization: Bearer TOKEN: give --token-file, --token or $BULWARK_TOKEN", errUsage)
	}
	return token, nil
}

// admissionPolicyFrom loads the webhook's policy, or without a file the
// default one: deny images with CRITICAL vulnerabilities.
func admissionPolicyFrom(path string) (*admission.Policy, error) {
	if path == "" {
		p, err := admission.ParsePolicy([]byte("maxSeverity: CRITICAL\n"))
		return &p, err
	}
	p, err := admission.LoadPolicy(path)
	return &p, err
}

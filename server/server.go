// Package server is Bulwark as a service: an HTTP API that takes scan
// requests for registry images into a queue, workers that scan them with
// package pipeline and keep the reports, and synchronous endpoints that
// match uploaded lockfiles, SBOMs and client-made inventories against the
// server's database. The queue and store are package jobs' interfaces (in
// memory for one process, Redis for a fleet); everything a client names is
// checked before the server reaches out for it (see Config.AllowRegistries).
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark/cache"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/sbomread"
	"github.com/bulwark-sec/bulwark/server/admission"
)

// Config is a server's configuration. Token, and either both of Queue and
// Store or neither, are all it needs; the rest has defaults.
type Config struct {
	// Token is the bearer token every request but the health checks must
	// carry. It is required: a scan server pulls images with the
	// credentials it is handed and reads what clients upload, so it is
	// never open to whoever can reach its port.
	Token string
	// Listen is the address ListenAndServe listens on (default ":8080").
	Listen string
	// TLSCert and TLSKey, when both set, make ListenAndServe serve HTTPS.
	TLSCert, TLSKey string

	// Pipeline is the base of every scan's options: the database policy
	// (DB.Path, DB.Offline, DB.Update, DB.RefreshAfter), CacheDir,
	// severities, triage. Per request the server sets the scanners, the
	// image options and the layer cache; scans never download the
	// database themselves (see RefreshDB).
	Pipeline pipeline.Options
	// Scanners is the default --scanners list of a request that names
	// none (default "vuln,secret").
	Scanners string

	// Queue and Store hold the jobs; both nil means one in-process
	// jobs.Memory.
	Queue jobs.Queue
	Store jobs.Store
	// LeaseTimeout is the queue's lease timeout; a worker extends its
	// lease every third of it (default jobs.DefaultLeaseTimeout).
	LeaseTimeout time.Duration
	// LayerCache holds the workers' layer results; nil means the bbolt
	// cache of Pipeline.CacheDir, opened once for the process (it holds
	// the file's lock until Close). Results clients upload are kept in it
	// under ClientLayerPrefix.
	LayerCache layerfs.Cache

	// MaxUpload bounds an uploaded tar, SBOM, inventory or layer result
	// (default 512 MiB); MaxJSON bounds a scan request (default 1 MiB).
	MaxUpload, MaxJSON int64
	// ScanTimeout bounds one scan, queued or synchronous (default 15 min).
	ScanTimeout time.Duration
	// ReportTTL is how long a finished image report is reused for the
	// same digest, scanners and database (default 24 h).
	ReportTTL time.Duration
	// RegistryTimeout bounds the wait for a registry's answer to one
	// request (default 1 min).
	RegistryTimeout time.Duration

	// AllowRegistries, when set, are the only registries requests may
	// name (host or host:port, as in image references; "docker.io" is
	// Docker Hub). These hosts may also resolve to private addresses.
	// With no list, any registry whose addresses are public is allowed.
	AllowRegistries []string
	// InsecureRegistries are reached over plain HTTP.
	InsecureRegistries []string

	// SBOMDecoder turns a CycloneDX or SPDX document into a report whose
	// Artifact and Inventory are filled, for POST /v1/sbom; nil means
	// sbomread.Read.
	SBOMDecoder func([]byte) (*report.Report, error)

	// Admission, when set, serves the Kubernetes admission webhook at
	// admission.Path under this policy (normalized, as
	// admission.LoadPolicy returns it).
	Admission *admission.Policy

	// WorkerOnly serves only /healthz, /readyz and /metrics: a process
	// that scans for a fleet whose API runs elsewhere.
	WorkerOnly bool
	// TempDir is where uploads are unpacked (default the system's).
	TempDir string
	// Logger receives the server's log (default: discarded).
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultListen          = ":8080"
	DefaultScanners        = "vuln,secret"
	DefaultMaxUpload       = 512 << 20
	DefaultMaxJSON         = 1 << 20
	DefaultScanTimeout     = 15 * time.Minute
	DefaultReportTTL       = 24 * time.Hour
	DefaultRegistryTimeout = time.Minute
)

// ClientLayerPrefix is put before the keys of layer results clients
// upload, so that what a client sends is never read by a worker as its
// own analysis.
const ClientLayerPrefix = "client/"

// ErrBadRequest marks a request the server refuses as it stands (an image
// that is no registry reference, a registry outside the allow-list,
// unknown scanners): the client's mistake, answered with 400.
var ErrBadRequest = errors.New("bad request")

// Server is a configured scan server.
type Server struct {
	cfg      Config
	log      *slog.Logger
	queue    jobs.Queue
	store    jobs.Store
	layers   layerfs.Cache
	db       *database
	guard    *registryGuard
	metrics  *metrics
	mux      *http.ServeMux
	knownMu  sync.Mutex
	known    map[string]bool // the patterns served, as metric labels
	closers  []func() error
	newJobID func() string
}

// New checks cfg, fills in its defaults and opens what the server keeps
// open: the layer cache, and the database when Pipeline.DB.Path names
// exports to import once.
func New(cfg Config) (*Server, error) {
	if cfg.Token == "" {
		return nil, errors.New("server: a token is required (clients send it as Authorization: Bearer TOKEN)")
	}
	if (cfg.Queue == nil) != (cfg.Store == nil) {
		return nil, errors.New("server: set both Queue and Store, or neither")
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("server: TLS needs both a certificate and a key")
	}
	setDefaults(&cfg)
	if cfg.SBOMDecoder == nil {
		cfg.SBOMDecoder = sbomread.Read
	}
	scanners, err := pipeline.ParseScanners(cfg.Scanners)
	if err != nil {
		return nil, fmt.Errorf("server: default scanners: %w", err)
	}
	if cfg.Pipeline.Secrets == nil && scanners.Secret {
		// Built once: the rules compile into one automaton.
		if cfg.Pipeline.Secrets, err = pipeline.SecretEngine(""); err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
	}
	guard, err := newRegistryGuard(cfg.AllowRegistries, cfg.InsecureRegistries, cfg.RegistryTimeout)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, queue: cfg.Queue, store: cfg.Store, layers: cfg.LayerCache, guard: guard, newJobID: rand.Text}
	if s.queue == nil {
		m := jobs.NewMemory()
		m.LeaseTimeout = cfg.LeaseTimeout
		s.queue, s.store = m, m
	}
	if s.layers == nil {
		dir, err := cacheDir(cfg.Pipeline.CacheDir)
		if err != nil {
			return nil, err
		}
		c, err := cache.Open(dir)
		if err != nil {
			return nil, fmt.Errorf("server: layer cache: %w", err)
		}
		s.closers = append(s.closers, c.Close)
		s.layers = newKeyLocked(c)
	}
	if s.db, err = openDatabase(cfg.Pipeline); err != nil {
		s.Close()
		return nil, err
	}
	s.closers = append(s.closers, s.db.close)
	s.metrics = newMetrics(s)
	s.routes()
	return s, nil
}

func setDefaults(cfg *Config) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.Scanners == "" {
		cfg.Scanners = DefaultScanners
	}
	if cfg.LeaseTimeout <= 0 {
		cfg.LeaseTimeout = jobs.DefaultLeaseTimeout
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.MaxJSON <= 0 {
		cfg.MaxJSON = DefaultMaxJSON
	}
	if cfg.ScanTimeout <= 0 {
		cfg.ScanTimeout = DefaultScanTimeout
	}
	if cfg.ReportTTL <= 0 {
		cfg.ReportTTL = DefaultReportTTL
	}
	if cfg.RegistryTimeout <= 0 {
		cfg.RegistryTimeout = DefaultRegistryTimeout
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
}

func cacheDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	d, err := cache.DefaultDir()
	if err != nil {
		return "", fmt.Errorf("server: %w", err)
	}
	return d, nil
}

// Close releases the layer cache and the server's copy of the database.
// Call it once the workers and the HTTP server have stopped.
func (s *Server) Close() error {
	var first error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	s.closers = nil
	return first
}

// Submit checks a scan request and queues it. Errors wrapping
// ErrBadRequest are the request's fault.
func (s *Server) Submit(ctx context.Context, req jobs.Request) (jobs.Status, error) {
	if err := s.checkRequest(ctx, req); err != nil {
		return jobs.Status{}, err
	}
	now := time.Now().UTC()
	j := jobs.Job{ID: s.newJobID(), Request: req, Created: now}
	st := jobs.Status{ID: j.ID, State: jobs.Queued, Updated: now}
	// The status first: a worker may take the job at once and set its own.
	if err := s.store.SetStatus(ctx, st); err != nil {
		return jobs.Status{}, fmt.Errorf("server: store: %w", err)
	}
	if err := s.queue.Submit(ctx, j); err != nil {
		return jobs.Status{}, fmt.Errorf("server: queue: %w", err)
	}
	s.log.Info("scan queued", "job", j.ID, "image", req.Image)
	return st, nil
}

// checkRequest refuses what no worker could scan: an image that is no
// allowed registry reference, unknown scanners, a malformed platform.
func (s *Server) checkRequest(ctx context.Context, req jobs.Request) error {
	if _, err := s.guard.reference(ctx, req.Image, req.Insecure); err != nil {
		return err
	}
	if _, err := s.scanners(req.Scanners); err != nil {
		return err
	}
	if _, err := platformKey(req.Platform); err != nil {
		return err
	}
	return nil
}

// scanners parses a request's scanner list, the server's default when
// empty.
func (s *Server) scanners(list string) (pipeline.Scanners, error) {
	if list == "" {
		list = s.cfg.Scanners
	}
	sc, err := pipeline.ParseScanners(list)
	if err != nil {
		return sc, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	return sc, nil
}

// Wait returns the job's status once it is done or failed, or its status
// when ctx ends first (with ctx's error).
func (s *Server) Wait(ctx context.Context, id string) (jobs.Status, error) {
	delay := 50 * time.Millisecond
	for {
		st, err := s.store.Status(ctx, id)
		if err != nil || st.State == jobs.Done || st.State == jobs.Failed {
			return st, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return st, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, time.Second)
	}
}

// Report returns the JSON report of a finished job. A job not finished
// (or failed) gives its status and ErrNotReady.
func (s *Server) Report(ctx context.Context, id string) ([]byte, jobs.Status, error) {
	st, err := s.store.Status(ctx, id)
	if err != nil {
		return nil, st, err
	}
	if st.State != jobs.Done {
		return nil, st, fmt.Errorf("job %s is %s: %w", id, st.State, ErrNotReady)
	}
	data, err := s.store.Report(ctx, id)
	return data, st, err
}

// ErrNotReady is returned for the report of a job that is not done.
var ErrNotReady = errors.New("no report yet")

// Package jobs is the contract between a scan server's front end (the
// HTTP API, the Harbor adapter, the admission webhook) and the workers
// that scan: a Queue of scan requests that hands each one to one worker at
// a time and gives it to another when a worker dies, and a Store of job
// states and finished reports. Memory (this package) serves one process;
// package jobs/redisjobs serves a fleet of workers on one Redis.
package jobs

import (
	"context"
	"errors"
	"time"
)

// Request is what to scan. Credentials travel with the job because the
// worker, not the front end, pulls the image.
type Request struct {
	// Image is a registry reference, by tag or digest.
	Image string `json:"image"`
	// Authorization is the registry credential as an HTTP Authorization
	// header value ("Basic …" or "Bearer …"), as Harbor sends it; empty
	// means anonymous, or the server's own credentials.
	Authorization string `json:"authorization,omitempty"`
	// Insecure lets the worker reach the registry over plain HTTP (and
	// TLS without verification): image.Options.Insecure. Harbor asks for
	// it with an http:// registry URL.
	Insecure bool `json:"insecure,omitempty"`
	// Scanners is a --scanners list ("vuln,secret,misconfig"); empty
	// means the server's default.
	Scanners string `json:"scanners,omitempty"`
	// Platform picks one image of an index ("linux/arm64").
	Platform string `json:"platform,omitempty"`
}

// State is where a job is in its life.
type State string

const (
	Queued  State = "queued"
	Running State = "running"
	Done    State = "done"
	Failed  State = "failed"
)

// Job is a request with its identity.
type Job struct {
	ID      string    `json:"id"`
	Request Request   `json:"request"`
	Created time.Time `json:"created"`
}

// Status is a job's state as the API reports it.
type Status struct {
	ID      string    `json:"id"`
	State   State     `json:"state"`
	Error   string    `json:"error,omitempty"`
	Updated time.Time `json:"updated"`
	// Attempts counts the workers that took the job (more than one after
	// a worker died).
	Attempts int `json:"attempts,omitempty"`
}

// Lease is one worker's hold on one job. The worker extends it while it
// scans, so that a slow scan is not taken for a dead worker, and ends it
// with Done once the report and status are stored.
type Lease interface {
	Job() Job
	// Attempt is 1 for the first worker to take the job.
	Attempt() int
	// Extend tells the queue the worker is alive.
	Extend(ctx context.Context) error
	// Done removes the job from the queue for good.
	Done(ctx context.Context) error
}

// Queue hands scan requests to workers.
type Queue interface {
	Submit(ctx context.Context, j Job) error
	// Next blocks until a job is free for worker (a job no one holds, or
	// one whose worker stopped extending its lease) or ctx ends.
	Next(ctx context.Context, worker string) (Lease, error)
	// Depth is the number of jobs submitted and not yet Done.
	Depth(ctx context.Context) (int64, error)
}

// Store keeps job states and reports. Reports are JSON (report.Report).
type Store interface {
	SetStatus(ctx context.Context, s Status) error
	Status(ctx context.Context, id string) (Status, error)
	PutReport(ctx context.Context, id string, report []byte) error
	Report(ctx context.Context, id string) ([]byte, error)
	// Remember and Recall keep finished reports under content-addressed
	// keys (image digest, scan options, database version) for ttl, so
	// that a digest scanned once is answered from the store until the
	// database changes.
	Remember(ctx context.Context, key string, report []byte, ttl time.Duration) error
	Recall(ctx context.Context, key string) ([]byte, error)
}

// ErrLeaseLost is returned by Extend and Done when the job was given to
// another worker because this one was silent too long.
var ErrLeaseLost = errors.New("jobs: lease lost to another worker")

// ErrNotFound is returned for an unknown job or a report not yet made.
var ErrNotFound = errors.New("not found")

package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/bulwark-sec/bulwark/jobs/redisjobs"
)

// openRedis connects to the Redis at url that a fleet of servers and
// workers shares: the job queue, the job store with kept reports, and the
// layer cache. Leases run out after lease without an Extend.
func openRedis(ctx context.Context, url string, lease time.Duration, log *slog.Logger) (*redisjobs.Backend, error) {
	return redisjobs.New(ctx, redisjobs.Options{URL: url, LeaseTimeout: lease, Log: log})
}

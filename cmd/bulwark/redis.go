package main

import (
	"context"
	"fmt"
	"time"

	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/layerfs"
)

// sharedBackend is what a fleet of servers and workers shares: the job
// queue, the job store and kept reports, and the layer cache.
type sharedBackend struct {
	Queue  jobs.Queue
	Store  jobs.Store
	Layers layerfs.Cache
	close  func()
}

// Close disconnects.
func (b *sharedBackend) Close() {
	if b.close != nil {
		b.close()
	}
}

// openRedis connects to the Redis at url, whose leases run out after
// lease without an Extend. This build has no Redis backend: --redis is
// refused.
func openRedis(ctx context.Context, url string, lease time.Duration) (*sharedBackend, error) {
	return nil, fmt.Errorf("%w: --redis: this bulwark is built without the Redis backend", errUsage)
}

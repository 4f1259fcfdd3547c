// Package redisjobs is the jobs.Queue, jobs.Store and shared layer cache of
// a fleet of scan workers on one Redis. Scan requests are entries of a
// Redis stream read by one consumer group, so each goes to one worker; a
// worker that stops extending its lease loses the job to the next worker
// that asks (XAUTOCLAIM). Job states, reports and per-layer analysis
// results live under keys of their own, the layer results addressed by
// content (layer digest and extractor versions), so that workers scanning
// images with a common base layer analyse it once between them.
package redisjobs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/bulwark-sec/bulwark/jobs"
)

// Options configure a Backend. Only URL is required.
type Options struct {
	// URL is redis://[user:password@]host:port[/db], rediss:// for TLS,
	// or unix:///path/to/socket.
	URL string
	// TLS is the client's TLS configuration for a rediss:// URL (a
	// private CA's roots, a client certificate); nil means the system's
	// roots. It is an error with any other URL.
	TLS *tls.Config
	// LeaseTimeout is how long a worker may go without Extend before its
	// job is given to another; 0 means jobs.DefaultLeaseTimeout.
	LeaseTimeout time.Duration
	// MaxAttempts is how many workers may take one job; a job whose
	// workers all died (a scan that kills its process) is then marked
	// failed rather than handed on for ever. 0 means 5.
	MaxAttempts int
	// Prefix begins every key; 0 means "bulwark:".
	Prefix string
	// Stream is the key of the job stream; "" means Prefix+"jobs".
	Stream string
	// Group is the consumer group the workers read the stream in; ""
	// means "workers".
	Group string
	// Expiry is how long a job's status and report are kept after their
	// last change; 0 means 24 hours.
	Expiry time.Duration
	// LockTTL is how long a layer lock outlives a holder that stopped
	// renewing it (a worker that died mid-analysis); 0 means 10 seconds: a
	// layer whose analyst died is waited for that long by the others.
	LockTTL time.Duration
	// LayerTTL is how long a layer result is kept after it was last
	// read or written; 0 means 7 days.
	LayerTTL time.Duration
	// Log receives what an operator should see: Redis unreachable and
	// back, jobs abandoned. nil discards it.
	Log *slog.Logger
}

// Backend is a jobs.Queue and jobs.Store on Redis. It is safe for
// concurrent use; a process needs one.
type Backend struct {
	rdb     *redis.Client
	opts    Options
	log     *slog.Logger
	ctx     context.Context // ends with Close: stops lock renewals
	cancel  context.CancelFunc
	wg      sync.WaitGroup // lock renewals
	closeMu sync.Mutex
	closed  bool

	groupMu    sync.Mutex
	groupReady bool

	pruneMu sync.Mutex
	pruned  time.Time // last prune of idle consumers
}

var (
	_ jobs.Queue = (*Backend)(nil)
	_ jobs.Store = (*Backend)(nil)
)

// opTimeout bounds one ordinary Redis command, so that a Redis that
// accepts connections but does not answer cannot hang a caller.
const opTimeout = 10 * time.Second

// New connects to Redis, checks that it answers, and creates the consumer
// group if it is missing.
func New(ctx context.Context, opts Options) (*Backend, error) {
	if opts.URL == "" {
		return nil, errors.New("redisjobs: no Redis URL")
	}
	ro, err := redis.ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("redisjobs: Redis URL: %w", err)
	}
	if opts.TLS != nil {
		if ro.TLSConfig == nil {
			return nil, errors.New("redisjobs: a TLS configuration for a URL that is not rediss://")
		}
		c := opts.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName = ro.TLSConfig.ServerName
		}
		ro.TLSConfig = c
	}
	// go-redis logs through a logger of its own, global to the process,
	// straight to standard error; its lines go to ours, at debug level
	// (what an operator must see, Redis unreachable, Next logs itself).
	if opts.Log != nil {
		redis.SetLogger(clientLog{opts.Log})
	} else {
		redis.SetLogger(clientLog{slog.New(slog.DiscardHandler)})
	}
	// Redis 7 has no maintenance notifications, and saying so saves a
	// round trip on each new connection; CLIENT SETINFO is 7.2's.
	ro.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	ro.DisableIdentity = true
	// go-redis dials 5 times for each of its 4 tries of a command: 2 s of
	// waiting per command while Redis is down, which a layer cache that
	// should fail fast cannot afford. Twice per try is enough to ride
	// out a reconnect.
	if ro.DialerRetries == 0 {
		ro.DialerRetries = 2
	}
	if opts.LeaseTimeout <= 0 {
		opts.LeaseTimeout = jobs.DefaultLeaseTimeout
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	if opts.Prefix == "" {
		opts.Prefix = "bulwark:"
	}
	if opts.Stream == "" {
		opts.Stream = opts.Prefix + "jobs"
	}
	if opts.Group == "" {
		opts.Group = "workers"
	}
	if opts.Expiry <= 0 {
		opts.Expiry = 24 * time.Hour
	}
	if opts.LockTTL <= 0 {
		opts.LockTTL = 10 * time.Second
	}
	if opts.LayerTTL <= 0 {
		opts.LayerTTL = 7 * 24 * time.Hour
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b := &Backend{rdb: redis.NewClient(ro), opts: opts, log: log}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	if err := b.ensureGroup(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("redisjobs: %s: %w", redacted(ro), err)
	}
	return b, nil
}

// redacted names the server without its credentials.
func redacted(o *redis.Options) string {
	return o.Network + "://" + o.Addr
}

// ensureGroup creates the consumer group, and the stream with it, reading
// from the stream's start so that jobs submitted before any worker
// started are not skipped. A group that exists is fine.
func (b *Backend) ensureGroup(ctx context.Context) error {
	b.groupMu.Lock()
	defer b.groupMu.Unlock()
	if b.groupReady {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	err := b.rdb.XGroupCreateMkStream(ctx, b.opts.Stream, b.opts.Group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("create consumer group %s on %s: %w", b.opts.Group, b.opts.Stream, err)
	}
	b.groupReady = true
	return nil
}

// groupLost is called when Redis says the group is gone (a Redis that
// restarted without its data): the next call creates it again.
func (b *Backend) groupLost() {
	b.groupMu.Lock()
	b.groupReady = false
	b.groupMu.Unlock()
}

// Close stops renewing the layer locks this process holds (they expire
// after LockTTL) and closes the connections.
func (b *Backend) Close() error {
	b.closeMu.Lock()
	b.closed = true
	b.closeMu.Unlock()
	b.cancel()
	b.wg.Wait()
	return b.rdb.Close()
}

// renewing counts one more lock renewal, unless the backend is closed.
func (b *Backend) renewing() bool {
	b.closeMu.Lock()
	defer b.closeMu.Unlock()
	if b.closed {
		return false
	}
	b.wg.Add(1)
	return true
}

// key is a key of this backend's namespace.
func (b *Backend) key(parts ...string) string {
	return b.opts.Prefix + strings.Join(parts, ":")
}

// op is a context for one ordinary command.
func op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, opTimeout)
}

// sleep waits d or until ctx ends, and says whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// clientLog hands go-redis's log lines to a slog.Logger.
type clientLog struct{ log *slog.Logger }

func (l clientLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.Debug("redis client: " + fmt.Sprintf(format, v...))
}

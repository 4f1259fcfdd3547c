package redisjobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-sec/bulwark/jobs"
)

// A job is one stream entry with one field, "job", its JSON. The entry
// stays in the stream until the worker that holds it calls Done, which
// acknowledges and deletes it in one step; so the stream's length is the
// number of jobs submitted and not done, and a worker that dies leaves
// its entry pending in the group, where XAUTOCLAIM finds it once it has
// been idle for LeaseTimeout.
//
// A lease is (entry, consumer, delivery count). Every claim of an entry
// by another worker raises its delivery count, and Extend (XCLAIM JUSTID)
// does not, so a lease is still held exactly when the entry is pending
// with the same consumer and the same count: two workers that share a
// consumer name still cannot both hold one job.

// submitScript adds the job unless a job with its ID was submitted
// before (the job's hash remembers the entry ID until it expires).
//
// KEYS: stream, job hash. ARGV: job JSON, expiry in ms.
var submitScript = redis.NewScript(`
if redis.call('HSETNX', KEYS[2], 'entry', '-') == 0 then
  return false
end
local id = redis.call('XADD', KEYS[1], '*', 'job', ARGV[1])
redis.call('HSET', KEYS[2], 'entry', id)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return id
`)

// claimScript takes the oldest entry idle for at least min-idle from
// whichever consumer holds it. XAUTOCLAIM looks at a bounded slice of the
// pending list per call, so it is called until the cursor wraps.
//
// KEYS: stream. ARGV: group, consumer, min-idle in ms.
// Returns {entry ID, job JSON or false, delivery count} or false.
var claimScript = redis.NewScript(`
local cursor = '0-0'
repeat
  local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], cursor, 'COUNT', 1)
  cursor = r[1]
  local e = r[2][1]
  if e then
    local id, fields, job = e[1], e[2], false
    for i = 1, #fields, 2 do
      if fields[i] == 'job' then job = fields[i + 1] end
    end
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
    return {id, job, p[1][4]}
  end
until cursor == '0-0'
return false
`)

// holds is the check every lease operation starts with.
const holds = `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] or p[1][4] ~= tonumber(ARGV[4]) then
  return 0
end
`

// Lease scripts. KEYS: stream. ARGV: group, consumer, entry ID, delivery
// count (and for release, the idle time to set in ms). Return 1, or 0
// when the lease is lost.
var (
	// extendScript resets the entry's idle time; JUSTID keeps its count.
	extendScript = redis.NewScript(holds + `
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
`)
	// doneScript removes the entry from the group and the stream.
	doneScript = redis.NewScript(holds + `
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
`)
	// releaseScript makes the entry claimable at once, at the same
	// attempt, for a job read just as the reader's context ended.
	releaseScript = redis.NewScript(holds + `
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[5], 'RETRYCOUNT', tonumber(ARGV[4]) - 1, 'JUSTID')
return 1
`)
)

// pruneScript deletes the group's consumers that hold no job and have
// not asked for one for min-idle: workers of processes long gone (their
// names carry a process ID). A consumer is deleted only with nothing
// pending, in one step, so no job is lost; a live worker that was pruned
// is created again by its next read.
//
// KEYS: stream. ARGV: group, min-idle in ms. Returns how many went.
var pruneScript = redis.NewScript(`
local n = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f['pending'] == 0 and f['idle'] >= tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], f['name'])
    n = n + 1
  end
end
return n
`)

// pruneEvery is how often one backend prunes; a consumer is pruned after
// an hour, or ten lease timeouts, without a read.
const pruneEvery = 5 * time.Minute

func (b *Backend) pruneIdle() time.Duration { return max(time.Hour, 10*b.opts.LeaseTimeout) }

// prune runs pruneScript at most every pruneEvery.
func (b *Backend) prune(ctx context.Context, idle time.Duration) {
	b.pruneMu.Lock()
	due := time.Since(b.pruned) >= pruneEvery
	if due {
		b.pruned = time.Now()
	}
	b.pruneMu.Unlock()
	if !due {
		return
	}
	ctx, cancel := op(ctx)
	defer cancel()
	n, err := pruneScript.Run(ctx, b.rdb, []string{b.opts.Stream}, b.opts.Group, idle.Milliseconds()).Int()
	if err != nil {
		b.log.Warn("redisjobs: could not prune idle consumers", "err", err)
	} else if n > 0 {
		b.log.Info("redisjobs: pruned consumers of workers gone", "consumers", n)
	}
}

// Submit adds j to the stream. A second job with the same ID is refused
// while the first one's record is kept (Options.Expiry).
func (b *Backend) Submit(ctx context.Context, j jobs.Job) error {
	if j.ID == "" {
		return errors.New("redisjobs: submit: job has no ID")
	}
	data, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("redisjobs: submit %s: %w", j.ID, err)
	}
	ctx, cancel := op(ctx)
	defer cancel()
	err = submitScript.Run(ctx, b.rdb, []string{b.opts.Stream, b.key("job", j.ID)}, data, b.opts.Expiry.Milliseconds()).Err()
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisjobs: job %s already submitted", j.ID)
	}
	if err != nil {
		return fmt.Errorf("redisjobs: submit %s: %w", j.ID, err)
	}
	return nil
}

// Depth is the stream's length: entries leave it only through Done, so
// it counts the jobs waiting and the jobs held by workers, dead or alive.
func (b *Backend) Depth(ctx context.Context) (int64, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	n, err := b.rdb.XLen(ctx, b.opts.Stream).Result()
	if err != nil {
		return 0, fmt.Errorf("redisjobs: depth: %w", err)
	}
	return n, nil
}

// maxBlock bounds one blocking read, so that Next notices its context
// ending and leases running out within about a second.
const maxBlock = time.Second

// Next returns the oldest job whose worker stopped extending its lease,
// or else the oldest job no worker has taken, waiting until there is one
// or ctx ends. While Redis cannot be reached it keeps trying, with a
// growing pause and a log line per failure, so that a worker loop lives
// through a Redis restart.
func (b *Backend) Next(ctx context.Context, worker string) (jobs.Lease, error) {
	var pause time.Duration
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l, err := b.take(ctx, worker)
		if err == nil {
			if pause > 0 {
				b.log.Info("redisjobs: Redis answers again", "worker", worker)
				pause = 0
			}
			if l != nil {
				return l, nil
			}
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if noGroup(err) {
			b.groupLost()
		}
		pause = min(max(2*pause, 100*time.Millisecond), 5*time.Second)
		b.log.Warn("redisjobs: cannot take a job", "worker", worker, "err", err, "retry_in", pause)
		if !sleep(ctx, pause) {
			return nil, ctx.Err()
		}
	}
}

// take makes one attempt: claim an expired lease, else wait a bounded
// time for a new entry. It returns nil, nil when there was none.
func (b *Backend) take(ctx context.Context, worker string) (*lease, error) {
	if err := b.ensureGroup(ctx); err != nil {
		return nil, err
	}
	// The commands run on a context that does not end with ctx: a job
	// Redis handed over must not be dropped half-way because the caller
	// stopped waiting. It is released instead, below.
	rctx := context.WithoutCancel(ctx)
	b.prune(rctx, b.pruneIdle())
	l, err := b.claim(rctx, worker)
	if err != nil {
		return nil, err
	}
	if l == nil {
		if l, err = b.read(ctx, rctx, worker); l == nil {
			return nil, err
		}
	}
	if ctx.Err() != nil {
		if err := l.run(rctx, releaseScript, "release", (b.opts.LeaseTimeout + time.Second).Milliseconds()); err != nil {
			b.log.Warn("redisjobs: could not release a job taken as the worker stopped; it returns after the lease timeout", "job", l.job.ID, "err", err)
		}
		return nil, ctx.Err()
	}
	if l.job.ID == "" {
		b.log.Error("redisjobs: dropping a stream entry that is not a job", "entry", l.entry)
		return nil, l.Done(rctx)
	}
	if l.Attempt() > b.opts.MaxAttempts {
		return nil, b.abandon(rctx, l)
	}
	return l, nil
}

func (b *Backend) claim(ctx context.Context, worker string) (*lease, error) {
	ctx, cancel := op(ctx)
	defer cancel()
	res, err := claimScript.Run(ctx, b.rdb, []string{b.opts.Stream}, b.opts.Group, worker, b.opts.LeaseTimeout.Milliseconds()).Slice()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	if len(res) != 3 {
		return nil, fmt.Errorf("claim: unexpected answer %v", res)
	}
	id, _ := res[0].(string)
	data, _ := res[1].(string)
	count, _ := res[2].(int64)
	return b.newLease(id, worker, data, count), nil
}

func (b *Backend) read(ctx, rctx context.Context, worker string) (*lease, error) {
	block := min(b.opts.LeaseTimeout/2, maxBlock)
	if dl, ok := ctx.Deadline(); ok {
		block = min(block, time.Until(dl))
	}
	// BLOCK 0 would wait for ever.
	block = max(block, time.Millisecond)
	streams, err := b.rdb.XReadGroup(rctx, &redis.XReadGroupArgs{
		Group:    b.opts.Group,
		Consumer: worker,
		Streams:  []string{b.opts.Stream, ">"},
		Count:    1,
		Block:    block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	for _, s := range streams {
		for _, m := range s.Messages {
			data, _ := m.Values["job"].(string)
			// An entry read with ">" is delivered for the first time.
			return b.newLease(m.ID, worker, data, 1), nil
		}
	}
	return nil, nil
}

// newLease decodes the job; an entry that is not a job gets an empty one,
// which take drops.
func (b *Backend) newLease(entry, worker, data string, deliveries int64) *lease {
	l := &lease{b: b, entry: entry, consumer: worker, deliveries: deliveries}
	if err := json.Unmarshal([]byte(data), &l.job); err != nil {
		l.job = jobs.Job{}
	}
	return l
}

// abandon ends a job that MaxAttempts workers took and none finished.
func (b *Backend) abandon(ctx context.Context, l *lease) error {
	n := l.Attempt() - 1
	b.log.Error("redisjobs: abandoning a job whose workers all died or went silent", "job", l.job.ID, "attempts", n)
	st := jobs.Status{
		ID: l.job.ID, State: jobs.Failed, Updated: time.Now().UTC(), Attempts: n,
		Error: fmt.Sprintf("abandoned after %d attempts: each worker that took the job died or stopped answering before it finished", n),
	}
	if err := b.SetStatus(ctx, st); err != nil {
		return err
	}
	return l.Done(ctx)
}

type lease struct {
	b          *Backend
	job        jobs.Job
	entry      string
	consumer   string
	deliveries int64
}

func (l *lease) Job() jobs.Job { return l.job }
func (l *lease) Attempt() int  { return int(l.deliveries) }

// Extend resets the lease's idle time, or says it was lost.
func (l *lease) Extend(ctx context.Context) error {
	return l.run(ctx, extendScript, "extend")
}

// Done acknowledges and deletes the job's entry, if the lease is still
// held.
func (l *lease) Done(ctx context.Context) error {
	return l.run(ctx, doneScript, "done")
}

func (l *lease) run(ctx context.Context, s *redis.Script, what string, extra ...any) error {
	ctx, cancel := op(ctx)
	defer cancel()
	args := append([]any{l.b.opts.Group, l.consumer, l.entry, l.deliveries}, extra...)
	n, err := s.Run(ctx, l.b.rdb, []string{l.b.opts.Stream}, args...).Int()
	if noGroup(err) {
		// Redis lost the stream and with it this job's entry.
		n, err = 0, nil
	}
	if err != nil {
		return fmt.Errorf("redisjobs: %s job %s: %w", what, l.job.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("redisjobs: %s job %s: %w", what, l.job.ID, jobs.ErrLeaseLost)
	}
	return nil
}

// noGroup says Redis answered that the stream or its group does not
// exist.
func noGroup(err error) bool {
	re, ok := errors.AsType[redis.Error](err)
	return ok && strings.HasPrefix(re.Error(), "NOGROUP")
}

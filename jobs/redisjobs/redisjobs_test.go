package redisjobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bulwark-sec/bulwark/internal/testproc"
	"github.com/bulwark-sec/bulwark/internal/testredis"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/jobs/jobstest"
)

var prefixes atomic.Int64

// newBackend connects to srv in a key namespace of its own, unless opts
// names one (two backends on one prefix are two processes of one fleet).
func newBackend(t *testing.T, srv *testredis.Server, opts Options) *Backend {
	t.Helper()
	opts.URL = srv.URL
	if opts.Prefix == "" {
		opts.Prefix = fmt.Sprintf("t%d:", prefixes.Add(1))
	}
	b, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	srv := testredis.Start(t)
	jobstest.Run(t, func(t *testing.T, lease time.Duration) (jobs.Queue, jobs.Store) {
		b := newBackend(t, srv, Options{LeaseTimeout: lease})
		return b, b
	})
}

func TestNewErrors(t *testing.T) {
	srv := testredis.Start(t)
	port := srv.Addr[strings.LastIndex(srv.Addr, ":")+1:]
	for _, tc := range []struct{ url, want string }{
		{"", "no Redis URL"},
		{"http://" + srv.Addr, "Redis URL"},
		{"redis://nobody:s3cretpw@" + srv.Addr, "tcp://" + srv.Addr},
		// 127.0.0.2 is loopback too, with nothing listening on the port.
		{"redis://127.0.0.2:" + port, "127.0.0.2"},
	} {
		b, err := New(context.Background(), Options{URL: tc.url})
		if err == nil {
			b.Close()
			t.Errorf("New(%q) succeeded", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("New(%q): %v; want it to mention %q and no password", tc.url, err, tc.want)
		}
	}
}

func TestSubmitTwice(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{})
	ctx := context.Background()
	j := jobs.Job{ID: "same", Request: jobs.Request{Image: "a"}}
	if err := b.Submit(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(ctx, j); err == nil || !strings.Contains(err.Error(), "already submitted") {
		t.Errorf("second submit: %v", err)
	}
	if err := b.Submit(ctx, jobs.Job{}); err == nil {
		t.Error("a job with no ID was accepted")
	}
	if d, err := b.Depth(ctx); err != nil || d != 1 {
		t.Errorf("depth %d, %v; want 1", d, err)
	}
}

// A stream entry that is not a job (written by something else) is
// dropped, not handed to a worker, and does not stop the queue.
func TestEntryNotAJob(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{})
	ctx := context.Background()
	for _, values := range []map[string]any{{"other": "x"}, {"job": "{not json"}} {
		if err := b.rdb.XAdd(ctx, &redis.XAddArgs{Stream: b.opts.Stream, Values: values}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Submit(ctx, jobs.Job{ID: "real"}); err != nil {
		t.Fatal(err)
	}
	l, err := b.Next(ctx, "w")
	if err != nil || l.Job().ID != "real" {
		t.Fatalf("Next: %v, %v; want the real job", l, err)
	}
	if err := l.Done(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := b.Depth(ctx); d != 0 {
		t.Errorf("depth %d, want 0", d)
	}
}

// A job that every worker dies on is failed after MaxAttempts rather than
// handed on for ever.
func TestAbandonAfterMaxAttempts(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{LeaseTimeout: 100 * time.Millisecond, MaxAttempts: 2})
	ctx := context.Background()
	if err := b.Submit(ctx, jobs.Job{ID: "killer"}); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 2; attempt++ {
		l, err := b.Next(ctx, fmt.Sprintf("w%d", attempt))
		if err != nil || l.Attempt() != attempt {
			t.Fatalf("attempt %d: %v, %v", attempt, l, err)
		}
		// and the worker dies
	}
	nctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if l, err := b.Next(nctx, "w3"); err == nil {
		t.Fatalf("third worker got the job (attempt %d)", l.Attempt())
	}
	st, err := b.Status(ctx, "killer")
	if err != nil || st.State != jobs.Failed || st.Attempts != 2 || !strings.Contains(st.Error, "abandoned after 2 attempts") {
		t.Errorf("status %+v, %v", st, err)
	}
	if d, _ := b.Depth(ctx); d != 0 {
		t.Errorf("depth %d, want 0", d)
	}
}

// A job read just as the reader's context ended goes back, claimable at
// once and at the same attempt.
func TestRelease(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{LeaseTimeout: time.Minute})
	ctx := context.Background()
	if err := b.Submit(ctx, jobs.Job{ID: "j"}); err != nil {
		t.Fatal(err)
	}
	l, err := b.read(ctx, ctx, "w1")
	if err != nil || l == nil {
		t.Fatalf("read: %v, %v", l, err)
	}
	if err := l.run(ctx, releaseScript, "release", (b.opts.LeaseTimeout + time.Second).Milliseconds()); err != nil {
		t.Fatal(err)
	}
	nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	l2, err := b.Next(nctx, "w2")
	if err != nil || l2.Job().ID != "j" || l2.Attempt() != 1 {
		t.Fatalf("after release: %v, %v; want j at attempt 1", l2, err)
	}
	if err := l.Extend(ctx); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("released lease's Extend: %v", err)
	}
	if err := l2.Done(ctx); err != nil {
		t.Fatal(err)
	}
}

// Two workers that share a consumer name (one restarted under its old
// name) still cannot both hold a job: the delivery count tells them apart.
func TestSameConsumerName(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{LeaseTimeout: 200 * time.Millisecond})
	ctx := context.Background()
	if err := b.Submit(ctx, jobs.Job{ID: "j"}); err != nil {
		t.Fatal(err)
	}
	old, err := b.Next(ctx, "host-1")
	if err != nil {
		t.Fatal(err)
	}
	reborn, err := b.Next(ctx, "host-1")
	if err != nil || reborn.Attempt() != 2 {
		t.Fatalf("reclaim: %v, %v", reborn, err)
	}
	if err := old.Done(ctx); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("old lease's Done: %v, want ErrLeaseLost", err)
	}
	if err := reborn.Done(ctx); err != nil {
		t.Fatal(err)
	}
}

// Redis killed and restarted: what it acknowledged is there again (the
// append-only file), a worker waiting in Next rides it out, and a lease
// held across the restart is still held.
func TestRedisRestart(t *testing.T) {
	srv := testredis.Start(t)
	var logs testproc.Output
	b := newBackend(t, srv, Options{LeaseTimeout: 30 * time.Second, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()
	for i := range 4 {
		if err := b.Submit(ctx, jobs.Job{ID: fmt.Sprint("job-", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.SetStatus(ctx, jobs.Status{ID: "job-1", State: jobs.Queued}); err != nil {
		t.Fatal(err)
	}
	held, err := b.Next(ctx, "w0")
	if err != nil || held.Job().ID != "job-0" {
		t.Fatalf("Next: %v, %v", held, err)
	}

	srv.Stop(t)
	got := make(chan jobs.Lease, 1)
	errc := make(chan error, 1)
	nctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	go func() {
		l, err := b.Next(nctx, "w1")
		if err != nil {
			errc <- err
			return
		}
		got <- l
	}()
	time.Sleep(700 * time.Millisecond)
	select {
	case l := <-got:
		t.Fatalf("Next returned %s while Redis was down", l.Job().ID)
	case err := <-errc:
		t.Fatalf("Next gave up while Redis was down: %v", err)
	default:
	}
	if _, err := b.Depth(ctx); err == nil {
		t.Error("Depth answered while Redis was down")
	}
	srv.Launch(t)

	var l jobs.Lease
	select {
	case l = <-got:
	case err := <-errc:
		t.Fatalf("Next after restart: %v", err)
	}
	if l.Job().ID != "job-1" || l.Attempt() != 1 {
		t.Errorf("after restart got %s attempt %d, want job-1 attempt 1", l.Job().ID, l.Attempt())
	}
	if err := held.Extend(ctx); err != nil {
		t.Errorf("lease held across the restart: %v", err)
	}
	for _, l := range []jobs.Lease{held, l, mustNext(t, b, "job-2"), mustNext(t, b, "job-3")} {
		if err := l.Done(ctx); err != nil {
			t.Error(err)
		}
	}
	if d, err := b.Depth(ctx); err != nil || d != 0 {
		t.Errorf("depth %d, %v", d, err)
	}
	if st, err := b.Status(ctx, "job-1"); err != nil || st.State != jobs.Queued {
		t.Errorf("status after restart: %+v, %v", st, err)
	}
	for _, want := range []string{"cannot take a job", "Redis answers again"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func mustNext(t *testing.T, b *Backend, want string) jobs.Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l, err := b.Next(ctx, "w")
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	if l.Job().ID != want {
		t.Errorf("Next gave %s, want %s", l.Job().ID, want)
	}
	return l
}

// Close leaves no goroutine behind: not the client's, not a renewal of a
// lock still held.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	srv := testredis.Start(t)
	ctx := context.Background()
	before := runtime.NumGoroutine()
	b, err := New(ctx, Options{URL: srv.URL, Prefix: "gr:", LockTTL: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(ctx, jobs.Job{ID: "j"}); err != nil {
		t.Fatal(err)
	}
	l, err := b.Next(ctx, "w")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Done(ctx); err != nil {
		t.Fatal(err)
	}
	c := b.LayerCache()
	if _, err := c.Lock(ctx, "held-at-close"); err != nil {
		t.Fatal(err)
	}
	unlock, err := c.Lock(ctx, "released")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// aclRules are the least a Redis user needs for a Backend, as
// docs/server-redis.md gives them.
const aclRules = "on resetkeys ~bulwark:* resetchannels -@all +hello +auth +ping +xgroup|create +xadd +xlen +xreadgroup +xautoclaim +xpending +xclaim +xack +xdel +xinfo|consumers +xgroup|delconsumer +hsetnx +hset +hget +pexpire +set +get +getex +exists +del +evalsha +eval"

// A Redis user limited to aclRules can do everything a Backend does; one
// with a rule less cannot.
func TestLeastACL(t *testing.T) {
	srv := testredis.Start(t)
	admin := newBackend(t, srv, Options{})
	ctx := context.Background()
	setUser := func(name, rules string) {
		args := []any{"ACL", "SETUSER", name, ">pw-" + name}
		for _, r := range strings.Fields(rules) {
			args = append(args, r)
		}
		if err := admin.rdb.Do(ctx, args...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	setUser("bulwark", aclRules)
	setUser("lesser", strings.Replace(aclRules, " +xautoclaim", "", 1))

	u := strings.Replace(srv.URL, "redis://", "redis://bulwark:pw-bulwark@", 1)
	b, err := New(ctx, Options{URL: u, LeaseTimeout: 100 * time.Millisecond, LockTTL: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Submit(ctx, jobs.Job{ID: "j"}); err != nil {
		t.Fatal(err)
	}
	dead, err := b.Next(ctx, "w1")
	if err != nil {
		t.Fatal(err)
	}
	l := mustNext(t, b, "j") // after the lease ran out: XAUTOCLAIM
	if err := dead.Extend(ctx); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("Extend: %v", err)
	}
	if err := l.Extend(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.SetStatus(ctx, jobs.Status{ID: "j", State: jobs.Done}); err != nil {
		t.Fatal(err)
	}
	if err := b.PutReport(ctx, "j", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Report(ctx, "j"); err != nil {
		t.Fatal(err)
	}
	if err := b.Remember(ctx, "k", []byte("{}"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Recall(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := l.Done(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Depth(ctx); err != nil {
		t.Fatal(err)
	}
	c := b.LayerCache()
	unlock, err := c.Lock(ctx, "layer")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // a renewal
	if err := c.Put("layer", []byte("r")); err != nil {
		t.Fatal(err)
	}
	unlock()
	if _, ok := c.Get("layer"); !ok {
		t.Error("Get missed")
	}
	if n, err := admin.rdb.Exists(ctx, "bulwark:lock:layer:layer").Result(); err != nil || n != 0 {
		t.Errorf("lock left after unlock: %d, %v", n, err)
	}

	lu := strings.Replace(srv.URL, "redis://", "redis://lesser:pw-lesser@", 1)
	lesser, err := New(ctx, Options{URL: lu, Prefix: "bulwark:"})
	if err != nil {
		t.Fatal(err)
	}
	defer lesser.Close()
	if _, err := lesser.take(ctx, "w"); err == nil || !strings.Contains(err.Error(), "can't run this command") {
		t.Errorf("a user without XAUTOCLAIM: %v, want a refusal", err)
	}
}

// rediss:// is TLS, checked against the given roots (or the system's,
// which do not know the test's CA).
func TestTLS(t *testing.T) {
	srv := testredis.StartTLS(t)
	ctx := context.Background()
	if b, err := New(ctx, Options{URL: srv.URL}); err == nil {
		b.Close()
		t.Fatal("connected to a server whose certificate no system root signed")
	} else if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("error %v does not say the certificate was refused", err)
	}
	if _, err := New(ctx, Options{URL: strings.Replace(srv.URL, "rediss://", "redis://", 1), TLS: srv.TLS}); err == nil || !strings.Contains(err.Error(), "not rediss://") {
		t.Errorf("TLS options with redis://: %v", err)
	}
	b, err := New(ctx, Options{URL: srv.URL, TLS: srv.TLS})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Submit(ctx, jobs.Job{ID: "over-tls"}); err != nil {
		t.Fatal(err)
	}
	l := mustNext(t, b, "over-tls")
	if err := l.Done(ctx); err != nil {
		t.Fatal(err)
	}
}

// A Redis that lost its data (no persistence, or FLUSHALL) loses the
// consumer group with the stream; the next Next creates it again.
func TestGroupLost(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{})
	ctx := context.Background()
	if err := b.Submit(ctx, jobs.Job{ID: "before-flush"}); err != nil {
		t.Fatal(err)
	}
	lost := mustNext(t, b, "before-flush")
	if err := b.rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := lost.Extend(ctx); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("Extend of a job Redis lost: %v, want ErrLeaseLost", err)
	}
	if err := b.Submit(ctx, jobs.Job{ID: "after-flush"}); err != nil {
		t.Fatal(err)
	}
	l := mustNext(t, b, "after-flush")
	if err := l.Done(ctx); err != nil {
		t.Fatal(err)
	}
}

// Consumers that hold nothing and have been idle go; one holding a job
// stays whatever its idle time, and so does its job.
func TestPruneConsumers(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{})
	ctx := context.Background()
	for _, id := range []string{"finished", "held"} {
		if err := b.Submit(ctx, jobs.Job{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	// Consumer "gone" finishes a job and goes; "w" holds one.
	l, err := b.Next(ctx, "gone")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Done(ctx); err != nil {
		t.Fatal(err)
	}
	held := mustNext(t, b, "held")
	consumers := func() []string {
		cs, err := b.rdb.XInfoConsumers(ctx, b.opts.Stream, b.opts.Group).Result()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
		}
		return names
	}
	if got := fmt.Sprint(consumers()); got != "[gone w]" {
		t.Fatalf("consumers %s", got)
	}
	b.pruned = time.Time{}
	b.prune(ctx, time.Hour) // none idle that long
	if got := fmt.Sprint(consumers()); got != "[gone w]" {
		t.Errorf("after pruning those idle for an hour: %s", got)
	}
	time.Sleep(20 * time.Millisecond)
	b.pruned = time.Time{}
	b.prune(ctx, 10*time.Millisecond)
	if got := fmt.Sprint(consumers()); got != "[w]" {
		t.Errorf("after pruning: %s, want [w]", got)
	}
	b.prune(ctx, 0) // too soon: nothing runs
	if err := held.Done(ctx); err != nil {
		t.Errorf("the pruned group lost the held job: %v", err)
	}
}

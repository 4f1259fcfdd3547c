// Package jobstest is the behaviour every jobs.Queue and jobs.Store must
// have, as tests that each implementation runs against itself.
package jobstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/jobs"
)

// Factory returns a fresh, empty queue and store whose leases run out
// after leaseTimeout without Extend.
type Factory func(t *testing.T, leaseTimeout time.Duration) (jobs.Queue, jobs.Store)

// Run runs the conformance tests.
func Run(t *testing.T, newQS Factory) {
	t.Run("FIFO", func(t *testing.T) { testFIFO(t, newQS) })
	t.Run("DeadWorker", func(t *testing.T) { testDeadWorker(t, newQS) })
	t.Run("ExtendKeeps", func(t *testing.T) { testExtendKeeps(t, newQS) })
	t.Run("EachJobOnce", func(t *testing.T) { testEachJobOnce(t, newQS) })
	t.Run("Store", func(t *testing.T) { testStore(t, newQS) })
	t.Run("NextHonoursContext", func(t *testing.T) { testNextContext(t, newQS) })
}

// job is the i-th test job; odd ones use every field of the request, so
// that an implementation that drops one is caught.
func job(i int) jobs.Job {
	req := jobs.Request{Image: fmt.Sprintf("registry.example/app:%d", i)}
	if i%2 == 1 {
		req.Authorization = "Basic YWxpY2U6czNjcmV0"
		req.Insecure = true
		req.Scanners = "vuln,secret"
		req.Platform = "linux/arm64"
	}
	return jobs.Job{ID: fmt.Sprintf("job-%d", i), Request: req, Created: time.Now().UTC()}
}

func next(t *testing.T, q jobs.Queue, worker string) jobs.Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := q.Next(ctx, worker)
	if err != nil {
		t.Fatalf("Next(%s): %v", worker, err)
	}
	return l
}

func testFIFO(t *testing.T, newQS Factory) {
	ctx := context.Background()
	q, _ := newQS(t, time.Minute)
	for i := range 3 {
		if err := q.Submit(ctx, job(i)); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := q.Depth(ctx); err != nil || d != 3 {
		t.Errorf("depth %d, %v; want 3", d, err)
	}
	for i := range 3 {
		l := next(t, q, "w1")
		if l.Job().ID != job(i).ID || l.Job().Request != job(i).Request || l.Attempt() != 1 {
			t.Errorf("got %+v attempt %d, want %s attempt 1", l.Job(), l.Attempt(), job(i).ID)
		}
		if err := l.Done(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := q.Depth(ctx); err != nil || d != 0 {
		t.Errorf("depth after all done %d, %v; want 0", d, err)
	}
}

func testDeadWorker(t *testing.T, newQS Factory) {
	ctx := context.Background()
	q, _ := newQS(t, 300*time.Millisecond)
	if err := q.Submit(ctx, job(1)); err != nil {
		t.Fatal(err)
	}
	dead := next(t, q, "w1") // and never heard from again
	start := time.Now()
	l := next(t, q, "w2")
	if l.Job().ID != job(1).ID || l.Attempt() != 2 {
		t.Errorf("second worker got %s attempt %d, want job-1 attempt 2", l.Job().ID, l.Attempt())
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("reclaim took %v", waited)
	}
	if err := dead.Extend(ctx); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("dead worker's Extend: %v, want ErrLeaseLost", err)
	}
	if err := dead.Done(ctx); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("dead worker's Done: %v, want ErrLeaseLost", err)
	}
	if err := l.Done(ctx); err != nil {
		t.Fatal(err)
	}
	if d, _ := q.Depth(ctx); d != 0 {
		t.Errorf("depth %d after done, want 0", d)
	}
}

func testExtendKeeps(t *testing.T, newQS Factory) {
	ctx := context.Background()
	// A lease of 1 s extended every 100 ms, watched for 3 s: a second
	// worker must never get the job (the margin absorbs a loaded machine).
	q, _ := newQS(t, time.Second)
	if err := q.Submit(ctx, job(1)); err != nil {
		t.Fatal(err)
	}
	l := next(t, q, "w1")
	stop := time.After(3 * time.Second)
	got := make(chan jobs.Lease, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		if l2, err := q.Next(wctx, "w2"); err == nil {
			got <- l2
		}
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
loop:
	for {
		select {
		case <-tick.C:
			if err := l.Extend(ctx); err != nil {
				t.Fatalf("Extend: %v", err)
			}
		case l2 := <-got:
			t.Fatalf("job given to a second worker (attempt %d) while the first extended its lease", l2.Attempt())
		case <-stop:
			break loop
		}
	}
	if err := l.Done(ctx); err != nil {
		t.Fatal(err)
	}
}

func testEachJobOnce(t *testing.T, newQS Factory) {
	ctx := context.Background()
	q, _ := newQS(t, time.Minute)
	const n, workers = 60, 6
	for i := range n {
		if err := q.Submit(ctx, job(i)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				l, err := q.Next(wctx, fmt.Sprintf("w%d", w))
				if err != nil {
					return
				}
				mu.Lock()
				seen[l.Job().ID]++
				done := len(seen) == n
				mu.Unlock()
				if err := l.Done(ctx); err != nil {
					t.Errorf("Done: %v", err)
				}
				if done {
					cancel()
				}
			}
		}()
	}
	select {
	case <-wctx.Done():
	case <-time.After(30 * time.Second):
		cancel()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d of %d jobs taken", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("%s taken %d times", id, c)
		}
	}
}

func testStore(t *testing.T, newQS Factory) {
	ctx := context.Background()
	_, s := newQS(t, time.Minute)
	if _, err := s.Status(ctx, "nope"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("unknown status: %v", err)
	}
	if _, err := s.Report(ctx, "nope"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("unknown report: %v", err)
	}
	st := jobs.Status{ID: "a", State: jobs.Failed, Error: "registry said 401", Updated: time.Now().UTC().Truncate(time.Millisecond), Attempts: 2}
	if err := s.SetStatus(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Status(ctx, "a"); err != nil || got.State != st.State || got.Error != st.Error || got.Attempts != 2 || !got.Updated.Equal(st.Updated) {
		t.Errorf("status %+v, %v; want %+v", got, err, st)
	}
	if err := s.PutReport(ctx, "a", []byte(`{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Report(ctx, "a"); err != nil || string(got) != `{"x":1}` {
		t.Errorf("report %q, %v", got, err)
	}
	if _, err := s.Recall(ctx, "sha256:abc|vuln|db1"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("recall before remember: %v", err)
	}
	if err := s.Remember(ctx, "sha256:abc|vuln|db1", []byte("r"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Recall(ctx, "sha256:abc|vuln|db1"); err != nil || string(got) != "r" {
		t.Errorf("recall %q, %v", got, err)
	}
	if err := s.Remember(ctx, "short", []byte("r"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // Redis expiry has millisecond resolution; leave slack
	if _, err := s.Recall(ctx, "short"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("recall after ttl: %v", err)
	}
}

func testNextContext(t *testing.T, newQS Factory) {
	q, _ := newQS(t, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := q.Next(ctx, "w1"); err == nil {
		t.Fatal("Next on an empty queue returned a job")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Next took %v to notice its context ended", d)
	}
}

package redisjobs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/extract/dpkg"
	"github.com/bulwark-sec/bulwark/extract/osrelease"
	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/testredis"
	"github.com/bulwark-sec/bulwark/layerfs"
)

var exts = []extract.Extractor{dpkg.Extractor{}, osrelease.Extractor{}}

// demoSource opens demo/image.tar, a real image of several layers, as one
// process would. Each layer's Open counts in opens and first waits for
// gate.
func demoSource(t *testing.T, opens *atomic.Int32, gate <-chan struct{}) *image.Source {
	t.Helper()
	src, err := image.Open(context.Background(), filepath.Join("..", "..", "demo", "image.tar"), image.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	for i := range src.Layers {
		open := src.Layers[i].Open
		src.Layers[i].Open = func() (io.ReadCloser, error) {
			opens.Add(1)
			<-gate
			return open()
		}
	}
	return src
}

// Two processes (two clients on one Redis) walk the same image: the
// second waits on the layer locks while the first analyses, then reads
// the first's results and analyses nothing.
func TestLockedWalkAnalysesOnce(t *testing.T) {
	srv := testredis.Start(t)
	first := newBackend(t, srv, Options{})
	second := newBackend(t, srv, Options{Prefix: first.opts.Prefix})

	var opensA, opensB atomic.Int32
	gate := make(chan struct{})
	open := make(chan struct{})
	close(open)
	srcA := demoSource(t, &opensA, gate)
	srcB := demoSource(t, &opensB, open)
	n := len(srcA.Layers)
	if n < 2 {
		t.Fatalf("demo image has %d layers", n)
	}

	var analysedA, analysedB, cachedB atomic.Int32
	count := func(analysed, cached *atomic.Int32) func(layerfs.ProgressEvent) {
		return func(ev layerfs.ProgressEvent) {
			switch {
			case ev.Done && ev.Cached:
				cached.Add(1)
			case ev.Done:
				analysed.Add(1)
			}
		}
	}
	ctx := context.Background()
	type walk struct {
		res []*layerfs.LayerResult
		err error
	}
	doneA, doneB := make(chan walk, 1), make(chan walk, 1)
	go func() {
		r, err := layerfs.Walk(ctx, srcA, layerfs.Options{Extractors: exts, Cache: first.LayerCache(), Parallel: n, Progress: count(&analysedA, new(atomic.Int32))})
		doneA <- walk{r, err}
	}()
	// Once A is inside both layers it holds both locks.
	deadline := time.Now().Add(10 * time.Second)
	for int(opensA.Load()) < n {
		if time.Now().After(deadline) {
			t.Fatal("the first walk did not open its layers")
		}
		time.Sleep(5 * time.Millisecond)
	}
	go func() {
		r, err := layerfs.Walk(ctx, srcB, layerfs.Options{Extractors: exts, Cache: second.LayerCache(), Parallel: n, Progress: count(&analysedB, &cachedB)})
		doneB <- walk{r, err}
	}()
	select {
	case w := <-doneB:
		t.Fatalf("the second walk finished while the first held the locks: %v", w.err)
	case <-time.After(400 * time.Millisecond):
	}
	close(gate)
	a, b := <-doneA, <-doneB
	if a.err != nil || b.err != nil {
		t.Fatalf("walks: %v, %v", a.err, b.err)
	}
	if opensB.Load() != 0 || analysedB.Load() != 0 || int(cachedB.Load()) != n {
		t.Errorf("second walk opened %d layers, analysed %d, read %d from the cache; want 0, 0, %d", opensB.Load(), analysedB.Load(), cachedB.Load(), n)
	}
	if int(analysedA.Load()) != n {
		t.Errorf("first walk analysed %d layers, want %d", analysedA.Load(), n)
	}
	pkgs := func(rs []*layerfs.LayerResult) (n int) {
		for _, r := range rs {
			for _, f := range r.Files {
				n += len(f.Result.Packages)
			}
		}
		return n
	}
	if pkgs(a.res) == 0 || pkgs(a.res) != pkgs(b.res) {
		t.Errorf("packages: first walk %d, second %d", pkgs(a.res), pkgs(b.res))
	}
}

// A holder that dies (stops renewing without unlocking) loses the lock
// after LockTTL, and a waiter takes over.
func TestLockOfDeadHolderExpires(t *testing.T) {
	srv := testredis.Start(t)
	const ttl = 600 * time.Millisecond
	dead := newBackend(t, srv, Options{LockTTL: ttl})
	alive := newBackend(t, srv, Options{LockTTL: ttl, Prefix: dead.opts.Prefix})
	ctx := context.Background()
	if _, err := dead.LayerCache().Lock(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	dead.Close() // stops renewing, leaves the lock
	start := time.Now()
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	unlock, err := alive.LayerCache().Lock(lctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if waited := time.Since(start); waited < ttl/2 || waited > ttl+2*time.Second {
		t.Errorf("took over the lock after %v, want about %v", waited, ttl)
	}
	// It is held now: a third caller waits.
	other := newBackend(t, srv, Options{LockTTL: ttl, Prefix: dead.opts.Prefix})
	sctx, scancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer scancel()
	if _, err := other.LayerCache().Lock(sctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("third caller: %v, want it to wait until its deadline", err)
	}
}

// A live holder renews its lock past LockTTL; unlock frees it at once.
func TestLockRenewedWhileHeld(t *testing.T) {
	srv := testredis.Start(t)
	// Renewed every third of a second; a loaded machine may delay one
	// renewal, not three.
	const ttl = time.Second
	holder := newBackend(t, srv, Options{LockTTL: ttl})
	waiter := newBackend(t, srv, Options{LockTTL: ttl, Prefix: holder.opts.Prefix})
	ctx := context.Background()
	unlock, err := holder.LayerCache().Lock(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 3*ttl)
	defer cancel()
	if _, err := waiter.LayerCache().Lock(wctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiter got a lock held and renewed for 3 TTLs: %v", err)
	}
	unlock()
	unlock() // a second call is harmless
	start := time.Now()
	u2, err := waiter.LayerCache().Lock(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	u2()
	if d := time.Since(start); d > ttl {
		t.Errorf("lock free after unlock took %v", d)
	}
}

func TestLayerCacheRoundTrip(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{})
	c := b.LayerCache()
	if _, ok := c.Get("sha256:x|v1"); ok {
		t.Fatal("hit on an empty cache")
	}
	value := bytes.Repeat([]byte("layer result "), 10000)
	if err := c.Put("sha256:x|v1", value); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get("sha256:x|v1")
	if !ok || !bytes.Equal(got, value) {
		t.Fatalf("Get: %d bytes, %v", len(got), ok)
	}
	stored, err := b.rdb.StrLen(context.Background(), b.key("layer", "sha256:x|v1")).Result()
	if err != nil || stored >= int64(len(value))/10 {
		t.Errorf("stored %d bytes for %d (compression), %v", stored, len(value), err)
	}
	// Another namespace does not see it.
	if _, ok := b.LayerCacheIn("client").Get("sha256:x|v1"); ok {
		t.Error("a client namespace sees the workers' results")
	}
	// A damaged entry is a miss.
	if err := b.rdb.Set(context.Background(), b.key("layer", "bad"), "not zstd", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("bad"); ok {
		t.Error("a damaged entry was a hit")
	}
}

// With Redis down the cache costs speed only: Get misses, Lock lets the
// caller analyse, Put says what failed.
func TestLayerCacheRedisDown(t *testing.T) {
	srv := testredis.Start(t)
	b := newBackend(t, srv, Options{})
	c := b.LayerCache()
	srv.Stop(t)
	start := time.Now()
	if _, ok := c.Get("k"); ok {
		t.Error("Get hit with Redis down")
	}
	if err := c.Put("k", []byte("v")); err == nil {
		t.Error("Put succeeded with Redis down")
	}
	unlock, err := c.Lock(context.Background(), "k")
	if err != nil {
		t.Fatalf("Lock with Redis down: %v", err)
	}
	unlock()
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v with Redis down", d)
	}
	// Concurrent walks with Redis down still succeed.
	var opens atomic.Int32
	open := make(chan struct{})
	close(open)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := layerfs.Walk(context.Background(), demoSource(t, &opens, open), layerfs.Options{Extractors: exts, Cache: c}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// A stored layer value is whatever Redis holds: decoding any bytes ends in
// a value or an error, never a crash or more than maxLayerResult, and
// what encodeLayer wrote comes back whole.
func FuzzDecodeLayer(f *testing.F) {
	f.Add(encodeLayer([]byte("a layer result")))
	f.Add(encodeLayer(nil))
	f.Add([]byte("not zstd"))
	f.Add(encodeLayer(bytes.Repeat([]byte{0}, 1<<20))[:40])
	f.Fuzz(func(t *testing.T, data []byte) {
		if out, err := decodeLayer(data); err == nil && len(out) > maxLayerResult {
			t.Fatalf("decoded %d bytes", len(out))
		}
		back, err := decodeLayer(encodeLayer(data))
		if err != nil || !bytes.Equal(back, data) {
			t.Fatalf("round trip of %d bytes: %d bytes, %v", len(data), len(back), err)
		}
	})
}

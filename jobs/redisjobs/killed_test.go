package redisjobs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/testredis"
	"github.com/bulwark-sec/bulwark/jobs"
)

// childEnv makes the test binary a worker process (see TestMain): it
// takes one job, says so on stdout, and then extends its lease for ever,
// as a worker in the middle of a long scan, until it is killed.
const childEnv = "REDISJOBS_TEST_WORKER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(runChildWorker(spec))
	}
	os.Exit(m.Run())
}

// runChildWorker's spec is "URL prefix lease".
func runChildWorker(spec string) int {
	f := strings.Fields(spec)
	lease, err := time.ParseDuration(f[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ctx := context.Background()
	b, err := New(ctx, Options{URL: f[0], Prefix: f[1], LeaseTimeout: lease})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l, err := b.Next(ctx, "child")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("took %s %d\n", l.Job().ID, l.Attempt())
	for {
		time.Sleep(lease / 4)
		if err := l.Extend(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
}

// A worker process killed with SIGKILL in the middle of a job: while it
// lived its lease held; once dead its job goes to another worker, at
// attempt 2, and is finished exactly once.
func TestKilledWorkerProcess(t *testing.T) {
	srv := testredis.Start(t)
	const lease = time.Second
	b := newBackend(t, srv, Options{LeaseTimeout: lease})
	ctx := context.Background()
	for _, id := range []string{"first", "second", "third"} {
		if err := b.Submit(ctx, jobs.Job{ID: id}); err != nil {
			t.Fatal(err)
		}
	}

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %s", childEnv, srv.URL, b.opts.Prefix, lease))
	child.Stderr = os.Stderr
	stdout, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	child.Stdout = w
	err = child.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { child.Wait(); close(exited) }()
	t.Cleanup(func() { child.Process.Kill(); <-exited })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("child worker: %v", err)
	}
	if line != "took first 1\n" {
		t.Fatalf("child worker said %q", line)
	}

	// Two workers in this process finish what they get; each finish is
	// counted in Redis, where a double would show.
	var mu sync.Mutex
	taken := map[string][]int{}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				l, err := b.Next(wctx, fmt.Sprint("w", w))
				if err != nil {
					return
				}
				mu.Lock()
				taken[l.Job().ID] = append(taken[l.Job().ID], l.Attempt())
				mu.Unlock()
				b.rdb.HIncrBy(ctx, b.key("finished"), l.Job().ID, 1)
				if err := l.Done(ctx); err != nil {
					t.Errorf("Done %s: %v", l.Job().ID, err)
				}
			}
		}()
	}
	// The living child keeps its job for several lease timeouts.
	time.Sleep(3 * lease)
	mu.Lock()
	if len(taken["first"]) != 0 {
		t.Errorf("the job of a living worker was taken: %v", taken)
	}
	mu.Unlock()

	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	deadline := time.Now().Add(lease + 5*time.Second)
	for {
		if d, err := b.Depth(ctx); err == nil && d == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the dead worker's job was not finished")
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	wg.Wait()
	want := map[string][]int{"first": {2}, "second": {1}, "third": {1}}
	if fmt.Sprint(taken) != fmt.Sprint(want) {
		t.Errorf("taken (job → attempts) %v, want %v", taken, want)
	}
	finished, err := b.rdb.HGetAll(ctx, b.key("finished")).Result()
	if err != nil || fmt.Sprint(finished) != "map[first:1 second:1 third:1]" {
		t.Errorf("finished counts %v, %v", finished, err)
	}
}

package server

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testredis"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/jobs/redisjobs"
)

// A fleet on one Redis: an API server with no workers of its own and two
// worker servers, each with its own connection, as separate processes
// would have. Four images on one base, each asked for three times at
// once: every job is done, every distinct layer is analysed exactly once
// in the whole fleet, and the reports agree.
func TestFleetOnRedis(t *testing.T) {
	rds := testredis.Start(t)
	host := testregistry.Start(t, testregistry.Options{})
	base := demo(t)
	baseLayers, _ := base.Layers()
	const images = 4
	for i := range images {
		extra, err := testimage.Layer([]testimage.File{{Path: fmt.Sprintf("app%d/requirements.txt", i), Body: []byte("urllib3==1.26.12\n")}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(base, extra)
		if err != nil {
			t.Fatal(err)
		}
		push(t, fmt.Sprintf("%s/fleet/app%d:1", host, i), img)
	}
	member := func(workers int) *harness { return fleetMember(t, rds.URL, host, workers, 20*time.Second, nil) }
	api, w1, w2 := member(0), member(2), member(2)

	var ids []string
	for range 3 {
		for i := range images {
			ids = append(ids, api.submit(jobs.Request{Image: fmt.Sprintf("%s/fleet/app%d:1", host, i)}))
		}
	}
	var first []string
	for _, id := range ids {
		if st := api.wait(id); st.State != jobs.Done {
			t.Fatalf("job %s: %s: %s", id, st.State, st.Error)
		}
		rep := api.report(id)
		got := vulnIDs(rep)
		if len(got) == 0 {
			t.Fatalf("job %s: no vulnerabilities", id)
		}
		if first == nil {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("job %s found %v, the first found %v", id, got, first)
		}
	}
	analysed := w1.metric("bulwark_layers_analysed_total") + w2.metric("bulwark_layers_analysed_total")
	if want := float64(len(baseLayers) + images); analysed != want {
		t.Errorf("the fleet analysed %v layers, want each of the %v distinct layers once", analysed, want)
	}
	if n := api.metric("bulwark_layers_analysed_total"); n != 0 {
		t.Errorf("the API server, which has no workers, analysed %v layers", n)
	}
	t.Logf("worker 1 analysed %v, worker 2 %v", w1.metric("bulwark_layers_analysed_total"), w2.metric("bulwark_layers_analysed_total"))
}

// Redis killed and started again while a fleet works through its queue
// (appendonly, as docs/server-redis.md asks): every job still ends done,
// none lost, and every report of an image agrees.
func TestFleetSurvivesRedisRestart(t *testing.T) {
	rds := testredis.Start(t)
	host := testregistry.Start(t, testregistry.Options{})
	push(t, host+"/fleet/demo:1", demo(t))
	extra, err := testimage.Layer([]testimage.File{{Path: "app/requirements.txt", Body: []byte("urllib3==1.26.12\n")}})
	if err != nil {
		t.Fatal(err)
	}
	derived, err := mutate.AppendLayers(demo(t), extra)
	if err != nil {
		t.Fatal(err)
	}
	push(t, host+"/fleet/derived:1", derived)
	member := func(workers int) *harness {
		// Every job scans: nothing is answered from a kept report.
		return fleetMember(t, rds.URL, host, workers, 3*time.Second, func(c *Config) { c.ReportTTL = time.Millisecond })
	}
	api := member(0)
	member(1)
	member(1)
	images := []string{host + "/fleet/demo:1", host + "/fleet/derived:1"}
	var ids []string
	for i := range 8 {
		ids = append(ids, api.submit(jobs.Request{Image: images[i%2]}))
	}
	// Restart Redis once the first job is done, with others still queued.
	waitFor(t, func() bool {
		st, err := api.s.store.Status(t.Context(), ids[0])
		return err == nil && st.State == jobs.Done
	})
	done := 0
	for _, id := range ids {
		if st, err := api.s.store.Status(t.Context(), id); err == nil && st.State == jobs.Done {
			done++
		}
	}
	rds.Restart(t)
	t.Logf("Redis restarted with %d of %d jobs done", done, len(ids))

	found := map[string][]string{}
	deadline := time.Now().Add(3 * time.Minute)
	for i, id := range ids {
		for {
			st, err := api.s.store.Status(t.Context(), id)
			if err == nil && st.State == jobs.Failed {
				t.Fatalf("job %d failed: %s", i, st.Error)
			}
			if err == nil && st.State == jobs.Done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %d not done 3 minutes on: %+v, %v", i, st, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		got := vulnIDs(api.report(id))
		img := images[i%2]
		if prev, ok := found[img]; ok && !slices.Equal(prev, got) {
			t.Errorf("%s: reports disagree:\n%v\n%v", img, prev, got)
		}
		found[img] = got
	}
}

// fleetMember is one process of a fleet on the Redis at redisURL: its own
// connection, workers workers, registry host allowed, the lease timeout
// given, changed by mut.
func fleetMember(t *testing.T, redisURL, host string, workers int, lease time.Duration, mut func(*Config)) *harness {
	t.Helper()
	b, err := redisjobs.New(context.Background(), redisjobs.Options{URL: redisURL, LeaseTimeout: lease})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return start(t, workers, func(c *Config) {
		c.AllowRegistries = []string{host}
		c.Queue, c.Store, c.LayerCache = b, b, b.LayerCache()
		c.LeaseTimeout = lease
		if mut != nil {
			mut(c)
		}
	})
}

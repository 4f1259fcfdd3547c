package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/jsonreport"
)

// DrainTimeout is how long a scan under way may go on once the workers
// are told to stop; then it is cancelled and its job left to the queue,
// which hands it to another worker when the lease runs out.
const DrainTimeout = 25 * time.Second

// RunWorkers scans queued jobs with n workers until ctx ends, and returns
// once they have all stopped. A stopping worker takes no new job and
// gives the one it holds DrainTimeout to finish.
func (s *Server) RunWorkers(ctx context.Context, n int) {
	host, _ := os.Hostname()
	var wg sync.WaitGroup
	for i := range n {
		worker := fmt.Sprintf("%s/%d/%d", host, os.Getpid(), i)
		wg.Go(func() { s.work(ctx, worker) })
	}
	wg.Wait()
}

func (s *Server) work(ctx context.Context, worker string) {
	for ctx.Err() == nil {
		lease, err := s.queue.Next(ctx, worker)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("queue: next job", "worker", worker, "err", err)
			t := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
			continue
		}
		s.runJob(ctx, worker, lease)
	}
}

// errScanTimeout is the cause of a scan cancelled by Config.ScanTimeout.
var errScanTimeout = errors.New("scan timeout")

// runJob scans one job and stores its outcome, keeping the lease alive
// meanwhile. A lease lost to another worker ends the scan and drops its
// result; a server stopping past DrainTimeout ends it and puts the job
// back to queued for the next worker.
func (s *Server) runJob(stop context.Context, worker string, lease jobs.Lease) {
	job := lease.Job()
	log := s.log.With("job", job.ID, "worker", worker, "attempt", lease.Attempt())
	// Results are written even while the server stops.
	bg := context.WithoutCancel(stop)
	setStatus := func(state jobs.State, msg string) {
		st := jobs.Status{ID: job.ID, State: state, Error: msg, Updated: time.Now().UTC(), Attempts: lease.Attempt()}
		if err := s.store.SetStatus(bg, st); err != nil {
			log.Error("store: status", "state", state, "err", err)
		}
	}
	setStatus(jobs.Running, "")
	log.Info("scan started", "image", job.Request.Image)

	scanCtx, cancel := context.WithTimeoutCause(bg, s.cfg.ScanTimeout, errScanTimeout)
	defer cancel()
	var lost, stopped atomic.Bool
	finished := make(chan struct{})
	var keeper sync.WaitGroup
	keeper.Go(func() {
		tick := time.NewTicker(max(s.cfg.LeaseTimeout/3, 10*time.Millisecond))
		defer tick.Stop()
		stopping := stop.Done()
		var drain <-chan time.Time
		for {
			select {
			case <-finished:
				return
			case <-tick.C:
				if err := lease.Extend(scanCtx); errors.Is(err, jobs.ErrLeaseLost) {
					lost.Store(true)
					cancel()
					return
				} else if err != nil && scanCtx.Err() == nil {
					log.Warn("queue: extend lease", "err", err)
				}
			case <-stopping:
				stopping = nil
				drain = time.After(DrainTimeout)
			case <-drain:
				stopped.Store(true)
				cancel()
				return
			}
		}
	})
	start := time.Now()
	data, cached, err := s.safeScan(scanCtx, job.Request)
	close(finished)
	keeper.Wait()
	if errors.Is(context.Cause(scanCtx), errScanTimeout) {
		err = fmt.Errorf("the scan took longer than the server's limit of %s", s.cfg.ScanTimeout)
	}
	switch {
	case lost.Load():
		log.Warn("lease lost to another worker: result dropped")
		return
	case stopped.Load():
		log.Warn("server stopping: scan cancelled, job left for another worker")
		setStatus(jobs.Queued, "")
		return
	}
	// A last check that the job is still this worker's: a lease lost
	// while the scan finished must not overwrite another worker's result.
	if xerr := lease.Extend(bg); errors.Is(xerr, jobs.ErrLeaseLost) {
		log.Warn("lease lost to another worker: result dropped")
		return
	}
	if err == nil {
		if err = s.store.PutReport(bg, job.ID, data); err != nil {
			err = fmt.Errorf("store: %w", err)
		}
	}
	outcome := "done"
	switch {
	case err != nil:
		outcome = "failed"
		setStatus(jobs.Failed, err.Error())
		log.Warn("scan failed", "err", err, "seconds", time.Since(start).Seconds())
	default:
		if cached {
			outcome = "cached"
		}
		setStatus(jobs.Done, "")
		log.Info("scan done", "cached", cached, "seconds", time.Since(start).Seconds())
	}
	s.metrics.scans.WithLabelValues(outcome).Inc()
	s.metrics.duration.Observe(time.Since(start).Seconds())
	if err := lease.Done(bg); err != nil {
		log.Warn("queue: done", "err", err)
	}
}

// safeScan is scan with a panic turned into the job's error: one bad
// image must not take the workers down with it.
func (s *Server) safeScan(ctx context.Context, req jobs.Request) (data []byte, cached bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("scan panicked", "image", req.Image, "panic", r, "stack", string(debug.Stack()))
			data, cached, err = nil, false, fmt.Errorf("internal error: the scan panicked: %v", r)
		}
	}()
	return s.scan(ctx, req)
}

// scan resolves the image to its digest and answers from a report kept
// for that digest, these scanners and this database, or scans it. The
// registry is asked for the digest with the job's credentials even when
// the request names one, so that a kept report is only given to whoever
// may pull the image.
func (s *Server) scan(ctx context.Context, req jobs.Request) ([]byte, bool, error) {
	ref, err := s.guard.reference(ctx, req.Image, req.Insecure)
	if err != nil {
		return nil, false, err
	}
	sc, err := s.scanners(req.Scanners)
	if err != nil {
		return nil, false, err
	}
	plat, err := platformKey(req.Platform)
	if err != nil {
		return nil, false, err
	}
	iopts := s.imageOptions(ref, req)
	digest, err := s.resolve(ctx, ref, iopts)
	if err != nil {
		return nil, false, err
	}
	dbID := "none"
	if sc.Vuln {
		if dbID, _, err = s.db.identity(); err != nil {
			return nil, false, err
		}
	}
	key := fmt.Sprintf("report/%s@%s|%s|%s|db:%s|%s", ref.Context().Name(), digest, plat, scannerList(sc), dbID, pipeline.Tool().Version)
	if kept, err := s.store.Recall(ctx, key); err == nil {
		var rep report.Report
		if err := json.Unmarshal(kept, &rep); err == nil {
			data, err := encodeReport(&rep, req, ref)
			return data, err == nil, err
		}
		s.log.Warn("store: kept report unreadable; scanning again", "key", key)
	} else if !errors.Is(err, jobs.ErrNotFound) {
		s.log.Warn("store: recall", "key", key, "err", err)
	}
	opts := s.scanOptions(sc, iopts)
	opts.Progress = layerCounter{m: s.metrics, next: opts.Progress}
	rep, err := pipeline.Run(ctx, pipeline.Target{Reference: ref.Context().Digest(digest.String()).String()}, opts)
	if err != nil {
		return nil, false, err
	}
	data, err := encodeReport(rep, req, ref)
	if err != nil {
		return nil, false, err
	}
	if err := s.store.Remember(ctx, key, data, s.cfg.ReportTTL); err != nil {
		s.log.Warn("store: remember", "key", key, "err", err)
	}
	return data, false, nil
}

// encodeReport names the image in the report as the request did (the scan
// itself was of the digest) and writes it as JSON.
func encodeReport(rep *report.Report, req jobs.Request, ref name.Reference) ([]byte, error) {
	rep.Artifact.Name = req.Image
	rep.Artifact.RepoTags = nil
	if t, ok := ref.(name.Tag); ok {
		rep.Artifact.RepoTags = []string{t.String()}
	}
	var buf bytes.Buffer
	if err := jsonreport.Write(&buf, rep); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// imageOptions are how the workers reach a request's registry: through
// the guard's transport, with the request's credentials and platform,
// and never at a local file or engine.
func (s *Server) imageOptions(ref name.Reference, req jobs.Request) image.Options {
	o := s.cfg.Pipeline.Image
	o.Authorization = req.Authorization
	o.Platform = req.Platform
	o.Transport = s.guard.transport
	o.Insecure = s.guard.insecure[ref.Context().RegistryStr()] || req.Insecure
	o.RegistryOnly = true
	return o
}

// scanOptions are the server's base options with the scanners, the image
// options and the layer cache of one scan. Every scan reads the server's
// one database file and never downloads.
func (s *Server) scanOptions(sc pipeline.Scanners, iopts image.Options) pipeline.Options {
	o := s.cfg.Pipeline
	o.Scanners = sc
	o.Image = iopts
	o.DB.Path = s.db.path
	o.LayerCache = s.layers
	o.Log = &logWriter{log: s.log}
	o.Quiet = true
	return o
}

// resolve asks the registry for the digest ref names now.
func (s *Server) resolve(ctx context.Context, ref name.Reference, iopts image.Options) (v1.Hash, error) {
	if _, err := iopts.RemoteOptions(ctx); err != nil {
		return v1.Hash{}, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	desc, err := image.Resolve(ctx, ref, iopts)
	if err != nil {
		return v1.Hash{}, registryFailure(ref, err)
	}
	return desc.Digest, nil
}

// registryFailure says in one line why the registry did not give the
// image.
func registryFailure(ref name.Reference, err error) error {
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch terr.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("image %s: access denied by the registry (HTTP %d): the request's authorization is missing or wrong", ref, terr.StatusCode)
		case http.StatusNotFound:
			return fmt.Errorf("image %s: not found in the registry", ref)
		}
		return fmt.Errorf("image %s: the registry answered HTTP %d: %v", ref, terr.StatusCode, err)
	}
	return fmt.Errorf("image %s: cannot reach registry %s: %w", ref, ref.Context().RegistryStr(), err)
}

// platformKey is a request's platform as the scan picks it: linux and the
// worker's architecture when none is given.
func platformKey(p string) (string, error) {
	if p == "" {
		return "linux/" + runtime.GOARCH, nil
	}
	plat, err := v1.ParsePlatform(p)
	if err != nil || plat.OS == "" || plat.Architecture == "" {
		return "", fmt.Errorf("%w: platform %q: want os/arch[/variant]", ErrBadRequest, p)
	}
	return plat.String(), nil
}

// scannerList writes scanners in one order, for keys.
func scannerList(sc pipeline.Scanners) string {
	var names []string
	for _, s := range []struct {
		on   bool
		name string
	}{{sc.Vuln, "vuln"}, {sc.Secret, "secret"}, {sc.Misconfig, "misconfig"}} {
		if s.on {
			names = append(names, s.name)
		}
	}
	return strings.Join(names, ",")
}

// layerCounter counts the layers each scan analyses and those it takes
// from the cache, passing the events on to the configured Progress.
type layerCounter struct {
	m    *metrics
	next pipeline.Progress
}

func (c layerCounter) Start(layers int) {
	if c.next != nil {
		c.next.Start(layers)
	}
}

func (c layerCounter) Event(ev layerfs.ProgressEvent) {
	if ev.Done {
		if ev.Cached {
			c.m.layersCached.Inc()
		} else {
			c.m.layersAnalysed.Inc()
		}
	}
	if c.next != nil {
		c.next.Event(ev)
	}
}

func (c layerCounter) Finish() {
	if c.next != nil {
		c.next.Finish()
	}
}

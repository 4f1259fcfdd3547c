package admission

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/sync/singleflight"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/verify"
)

// Scanner is what the webhook needs of a scan service: turn an image
// reference into one pinned by digest, and the report of a pinned image.
// The scan server implements it with its queue and report cache;
// DirectScanner does it in this process.
type Scanner interface {
	// Resolve returns ref pinned by digest (repository@sha256:…). A
	// reference already pinned is returned as it is, without asking the
	// registry.
	Resolve(ctx context.Context, ref string) (string, error)
	// Scan returns the report of a pinned image, from a cache when one
	// is at hand. When ctx ends first it returns ctx's error; the scan
	// may go on in the background so that a retry finds its report.
	Scan(ctx context.Context, digestRef string) (*report.Report, error)
}

// SignatureChecker is a Scanner that can also check a pinned image's
// signatures, which a policy with requireSignature needs.
type SignatureChecker interface {
	CheckSignatures(ctx context.Context, digestRef string, opts verify.Options) (*result.SignatureCheck, error)
}

// CheckSignatures checks digestRef's signatures with the scanner's
// registry options.
func (s *DirectScanner) CheckSignatures(ctx context.Context, digestRef string, opts verify.Options) (*result.SignatureCheck, error) {
	rep, err := pipeline.Verify(ctx, digestRef, s.Options.Image, opts)
	if err != nil {
		return nil, err
	}
	return rep.Signatures, nil
}

// DirectScanner resolves tags with a HEAD request to the registry and
// scans with pipeline.Run in this process, keeping reports in memory by
// digest. Identical digests asked for at once are scanned once. It is
// safe for concurrent use; the zero value is not usable, fill in Options.
type DirectScanner struct {
	// Options are the scan's: scanners, database, image options (the
	// registry credentials and transport the webhook pulls with).
	Options pipeline.Options
	// Parallel bounds the scans running at once (default 2).
	Parallel int
	// ScanTimeout bounds one scan, which outlives the review that asked
	// for it (default 10 minutes).
	ScanTimeout time.Duration
	// Base is the context scans run under, apart from the reviews that
	// ask for them (default context.Background()); cancel it at shutdown
	// to stop the scans still running.
	Base context.Context
	// TTL is how long a report is reused (default 1 hour: the database
	// may have learnt of new vulnerabilities since); MaxReports bounds
	// the cache (default 512).
	TTL        time.Duration
	MaxReports int
	// ResolveTTL is how long a tag's digest is reused (default 30s): the
	// pods of one ReplicaSet are admitted one by one, and each would
	// otherwise ask the registry again. A tag moved within it is seen
	// that much later.
	ResolveTTL time.Duration

	once     sync.Once
	sem      chan struct{}
	flight   singleflight.Group
	mu       sync.Mutex
	cache    map[string]cached
	resolved map[string]resolution
}

type resolution struct {
	digestRef string
	at        time.Time
}

type cached struct {
	rep  *report.Report
	made time.Time
}

func (s *DirectScanner) init() {
	s.once.Do(func() {
		if s.Parallel <= 0 {
			s.Parallel = 2
		}
		if s.ScanTimeout <= 0 {
			s.ScanTimeout = 10 * time.Minute
		}
		if s.TTL <= 0 {
			s.TTL = time.Hour
		}
		if s.MaxReports <= 0 {
			s.MaxReports = 512
		}
		if s.ResolveTTL <= 0 {
			s.ResolveTTL = 30 * time.Second
		}
		s.sem = make(chan struct{}, s.Parallel)
		s.cache = map[string]cached{}
		s.resolved = map[string]resolution{}
	})
}

func (s *DirectScanner) parse(ref string) (name.Reference, error) {
	var opts []name.Option
	if s.Options.Image.Insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	return r, nil
}

// Resolve asks the registry for the digest a tag points at, or reuses
// an answer younger than ResolveTTL.
func (s *DirectScanner) Resolve(ctx context.Context, ref string) (string, error) {
	s.init()
	r, err := s.parse(ref)
	if err != nil {
		return "", err
	}
	if d, ok := r.(name.Digest); ok {
		return d.String(), nil
	}
	key := r.Name()
	s.mu.Lock()
	res, ok := s.resolved[key]
	s.mu.Unlock()
	if ok && time.Since(res.at) < s.ResolveTTL {
		return res.digestRef, nil
	}
	desc, err := image.Resolve(ctx, r, s.Options.Image)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("image %s: resolve the tag: %w", ref, err)
	}
	digestRef := r.Context().Digest(desc.Digest.String()).String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.resolved) >= s.MaxReports {
		clear(s.resolved) // a burst of distinct tags; they are cheap to ask again
	}
	s.resolved[key] = resolution{digestRef: digestRef, at: time.Now()}
	return digestRef, nil
}

// Scan returns the cached report of digestRef's digest, or scans it.
func (s *DirectScanner) Scan(ctx context.Context, digestRef string) (*report.Report, error) {
	s.init()
	r, err := s.parse(digestRef)
	if err != nil {
		return nil, err
	}
	d, ok := r.(name.Digest)
	if !ok {
		return nil, fmt.Errorf("image %s: not pinned by digest", digestRef)
	}
	key := d.DigestStr()
	if rep := s.recall(key); rep != nil {
		return rep, nil
	}
	ch := s.flight.DoChan(key, func() (any, error) {
		// The scan belongs to no one review: it goes on when the review
		// that started it gives up, so that the retry finds its report.
		base := s.Base
		if base == nil {
			base = context.Background()
		}
		sctx, cancel := context.WithTimeout(base, s.ScanTimeout)
		defer cancel()
		if err := sctx.Err(); err != nil {
			return nil, err
		}
		select {
		case s.sem <- struct{}{}:
			defer func() { <-s.sem }()
		case <-sctx.Done():
			return nil, sctx.Err()
		}
		if rep := s.recall(key); rep != nil {
			return rep, nil
		}
		rep, err := pipeline.Run(sctx, pipeline.Target{Reference: d.String()}, s.Options)
		if err != nil {
			return nil, err
		}
		s.remember(key, rep)
		return rep, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*report.Report), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *DirectScanner) recall(key string) *report.Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cache[key]
	if !ok || time.Since(c.made) > s.TTL {
		delete(s.cache, key)
		return nil
	}
	return c.rep
}

func (s *DirectScanner) remember(key string, rep *report.Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cache) >= s.MaxReports {
		oldest, at := "", time.Time{}
		for k, c := range s.cache {
			if oldest == "" || c.made.Before(at) {
				oldest, at = k, c.made
			}
		}
		delete(s.cache, oldest)
	}
	s.cache[key] = cached{rep: rep, made: time.Now()}
}

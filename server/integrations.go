package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/server/admission"
	"github.com/bulwark-sec/bulwark/server/harbor"
	"github.com/bulwark-sec/bulwark/verify"
)

// mountIntegrations serves Harbor's scanner API under /api/v1/ (behind
// the token: Harbor sends the Authorization value its scanner
// registration holds, "Bearer TOKEN"), and the admission webhook at
// admission.Path when an admission policy is configured. The Kubernetes
// API server sends no bearer token; it trusts the webhook by its TLS
// certificate.
func (s *Server) mountIntegrations() {
	s.Mount("/api/v1/", s.RequireToken(harbor.Handler(harborScanner{s}, harbor.Options{})))
	if s.cfg.Admission != nil {
		s.Mount("POST "+admission.Path, admission.Handler(admissionScanner{s}, *s.cfg.Admission, admission.Options{Log: s.log}))
	}
}

// harborScanner is the server as Harbor's adapter sees it: the same
// queue, workers and reports as /v1/scans.
type harborScanner struct{ s *Server }

func (h harborScanner) Submit(ctx context.Context, req jobs.Request) (string, error) {
	st, err := h.s.Submit(ctx, req)
	if errors.Is(err, ErrBadRequest) {
		return "", fmt.Errorf("%w: %v", harbor.ErrRefused, err)
	}
	return st.ID, err
}

func (h harborScanner) Status(ctx context.Context, id string) (jobs.Status, error) {
	return h.s.store.Status(ctx, id)
}

func (h harborScanner) Report(ctx context.Context, id string) (*report.Report, error) {
	data, err := h.s.store.Report(ctx, id)
	if err != nil {
		return nil, err
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("server: report of job %s: %w", id, err)
	}
	return &rep, nil
}

func (h harborScanner) Metadata(ctx context.Context) (harbor.ScannerInfo, error) {
	_, updated, err := h.s.db.identity()
	if err != nil {
		// Metadata still answers; the database's absence shows in /readyz.
		h.s.log.Warn("harbor metadata: no database", "err", err)
	}
	return harbor.ScannerInfo{Name: "Bulwark", Vendor: "Bulwark", Version: pipeline.Tool().Version, DBUpdatedAt: updated}, nil
}

// admissionScanner resolves and scans through the server: tags are
// resolved by the workers' guarded transport, and scans go through the
// queue, so a fleet's workers and kept reports serve the webhook too.
type admissionScanner struct{ s *Server }

func (a admissionScanner) Resolve(ctx context.Context, ref string) (string, error) {
	r, err := a.s.guard.reference(ctx, ref, false)
	if err != nil {
		return "", err
	}
	if d, ok := r.(name.Digest); ok {
		return d.String(), nil
	}
	h, err := a.s.resolve(ctx, r, a.s.imageOptions(r, jobs.Request{Image: ref}))
	if err != nil {
		return "", err
	}
	return r.Context().Digest(h.String()).String(), nil
}

func (a admissionScanner) Scan(ctx context.Context, digestRef string) (*report.Report, error) {
	st, err := a.s.Submit(ctx, jobs.Request{Image: digestRef})
	if err != nil {
		return nil, err
	}
	// The job goes on if ctx ends first: a retried review finds its
	// report kept under the digest.
	if st, err = a.s.Wait(ctx, st.ID); err != nil {
		return nil, err
	}
	if st.State != jobs.Done {
		return nil, fmt.Errorf("scan of %s %s: %s", digestRef, st.State, st.Error)
	}
	return harborScanner(a).Report(ctx, st.ID)
}

// CheckSignatures checks a pinned image's signatures through the same
// guarded transport and allow-list as its scan.
func (a admissionScanner) CheckSignatures(ctx context.Context, digestRef string, opts verify.Options) (*result.SignatureCheck, error) {
	r, err := a.s.guard.reference(ctx, digestRef, false)
	if err != nil {
		return nil, err
	}
	rep, err := pipeline.Verify(ctx, r.String(), a.s.imageOptions(r, jobs.Request{Image: digestRef}), opts)
	if err != nil {
		return nil, err
	}
	return rep.Signatures, nil
}

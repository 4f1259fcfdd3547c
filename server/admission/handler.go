// Package admission is Bulwark's Kubernetes validating admission webhook:
// it reads an admission.k8s.io/v1 AdmissionReview for a Pod or a workload
// that templates pods, resolves each container image to a digest, has it
// scanned (or takes a cached report), runs the configuration checks on the
// object itself, and answers allow or deny by a Policy, with a reason a
// person can act on. A time budget bounds every answer; when it runs out,
// or a scan fails, the policy's failure policy decides and the answer says
// which happened.
package admission

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Path is where the webhook is served.
const Path = "/admission/validate"

// DefaultMaxBody bounds a review: the API server caps a request at 3 MiB
// and a review carries the object and, on updates, the old object.
const DefaultMaxBody = 7 << 20

// maxWarning bounds one warning: the API server truncates longer ones.
const maxWarning = 256

// Options tune the handler.
type Options struct {
	// MaxBody bounds the request body (default DefaultMaxBody).
	MaxBody int64
	// Parallel bounds how many images of one review are resolved or
	// scanned at once (default 4).
	Parallel int
	// Log receives one line per answer; nil discards them.
	Log *slog.Logger
}

// Handler serves POST Path: it answers every AdmissionReview with the
// same UID, and malformed bodies with 400. p must have been normalized
// (LoadPolicy and ParsePolicy do it).
func Handler(s Scanner, p Policy, opts Options) http.Handler {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &handler{eval: evaluator{scanner: s, policy: p, parallel: opts.Parallel}, opts: opts}
}

type handler struct {
	eval evaluator
	opts Options
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "admission: POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	body := http.MaxBytesReader(w, r.Body, h.opts.MaxBody)
	rev, err := DecodeReview(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, fmt.Sprintf("admission: review larger than %d bytes", h.opts.MaxBody), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "admission: "+err.Error(), http.StatusBadRequest)
		return
	}
	resp := h.Review(r.Context(), rev.Request)
	out := admissionv1.AdmissionReview{TypeMeta: rev.TypeMeta, Response: resp}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		h.opts.Log.Warn("admission: write answer", "uid", resp.UID, "err", err)
	}
}

// Review answers one admission request within the policy's time budget.
func (h *handler) Review(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	p := h.eval.policy
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	what := fmt.Sprintf("%s %s/%s", req.Kind.Kind, req.Namespace, req.Name)
	switch {
	case req.Operation == admissionv1.Delete || req.Operation == admissionv1.Connect:
		return resp
	case p.exempt(req.Namespace):
		h.log(req, what, resp, "namespace exempt")
		return resp
	}
	ctx, cancel := context.WithTimeout(ctx, p.TimeBudget)
	defer cancel()

	var v verdict
	w, ok, err := readWorkload(req.Object.Raw, req.Namespace)
	switch {
	case err != nil:
		v.failures = append(v.failures, fmt.Sprintf("%s: cannot read the object (%s): %v", what, p.failureAnswer(), err))
	case !ok:
		h.log(req, what, resp, "not a workload")
		return resp
	default:
		var old *workload
		if req.Operation == admissionv1.Update {
			// An old object that does not read counts as none: every image
			// and finding is then judged as new, the strict reading.
			old, _, _ = readWorkload(req.OldObject.Raw, req.Namespace)
		}
		v = h.eval.evaluate(ctx, w, old)
	}
	deny := len(v.denials) > 0 || (len(v.failures) > 0 && p.FailurePolicy == FailClosed)
	reasons := append(v.denials, v.failures...)
	switch {
	case deny && p.Mode == ModeEnforce:
		resp.Allowed = false
		resp.Result = &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusForbidden,
			Reason:  metav1.StatusReasonForbidden,
			Message: "bulwark: " + strings.Join(reasons, "\n"),
		}
	case len(reasons) > 0:
		prefix := "bulwark: "
		if deny {
			prefix = "bulwark (warn mode, would deny): "
		}
		for _, r := range reasons {
			resp.Warnings = append(resp.Warnings, truncate(prefix+r, maxWarning))
		}
	}
	h.log(req, what, resp, strings.Join(reasons, " | "))
	return resp
}

func (h *handler) log(req *admissionv1.AdmissionRequest, what string, resp *admissionv1.AdmissionResponse, why string) {
	h.opts.Log.Info("admission", "uid", req.UID, "operation", req.Operation, "object", what,
		"allowed", resp.Allowed, "why", why)
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

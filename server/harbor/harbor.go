// Package harbor is Harbor's Pluggable Scanner API (version 1.2 of the
// specification at github.com/goharbor/pluggable-scanner-spec) in front
// of a scan server: Harbor registers the adapter, asks its metadata,
// posts scan requests for artifacts in its registry and polls for their
// vulnerability reports and SBOMs.
//
// The adapter holds no state of its own: a Scanner (the server's queue,
// store and workers) scans, and every answer is made from the job's
// status and report.
//
// Authentication is the mounting server's business: Harbor sends, on
// every call, the Authorization header its scanner registration
// configures, so registering with the "Bearer" authorization and the
// server's token as credential passes the server's Bearer check. The
// registry credential Harbor puts in a scan request is another one; it
// travels with the job to the worker that pulls the image.
//
// A server mounts it behind its own authentication:
//
//	mux.Handle("/api/v1/", requireToken(harbor.Handler(scanner, harbor.Options{})))
package harbor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/jsonreport"
)

// Scanner is what the adapter needs of the scan server.
type Scanner interface {
	// Submit queues a scan and returns its job ID. An error wrapping
	// ErrRefused (a registry the server may not reach, say) is the
	// request's fault and answers 422.
	Submit(ctx context.Context, req jobs.Request) (string, error)
	// Status is the job's state; jobs.ErrNotFound for an unknown ID.
	Status(ctx context.Context, id string) (jobs.Status, error)
	// Report is a done job's report; jobs.ErrNotFound when there is none
	// (any more).
	Report(ctx context.Context, id string) (*report.Report, error)
	// Metadata describes the scanner and its database.
	Metadata(ctx context.Context) (ScannerInfo, error)
}

// ScannerInfo is what /metadata says of the scanner.
type ScannerInfo struct {
	Name, Vendor, Version string
	// DBUpdatedAt is when the vulnerability database was last updated;
	// zero when unknown.
	DBUpdatedAt time.Time
}

// ErrRefused marks a scan request the Scanner will not take.
var ErrRefused = errors.New("scan request refused")

// Options tune the adapter; the zero value is ready to use.
type Options struct {
	// RefreshAfter is the poll interval suggested to Harbor while a scan
	// runs (the Refresh-After header, whole seconds); 0 means
	// DefaultRefreshAfter.
	RefreshAfter time.Duration
	// Log receives failures that are the server's, not the caller's;
	// nil discards them.
	Log *slog.Logger
}

// DefaultRefreshAfter is Harbor's own default poll interval.
const DefaultRefreshAfter = 5 * time.Second

// Metadata property keys Harbor knows.
const (
	PropScannerType = "harbor.scanner-adapter/scanner-type"
	PropDBUpdatedAt = "harbor.scanner-adapter/vulnerability-database-updated-at"
)

type handler struct {
	s    Scanner
	opts Options
}

// Handler serves the API under /api/v1/ (the full paths: mount it at
// "/api/v1/" without stripping the prefix).
func Handler(s Scanner, opts Options) http.Handler {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	h := &handler{s: s, opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/metadata", h.metadata)
	mux.HandleFunc("POST /api/v1/scan", h.scan)
	mux.HandleFunc("GET /api/v1/scan/{id}/report", h.report)
	return mux
}

// metadataDoc is the ScannerAdapterMetadata schema.
type metadataDoc struct {
	Scanner      ScannerID         `json:"scanner"`
	Capabilities []capabilityDoc   `json:"capabilities"`
	Properties   map[string]string `json:"properties,omitempty"`
}

type capabilityDoc struct {
	Type                 string         `json:"type,omitempty"`
	ConsumesMimeTypes    []string       `json:"consumes_mime_types"`
	ProducesMimeTypes    []string       `json:"produces_mime_types"`
	AdditionalAttributes map[string]any `json:"additional_attributes,omitempty"`
}

// scannerID is who the Scanner says it is; Harbor refuses a scanner whose
// name, vendor or version is empty, so this program's own stand in.
func (h *handler) scannerID(ctx context.Context) (ScannerID, ScannerInfo, error) {
	info, err := h.s.Metadata(ctx)
	if err != nil {
		return ScannerID{}, info, fmt.Errorf("scanner metadata: %w", err)
	}
	id := ScannerID{Name: info.Name, Vendor: info.Vendor, Version: info.Version}
	tool := pipeline.Tool()
	if id.Name == "" {
		id.Name = DefaultName
	}
	if id.Vendor == "" {
		id.Vendor = DefaultName
	}
	if id.Version == "" {
		id.Version = tool.Version
	}
	return id, info, nil
}

// DefaultName names the scanner and its vendor when ScannerInfo does not.
const DefaultName = "Bulwark"

func (h *handler) metadata(w http.ResponseWriter, r *http.Request) {
	// The specification has no answer for an Accept it does not list:
	// such a client gets the newest version.
	mt, ok := negotiate(r.Header.Get("Accept"), []string{MimeMetadata10, MimeMetadata11}, MimeMetadata11)
	if !ok {
		mt = MimeMetadata11
	}
	id, info, err := h.scannerID(r.Context())
	if err != nil {
		h.internal(w, err)
		return
	}
	// Harbor asks for version 1.0 to this day and reads the capability
	// types all the same (an older Harbor ignores them, and finds the
	// vulnerability capability first): both versions get one document.
	doc := metadataDoc{
		Scanner: id,
		Capabilities: []capabilityDoc{{
			Type:              CapabilityVulnerability,
			ConsumesMimeTypes: consumes,
			ProducesMimeTypes: vulnProduces,
		}, {
			Type:                 CapabilitySBOM,
			ConsumesMimeTypes:    consumes,
			ProducesMimeTypes:    sbomProduces,
			AdditionalAttributes: map[string]any{"sbom_media_types": sbomMediaList},
		}},
		Properties: map[string]string{PropScannerType: "os-package-vulnerability"},
	}
	if !info.DBUpdatedAt.IsZero() {
		doc.Properties[PropDBUpdatedAt] = info.DBUpdatedAt.UTC().Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, mt, doc)
}

func (h *handler) scan(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "" && oneOf(ct, []string{MimeScanRequest10, MimeScanRequest11, "application/json"}) == "" {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Content-Type %q is not %s", ct, MimeScanRequest11))
		return
	}
	req, err := DecodeScanRequest(http.MaxBytesReader(w, r.Body, MaxRequestSize+1))
	if err == nil {
		var job jobs.Request
		if job, err = req.Job(); err == nil {
			var id string
			if id, err = h.s.Submit(r.Context(), job); err == nil {
				writeJSON(w, http.StatusAccepted, MimeScanResponse, map[string]string{"id": id})
				return
			}
			if !errors.Is(err, ErrRefused) {
				h.internal(w, fmt.Errorf("submitting the scan of %s: %w", job.Image, err))
				return
			}
			err = invalidField("%v", err)
		}
	}
	var re *RequestError
	if errors.As(err, &re) {
		writeError(w, re.Status, re.Message)
		return
	}
	h.internal(w, err)
}

func (h *handler) report(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	offers := append(append([]string(nil), vulnProduces...), sbomProduces...)
	mt, ok := negotiate(r.Header.Get("Accept"), offers, MimeHarborReport)
	if !ok {
		writeError(w, http.StatusNotImplemented, fmt.Sprintf("no report is produced as %q", r.Header.Get("Accept")))
		return
	}
	sbomType := ""
	if mt == MimeSBOMReport {
		// An unescaped "application/spdx+json" arrives with a space for
		// its "+": no media type has a space, so it is taken back.
		q := strings.ReplaceAll(r.URL.Query().Get("sbom_media_type"), " ", "+")
		if sbomType = oneOf(q, sbomMediaList); sbomType == "" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("sbom_media_type %q: want %s or %s", q, MediaSPDX, MediaCycloneDX))
			return
		}
	}
	st, err := h.s.Status(ctx, id)
	if err != nil {
		h.lookupFailed(w, fmt.Errorf("status of scan %q: %w", id, err))
		return
	}
	switch st.State {
	case jobs.Failed:
		writeError(w, http.StatusInternalServerError, "scan failed: "+st.Error)
		return
	case jobs.Done:
	default:
		secs := strconv.Itoa(h.refreshSeconds())
		w.Header().Set("Refresh-After", secs)
		w.Header().Set("Retry-After", secs)
		w.WriteHeader(http.StatusFound)
		return
	}
	rep, err := h.s.Report(ctx, id)
	if err != nil {
		h.lookupFailed(w, fmt.Errorf("report of scan %q: %w", id, err))
		return
	}
	scanner, _, err := h.scannerID(ctx)
	if err != nil {
		h.internal(w, err)
		return
	}
	if rep.Tool.Version != "" {
		scanner.Version = rep.Tool.Version
	}
	switch mt {
	case MimeRawReport:
		w.Header().Set("Content-Type", mt)
		if err := jsonreport.Write(w, rep); err != nil {
			h.opts.Log.Error("harbor: writing a raw report", "scan", id, "err", err)
		}
	case MimeSBOMReport:
		doc, err := SBOMReportOf(rep, scanner, sbomType)
		if err != nil {
			h.internal(w, err)
			return
		}
		writeJSON(w, http.StatusOK, mt, doc)
	default:
		writeJSON(w, http.StatusOK, mt, VulnerabilityReportOf(rep, scanner))
	}
}

func (h *handler) refreshSeconds() int {
	d := h.opts.RefreshAfter
	if d <= 0 {
		d = DefaultRefreshAfter
	}
	// Harbor reads the header as an 8-bit integer.
	return min(max(int(d.Round(time.Second)/time.Second), 1), 127)
}

// lookupFailed answers a failed look-up of a scan: 404 when the store
// does not know it (Harbor then fails the job and sends a new request),
// 500 otherwise.
func (h *handler) lookupFailed(w http.ResponseWriter, err error) {
	if errors.Is(err, jobs.ErrNotFound) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	h.internal(w, err)
}

// internal answers 500 for a failure of the server, logged with its
// detail.
func (h *handler) internal(w http.ResponseWriter, err error) {
	h.opts.Log.Error("harbor adapter", "err", err)
	writeError(w, http.StatusInternalServerError, err.Error())
}

// errorDoc is the ErrorResponse schema.
type errorDoc struct {
	Error struct {
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	var e errorDoc
	e.Error.Message = msg
	writeJSON(w, status, MimeError, e)
}

func writeJSON(w http.ResponseWriter, status int, mediaType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // purls and links keep their & and <
	if err := enc.Encode(v); err != nil {
		status, mediaType = http.StatusInternalServerError, MimeError
		buf.Reset()
		buf.WriteString(`{"error":{"message":"encoding the answer failed"}}` + "\n")
	}
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

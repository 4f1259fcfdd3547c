package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/bulwark-sec/bulwark/jobs"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/formats"
)

// MaxWait bounds POST /v1/scans?wait=: a client that wants longer polls.
const MaxWait = 5 * time.Minute

// postScan queues a scan: 202 with its id, or with ?wait= the report
// (200) when the scan ends in time.
func (s *Server) postScan(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var wait time.Duration
	if v := q.Get("wait"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			writeError(w, http.StatusBadRequest, "wait=%q: want a duration such as 30s", v)
			return
		}
		wait = min(d, MaxWait)
	}
	f, ok := formatParam(w, r)
	if !ok {
		return
	}
	var req jobs.Request
	if !readJSON(w, r, s.cfg.MaxJSON, &req, true) {
		return
	}
	st, err := s.Submit(r.Context(), req)
	if err != nil {
		s.answerError(w, err)
		return
	}
	w.Header().Set("Location", "/v1/scans/"+st.ID)
	if wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), wait)
		final, err := s.Wait(ctx, st.ID)
		cancel()
		switch {
		case err == nil && final.State == jobs.Done:
			s.writeStoredReport(w, r, st.ID, f)
			return
		case err == nil && final.State == jobs.Failed:
			writeJSON(w, http.StatusUnprocessableEntity, statusError{Error: "the scan failed: " + final.Error, Status: final})
			return
		case errors.Is(err, context.DeadlineExceeded) && final.ID != "":
			st = final // still queued or running: answered as without wait
		case err != nil && r.Context().Err() == nil && !errors.Is(err, context.DeadlineExceeded):
			s.answerError(w, err)
			return
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": st.ID, "state": string(st.State)})
}

// statusError is the answer about a job that has no report to give.
type statusError struct {
	Error  string      `json:"error"`
	Status jobs.Status `json:"status"`
}

func (s *Server) getScan(w http.ResponseWriter, r *http.Request) {
	st, err := s.store.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		s.answerError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	f, ok := formatParam(w, r)
	if !ok {
		return
	}
	s.writeStoredReport(w, r, r.PathValue("id"), f)
}

// writeStoredReport answers with a job's report in format f: 404 for an
// unknown job, 409 with its status for one not done.
func (s *Server) writeStoredReport(w http.ResponseWriter, r *http.Request, id string, f formats.Format) {
	data, st, err := s.Report(r.Context(), id)
	switch {
	case errors.Is(err, ErrNotReady):
		msg := "job " + id + " is " + string(st.State)
		if st.Error != "" {
			msg += ": " + st.Error
		}
		writeJSON(w, http.StatusConflict, statusError{Error: msg, Status: st})
		return
	case err != nil:
		s.answerError(w, err)
		return
	}
	if f.Name == "json" {
		// Stored as the JSON format writes it.
		w.Header().Set("Content-Type", f.ContentType)
		w.Write(data)
		return
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		writeError(w, http.StatusInternalServerError, "stored report of job %s: %v", id, err)
		return
	}
	writeReport(w, &rep, f)
}

// writeReport renders rep whole before answering, so that a failure is
// an error status rather than half a document.
func writeReport(w http.ResponseWriter, rep *report.Report, f formats.Format) {
	var buf bytes.Buffer
	if err := f.Write(&buf, rep); err != nil {
		writeError(w, http.StatusInternalServerError, "%s report: %v", f.Name, err)
		return
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(buf.Bytes())
}

// formatParam is the ?format= of a request, json when absent; an unknown
// one is answered with 400.
func formatParam(w http.ResponseWriter, r *http.Request) (formats.Format, bool) {
	name := r.URL.Query().Get("format")
	if name == "" {
		name = "json"
	}
	f, ok := formats.Lookup(name)
	if !ok {
		writeError(w, http.StatusBadRequest, "format=%q: want one of %v", name, formats.Names())
	}
	return f, ok
}

// readJSON decodes a request body of at most limit bytes into v,
// answering 413 or 400 itself when it cannot.
func readJSON(w http.ResponseWriter, r *http.Request, limit int64, v any, strict bool) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON value")
	}
	if err != nil {
		writeUploadReadError(w, err)
		return false
	}
	return true
}

// answerError answers with the status code err calls for.
func (s *Server) answerError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrBadRequest):
		writeError(w, http.StatusBadRequest, "%v", err)
	case errors.Is(err, jobs.ErrNotFound):
		writeError(w, http.StatusNotFound, "%v", err)
	default:
		s.log.Error("request failed", "err", err)
		writeError(w, http.StatusInternalServerError, "%v", err)
	}
}

package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/formats"
	"github.com/bulwark-sec/bulwark/server/unpack"
)

// The synchronous endpoints: what a client uploads is matched against the
// server's database and the report is the answer.

// postLockfiles scans an uploaded tar of lockfiles and manifests (or one
// file, named with ?name=) as a source folder. The upload is unpacked
// into a private temporary folder, removed before the answer; the server
// never scans a path a client names.
func (s *Server) postLockfiles(w http.ResponseWriter, r *http.Request) {
	f, ok := formatParam(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	list := q.Get("scanners")
	if list == "" {
		list = "vuln"
	}
	sc, err := s.scanners(list)
	if err != nil {
		s.answerError(w, err)
		return
	}
	if sc.Vuln && !s.dbReady(w) {
		return
	}
	dir, err := os.MkdirTemp(s.cfg.TempDir, "bulwark-upload-")
	if err != nil {
		s.answerError(w, err)
		return
	}
	defer os.RemoveAll(dir)
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	name := q.Get("name")
	if name != "" {
		err = unpack.File(body, dir, name, s.cfg.MaxUpload)
	} else {
		name = "upload.tar"
		err = unpack.Tar(body, dir, unpack.Limits{Bytes: s.cfg.MaxUpload, Entries: unpack.DefaultEntries})
	}
	switch {
	case errors.Is(err, unpack.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, "%v", err)
		return
	case errors.Is(err, unpack.ErrBad):
		writeError(w, http.StatusBadRequest, "%v", err)
		return
	case err != nil:
		s.answerError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ScanTimeout)
	defer cancel()
	rep, err := pipeline.Run(ctx, pipeline.Target{Dir: dir}, s.scanOptions(sc, image.Options{}))
	if err != nil {
		s.answerScanError(w, ctx, err)
		return
	}
	rep.Artifact.Name = name
	writeReport(w, rep, f)
}

// postSBOM matches the packages of an uploaded CycloneDX or SPDX document.
func (s *Server) postSBOM(w http.ResponseWriter, r *http.Request) {
	f, ok := formatParam(w, r)
	if !ok || !s.dbReady(w) {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload))
	if err != nil {
		writeUploadReadError(w, err)
		return
	}
	rep, err := s.cfg.SBOMDecoder(data)
	if err != nil {
		writeError(w, http.StatusBadRequest, "sbom: %v", err)
		return
	}
	s.match(w, r, rep, f)
}

// postMatch matches the inventory of a report a client made by walking
// an image itself.
func (s *Server) postMatch(w http.ResponseWriter, r *http.Request) {
	f, ok := formatParam(w, r)
	if !ok || !s.dbReady(w) {
		return
	}
	var rep report.Report
	// Not strict: a newer client may send fields this server does not know.
	if !readJSON(w, r, s.cfg.MaxUpload, &rep, false) {
		return
	}
	s.match(w, r, &rep, f)
}

// match runs the vulnerability stage on rep and answers with it.
func (s *Server) match(w http.ResponseWriter, r *http.Request, rep *report.Report, f formats.Format) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ScanTimeout)
	defer cancel()
	if err := pipeline.Match(ctx, rep, s.scanOptions(pipeline.Scanners{Vuln: true}, image.Options{})); err != nil {
		s.answerScanError(w, ctx, err)
		return
	}
	writeReport(w, rep, f)
}

// dbReady answers 503 when there is no usable database to match with.
func (s *Server) dbReady(w http.ResponseWriter) bool {
	if _, _, err := s.db.identity(); err != nil {
		writeError(w, http.StatusServiceUnavailable, "%v", err)
		return false
	}
	return true
}

// answerScanError answers a synchronous scan that failed.
func (s *Server) answerScanError(w http.ResponseWriter, ctx context.Context, err error) {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, "the scan took longer than the server's limit of %s", s.cfg.ScanTimeout)
	case errors.Is(err, pipeline.ErrOptions):
		writeError(w, http.StatusBadRequest, "%v", err)
	case errors.Is(err, pipeline.ErrNoDatabase):
		// The database is there (dbReady): it covers none of these packages.
		writeError(w, http.StatusUnprocessableEntity, "%v", err)
	default:
		s.answerError(w, err)
	}
}

// writeUploadReadError answers a body that could not be read whole.
func writeUploadReadError(w http.ResponseWriter, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		writeError(w, http.StatusRequestEntityTooLarge, "request body over %d bytes", tooLarge.Limit)
		return
	}
	writeError(w, http.StatusBadRequest, "request body: %v", err)
}

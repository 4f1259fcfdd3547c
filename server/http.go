package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bulwark-sec/bulwark/jobs"
)

// routes builds the API. Every route but the health checks requires the
// token.
func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.known = map[string]bool{}
	s.Mount("GET /healthz", http.HandlerFunc(s.healthz))
	s.Mount("GET /readyz", http.HandlerFunc(s.readyz))
	s.Mount("GET /metrics", s.RequireToken(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	if s.cfg.WorkerOnly {
		return
	}
	for pattern, h := range map[string]http.HandlerFunc{
		"POST /v1/scans":            s.postScan,
		"GET /v1/scans/{id}":        s.getScan,
		"GET /v1/scans/{id}/report": s.getReport,
		"POST /v1/lockfiles":        s.postLockfiles,
		"POST /v1/sbom":             s.postSBOM,
		"POST /v1/match":            s.postMatch,
		"GET /v1/layers/{key}":      s.getLayer,
		"PUT /v1/layers/{key}":      s.putLayer,
	} {
		s.Mount(pattern, s.RequireToken(h))
	}
	s.mountIntegrations()
}

// Handler is the server's HTTP API, counted in /metrics; a path no route
// matches gets a JSON 404 or 405.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h, pattern := s.mux.Handler(r)
		route := s.routeLabel(pattern)
		if pattern == "" {
			// The mux's own 404 or 405, answered in JSON.
			probe := &statusRecorder{ResponseWriter: discardWriter{header: http.Header{}}}
			h.ServeHTTP(probe, r)
			if allow := probe.Header().Get("Allow"); allow != "" {
				rec.Header().Set("Allow", allow)
			}
			writeError(rec, probe.code, "%s %s: %s", r.Method, r.URL.Path, strings.ToLower(http.StatusText(probe.code)))
		} else {
			s.mux.ServeHTTP(rec, r)
		}
		s.metrics.requests.WithLabelValues(strconv.Itoa(rec.code), route).Inc()
	})
}

// routeLabel keeps the route label to registered patterns: a path the
// mux redirects comes back as its own pattern, and client-chosen paths
// must not become label values.
func (s *Server) routeLabel(pattern string) string {
	s.knownMu.Lock()
	defer s.knownMu.Unlock()
	if s.known[pattern] {
		return pattern
	}
	return "other"
}

// Mount serves h at pattern (a ServeMux pattern) beside the API, counted
// in /metrics. h authenticates its requests itself; wrap it in
// RequireToken for the server's token.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.knownMu.Lock()
	s.known[pattern] = true
	s.knownMu.Unlock()
}

// RequireToken lets through requests that carry the server's token as
// "Authorization: Bearer TOKEN" and answers others with 401. The compare
// takes the same time whatever the token sent.
func (s *Server) RequireToken(h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.cfg.Token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		got := sha256.Sum256([]byte(strings.TrimSpace(token)))
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="bulwark"`)
			writeError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the server can do its work: the database is
// usable and the queue and store answer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, _, err := s.db.identity(); err != nil {
		writeError(w, http.StatusServiceUnavailable, "database: %v", err)
		return
	}
	if _, err := s.queue.Depth(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, "queue: %v", err)
		return
	}
	if _, err := s.store.Status(ctx, "readyz-probe"); err != nil && !errors.Is(err, jobs.ErrNotFound) {
		writeError(w, http.StatusServiceUnavailable, "store: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// HTTPServer is an http.Server for the API with timeouts set: headers
// within 10 s, an upload within 10 minutes, an answer within the scan
// timeout and a minute.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Listen,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute,
		WriteTimeout:      s.cfg.ScanTimeout + time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// ListenAndServe serves the API on Config.Listen (HTTPS with
// Config.TLSCert and TLSKey) until ctx ends, then stops taking
// connections and waits up to 30 s for requests under way.
func (s *Server) ListenAndServe(ctx context.Context) error {
	hs := s.HTTPServer()
	ln, err := net.Listen("tcp", hs.Addr)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	tlsOn := s.cfg.TLSCert != ""
	s.log.Info("listening", "addr", ln.Addr().String(), "tls", tlsOn, "worker_only", s.cfg.WorkerOnly)
	served := make(chan error, 1)
	go func() {
		if tlsOn {
			served <- hs.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			served <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-served:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing requests under way")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	<-served
	if err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	return nil
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		code, data = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(append(data, '\n'))
}

// writeError answers with {"error": message}.
func writeError(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, map[string]string{"error": fmt.Sprintf(format, args...)})
}

// statusRecorder remembers the status code written.
type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// discardWriter is a ResponseWriter that keeps only its headers.
type discardWriter struct{ header http.Header }

func (d discardWriter) Header() http.Header         { return d.header }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

// Run is the whole server until ctx ends: the API (unless WorkerOnly has
// it serve only the health checks and metrics), workers scanning jobs,
// and the database kept fresh (see RefreshDB). On the way out the HTTP
// server finishes the requests under way, the workers take no new job
// and give the ones they hold DrainTimeout.
func (s *Server) Run(ctx context.Context, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { s.RunWorkers(ctx, workers) })
	wg.Go(func() { s.RefreshDB(ctx) })
	err := s.ListenAndServe(ctx)
	cancel() // the listener failed, or ctx ended: either way, stop
	wg.Wait()
	return err
}

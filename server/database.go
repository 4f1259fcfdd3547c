package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/vulndb"
)

// database is the vulnerability database every scan of the server
// matches against: one file, which scans only read. It is the cache
// directory's database, refreshed by RefreshDB; or a file given in
// DB.Path; or the exports DB.Path names, imported once into a file of the
// server's own.
type database struct {
	path string
	// managed is true for the cache directory's database, which the
	// server refreshes (unless offline).
	managed bool
	tmp     string // removed on close

	mu      sync.Mutex
	stamp   fileStamp
	ident   string
	updated time.Time
	err     error
}

type fileStamp struct {
	mod  time.Time
	size int64
}

func openDatabase(opts pipeline.Options) (*database, error) {
	p := opts.DB.Path
	if p == "" {
		dir, err := cacheDir(opts.CacheDir)
		if err != nil {
			return nil, err
		}
		return &database{path: pipeline.Path(dir), managed: true}, nil
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("server: database: %w", err)
	}
	if !info.IsDir() && !strings.HasSuffix(strings.ToLower(p), ".zip") {
		return &database{path: p}, nil
	}
	inputs := []string{p}
	if info.IsDir() {
		if zips, _ := filepath.Glob(filepath.Join(p, "*.zip")); len(zips) > 0 {
			inputs = zips
		}
	}
	tmp, err := os.MkdirTemp("", "bulwark-server-db-")
	if err != nil {
		return nil, fmt.Errorf("server: database: %w", err)
	}
	d := &database{path: filepath.Join(tmp, "vuln.db"), tmp: tmp}
	if _, err := vulndb.Import(d.path, inputs, nil); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("server: database %s: %w", p, err)
	}
	return d, nil
}

func (d *database) close() error {
	if d.tmp != "" {
		return os.RemoveAll(d.tmp)
	}
	return nil
}

// identity names the database's data: a hash of what each ecosystem
// holds and when and whence it was updated, so that a report kept under
// it is not reused once the data changes. It also says when the oldest
// ecosystem was updated. A missing or empty database is an error
// (pipeline.ErrNoDatabase).
func (d *database) identity() (string, time.Time, error) {
	info, err := os.Stat(d.path)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %s: %v", pipeline.ErrNoDatabase, d.path, err)
	}
	stamp := fileStamp{info.ModTime(), info.Size()}
	d.mu.Lock()
	defer d.mu.Unlock()
	if stamp == d.stamp && (d.ident != "" || d.err != nil) {
		return d.ident, d.updated, d.err
	}
	d.stamp = stamp
	d.ident, d.updated, d.err = readIdentity(d.path)
	return d.ident, d.updated, d.err
}

func readIdentity(path string) (string, time.Time, error) {
	db, err := vulndb.Open(path)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("%w: %v", pipeline.ErrNoDatabase, err)
	}
	defer db.Close()
	metas, err := db.Ecosystems()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("database %s: %w", path, err)
	}
	records := 0
	var oldest time.Time
	for _, m := range metas {
		records += m.Records
		if oldest.IsZero() || m.Updated.Before(oldest) {
			oldest = m.Updated
		}
	}
	if records == 0 {
		return "", time.Time{}, fmt.Errorf("%w: the database at %s holds no records", pipeline.ErrNoDatabase, path)
	}
	data, err := json.Marshal(metas)
	if err != nil {
		return "", time.Time{}, err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:12]), oldest, nil
}

// RefreshDB keeps the cache directory's database fresh until ctx ends:
// it downloads it at once when it is missing or older than
// Pipeline.DB.RefreshAfter (default a day), and checks again every tenth
// of that. Scans themselves never download, so that workers do not race
// to replace one file. It returns at once for a database given with
// DB.Path or when DB.Offline.
func (s *Server) RefreshDB(ctx context.Context) {
	if !s.db.managed || s.cfg.Pipeline.DB.Offline {
		return
	}
	every := s.cfg.Pipeline.DB.RefreshAfter
	if every <= 0 {
		every = 24 * time.Hour
	}
	for {
		_, updated, err := s.db.identity()
		if err != nil || time.Since(updated) > every {
			s.log.Info("database refresh", "path", s.db.path)
			logw := &logWriter{log: s.log}
			if err := pipeline.UpdateDB(ctx, s.cfg.Pipeline.CacheDir, s.cfg.Pipeline.DB.Update, logw); err != nil && ctx.Err() == nil {
				s.log.Warn("database refresh failed", "err", err)
			}
		}
		t := time.NewTimer(max(every/10, time.Minute))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// logWriter turns lines written to it into log records.
type logWriter struct{ log *slog.Logger }

func (w *logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line != "" {
			w.log.Info(strings.TrimPrefix(line, "bulwark: "))
		}
	}
	return len(p), nil
}

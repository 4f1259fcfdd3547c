package vulndb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/osv"
)

// DefaultBaseURL is where osv.dev publishes one all.zip per ecosystem.
const DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems are the base ecosystems Bulwark matches packages
// against: the distributions whose package databases it reads and the
// language ecosystems of its extractors.
var DefaultEcosystems = []string{
	"Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard",
	"Red Hat", "Rocky Linux", "AlmaLinux", "SUSE", "openSUSE",
	"Go", "npm", "PyPI", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist",
}

// UpdateOptions configure Update.
type UpdateOptions struct {
	// BaseURL is the root of the export: BaseURL/<ecosystem>/all.zip.
	// A mirror with the same layout works.
	BaseURL    string
	Ecosystems []string
	Client     *http.Client
	// MaxDownload bounds one ecosystem's zip (default 2 GiB).
	MaxDownload int64
	// Progress, if set, hears one line per ecosystem.
	Progress func(string)
}

// UpdateResult says what happened to one ecosystem.
type UpdateResult struct {
	Ecosystem string
	// Status is "updated", "unchanged" (the server said not modified),
	// or "failed" (Err says why; the previous data, if any, is kept).
	Status  string
	Records int
	Skipped int
	Err     error
}

// Update downloads every ecosystem's export that changed since the last
// update (by ETag and Last-Modified) and writes a new database in one
// atomic rename. Ecosystems the server says are unchanged, and those whose
// download fails, keep their previous data. The error lists failures.
func Update(ctx context.Context, path string, opts UpdateOptions) ([]UpdateResult, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.Ecosystems == nil {
		opts.Ecosystems = DefaultEcosystems
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Minute}
	}
	if opts.MaxDownload <= 0 {
		opts.MaxDownload = 2 << 30
	}
	var old *DB
	oldMeta := map[string]Meta{}
	if db, err := Open(path); err == nil {
		old = db
		defer old.Close()
		metas, _ := db.Ecosystems()
		for _, m := range metas {
			oldMeta[m.Ecosystem] = m
		}
	}
	b, err := NewBuilder(path)
	if err != nil {
		return nil, err
	}
	var results []UpdateResult
	var failed []string
	for _, eco := range opts.Ecosystems {
		res := updateOne(ctx, b, old, oldMeta[eco], eco, opts)
		if res.Status == "failed" {
			failed = append(failed, fmt.Sprintf("%s: %v", eco, res.Err))
			if _, ok := oldMeta[eco]; ok {
				if err := b.Copy(old, eco); err != nil {
					b.Abort()
					return results, err
				}
			}
		}
		if opts.Progress != nil {
			opts.Progress(res.String())
		}
		results = append(results, res)
		if ctx.Err() != nil {
			b.Abort()
			return results, ctx.Err()
		}
	}
	// Ecosystems outside the list (imported by hand) stay.
	for name := range oldMeta {
		if !contains(opts.Ecosystems, name) {
			if err := b.Copy(old, name); err != nil {
				b.Abort()
				return results, err
			}
		}
	}
	if old != nil {
		old.Close() // before the rename, so the file is not held open
	}
	if err := b.Commit(); err != nil {
		return results, err
	}
	if len(failed) > 0 {
		return results, fmt.Errorf("vulndb: update failed for %s", strings.Join(failed, "; "))
	}
	return results, nil
}

func (r UpdateResult) String() string {
	switch r.Status {
	case "updated":
		s := fmt.Sprintf("%s: updated, %d records", r.Ecosystem, r.Records)
		if r.Skipped > 0 {
			s += fmt.Sprintf(" (%d invalid files skipped)", r.Skipped)
		}
		return s
	case "failed":
		return fmt.Sprintf("%s: failed: %v", r.Ecosystem, r.Err)
	}
	return r.Ecosystem + ": " + r.Status
}

func updateOne(ctx context.Context, b *Builder, old *DB, prev Meta, eco string, opts UpdateOptions) UpdateResult {
	res := UpdateResult{Ecosystem: eco}
	fail := func(err error) UpdateResult {
		res.Status, res.Err = "failed", err
		return res
	}
	u := strings.TrimSuffix(opts.BaseURL, "/") + "/" + url.PathEscape(eco) + "/all.zip"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fail(err)
	}
	if old != nil && prev.Ecosystem != "" {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.Modified != "" {
			req.Header.Set("If-Modified-Since", prev.Modified)
		}
	}
	resp, err := opts.Client.Do(req)
	if err != nil {
		return fail(fmt.Errorf("cannot reach %s: %w", u, err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && old != nil && prev.Ecosystem != "":
		if err := b.Copy(old, eco); err != nil {
			return fail(err)
		}
		res.Status, res.Records = "unchanged", prev.Records
		return res
	case resp.StatusCode != http.StatusOK:
		return fail(fmt.Errorf("GET %s: %s", u, resp.Status))
	}
	tmp, err := os.CreateTemp(filepath.Dir(b.path), "download-*.zip")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, opts.MaxDownload+1))
	if err != nil {
		return fail(fmt.Errorf("download %s: %w", u, err))
	}
	if n > opts.MaxDownload {
		return fail(fmt.Errorf("download %s: over the %d MiB limit", u, opts.MaxDownload>>20))
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fail(fmt.Errorf("download %s: got %d of %d bytes", u, n, resp.ContentLength))
	}
	e := b.Begin(eco)
	st, err := ReadZip(tmp.Name(), func(v *osv.Vulnerability) { e.Add(v) })
	if err != nil {
		return fail(err)
	}
	if st.Records == 0 {
		return fail(errors.New("the download holds no OSV records"))
	}
	meta := Meta{Source: u, ETag: resp.Header.Get("ETag"), Modified: resp.Header.Get("Last-Modified"), Updated: time.Now().UTC()}
	if err := e.Finish(meta); err != nil {
		return fail(err)
	}
	res.Status, res.Records, res.Skipped = "updated", e.records, st.Skipped
	return res
}

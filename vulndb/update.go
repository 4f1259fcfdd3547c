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

	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/osv"
)

// DefaultBaseURL is where osv.dev publishes one all.zip per ecosystem.
const DefaultBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// DefaultEcosystems are the base ecosystems Bulwark matches packages
// against: the distributions whose package databases it reads and the
// language ecosystems of its extractors, those the ecosystem table marks
// Default, in its order.
var DefaultEcosystems = ecosystem.Defaults()

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
	// KEVURL and EPSSURL are where the enrichment sources are fetched
	// from; empty keeps whatever the database has.
	KEVURL, EPSSURL string
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
	for _, src := range []struct{ name, url string }{{KEV, opts.KEVURL}, {EPSS, opts.EPSSURL}} {
		if src.url == "" {
			if old != nil {
				b.copyEnrichment(old, src.name)
			}
			continue
		}
		res := updateEnrichment(ctx, b, old, src.name, src.url, opts)
		if res.Status == "failed" {
			failed = append(failed, fmt.Sprintf("%s: %v", src.name, res.Err))
		}
		if opts.Progress != nil {
			opts.Progress(res.String())
		}
		results = append(results, res)
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

// fetch downloads url into a temp file beside the database, conditionally
// on the previous download's ETag and Last-Modified. notModified is true
// (and path empty) when the server says nothing changed.
func fetch(ctx context.Context, b *Builder, u string, prev Meta, opts UpdateOptions) (path string, meta Meta, notModified bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", Meta{}, false, err
	}
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.Modified != "" {
		req.Header.Set("If-Modified-Since", prev.Modified)
	}
	resp, err := opts.Client.Do(req)
	if err != nil {
		return "", Meta{}, false, fmt.Errorf("cannot reach %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && (prev.ETag != "" || prev.Modified != ""):
		return "", Meta{}, true, nil
	case resp.StatusCode != http.StatusOK:
		return "", Meta{}, false, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	tmp, err := os.CreateTemp(filepath.Dir(b.path), "download-*")
	if err != nil {
		return "", Meta{}, false, err
	}
	fail := func(err error) (string, Meta, bool, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return "", Meta{}, false, err
	}
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
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	meta = Meta{Source: u, ETag: resp.Header.Get("ETag"), Modified: resp.Header.Get("Last-Modified"), Updated: time.Now().UTC()}
	return tmp.Name(), meta, false, nil
}

func updateOne(ctx context.Context, b *Builder, old *DB, prev Meta, eco string, opts UpdateOptions) UpdateResult {
	res := UpdateResult{Ecosystem: eco}
	fail := func(err error) UpdateResult {
		res.Status, res.Err = "failed", err
		return res
	}
	u := strings.TrimSuffix(opts.BaseURL, "/") + "/" + url.PathEscape(eco) + "/all.zip"
	if old == nil {
		prev = Meta{}
	}
	path, meta, notModified, err := fetch(ctx, b, u, prev, opts)
	if err != nil {
		return fail(err)
	}
	if notModified {
		if err := b.Copy(old, eco); err != nil {
			return fail(err)
		}
		res.Status, res.Records = "unchanged", prev.Records
		return res
	}
	defer os.Remove(path)
	e := b.Begin(eco)
	st, err := ReadZip(path, func(v *osv.Vulnerability) { e.Add(v) })
	if err != nil {
		return fail(err)
	}
	if st.Records == 0 {
		return fail(errors.New("the download holds no OSV records"))
	}
	if err := e.Finish(meta); err != nil {
		return fail(err)
	}
	res.Status, res.Records, res.Skipped = "updated", len(e.ids), st.Skipped
	return res
}

// updateEnrichment refreshes one enrichment source, keeping the old data
// when the server says it is unchanged or the download fails.
func updateEnrichment(ctx context.Context, b *Builder, old *DB, name, u string, opts UpdateOptions) UpdateResult {
	res := UpdateResult{Ecosystem: name}
	var prev Meta
	if old != nil {
		prev, _ = old.Enrichment(name)
	}
	keepOld := func() {
		if old != nil {
			b.copyEnrichment(old, name)
		}
	}
	path, meta, notModified, err := fetch(ctx, b, u, prev, opts)
	if err == nil && notModified {
		keepOld()
		res.Status, res.Records = "unchanged", prev.Records
		return res
	}
	if err == nil {
		defer os.Remove(path)
		var f *os.File
		if f, err = os.Open(path); err == nil {
			defer f.Close()
			switch name {
			case KEV:
				var kev map[string]string
				if kev, err = ReadKEV(f); err == nil {
					err = b.SetKEV(kev, meta)
					res.Records = len(kev)
				}
			case EPSS:
				var scores map[string]EPSSScore
				if scores, err = ReadEPSS(f); err == nil {
					err = b.SetEPSS(scores, meta)
					res.Records = len(scores)
				}
			}
		}
	}
	if err != nil {
		keepOld()
		res.Status, res.Err = "failed", err
		return res
	}
	res.Status = "updated"
	return res
}

package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
)

// LayerCache is the server's layer store as a layerfs.Cache: a layer the
// server holds a result for is not walked here, and the result of one it
// lacks is uploaded once analysed. layerfs.Cache has no errors on Get, so
// a failed request is a miss, and the first failure is remembered (Err).
type LayerCache struct {
	c   *Client
	ctx context.Context
	// fatal, when set, hears failures after which the scan cannot end
	// well (the token refused, the server unreachable).
	fatal func(error)

	mu       sync.Mutex
	err      error
	warnings []string

	gets, hits, puts atomic.Int64
}

// LayerCache returns the server's layer store as a layer cache.
func (c *Client) LayerCache() *LayerCache {
	return &LayerCache{c: c, ctx: context.Background()}
}

func (c *Client) layerCache(ctx context.Context, fatal func(error)) *LayerCache {
	return &LayerCache{c: c, ctx: ctx, fatal: fatal}
}

func layerPath(key string) string { return "/v1/layers/" + url.PathEscape(key) }

// Get downloads the server's result for a layer; not found, or any
// failure, is a miss.
func (l *LayerCache) Get(key string) ([]byte, bool) {
	l.gets.Add(1)
	resp, err := l.c.do(l.ctx, "get layer", http.MethodGet, layerPath(key), nil, "", http.StatusOK, http.StatusNotFound)
	if err != nil {
		l.fail(err)
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, false
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxLayerResult+1))
	switch {
	case err != nil:
		l.fail(fmt.Errorf("server: get layer: %w", err))
		return nil, false
	case len(data) > MaxLayerResult:
		l.warn(fmt.Errorf("server: get layer: the result is over %d bytes; analysing the layer here", MaxLayerResult))
		return nil, false
	}
	l.hits.Add(1)
	return data, true
}

// Put uploads a layer's result.
func (l *LayerCache) Put(key string, value []byte) error {
	l.puts.Add(1)
	resp, err := l.c.do(l.ctx, "put layer", http.MethodPut, layerPath(key), value, "application/octet-stream", http.StatusNoContent, http.StatusOK, http.StatusCreated)
	if err != nil {
		l.fail(err)
		return err
	}
	resp.Body.Close()
	return nil
}

// fail remembers a failed request. The token refused or the server
// unreachable ends the scan, through fatal: its match would fail the same
// way after the whole walk. Any other answer (a result too large to
// upload, a server error on one layer) costs only speed: a warning.
func (l *LayerCache) fail(err error) {
	var se *StatusError
	if errors.As(err, &se) && !Unauthorized(err) {
		l.warn(err)
		return
	}
	l.remember(err)
	if l.fatal != nil && l.ctx.Err() == nil {
		l.fatal(err)
	}
}

// warn remembers a failure that costs only speed.
func (l *LayerCache) warn(err error) {
	l.remember(err)
	l.mu.Lock()
	l.warnings = append(l.warnings, err.Error())
	l.mu.Unlock()
}

func (l *LayerCache) remember(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
}

// Err is the first failure of a request, nil when there was none.
func (l *LayerCache) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Stats counts the requests made: layers asked for, found, and uploaded.
func (l *LayerCache) Stats() (gets, hits, puts int64) {
	return l.gets.Load(), l.hits.Load(), l.puts.Load()
}

// Warnings are the failures that cost only speed, one line each.
func (l *LayerCache) Warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.warnings...)
}

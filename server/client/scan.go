package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

// Scan is pipeline.Run in client mode: the target is walked here with the
// server's layer store as the layer cache (layers the server holds are
// not read, the results of those it lacks are uploaded), secrets and
// configuration are found here as opts ask, and when opts asks for
// vulnerabilities the inventory is matched by the server. The server's
// findings then pass this scan's own filters (severity, ignore-unfixed,
// ignore file, VEX: pipeline.Triage). opts.DB and opts.LayerCache are not
// used: the database and the cache are the server's.
//
// A refused token or an unreachable server ends the walk at the first
// request, rather than after reading the whole image.
func (c *Client) Scan(ctx context.Context, target pipeline.Target, opts pipeline.Options) (*report.Report, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cache := c.layerCache(ctx, cancel)
	vuln := opts.Scanners.Vuln
	opts.Scanners.Vuln = false
	opts.LayerCache = cache
	rep, err := pipeline.Run(ctx, target, opts)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return nil, cause
	}
	if err != nil {
		return nil, err
	}
	for _, w := range cache.Warnings() {
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Message: w})
		if opts.Log != nil && !opts.Quiet {
			fmt.Fprintf(opts.Log, "bulwark: warning: %s\n", w)
		}
	}
	if !vuln {
		return rep, nil
	}
	matched, err := c.Match(ctx, rep)
	if err != nil {
		return nil, err
	}
	rep.Vulnerabilities, rep.Suppressed = matched.Vulnerabilities, matched.Suppressed
	rep.Coverage, rep.Database = matched.Coverage, matched.Database
	// The server's warnings are about matching (the walk's are ours).
	for _, w := range matched.Warnings {
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Message: "server: " + w.Message})
	}
	pipeline.Triage(rep, opts)
	return rep, nil
}

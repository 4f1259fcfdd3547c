package pipeline

import (
	"context"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
)

// Config audits the configuration under path (a folder, a Dockerfile, a
// manifest, a Compose file or a chart) and returns the report of its
// misconfigurations, filtered by Options.Severities. The audit's own
// options choose the checks; Options contribute the tool, the clock and
// the log.
func Config(ctx context.Context, path string, aopts audit.Options, opts Options) (*report.Report, error) {
	res, err := audit.Path(ctx, path, aopts)
	if err != nil {
		return nil, err
	}
	rep := &report.Report{
		SchemaVersion:     report.SchemaVersion,
		Tool:              opts.tool(),
		CreatedAt:         opts.now(),
		Artifact:          result.Artifact{Name: path, Kind: result.KindConfig},
		ConfigFiles:       res.Files,
		Misconfigurations: []misconfig.Finding{},
	}
	for _, f := range res.Findings {
		if opts.keepSeverity(f.Severity) {
			rep.Misconfigurations = append(rep.Misconfigurations, f)
		}
	}
	rep.SuppressedMisconfigurations = res.Suppressed
	for _, w := range res.Warnings {
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Path: w.Path, Message: w.Message})
		opts.logf(false, "warning: %s: %s", w.Path, w.Message)
	}
	return rep, nil
}

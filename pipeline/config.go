package pipeline

import (
	"context"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/misconfig/host"
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
	a := result.Artifact{Name: path, Kind: result.KindConfig}
	return misconfigReport(a, res.Findings, res.Suppressed, res.Files, res.Warnings, opts), nil
}

// Host audits the Docker host whose root file system is at root ("/" for
// this machine) against the CIS Docker Benchmark's host, daemon and file
// sections, and returns the report of its misconfigurations, filtered by
// Options.Severities. Nothing outside root is read, but for the daemon
// at $DOCKER_HOST, or at /var/run/docker.sock when root is /: its docker
// info, which wins over the files in section 2, and its running
// containers, inspected through the API for section 5.
func Host(ctx context.Context, root string, hopts host.Options, opts Options) (*report.Report, error) {
	tree, err := host.OpenDir(root)
	if err != nil {
		return nil, err
	}
	defer tree.Close()
	var warnings []misconfig.Warning
	if dh := dockerHost(root); dh != "" {
		warnings, err = askDaemon(ctx, dh, &hopts)
		if err != nil {
			return nil, err
		}
	}
	res, err := host.Scan(ctx, tree, hopts)
	if err != nil {
		return nil, err
	}
	a := result.Artifact{Name: root, Kind: result.KindHost}
	return misconfigReport(a, res.Findings, res.Suppressed, res.Files, append(res.Warnings, warnings...), opts), nil
}

// misconfigReport is the report of a configuration audit: the findings
// kept by severity, the suppressed ones, and the warnings, also logged.
func misconfigReport(a result.Artifact, findings, suppressed []misconfig.Finding, files int, warnings []misconfig.Warning, opts Options) *report.Report {
	rep := &report.Report{
		SchemaVersion:               report.SchemaVersion,
		Tool:                        opts.tool(),
		CreatedAt:                   opts.now(),
		Artifact:                    a,
		ConfigFiles:                 files,
		Misconfigurations:           []misconfig.Finding{},
		SuppressedMisconfigurations: suppressed,
	}
	for _, f := range findings {
		if opts.keepSeverity(f.Severity) {
			rep.Misconfigurations = append(rep.Misconfigurations, f)
		}
	}
	for _, w := range warnings {
		rep.Warnings = append(rep.Warnings, result.Warning{Layer: -1, Path: w.Path, Message: w.Message})
		msg := w.Message
		if w.Path != "" {
			msg = w.Path + ": " + msg
		}
		opts.logf(false, "warning: %s", msg)
	}
	return rep
}

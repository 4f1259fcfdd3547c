package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/sbomread"
)

// runSBOM scans the packages an SBOM lists instead of walking a target:
// the vulnerability stage alone, since an SBOM holds no files to search
// for secrets or configuration.
func (o *Options) runSBOM(ctx context.Context, path string) (*report.Report, error) {
	if o.Scanners.Secret || o.Scanners.Misconfig {
		return nil, fmt.Errorf("%w: an SBOM lists packages only; scan it with --scanners vuln", ErrOptions)
	}
	rep, err := ReadSBOM(path)
	if err != nil {
		return nil, err
	}
	rep.Tool, rep.CreatedAt = o.tool(), o.now()
	for _, w := range rep.Warnings {
		o.logf(false, "warning: %s", w.Message)
	}
	if o.Scanners.Vuln {
		if err := o.matchVulnerabilities(ctx, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// ReadSBOM reads a CycloneDX or SPDX JSON file (at most sbomread.MaxSize
// bytes) into a report with its inventory, for Match. The artifact is
// named after what the document describes, or the file when it names
// nothing.
func ReadSBOM(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sbom: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, sbomread.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("sbom: %s: %w", path, err)
	}
	rep, err := sbomread.Read(data)
	if err != nil {
		return nil, fmt.Errorf("sbom: %s: %w", path, err)
	}
	if rep.Artifact.Name == "" {
		rep.Artifact.Name = path
	}
	return rep, nil
}

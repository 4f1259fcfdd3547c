package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/formats"
	"github.com/bulwark-sec/bulwark/severity"
)

// outputFlags are how a command writes its report, which findings it
// keeps, and the exit code that fails a CI gate.
type outputFlags struct {
	format, output, severities string
	exitCode                   int
	formats                    []string
}

// register adds the flags; formats lists the --format values the command
// writes, severities the default --severity (none: no such flag), and
// gate names what --exit-code counts (none: no such flag).
func (o *outputFlags) register(fs *flag.FlagSet, formats []string, severities, gate string) {
	o.formats = formats
	fs.StringVar(&o.format, "format", "table", "output `format`: "+strings.Join(formats, ", "))
	fs.StringVar(&o.output, "output", "", "write the report to `file` instead of standard output")
	if severities != "" {
		fs.StringVar(&o.severities, "severity", severities, "comma-separated `severities` to report")
	}
	if gate != "" {
		fs.IntVar(&o.exitCode, "exit-code", 0, "exit with `code` when "+gate)
	}
}

// check checks --format and parses --severity (withUnknown: UNKNOWN is
// allowed, as vulnerabilities have it) into the severities to keep, nil
// for a command without the flag.
func (o *outputFlags) check(withUnknown bool) (map[string]bool, error) {
	if !slices.Contains(o.formats, o.format) {
		return nil, fmt.Errorf("%w: unknown --format %q (want %s)", errUsage, o.format, strings.Join(o.formats, ", "))
	}
	if o.severities == "" {
		return nil, nil
	}
	keep, err := severity.ParseList(o.severities, withUnknown)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return keep, nil
}

// write renders the report and applies the gate to the count of findings.
func (o *outputFlags) write(stdout io.Writer, rep *report.Report, findings int) error {
	f, _ := formats.Lookup(o.format)
	if err := report.Output(o.output, stdout, func(w io.Writer) error { return f.Write(w, rep) }); err != nil {
		return err
	}
	if o.exitCode != 0 && findings > 0 {
		return &findingsError{code: o.exitCode, count: findings}
	}
	return nil
}

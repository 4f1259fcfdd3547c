package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/misconfig/custom"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/result"
)

const configUsage = `Usage:
  bulwark config [flags] PATH       a folder, a Dockerfile, a manifest, a Compose file or a chart
  bulwark config --list-checks

Checks configuration for security problems: Dockerfiles, Kubernetes
manifests (Pod Security Standards, RBAC, network policies, workload
settings), Helm charts (rendered with their values), Kustomize overlays
(built) and Compose files.

Suppress a finding with a comment on or above its line,
  # bulwark:ignore BW-DF-004 the base image is pinned by the build system
with "# bulwark:ignore-file ID reason" for a whole file, or on a Kubernetes
object with the annotation ignore.bulwark.dev/<ID>: "<reason>".

Flags:
`

func runConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		format, output, sevs   string
		exitCode, parallel     int
		list, quiet            bool
		policyPath             string
		opts                   audit.Options
		skip                   idSet
		values, set, setString multiFlag
	)
	fs := newFlagSet("config", configUsage, stderr)
	fs.StringVar(&format, "format", "table", "output `format`: table, json, sarif")
	fs.StringVar(&output, "output", "", "write the report to `file` instead of standard output")
	fs.StringVar(&sevs, "severity", "LOW,MEDIUM,HIGH,CRITICAL", "comma-separated `severities` to report")
	fs.IntVar(&exitCode, "exit-code", 0, "exit with `code` when findings are reported")
	fs.Var(&skip, "skip-checks", "comma-separated check `IDs` not to run")
	fs.StringVar(&opts.PSSVersion, "pss-version", "latest", "Pod Security Standards `version`: latest or v1.NN")
	fs.Var(&values, "helm-values", "a values `file` for every chart (repeatable)")
	fs.Var(&set, "helm-set", "a chart value `key=value` (repeatable, as helm --set)")
	fs.Var(&setString, "helm-set-string", "a chart string value `key=value` (repeatable)")
	fs.IntVar(&parallel, "parallel", 0, "`files` checked at once (default: the number of CPUs)")
	fs.StringVar(&policyPath, "policy", "", "a `folder` (or file) of custom checks written in CEL")
	fs.BoolVar(&list, "list-checks", false, "list every check and exit")
	fs.BoolVar(&quiet, "quiet", false, "no warnings on standard error")
	positional, help, err := parseFlags(fs, args)
	if help || err != nil {
		return err
	}
	var policies *custom.Policies
	if policyPath != "" {
		if policies, err = custom.Load(policyPath); err != nil {
			return err
		}
		opts.Policies = policies
	}
	if list {
		return listChecks(stdout, policies)
	}
	write, ok := imageFormats[format]
	if !ok {
		return fmt.Errorf("%w: unknown --format %q (want table, json or sarif)", errUsage, format)
	}
	if len(positional) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: name one folder or file", errUsage)
	}
	keep, err := severities(sevs, false)
	if err != nil {
		return err
	}
	opts.SkipChecks, opts.Parallel = skip, parallel
	opts.HelmValuesFiles, opts.HelmSet, opts.HelmSetString = values, set, setString

	rep, err := pipeline.Config(ctx, positional[0], opts, pipeline.Options{
		Severities: keep, Tool: result.Tool{Name: "bulwark", Version: toolVersion()}, Log: stderr, Quiet: quiet,
	})
	if err != nil {
		return err
	}
	if err := writeReport(output, stdout, func(w io.Writer) error { return write(w, rep) }); err != nil {
		return err
	}
	if exitCode != 0 && len(rep.Misconfigurations) > 0 {
		return &findingsError{code: exitCode, count: len(rep.Misconfigurations)}
	}
	return nil
}

func listChecks(w io.Writer, policies *custom.Policies) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tTARGET\tTITLE")
	checks := audit.Checks()
	if policies != nil {
		checks = append(checks, policies.Checks()...)
	}
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Target, c.Title)
	}
	return tw.Flush()
}

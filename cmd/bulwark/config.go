package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/misconfig/custom"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report/table"
)

func runConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		out                    outputFlags
		list, quiet            bool
		policyPath             string
		opts                   audit.Options
		skip                   cliflag.IDSet
		values, set, setString cliflag.Multi
	)
	fs := cliflag.NewSet("config", usage("config"), stderr)
	out.register(fs, []string{"table", "json", "sarif"}, "LOW,MEDIUM,HIGH,CRITICAL", "findings are reported")
	fs.Var(&skip, "skip-checks", "comma-separated check `IDs` not to run")
	fs.StringVar(&opts.PSSVersion, "pss-version", "latest", "Pod Security Standards `version`: latest or v1.NN")
	fs.Var(&values, "helm-values", "a values `file` for every chart (repeatable)")
	fs.Var(&set, "helm-set", "a chart value `key=value` (repeatable, as helm --set)")
	fs.Var(&setString, "helm-set-string", "a chart string value `key=value` (repeatable)")
	fs.IntVar(&opts.Parallel, "parallel", 0, "`files` checked at once (default: the number of CPUs)")
	fs.StringVar(&policyPath, "policy", "", "a `folder` (or file) of custom checks written in CEL")
	fs.BoolVar(&list, "list-checks", false, "list every check and exit")
	fs.BoolVar(&quiet, "quiet", false, "no warnings on standard error")
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	checks := audit.Checks()
	if policyPath != "" {
		policies, err := custom.Load(policyPath)
		if err != nil {
			return err
		}
		opts.Policies, checks = policies, append(checks, policies.Checks()...)
	}
	if list {
		return table.WriteChecks(stdout, checks)
	}
	if _, err := out.writer(); err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: name one folder or file", errUsage)
	}
	keep, err := out.keep(false)
	if err != nil {
		return err
	}
	opts.SkipChecks = skip
	opts.HelmValuesFiles, opts.HelmSet, opts.HelmSetString = values, set, setString
	rep, err := pipeline.Config(ctx, positional[0], opts, pipeline.Options{
		Severities: keep, Log: stderr, Quiet: quiet,
	})
	if err != nil {
		return err
	}
	return out.write(stdout, rep, len(rep.Misconfigurations))
}

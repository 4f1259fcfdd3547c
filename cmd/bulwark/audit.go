package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/misconfig/custom"
	"github.com/bulwark-sec/bulwark/misconfig/host"
	"github.com/bulwark-sec/bulwark/misconfig/pins"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/table"
)

// auditFlags are the flags of the commands that run configuration checks
// (config, host).
type auditFlags struct {
	out         outputFlags
	list, quiet bool
	skip        cliflag.IDSet
}

func (a *auditFlags) register(fs *flag.FlagSet) {
	a.out.register(fs, []string{"table", "json", "sarif"}, "LOW,MEDIUM,HIGH,CRITICAL", "findings are reported")
	fs.Var(&a.skip, "skip-checks", "comma-separated check `IDs` not to run")
	fs.BoolVar(&a.list, "list-checks", false, "list the checks and exit")
	fs.BoolVar(&a.quiet, "quiet", false, "no warnings on standard error")
}

// run lists the checks when asked, or runs the audit with the severities
// to keep and writes its report.
func (a *auditFlags) run(stdout, stderr io.Writer, checks []misconfig.Check, run func(pipeline.Options) (*report.Report, error)) error {
	if a.list {
		return table.WriteChecks(stdout, checks)
	}
	keep, err := a.out.check(false)
	if err != nil {
		return err
	}
	rep, err := run(pipeline.Options{Severities: keep, Log: stderr, Quiet: a.quiet})
	if err != nil {
		return err
	}
	return a.out.write(stdout, rep, len(rep.Misconfigurations))
}

func runConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		a                      auditFlags
		policyPath             string
		opts                   audit.Options
		values, set, setString cliflag.Multi
		checkPins, insecure    bool
	)
	fs := cliflag.NewSet("config", usage("config"), stderr)
	a.register(fs)
	fs.StringVar(&opts.PSSVersion, "pss-version", "latest", "Pod Security Standards `version`: latest or v1.NN")
	fs.Var(&values, "helm-values", "a values `file` for every chart (repeatable)")
	fs.Var(&set, "helm-set", "a chart value `key=value` (repeatable, as helm --set)")
	fs.Var(&setString, "helm-set-string", "a chart string value `key=value` (repeatable)")
	fs.IntVar(&opts.Parallel, "parallel", 0, "`files` checked at once (default: the number of CPUs)")
	fs.StringVar(&policyPath, "policy", "", "a `folder` (or file) of custom checks written in CEL")
	fs.BoolVar(&checkPins, "check-pins", false, "ask the registries whether tags pinned as name:tag@digest still point at their digests (online)")
	fs.BoolVar(&insecure, "insecure", false, "with --check-pins: allow plain HTTP and unverified TLS to registries")
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
	if len(positional) != 1 && !a.list {
		fs.Usage()
		return fmt.Errorf("%w: name one folder or file", errUsage)
	}
	opts.SkipChecks, opts.HelmValuesFiles, opts.HelmSet, opts.HelmSetString = a.skip, values, set, setString
	if checkPins {
		opts.Pins = &pins.Checker{Remote: image.Options{Insecure: insecure}.RemoteOptions, Insecure: insecure}
	}
	return a.run(stdout, stderr, checks, func(po pipeline.Options) (*report.Report, error) {
		return pipeline.Config(ctx, positional[0], opts, po)
	})
}

func runHost(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var a auditFlags
	var root string
	fs := cliflag.NewSet("host", usage("host"), stderr)
	a.register(fs)
	fs.StringVar(&root, "root", "/", "the host's root file system: / or a mounted `folder`")
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	if len(positional) != 0 {
		fs.Usage()
		return fmt.Errorf("%w: name the host's root with --root, not as an argument", errUsage)
	}
	return a.run(stdout, stderr, host.Checks(), func(po pipeline.Options) (*report.Report, error) {
		return pipeline.Host(ctx, root, host.Options{SkipChecks: a.skip}, po)
	})
}

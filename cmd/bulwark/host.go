package main

import (
	"context"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/misconfig/host"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report/table"
)

func runHost(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		out         outputFlags
		list, quiet bool
		root        string
		skip        cliflag.IDSet
	)
	fs := cliflag.NewSet("host", usage("host"), stderr)
	out.register(fs, []string{"table", "json", "sarif"}, "LOW,MEDIUM,HIGH,CRITICAL", "findings are reported")
	fs.StringVar(&root, "root", "/", "the host's root file system: / or a mounted `folder`")
	fs.Var(&skip, "skip-checks", "comma-separated check `IDs` not to run")
	fs.BoolVar(&list, "list-checks", false, "list the host checks and exit")
	fs.BoolVar(&quiet, "quiet", false, "no warnings on standard error")
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	if list {
		return table.WriteChecks(stdout, host.Checks())
	}
	if _, err := out.writer(); err != nil {
		return err
	}
	if len(positional) != 0 {
		fs.Usage()
		return fmt.Errorf("%w: name the host's root with --root, not as an argument", errUsage)
	}
	keep, err := out.keep(false)
	if err != nil {
		return err
	}
	rep, err := pipeline.Host(ctx, root, host.Options{SkipChecks: skip}, pipeline.Options{
		Severities: keep, Log: stderr, Quiet: quiet,
	})
	if err != nil {
		return err
	}
	return out.write(stdout, rep, len(rep.Misconfigurations))
}

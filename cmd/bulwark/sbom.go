package main

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/attest"
	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/report/formats"
)

// attestPredicates are the predicate types of the SBOM formats --attest
// wraps.
var attestPredicates = map[string]string{"cyclonedx": attest.CycloneDX, "spdx-json": attest.SPDX}

func runSBOM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var t targetFlags
	var out outputFlags
	var statement bool
	fs := cliflag.NewSet("sbom", usage("sbom"), stderr)
	t.register(fs)
	out.register(fs, []string{"table", "json", "cyclonedx", "spdx-json"}, "", "")
	fs.BoolVar(&statement, "attest", false, "write the SBOM (--format cyclonedx, the default here, or spdx-json) as an in-toto statement about the image, for cosign attest --statement")
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	if statement && !cliflag.IsSet(fs, "format") {
		out.format = "cyclonedx"
	}
	if _, err := out.check(false); err != nil {
		return err
	}
	predicateType, ok := attestPredicates[out.format]
	if statement && !ok {
		return fmt.Errorf("%w: --attest writes cyclonedx or spdx-json, not %s", errUsage, out.format)
	}
	var opts pipeline.Options
	target, err := t.options(fs, positional, stderr, &opts)
	if err != nil {
		return err
	}
	rep, err := pipeline.Run(ctx, target, opts)
	if err != nil {
		return err
	}
	if !statement {
		return out.write(stdout, rep, 0)
	}
	var sbom bytes.Buffer
	f, _ := formats.Lookup(out.format)
	if err := f.Write(&sbom, rep); err != nil {
		return err
	}
	doc, err := attest.ForImage(rep.Artifact, predicateType, sbom.Bytes())
	if err != nil {
		return err
	}
	return report.Output(out.output, stdout, func(w io.Writer) error {
		_, err := w.Write(append(doc, '\n'))
		return err
	})
}

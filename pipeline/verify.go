package pipeline

import (
	"context"
	"fmt"
	"os"

	"github.com/bulwark-sec/bulwark/attest"
	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"
	"github.com/bulwark-sec/bulwark/triage"
	"github.com/bulwark-sec/bulwark/verify"
)

// Verify checks the signatures and attestations of the image target
// names (a registry reference or an OCI layout directory) and returns a
// report of them alone.
func Verify(ctx context.Context, target string, img image.Options, opts verify.Options) (*report.Report, error) {
	src, err := verify.Open(ctx, target, img)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	chk, err := verify.Check(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	kind := result.KindRegistry
	if info, err := os.Stat(target); err == nil {
		kind = result.KindOCIArchive
		if info.IsDir() {
			kind = result.KindOCILayout
		}
	}
	o := Options{}
	return &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          Tool(),
		CreatedAt:     o.now(),
		Artifact:      result.Artifact{Name: target, Kind: kind, ManifestDigest: chk.Subject},
		Signatures:    chk,
	}, nil
}

// checkSignatures is Run's signature stage, when the options ask for
// it: the check of the image the target names, and the OpenVEX documents
// its verified attestations hold (added to o.VEX). A registry target is
// pinned to the digest checked, so the scan reads that image even if
// the tag moves meanwhile.
func (o *Options) checkSignatures(ctx context.Context, t *Target) (*result.SignatureCheck, error) {
	if !o.RequireSignature && !o.VEXFromAttestation {
		return nil, nil
	}
	if o.Signatures == nil {
		return nil, fmt.Errorf("%w: --require-signature and --vex-from-attestation need --key, or --certificate-identity with --certificate-oidc-issuer and --trusted-root", ErrOptions)
	}
	name := t.Reference
	if name == "" {
		name = t.Input
	}
	if name == "" {
		return nil, fmt.Errorf("%w: signatures are checked on images (a registry reference or an OCI layout), not on folders", ErrOptions)
	}
	src, err := verify.Open(ctx, name, o.Image)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if t.Reference != "" {
		t.Reference = src.Pinned()
	}
	vexes, chk, err := verify.Attestations(ctx, src, *o.Signatures, attest.KindVEX)
	if err != nil {
		return nil, err
	}
	if o.VEXFromAttestation {
		if len(vexes) == 0 {
			o.logf(false, "warning: --vex-from-attestation: no OpenVEX attestation of %s verifies with %s", chk.Subject, chk.Policy)
		}
		for _, v := range vexes {
			x, err := triage.ParseVEX(v.Statement.Predicate)
			if err != nil {
				o.logf(false, "warning: VEX attestation at %s: %v", v.Location, err)
				continue
			}
			x.Path = "attestation " + v.Location
			o.VEX = append(o.VEX, x)
		}
	}
	if !o.RequireSignature {
		return nil, nil
	}
	if !chk.Verified {
		o.logf(false, "signature check failed: %s: %s", chk.Reason, chk.Detail)
	}
	return chk, nil
}

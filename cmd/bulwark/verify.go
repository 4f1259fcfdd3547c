package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/cliflag"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/verify"
)

// policyFlags are the flags that say which signatures to trust.
type policyFlags struct {
	keys   cliflag.Multi
	policy verify.Policy
}

func (p *policyFlags) register(fs *flag.FlagSet) {
	fs.Var(&p.keys, "key", "PEM public key `file` a signature must verify with (repeatable: any of them)")
	fs.StringVar(&p.policy.Identity, "certificate-identity", "", "keyless: the certificate's subject alternative `name` (an email or URI)")
	fs.StringVar(&p.policy.IdentityRegexp, "certificate-identity-regexp", "", "keyless: a regular `expression` the certificate's identity must match")
	fs.StringVar(&p.policy.Issuer, "certificate-oidc-issuer", "", "keyless: the OIDC issuer `URL` the certificate names")
	fs.StringVar(&p.policy.IssuerRegexp, "certificate-oidc-issuer-regexp", "", "keyless: a regular `expression` the certificate's issuer must match")
	fs.StringVar(&p.policy.TrustedRoot, "trusted-root", "", "keyless: Sigstore trusted_root.json `file` (certificate authorities, transparency logs, timestamp authorities); nothing is fetched")
}

// options loads what the flags name; a policy that cannot work is a
// usage error.
func (p *policyFlags) options() (*verify.Options, error) {
	p.policy.KeyFiles = p.keys
	o, err := p.policy.Load()
	if errors.Is(err, verify.ErrPolicy) {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		pol  policyFlags
		out  outputFlags
		img  image.Options
		quit bool
	)
	fs := cliflag.NewSet("verify", usage("verify"), stderr)
	pol.register(fs)
	out.register(fs, []string{"table", "json", "sarif"}, "", "no signature verifies")
	fs.StringVar(&img.Username, "username", os.Getenv("BULWARK_USERNAME"), "registry `user` (default $BULWARK_USERNAME; otherwise ~/.docker/config.json)")
	fs.StringVar(&img.Password, "password", os.Getenv("BULWARK_PASSWORD"), "registry `password` (default $BULWARK_PASSWORD)")
	fs.BoolVar(&img.Insecure, "insecure", false, "allow plain HTTP and unverified TLS to the registry")
	fs.BoolVar(&quit, "quiet", false, "no message on standard error when verification fails")
	positional, help, err := cliflag.Parse(fs, args)
	if help || err != nil {
		return err
	}
	if _, err := out.check(false); err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return fmt.Errorf("%w: name one image (a registry reference or an OCI layout directory)", errUsage)
	}
	opts, err := pol.options()
	if err != nil {
		return err
	}
	rep, err := pipeline.Verify(ctx, positional[0], img, *opts)
	if err != nil {
		return err
	}
	n := 0
	if chk := rep.Signatures; !chk.Verified {
		n = 1
		if !quit {
			fmt.Fprintf(stderr, "bulwark: %s: not verified: %s: %s\n", positional[0], chk.Reason, chk.Detail)
		}
	}
	return out.write(stdout, rep, n)
}

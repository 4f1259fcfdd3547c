// Package pins checks, online, the image references a configuration pins
// as name:tag@sha256:…: whether the tag still points at the pinned digest
// in the registry. A reference written that way says "this digest is what
// tag 1.2 is"; once the tag has moved (a rebuild with security fixes, or a
// re-push nobody reviewed) that is no longer true, and the reader of the
// file is misled either way. Only opted-in runs (bulwark config
// --check-pins) ask registries anything.
package pins

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/severity"
)

var checkMovedTag = misconfig.Check{
	ID: "BW-PIN-001", Title: "Pinned tag has moved in the registry", Severity: severity.Medium, Target: misconfig.TargetRegistry,
	Rationale: "A reference written as name:tag@digest claims that the digest is what the tag names. When the registry's tag now points at other content, " +
		"either the image was rebuilt (with fixes the pinned copy lacks) or someone re-pushed the tag; either way the file no longer says what it runs.",
	Fix: "Compare the two digests' images and move the pin to the tag's current digest (Renovate and Dependabot do this), " +
		"or drop the tag from the reference if the old build is pinned on purpose.",
	References: []string{
		"https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests",
		"https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier",
	},
}

// Checks lists the checks this package reports.
func Checks() []misconfig.Check { return misconfig.Catalog(checkMovedTag) }

// Checker asks registries where pinned tags point now.
type Checker struct {
	// Remote gives the registry options (credentials, transport) for
	// each lookup; image.Options.RemoteOptions fits.
	Remote func(ctx context.Context) ([]remote.Option, error)
	// Insecure allows plain HTTP registries.
	Insecure bool
	// Parallel bounds the lookups at once (default 4).
	Parallel int
}

// pinned is one tag@digest reference, parsed.
type pinned struct {
	tag    name.Tag
	digest string
}

// parse reads a reference written as name:tag@digest; ok is false for
// references without both an explicit tag and a digest.
func (c *Checker) parse(ref string) (p pinned, ok bool) {
	before, digest, found := strings.Cut(ref, "@")
	last := before[strings.LastIndexByte(before, '/')+1:]
	if !found || !strings.Contains(last, ":") {
		return p, false
	}
	var opts []name.Option
	if c.Insecure {
		opts = append(opts, name.Insecure)
	}
	tag, err := name.NewTag(before, opts...)
	if err != nil {
		return p, false
	}
	if _, err := v1.NewHash(digest); err != nil {
		return p, false
	}
	return pinned{tag: tag, digest: digest}, true
}

// lookup is what the registry said about one pinned reference.
type lookup struct {
	current string // the tag's digest now; "" when it still fits
	err     error
}

// CheckPins looks up every tag pinned with a digest among refs, once per
// distinct reference, and reports the ones whose tag points elsewhere.
// Lookups that fail are warnings: the check could not be made.
func (c *Checker) CheckPins(ctx context.Context, refs []misconfig.ImageRef) ([]misconfig.Finding, []misconfig.Warning) {
	parallel := c.Parallel
	if parallel <= 0 {
		parallel = 4
	}
	results := map[pinned]*lookup{}
	for _, r := range refs {
		if p, ok := c.parse(r.Image); ok {
			results[p] = nil
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for p := range results {
		g.Go(func() error {
			current, err := c.current(gctx, p)
			mu.Lock()
			results[p] = &lookup{current: current, err: err}
			mu.Unlock()
			return nil
		})
	}
	g.Wait()

	var findings []misconfig.Finding
	var warnings []misconfig.Warning
	warned := map[pinned]bool{}
	for _, r := range refs {
		p, ok := c.parse(r.Image)
		if !ok {
			continue
		}
		switch l := results[p]; {
		case l.err != nil:
			if !warned[p] {
				warned[p] = true
				warnings = append(warnings, misconfig.Warning{Path: r.File, Message: fmt.Sprintf("%s: %s: the pin was not checked: %v", checkMovedTag.ID, r.Image, l.err)})
			}
		case l.current != "":
			tag, _, _ := strings.Cut(r.Image, "@")
			findings = append(findings, checkMovedTag.At(r.File, r.Line, r.Resource,
				"%s is pinned to %s, but the registry's tag now points to %s", tag, p.digest, l.current))
		}
	}
	misconfig.Sort(findings)
	sort.Slice(warnings, func(i, j int) bool { return warnings[i].Message < warnings[j].Message })
	return findings, warnings
}

// current returns the digest the tag points at when it is not the pinned
// one, or "". A pin of one platform's image inside the multi-platform
// index the tag names still fits.
func (c *Checker) current(ctx context.Context, p pinned) (string, error) {
	var opts []remote.Option
	if c.Remote != nil {
		var err error
		if opts, err = c.Remote(ctx); err != nil {
			return "", err
		}
	}
	opts = append(opts, remote.WithContext(ctx))
	desc, err := remote.Head(p.tag, opts...)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p.tag, err)
	}
	if desc.Digest.String() == p.digest {
		return "", nil
	}
	if desc.MediaType.IsIndex() {
		idx, err := remote.Index(p.tag, opts...)
		if err != nil {
			return "", fmt.Errorf("read the index %s: %w", p.tag, err)
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return "", fmt.Errorf("read the index %s: %w", p.tag, err)
		}
		for _, d := range m.Manifests {
			if d.Digest.String() == p.digest {
				return "", nil
			}
		}
	}
	return desc.Digest.String(), nil
}

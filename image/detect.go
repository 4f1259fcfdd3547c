package image

import (
	"context"
	"strings"
	"time"
)

// localEngines are the engines a bare reference is looked up in, in
// order, as Trivy does (it tries docker, containerd, podman, then the
// registry).
var localEngines = []*flavor{dockerFlavor, podmanFlavor}

// localProbeTimeout bounds reaching a local engine and agreeing on an
// API version (a socket nobody serves fails at once; this is for one that
// accepts and hangs); the export that follows is bounded only by ctx.
const localProbeTimeout = 10 * time.Second

// localLookupTimeout bounds an image lookup in an engine that answered.
const localLookupTimeout = time.Minute

// openReference opens a registry reference, or the image of that name
// in a local engine. A reference that names its registry host
// (registry.example/app:1, localhost:5000/app) goes to that registry
// first, and to the local engines only when the registry cannot serve it
// (not found, unreachable, unauthorized…). A short name (app:1,
// library/alpine) is looked up in the local engines first — the Docker
// Engine, then Podman, each only when its socket answers and it has the
// image — and only then in the registry (Docker Hub).
func openReference(ctx context.Context, target string, opts Options) (*Source, error) {
	if hasRegistryHost(target) {
		src, err := openRemote(ctx, target, opts)
		if err == nil || ctx.Err() != nil {
			return src, err
		}
		if local, ok, lerr := openLocal(ctx, target, opts); ok {
			return local, lerr
		}
		return nil, err
	}
	if local, ok, err := openLocal(ctx, target, opts); ok {
		return local, err
	}
	return openRemote(ctx, target, opts)
}

// hasRegistryHost reports whether reference ref begins with a registry
// host, by the docker CLI's rule: a first component, before a slash, that
// has a dot or a colon or is localhost.
func hasRegistryHost(ref string) bool {
	first, _, ok := strings.Cut(ref, "/")
	return ok && (strings.ContainsAny(first, ".:") || first == "localhost")
}

// openLocal opens target from the first local engine that answers and
// has it. ok is false when none has it: an engine that cannot be reached,
// or answers with an error, is passed over. Once an engine has the image,
// a failure to read it is returned.
func openLocal(ctx context.Context, target string, opts Options) (src *Source, ok bool, err error) {
	for _, f := range localEngines {
		e, img := findLocal(ctx, f, target, opts)
		if img == nil {
			continue
		}
		src, err := e.open(ctx, img, target, opts)
		e.client.CloseIdleConnections()
		return src, true, err
	}
	return nil, false, nil
}

// findLocal asks the engine of flavor f for name; img is nil when it
// cannot be reached or does not have it.
func findLocal(ctx context.Context, f *flavor, name string, opts Options) (e *engine, img *engineImage) {
	e, err := newEngine(f, opts.engineHost(f))
	if err != nil {
		return nil, nil
	}
	probe, cancel := context.WithTimeout(ctx, localProbeTimeout)
	defer cancel()
	if e.negotiate(probe) != nil {
		e.client.CloseIdleConnections()
		return nil, nil
	}
	// An engine that answered is asked with more patience: a busy Podman
	// service can take seconds to look an image up, and giving up would
	// send a local name to Docker Hub.
	lookup, cancelLookup := context.WithTimeout(ctx, localLookupTimeout)
	defer cancelLookup()
	if img, err = e.inspect(lookup, name); err != nil {
		e.client.CloseIdleConnections()
		return nil, nil
	}
	return e, img
}

package image

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/bulwark-sec/bulwark/result"
)

// openRemote opens an image in a registry. Only the manifest and config
// are fetched here; layer blobs are fetched when their Open is called, and
// go-containerregistry verifies each blob's digest as it streams.
func openRemote(ctx context.Context, target string, opts Options) (*Source, error) {
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(target, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("image: %q is neither a file nor an image reference: %w", target, err)
	}
	plat, err := opts.platform()
	if err != nil {
		return nil, err
	}
	ropts, err := opts.RemoteOptions(ctx)
	if err != nil {
		return nil, err
	}
	ropts = append(ropts, remote.WithPlatform(*plat))
	desc, err := remote.Get(ref, ropts...)
	if err != nil {
		return nil, registryError(ref, err)
	}
	var img v1.Image
	switch {
	case desc.MediaType.IsIndex():
		img, err = desc.Image() // resolves the platform given above
		if err != nil {
			return nil, fmt.Errorf("image: %s: no image for platform %s: %w", ref, plat, registryError(ref, err))
		}
	case desc.MediaType.IsImage():
		img, err = desc.Image()
		if err != nil {
			return nil, registryError(ref, err)
		}
	default:
		return nil, fmt.Errorf("image: %s is a %s, not an image", ref, desc.MediaType)
	}
	digest, err := img.Digest() // computed from the fetched manifest; cheap
	if err != nil {
		return nil, registryError(ref, err)
	}
	art := result.Artifact{
		Name:           target,
		Kind:           result.KindRegistry,
		ManifestDigest: digest.String(),
		RepoDigests:    []string{ref.Context().Digest(desc.Digest.String()).String()},
	}
	if t, ok := ref.(name.Tag); ok {
		art.RepoTags = []string{t.String()}
	}
	raw := func(l v1.Layer) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) {
			rc, err := l.Compressed()
			if err != nil {
				return nil, registryError(ref, err)
			}
			return rc, nil
		}
	}
	src, err := fromImage(img, art, raw, true, opts)
	if err != nil {
		return nil, registryError(ref, err)
	}
	return src, nil
}

// registryError turns registry failures into one line that says what to
// do: the common cases are credentials, a missing tag, and a registry that
// cannot be reached.
func registryError(ref name.Reference, err error) error {
	var terr *transport.Error
	if errors.As(err, &terr) {
		switch {
		case terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden:
			return fmt.Errorf("image: %s: access denied by the registry (HTTP %d): check --username/--password or docker login: %w", ref, terr.StatusCode, errShort(terr))
		case terr.StatusCode == http.StatusNotFound || hasCode(terr, transport.ManifestUnknownErrorCode, transport.NameUnknownErrorCode):
			return fmt.Errorf("image: %s: not found in the registry: %w", ref, errShort(terr))
		}
		return fmt.Errorf("image: %s: registry error: %w", ref, errShort(terr))
	}
	var uerr *url.Error
	var operr *net.OpError
	if errors.As(err, &operr) || (errors.As(err, &uerr) && !strings.Contains(uerr.Error(), "unsupported")) {
		hint := ""
		if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
			hint = " (plain HTTP registry: add --insecure)"
		}
		return fmt.Errorf("image: %s: cannot reach registry %s%s: %w", ref, ref.Context().RegistryStr(), hint, err)
	}
	if strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
		return fmt.Errorf("image: %s: plain HTTP registry: add --insecure: %w", ref, err)
	}
	return fmt.Errorf("image: %s: %w", ref, err)
}

func hasCode(e *transport.Error, codes ...transport.ErrorCode) bool {
	for _, d := range e.Errors {
		for _, c := range codes {
			if d.Code == c {
				return true
			}
		}
	}
	return false
}

// errShort is the registry's own message without the request dump.
type shortError struct{ e *transport.Error }

func (s shortError) Error() string {
	if len(s.e.Errors) > 0 {
		var msgs []string
		for _, d := range s.e.Errors {
			msgs = append(msgs, fmt.Sprintf("%s: %s", d.Code, d.Message))
		}
		return strings.Join(msgs, "; ")
	}
	return fmt.Sprintf("HTTP %d", s.e.StatusCode)
}

func (s shortError) Unwrap() error { return s.e }

func errShort(e *transport.Error) error { return shortError{e} }

// RemoteOptions are the go-containerregistry options that reach a
// registry as opts say: credentials (Authorization, then Username and
// Password, then the Docker keychain), the transport, the user agent.
func (opts Options) RemoteOptions(ctx context.Context) ([]remote.Option, error) {
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithUserAgent("bulwark")}
	switch {
	case opts.Authorization != "":
		auth, err := authorization(opts.Authorization)
		if err != nil {
			return nil, err
		}
		ropts = append(ropts, remote.WithAuth(auth))
	case opts.Username != "" || opts.Password != "":
		ropts = append(ropts, remote.WithAuth(&authn.Basic{Username: opts.Username, Password: opts.Password}))
	default:
		ropts = append(ropts, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	switch {
	case opts.Transport != nil:
		ropts = append(ropts, remote.WithTransport(opts.Transport))
	case opts.Insecure:
		t := remote.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for --insecure
		ropts = append(ropts, remote.WithTransport(t))
	}
	return ropts, nil
}

// authorization turns an HTTP Authorization value into credentials:
// "Basic base64(user:password)" or "Bearer token".
func authorization(h string) (authn.Authenticator, error) {
	scheme, value, _ := strings.Cut(strings.TrimSpace(h), " ")
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			return nil, fmt.Errorf("image: registry authorization: Basic credentials are not base64")
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return nil, fmt.Errorf("image: registry authorization: Basic credentials lack a colon")
		}
		return &authn.Basic{Username: user, Password: pass}, nil
	case strings.EqualFold(scheme, "Bearer") && value != "":
		return &authn.Bearer{Token: value}, nil
	default:
		return nil, fmt.Errorf("image: registry authorization: want \"Basic …\" or \"Bearer …\"")
	}
}

// Resolve asks the registry which manifest ref names now: a HEAD request,
// and a GET where the registry answers HEAD badly (some refuse it, some
// answer it without a digest). Credentials, a missing image and a
// cancelled context are not asked twice. Errors are go-containerregistry's,
// for the caller to word.
func Resolve(ctx context.Context, ref name.Reference, opts Options) (*v1.Descriptor, error) {
	ropts, err := opts.RemoteOptions(ctx)
	if err != nil {
		return nil, err
	}
	desc, err := remote.Head(ref, ropts...)
	if err == nil {
		return desc, nil
	}
	var terr *transport.Error
	if ctx.Err() != nil || errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized ||
		terr.StatusCode == http.StatusForbidden || terr.StatusCode == http.StatusNotFound) {
		return nil, err
	}
	d, gerr := remote.Get(ref, ropts...)
	if gerr != nil {
		return nil, gerr
	}
	return &d.Descriptor, nil
}

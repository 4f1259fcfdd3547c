package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/bulwark-sec/bulwark/image"
)

// Source is where an image and what is published about it live: a
// registry repository or an OCI image layout.
type Source interface {
	// Name is the image as the user named it.
	Name() string
	// Subject is the digest signatures must name: that of the manifest
	// or index the reference resolves to.
	Subject() v1.Hash
	// Also are other digests whose signatures count: for an index, that
	// of the platform's manifest, which the scan reads.
	Also() []v1.Hash
	// Tagged returns the manifest under a tag beside the image, or nil
	// when there is none.
	Tagged(ctx context.Context, tag string) (v1.Image, error)
	// Referrers lists the manifests whose subject is h (OCI 1.1: the
	// referrers API, or the fallback tag sha256-<hex>).
	Referrers(ctx context.Context, h v1.Hash) ([]v1.Descriptor, error)
	// Manifest returns the manifest with a digest.
	Manifest(ctx context.Context, h v1.Hash) (v1.Image, error)
	// Pinned names exactly the image checked: repository@digest for a
	// registry, the name given for a layout.
	Pinned() string
	// Close releases what Open made (an oci-archive's unpacked layout).
	Close() error
}

// Open finds the image target names: an OCI layout directory (DIR or
// DIR:TAG) or a registry reference. opts reach the registry.
func Open(ctx context.Context, target string, opts image.Options) (Source, error) {
	if target == "" {
		return nil, errors.New("verify: no image named")
	}
	dir, sel := target, ""
	if i := strings.LastIndexByte(target, ':'); i > 0 {
		if _, err := os.Stat(target); err != nil {
			dir, sel = target[:i], target[i+1:]
		}
	}
	if info, err := os.Stat(dir); err == nil {
		if !info.IsDir() {
			return openOCIArchive(dir, sel, target, opts)
		}
		return openLayout(dir, sel, target)
	}
	return openRegistry(ctx, target, opts)
}

// openOCIArchive unpacks an oci-archive's layout (as the image source
// does) into a temporary directory that Close removes.
func openOCIArchive(file, sel, target string, opts image.Options) (*layoutSource, error) {
	tmp, err := os.MkdirTemp(opts.TempDir, "bulwark-verify-")
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	err = image.UnpackOCIArchive(file, tmp)
	if err == nil {
		if _, serr := os.Stat(filepath.Join(tmp, "index.json")); serr != nil {
			err = errors.New("not an oci-archive (no index.json); signatures are read from registries, OCI layouts and oci-archives, and a docker-archive cannot hold them")
		}
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("verify: %s: %w", file, err)
	}
	l, err := openLayout(tmp, sel, target)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("%w (in %s)", err, file)
	}
	l.temp = tmp
	return l, nil
}

type registry struct {
	name    string
	repo    name.Repository
	subject v1.Hash
	also    []v1.Hash
	opts    []remote.Option
}

func openRegistry(ctx context.Context, target string, opts image.Options) (*registry, error) {
	var nameOpts []name.Option
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(target, nameOpts...)
	if err != nil {
		return nil, fmt.Errorf("verify: %q is neither an OCI layout nor an image reference: %w", target, err)
	}
	ropts, err := opts.RemoteOptions(ctx)
	if err != nil {
		return nil, err
	}
	desc, err := image.Resolve(ctx, ref, opts)
	if err != nil {
		return nil, fmt.Errorf("verify: %s: %w", ref, err)
	}
	r := &registry{name: target, repo: ref.Context(), subject: desc.Digest, opts: ropts}
	if desc.MediaType.IsIndex() {
		// cosign signs the digest it is given: a platform's manifest may
		// be signed rather than the index.
		plat, err := opts.SelectedPlatform()
		if err != nil {
			return nil, err
		}
		if d, err := remote.Get(r.repo.Digest(desc.Digest.String()), append(ropts, remote.WithPlatform(*plat))...); err == nil {
			if img, err := d.Image(); err == nil {
				if h, err := img.Digest(); err == nil && h != desc.Digest {
					r.also = []v1.Hash{h}
				}
			}
		}
	}
	return r, nil
}

func (r *registry) Name() string     { return r.name }
func (r *registry) Subject() v1.Hash { return r.subject }
func (r *registry) Also() []v1.Hash  { return r.also }
func (r *registry) Pinned() string   { return r.repo.Digest(r.subject.String()).String() }
func (r *registry) Close() error     { return nil }

func (r *registry) Tagged(ctx context.Context, tag string) (v1.Image, error) {
	img, err := remote.Image(r.repo.Tag(tag), r.withContext(ctx)...)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify: %s:%s: %w", r.repo, tag, err)
	}
	return img, nil
}

func (r *registry) Referrers(ctx context.Context, h v1.Hash) ([]v1.Descriptor, error) {
	idx, err := remote.Referrers(r.repo.Digest(h.String()), r.withContext(ctx)...)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify: referrers of %s@%s: %w", r.repo, h, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("verify: referrers of %s@%s: %w", r.repo, h, err)
	}
	return m.Manifests, nil
}

func (r *registry) Manifest(ctx context.Context, h v1.Hash) (v1.Image, error) {
	img, err := remote.Image(r.repo.Digest(h.String()), r.withContext(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("verify: %s@%s: %w", r.repo, h, err)
	}
	return img, nil
}

func (r *registry) withContext(ctx context.Context) []remote.Option {
	return append(r.opts[:len(r.opts):len(r.opts)], remote.WithContext(ctx))
}

func notFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}

// refName is the annotation an OCI layout names its images with.
const refName = "org.opencontainers.image.ref.name"

type layoutSource struct {
	temp    string // an unpacked oci-archive, removed by Close
	name    string
	path    layout.Path
	index   *v1.IndexManifest
	subject v1.Hash
}

// openLayout reads an OCI layout; sel picks the image by its ref name,
// otherwise the layout must hold one image besides signatures.
func openLayout(dir, sel, target string) (*layoutSource, error) {
	p, err := layout.FromPath(filepath.Clean(dir))
	if err != nil {
		return nil, fmt.Errorf("verify: %s is not an OCI layout: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("verify: %s: %w", dir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("verify: %s: %w", dir, err)
	}
	l := &layoutSource{name: target, path: p, index: m}
	var found, named []v1.Descriptor
	for _, d := range m.Manifests {
		ref := d.Annotations[refName]
		switch {
		case sel != "" && ref == sel:
			found = append(found, d)
		case sel == "" && (cosignKind(d) == "image" || cosignKind(d) == "imageIndex"):
			return &layoutSource{name: target, path: p, index: m, subject: d.Digest}, nil
		case sel == "" && !isSignatureTag(ref) && cosignKind(d) == "" && isImage(d):
			found = append(found, d)
			if ref != "" {
				named = append(named, d)
			}
		}
	}
	if len(named) > 0 {
		found = named // a referrer beside the image has no name
	}
	switch len(found) {
	case 0:
		if sel != "" {
			return nil, fmt.Errorf("verify: %s: no image named %q", dir, sel)
		}
		return nil, fmt.Errorf("verify: %s: no image", dir)
	case 1:
		l.subject = found[0].Digest
		return l, nil
	}
	return nil, fmt.Errorf("verify: %s holds %d images; pick one with %s:NAME", dir, len(found), dir)
}

// isImage says whether a layout's descriptor is an image or index rather
// than an artifact (whose artifactType, or config media type, says so).
func isImage(d v1.Descriptor) bool {
	if d.MediaType.IsIndex() {
		return true
	}
	switch types.MediaType(d.ArtifactType) {
	case "", types.OCIConfigJSON, types.DockerConfigJSON:
		return d.MediaType.IsImage()
	}
	return false
}

// isSignatureTag says whether a tag is one of cosign's or the OCI
// referrers fallback's: sha256-<hex>[.sig|.att|.sbom].
func isSignatureTag(tag string) bool {
	return strings.HasPrefix(tag, "sha256-")
}

func (l *layoutSource) Name() string     { return l.name }
func (l *layoutSource) Subject() v1.Hash { return l.subject }
func (l *layoutSource) Also() []v1.Hash  { return nil }
func (l *layoutSource) Pinned() string   { return l.name }

func (l *layoutSource) Close() error {
	if l.temp == "" {
		return nil
	}
	return os.RemoveAll(l.temp)
}

func (l *layoutSource) Tagged(_ context.Context, tag string) (v1.Image, error) {
	// cosign save names its manifests by kind, not tag: sigs and atts of
	// the one image it saves.
	kind := map[string]string{".sig": "sigs", ".att": "atts"}[path.Ext(tag)]
	if !strings.HasPrefix(tag, l.subject.Algorithm+"-"+l.subject.Hex) {
		kind = ""
	}
	for _, d := range l.index.Manifests {
		if d.Annotations[refName] == tag || (kind != "" && cosignKind(d) == kind) {
			return l.path.Image(d.Digest)
		}
	}
	return nil, nil
}

// cosignKind is what cosign save says a layout's manifest is: image,
// imageIndex, sigs or atts.
func cosignKind(d v1.Descriptor) string {
	return strings.TrimPrefix(d.Annotations["kind"], "dev.cosignproject.cosign/")
}

// Referrers are the layout's manifests whose subject is h.
func (l *layoutSource) Referrers(_ context.Context, h v1.Hash) ([]v1.Descriptor, error) {
	var out []v1.Descriptor
	for _, d := range l.index.Manifests {
		if !d.MediaType.IsImage() {
			continue
		}
		img, err := l.path.Image(d.Digest)
		if err != nil {
			return nil, fmt.Errorf("verify: %s: %w", d.Digest, err)
		}
		m, err := img.Manifest()
		if err != nil {
			return nil, fmt.Errorf("verify: %s: %w", d.Digest, err)
		}
		if m.Subject != nil && m.Subject.Digest == h {
			d.ArtifactType = m.ArtifactType
			out = append(out, d)
		}
	}
	return out, nil
}

func (l *layoutSource) Manifest(_ context.Context, h v1.Hash) (v1.Image, error) {
	return l.path.Image(h)
}

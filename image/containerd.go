package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"time"

	contentapi "github.com/containerd/containerd/api/services/content/v1"
	imagesapi "github.com/containerd/containerd/api/services/images/v1"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/bulwark-sec/bulwark/result"
)

// ContainerdPrefix marks a target as an image of containerd's image store.
const ContainerdPrefix = "containerd://"

// defaultContainerdAddress is containerd's socket when $CONTAINERD_ADDRESS
// is not set.
const defaultContainerdAddress = "/run/containerd/containerd.sock"

// maxManifestSize bounds an index or manifest read into memory.
const maxManifestSize = 4 << 20

// ctrd reads images and blobs from containerd's images and content
// services over its gRPC socket, in one namespace.
type ctrd struct {
	address, namespace string
	conn               *grpc.ClientConn
	content            contentapi.ContentClient
}

// openContainerd reads image name from containerd at $CONTAINERD_ADDRESS
// (default /run/containerd/containerd.sock), namespace
// opts.ContainerdNamespace, else $CONTAINERD_NAMESPACE, else "default". The manifest and config are read here; each layer
// is streamed from the content service when opened, its digest checked.
func openContainerd(ctx context.Context, ref, target string, opts Options) (*Source, error) {
	if ref == "" {
		return nil, fmt.Errorf("image: %s: no image name after %s", target, ContainerdPrefix)
	}
	c := &ctrd{address: strings.TrimPrefix(os.Getenv("CONTAINERD_ADDRESS"), "unix://"), namespace: os.Getenv("CONTAINERD_NAMESPACE")}
	if c.address == "" {
		c.address = defaultContainerdAddress
	}
	if opts.ContainerdNamespace != "" {
		c.namespace = opts.ContainerdNamespace
	}
	if c.namespace == "" {
		c.namespace = "default"
	}
	conn, err := grpc.NewClient("unix://"+c.address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("image: %s: containerd address %q: %w", target, c.address, err)
	}
	c.conn, c.content = conn, contentapi.NewContentClient(conn)
	src, err := c.open(ctx, ref, target, opts)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("image: %s: %w", target, err)
	}
	src.closers = append(src.closers, conn.Close)
	return src, nil
}

func (c *ctrd) open(ctx context.Context, ref, target string, opts Options) (*Source, error) {
	ctx = metadata.AppendToOutgoingContext(ctx, "containerd-namespace", c.namespace)
	images := imagesapi.NewImagesClient(c.conn)
	getCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	stored := ref
	resp, err := images.Get(getCtx, &imagesapi.GetImageRequest{Name: ref})
	if status.Code(err) == codes.NotFound {
		// ctr and nerdctl store docker.io/library/debian:12 for debian:12.
		if full := dockerName(ref); full != ref {
			stored = full
			resp, err = images.Get(getCtx, &imagesapi.GetImageRequest{Name: full})
		}
	}
	if err != nil {
		return nil, c.rpcError(err, ref)
	}
	t := resp.GetImage().GetTarget()
	if t == nil {
		return nil, fmt.Errorf("containerd image %s has no target", stored)
	}
	desc := v1.Descriptor{MediaType: types.MediaType(t.MediaType), Size: t.Size}
	if desc.Digest, err = v1.NewHash(t.Digest); err != nil {
		return nil, fmt.Errorf("containerd image %s: target digest: %w", stored, err)
	}
	plat, err := opts.platform()
	if err != nil {
		return nil, err
	}
	img, err := c.image(ctx, desc, plat, stored)
	if err != nil {
		return nil, err
	}
	art := result.Artifact{Name: target, Kind: result.KindContainerd}
	if d, err := img.Digest(); err == nil {
		art.ManifestDigest = d.String()
	}
	if r, err := name.ParseReference(stored); err == nil {
		// The repository as containerd spells it, not go-containerregistry's
		// index.docker.io.
		repo, _, _ := strings.Cut(strings.TrimSuffix(stored, ":"+r.Identifier()), "@")
		art.RepoDigests = []string{repo + "@" + desc.Digest.String()}
		if _, ok := r.(name.Tag); ok {
			art.RepoTags = []string{stored}
		}
	}
	raw := func(l v1.Layer) func() (io.ReadCloser, error) { return l.Compressed }
	return fromImage(img, art, raw, true, opts)
}

// dockerName is ref as containerd's clients store Docker Hub names:
// docker.io/library/NAME:latest.
func dockerName(ref string) string {
	r, err := name.ParseReference(ref)
	if err != nil {
		return ref
	}
	repo := r.Context().RepositoryStr()
	reg := r.Context().RegistryStr()
	if reg == name.DefaultRegistry {
		reg = "docker.io"
	}
	sep := ":"
	if _, ok := r.(name.Digest); ok {
		sep = "@"
	}
	return reg + "/" + repo + sep + r.Identifier()
}

// rpcError says in one line why containerd did not answer.
func (c *ctrd) rpcError(err error, ref string) error {
	st, _ := status.FromError(err)
	msg := st.Message()
	switch {
	case st.Code() == codes.NotFound:
		return fmt.Errorf("no image %s in namespace %q of containerd at %s (set CONTAINERD_NAMESPACE for another): %s", ref, c.namespace, c.address, msg)
	case strings.Contains(msg, "permission denied") || st.Code() == codes.PermissionDenied:
		return fmt.Errorf("permission denied on the containerd socket %s: run as root: %s", c.address, msg)
	case st.Code() == codes.Unavailable:
		return fmt.Errorf("cannot reach containerd at %s: is containerd running? (set CONTAINERD_ADDRESS for another socket): %s", c.address, msg)
	case st.Code() == codes.Canceled || st.Code() == codes.DeadlineExceeded:
		return fmt.Errorf("containerd at %s: %w", c.address, err)
	}
	return fmt.Errorf("containerd at %s: %s: %s", c.address, st.Code(), msg)
}

// image resolves desc, an index or a manifest, to the platform's image.
func (c *ctrd) image(ctx context.Context, desc v1.Descriptor, plat *v1.Platform, ref string) (v1.Image, error) {
	for depth := 0; depth < 4; depth++ {
		if !desc.MediaType.IsImage() && !desc.MediaType.IsIndex() {
			return nil, fmt.Errorf("containerd image %s is a %s, not an image", ref, desc.MediaType)
		}
		raw, err := c.readAll(ctx, desc, maxManifestSize)
		if err != nil {
			return nil, err
		}
		if desc.MediaType.IsImage() {
			m, err := v1.ParseManifest(bytes.NewReader(raw))
			if err != nil {
				return nil, fmt.Errorf("manifest %s: %w", desc.Digest, err)
			}
			cfg, err := c.readAll(ctx, m.Config, maxConfigSize)
			if err != nil {
				return nil, err
			}
			return partial.CompressedToImage(&ctrdImage{c: c, ctx: ctx, manifest: raw, parsed: m, config: cfg, mediaType: desc.MediaType})
		}
		idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", desc.Digest, err)
		}
		found := false
		for _, m := range idx.Manifests {
			if m.Platform == nil || m.Platform.Satisfies(*plat) {
				desc, found = m, true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("containerd image %s has no image for platform %s", ref, plat)
		}
	}
	return nil, fmt.Errorf("containerd image %s: indexes nested too deep", ref)
}

// readAll reads blob desc whole, at most limit bytes, and checks its digest.
func (c *ctrd) readAll(ctx context.Context, desc v1.Descriptor, limit int64) ([]byte, error) {
	if desc.Size > limit {
		return nil, fmt.Errorf("blob %s: %d bytes is more than %d: %w", desc.Digest, desc.Size, limit, ErrTooLarge)
	}
	rc, err := c.read(ctx, desc.Digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("blob %s is more than %d bytes: %w", desc.Digest, limit, ErrTooLarge)
	}
	return b, nil
}

// read streams blob d from the content service; the reader fails at the
// end if the bytes do not hash to d.
func (c *ctrd) read(ctx context.Context, d v1.Hash) (io.ReadCloser, error) {
	if d.Algorithm != "sha256" {
		return nil, fmt.Errorf("blob %s: unsupported digest algorithm", d)
	}
	ctx, cancel := context.WithCancel(ctx)
	stream, err := c.content.Read(ctx, &contentapi.ReadContentRequest{Digest: d.String()})
	if err != nil {
		cancel()
		return nil, c.rpcError(err, d.String())
	}
	return newVerifier(&streamReader{stream: stream, cancel: cancel, c: c, d: d}, d), nil
}

// streamReader is a content Read stream as an io.ReadCloser.
type streamReader struct {
	stream contentapi.Content_ReadClient
	cancel context.CancelFunc
	buf    []byte
	c      *ctrd
	d      v1.Hash
}

func (s *streamReader) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		resp, err := s.stream.Recv()
		if err == io.EOF {
			return 0, io.EOF
		}
		if err != nil {
			if status.Code(err) == codes.NotFound {
				return 0, fmt.Errorf("blob %s is not in containerd's content store (namespace %q): %w", s.d, s.c.namespace, err)
			}
			return 0, s.c.rpcError(err, s.d.String())
		}
		s.buf = resp.Data
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

func (s *streamReader) Close() error { s.cancel(); return nil }

// ctrdImage is partial.CompressedImageCore over the content service.
type ctrdImage struct {
	c         *ctrd
	ctx       context.Context
	manifest  []byte
	parsed    *v1.Manifest
	config    []byte
	mediaType types.MediaType
}

func (i *ctrdImage) RawConfigFile() ([]byte, error)      { return i.config, nil }
func (i *ctrdImage) MediaType() (types.MediaType, error) { return i.mediaType, nil }
func (i *ctrdImage) RawManifest() ([]byte, error)        { return i.manifest, nil }

func (i *ctrdImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	for _, l := range i.parsed.Layers {
		if l.Digest == h {
			return &ctrdLayer{img: i, desc: l}, nil
		}
	}
	if i.parsed.Config.Digest == h {
		return &ctrdLayer{img: i, desc: i.parsed.Config}, nil
	}
	return nil, fmt.Errorf("blob %s is not in the manifest", h)
}

// ctrdLayer is one blob of a ctrdImage.
type ctrdLayer struct {
	img  *ctrdImage
	desc v1.Descriptor
}

func (l *ctrdLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *ctrdLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *ctrdLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }
func (l *ctrdLayer) Compressed() (io.ReadCloser, error) {
	return l.img.c.read(l.img.ctx, l.desc.Digest)
}

// verifier hashes what is read through it and fails at the end if the
// bytes are not digest d.
type verifier struct {
	rc io.ReadCloser
	h  hash.Hash
	d  v1.Hash
}

func newVerifier(rc io.ReadCloser, d v1.Hash) io.ReadCloser {
	return &verifier{rc: rc, h: sha256.New(), d: d}
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if got := "sha256:" + hex.EncodeToString(v.h.Sum(nil)); got != v.d.String() {
			return n, fmt.Errorf("blob %s from containerd hashes to %s", v.d, got)
		}
	}
	return n, err
}

func (v *verifier) Close() error { return v.rc.Close() }

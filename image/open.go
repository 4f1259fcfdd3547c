package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/result"
)

// Options control how a target is opened.
type Options struct {
	// Platform picks one image of a multi-platform index, as
	// "os/arch[/variant]". Empty means linux and this machine's
	// architecture.
	Platform string
	// Username and Password authenticate to a registry. When empty, the
	// credentials of ~/.docker/config.json (or $DOCKER_CONFIG) are used.
	Username, Password string
	// Authorization, when set, is the registry credential as an HTTP
	// Authorization value ("Basic base64(user:password)" or "Bearer
	// token"), as a scan server is handed it; it wins over Username and
	// Password.
	Authorization string
	// Transport, when set, carries every registry request (a server's
	// transport that refuses addresses outside its allow-list); Insecure
	// is then the transport's business.
	Transport http.RoundTripper
	// Insecure allows plain HTTP, and TLS without verification, to the
	// registry.
	Insecure bool
	// RegistryOnly opens every target as a registry reference: never a
	// file or directory of this machine, never an image of a local
	// engine. A scan server sets it, since its targets come from clients.
	RegistryOnly bool
	// MaxLayerSize bounds each layer's uncompressed size; reading past it
	// fails with ErrTooLarge. 0 means DefaultMaxLayerSize.
	MaxLayerSize int64
	// TempDir is where an oci-archive is unpacked and an image from the
	// Docker Engine is spooled; empty means the system's temp dir.
	TempDir string
	// DockerHost is the Docker Engine's address for docker://NAME targets,
	// as unix:///path or tcp://host:port. Empty means $DOCKER_HOST, then
	// unix:///var/run/docker.sock.
	DockerHost string
	// PodmanHost is the Podman service's address for podman://NAME
	// targets. Empty means $CONTAINER_HOST, then
	// $XDG_RUNTIME_DIR/podman/podman.sock, then /run/podman/podman.sock.
	PodmanHost string
	// ContainerdNamespace is the containerd namespace of containerd://NAME
	// targets. Empty means $CONTAINERD_NAMESPACE, then "default".
	ContainerdNamespace string
}

// engineHost is the address the options give for engines of flavor f.
func (o Options) engineHost(f *flavor) string {
	if f == podmanFlavor {
		return o.PodmanHost
	}
	return o.DockerHost
}

// DefaultMaxLayerSize is the uncompressed size limit of one layer.
const DefaultMaxLayerSize = 16 << 30

func (o Options) maxLayerSize() int64 {
	if o.MaxLayerSize > 0 {
		return o.MaxLayerSize
	}
	return DefaultMaxLayerSize
}

// SelectedPlatform is the platform picked from a multi-platform image:
// Platform, or linux and this machine's architecture.
func (o Options) SelectedPlatform() (*v1.Platform, error) { return o.platform() }

func (o Options) platform() (*v1.Platform, error) {
	if o.Platform == "" {
		return &v1.Platform{OS: "linux", Architecture: runtime.GOARCH}, nil
	}
	p, err := v1.ParsePlatform(o.Platform)
	if err != nil {
		return nil, fmt.Errorf("image: platform %q: %w", o.Platform, err)
	}
	return p, nil
}

// Open opens target: "docker://NAME" an image of the local Docker Engine,
// "containerd://NAME" one of containerd's image store, "podman://NAME"
// one of Podman, an existing file a docker-archive or oci-archive tarball,
// an existing directory an OCI image layout, and anything else an image
// reference, looked up in the registry and the local engines as
// openReference says.
// "archive.tar:repo:tag" picks one image of a multi-image docker-archive.
func Open(ctx context.Context, target string, opts Options) (*Source, error) {
	if target == "" {
		return nil, errors.New("image: empty target")
	}
	if opts.RegistryOnly {
		if strings.Contains(target, "://") {
			return nil, fmt.Errorf("image: %q is not an image reference (a registry reference has no scheme)", target)
		}
		return openRemote(ctx, target, opts)
	}
	for _, f := range []*flavor{dockerFlavor, podmanFlavor} {
		if name, ok := strings.CutPrefix(target, f.prefix); ok {
			return openEngine(ctx, f, name, target, opts)
		}
	}
	if name, ok := strings.CutPrefix(target, ContainerdPrefix); ok {
		return openContainerd(ctx, name, target, opts)
	}
	if path, sel, ok := splitLocal(target); ok {
		info, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("image: %w", err)
		}
		if info.IsDir() {
			if sel != "" {
				return openLayoutDir(path, target, sel, opts)
			}
			if !isLayout(path) {
				return nil, fmt.Errorf("image: %s is a directory but not an OCI image layout (no oci-layout and index.json); use --rootfs for an unpacked file system", path)
			}
			return openLayoutDir(path, target, "", opts)
		}
		return openArchive(path, target, sel, opts)
	}
	return openReference(ctx, target, opts)
}

// splitLocal finds the longest prefix of target that exists on disk,
// splitting "path:selector" at a colon. It reports false when no prefix
// exists, meaning target is a registry reference.
func splitLocal(target string) (path, sel string, ok bool) {
	if _, err := os.Lstat(target); err == nil {
		return target, "", true
	}
	for i := strings.LastIndexByte(target, ':'); i > 0; i = strings.LastIndexByte(target[:i], ':') {
		if _, err := os.Lstat(target[:i]); err == nil {
			return target[:i], target[i+1:], true
		}
	}
	// A path-looking target that does not exist is a mistyped path, not
	// a registry reference.
	if strings.HasPrefix(target, "/") || strings.HasPrefix(target, "./") || strings.HasPrefix(target, "../") ||
		strings.HasSuffix(target, ".tar") || strings.HasSuffix(target, ".tar.gz") {
		return target, "", true
	}
	return "", "", false
}

func isLayout(dir string) bool {
	_, err1 := os.Stat(filepath.Join(dir, "oci-layout"))
	_, err2 := os.Stat(filepath.Join(dir, "index.json"))
	return err1 == nil && err2 == nil
}

// OpenRootfs opens an unpacked root file system.
func OpenRootfs(dir string) (*Source, error) {
	return openDir(dir, result.KindRootfs)
}

// OpenDir opens a source folder: a project checkout whose lockfiles and
// manifests say what it depends on.
func OpenDir(dir string) (*Source, error) {
	return openDir(dir, result.KindDirectory)
}

func openDir(dir, kind string) (*Source, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("image: %s %s: %w", kind, dir, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", kind, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("image: %s %s is not a folder", kind, dir)
	}
	return &Source{
		Artifact: result.Artifact{Name: dir, Kind: kind},
		RootDir:  abs,
		Project:  kind == result.KindDirectory,
	}, nil
}

// layerHistory returns the history command of each of n layers. History
// has an entry per build step, and only those without empty_layer made a
// layer; when the counts disagree the history is not trusted.
func layerHistory(cfg *v1.ConfigFile, n int) []string {
	var createdBy []string
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			createdBy = append(createdBy, h.CreatedBy)
		}
	}
	if len(createdBy) != n {
		return make([]string, n)
	}
	return createdBy
}

// fromImage fills a Source from an opened image. raw returns the stored
// bytes of a layer (compressed or not); Layer.Open decompresses them.
func fromImage(img v1.Image, art result.Artifact, raw func(v1.Layer) func() (io.ReadCloser, error), withManifest bool, opts Options) (*Source, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image: %s: read config: %w", art.Name, err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("image: %s: config digest: %w", art.Name, err)
	}
	art.ImageID = id.String()
	art.OS, art.Architecture = cfg.OS, cfg.Architecture
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("image: %s: layers: %w", art.Name, err)
	}
	if len(layers) != len(cfg.RootFS.DiffIDs) {
		return nil, fmt.Errorf("image: %s: config lists %d layers but the manifest has %d", art.Name, len(cfg.RootFS.DiffIDs), len(layers))
	}
	var manifest *v1.Manifest
	if withManifest {
		if manifest, err = img.Manifest(); err != nil {
			return nil, fmt.Errorf("image: %s: manifest: %w", art.Name, err)
		}
	}
	var annotations map[string]string
	if manifest != nil {
		annotations = manifest.Annotations
	}
	art.BaseImage = baseImage(annotations, cfg.Config.Labels)
	createdBy := layerHistory(cfg, len(layers))
	src := &Source{Artifact: art, Config: cfg}
	max := opts.maxLayerSize()
	for i, l := range layers {
		il := inventory.Layer{Index: i, DiffID: cfg.RootFS.DiffIDs[i].String(), CreatedBy: createdBy[i]}
		if manifest != nil && len(manifest.Layers) == len(layers) {
			il.Digest = manifest.Layers[i].Digest.String()
			il.Size = manifest.Layers[i].Size
		}
		open := raw(l)
		src.Layers = append(src.Layers, Layer{Layer: il, Open: func() (io.ReadCloser, error) {
			rc, err := open()
			if err != nil {
				return nil, err
			}
			return decompress(rc, max)
		}})
	}
	return src, nil
}

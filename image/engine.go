package image

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bulwark-sec/bulwark/result"
)

// DockerPrefix marks a target as an image of the local Docker Engine.
const DockerPrefix = "docker://"

// PodmanPrefix marks a target as an image of the local Podman service,
// read through its Docker-compatible API.
const PodmanPrefix = "podman://"

// defaultDockerHost is where the Docker Engine listens when $DOCKER_HOST
// is not set.
const defaultDockerHost = "unix:///var/run/docker.sock"

// flavor is one engine that speaks the Docker Engine API: where it
// listens by default and what its images are called.
type flavor struct {
	prefix string // of its targets, "docker://"
	label  string // for messages, "Docker Engine"
	env    string // the variable that names its address
	kind   string // the artifact kind of its images
	hint   string // what to check when it cannot be reached
	group  string // who may use its socket
	tls    bool   // whether $DOCKER_TLS_VERIFY and friends apply
	// defaultHost is its address when neither the options nor env set one.
	defaultHost func() string
}

var (
	dockerFlavor = &flavor{
		prefix: DockerPrefix, label: "Docker Engine", env: "DOCKER_HOST", kind: result.KindDockerDaemon,
		hint: "is dockerd running? (set DOCKER_HOST for another daemon)", group: "a member of the docker group", tls: true,
		defaultHost: func() string { return defaultDockerHost },
	}
	podmanFlavor = &flavor{
		prefix: PodmanPrefix, label: "Podman service", env: "CONTAINER_HOST", kind: result.KindPodman,
		hint: "is the Podman service running? (systemctl --user start podman.socket, or podman system service; set CONTAINER_HOST for another)", group: "the socket's owner",
		defaultHost: defaultPodmanHost,
	}
)

// defaultPodmanHost is Podman's socket when $CONTAINER_HOST is not set:
// the user's service under $XDG_RUNTIME_DIR, else the system's.
func defaultPodmanHost() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		sock := filepath.Join(dir, "podman", "podman.sock")
		if _, err := os.Stat(sock); err == nil || os.Geteuid() != 0 {
			return "unix://" + sock
		}
	}
	return "unix:///run/podman/podman.sock"
}

// engine is a client of the Docker Engine API: plain HTTP over a unix
// socket, or HTTP(S) over TCP.
type engine struct {
	*flavor
	host    string // as the user gave it, for messages
	base    string // scheme://authority the requests go to
	version string // "v1.41", from GET /version
	client  *http.Client
}

// newEngine connects to host (empty means the flavor's variable, then its
// default socket), with TLS as $DOCKER_TLS_VERIFY, $DOCKER_TLS and
// $DOCKER_CERT_PATH ask, the way the docker CLI reads them.
func newEngine(f *flavor, host string) (*engine, error) {
	if host == "" {
		host = os.Getenv(f.env)
	}
	if host == "" {
		host = f.defaultHost()
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("%s host %q: %w", f.label, host, err)
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	tr := &http.Transport{MaxIdleConns: 1, IdleConnTimeout: 30 * time.Second}
	e := &engine{flavor: f, host: host, client: &http.Client{Transport: tr}}
	switch u.Scheme {
	case "unix":
		sock := u.Path
		if sock == "" {
			return nil, fmt.Errorf("%s host %q: no socket path", f.label, host)
		}
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", sock)
		}
		e.base = "http://docker"
	case "tcp", "http", "https":
		if u.Host == "" {
			return nil, fmt.Errorf("%s host %q: no host:port", f.label, host)
		}
		tr.DialContext = dialer.DialContext
		e.base = "http://" + u.Host
		var cfg *tls.Config
		if f.tls {
			if cfg, err = engineTLS(); err != nil {
				return nil, fmt.Errorf("%s host %s: %w", f.label, host, err)
			}
		}
		if cfg != nil || u.Scheme == "https" {
			tr.TLSClientConfig = cfg
			e.base = "https://" + u.Host
		}
	default:
		return nil, fmt.Errorf("%s host %q: scheme %q is not unix or tcp", f.label, host, u.Scheme)
	}
	return e, nil
}

// engineTLS returns the TLS configuration the docker CLI's environment
// asks for, or nil for plain HTTP. $DOCKER_TLS_VERIFY verifies the
// daemon's certificate against ca.pem; $DOCKER_TLS alone encrypts without
// verifying. A client certificate (cert.pem, key.pem) is sent when present.
func engineTLS() (*tls.Config, error) {
	verify := os.Getenv("DOCKER_TLS_VERIFY") != ""
	if !verify && os.Getenv("DOCKER_TLS") == "" {
		return nil, nil
	}
	dir := os.Getenv("DOCKER_CERT_PATH")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fmt.Errorf("DOCKER_CERT_PATH is not set: %w", err)
		}
		dir = filepath.Join(home, ".docker")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !verify}
	if verify {
		ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
		if err != nil {
			return nil, fmt.Errorf("DOCKER_TLS_VERIFY is set: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("%s: no PEM certificate", filepath.Join(dir, "ca.pem"))
		}
		cfg.RootCAs = pool
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if _, err := os.Stat(certFile); err == nil {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// get sends GET path (already escaped) to the engine, under the
// negotiated API version once there is one. A status other than 200 is
// returned as an *engineError.
func (e *engine) get(ctx context.Context, path string) (*http.Response, error) {
	if e.version != "" {
		path = "/" + e.version + path
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, e.dialError(err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var msg struct{ Message string }
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if json.Unmarshal(body, &msg) != nil || msg.Message == "" {
			msg.Message = strings.TrimSpace(string(body))
		}
		return nil, &engineError{Label: e.label, Status: resp.StatusCode, Message: msg.Message}
	}
	return resp, nil
}

// dialError says why the engine could not be reached, naming the socket.
func (e *engine) dialError(err error) error {
	switch {
	case errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrPermission):
		return fmt.Errorf("permission denied on the %s socket %s: run as %s or as root: %w", e.label, e.host, e.group, err)
	case errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach the %s at %s: %s: %w", e.label, e.host, e.hint, err)
	}
	return fmt.Errorf("cannot reach the %s at %s: %w", e.label, e.host, err)
}

// engineError is an API answer other than 200.
type engineError struct {
	Label   string
	Status  int
	Message string
}

func (e *engineError) Error() string {
	return fmt.Sprintf("%s: HTTP %d: %s", e.Label, e.Status, e.Message)
}

// negotiate asks the engine its API version and uses it from then on: the
// two endpoints read here have not changed since API 1.24, and newer
// engines refuse versions below their minimum.
func (e *engine) negotiate(ctx context.Context) error {
	resp, err := e.get(ctx, "/version")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var v struct{ APIVersion string }
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&v); err != nil {
		return fmt.Errorf("%s at %s: /version: %w", e.label, e.host, err)
	}
	if v.APIVersion == "" || strings.ContainsAny(v.APIVersion, "/?#") {
		return fmt.Errorf("%s at %s: /version names no usable API version (%q)", e.label, e.host, v.APIVersion)
	}
	e.version = "v" + v.APIVersion
	return nil
}

// engineImage is what GET /images/{name}/json says of an image.
type engineImage struct {
	ID          string `json:"Id"`
	RepoTags    []string
	RepoDigests []string
	RootFS      struct{ Layers []string }
}

func (e *engine) inspect(ctx context.Context, name string) (*engineImage, error) {
	resp, err := e.get(ctx, "/images/"+escapeName(name)+"/json")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var img engineImage
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxConfigSize)).Decode(&img); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	if img.ID == "" {
		return nil, errors.New("inspect: the engine gave no image ID")
	}
	return &img, nil
}

// escapeName keeps a reference's slashes and colons, which the engine's
// router expects as they are, and escapes anything else a path may not hold.
func escapeName(name string) string {
	return (&url.URL{Path: name}).EscapedPath()
}

// openEngine reads image name from the engine of flavor f: it resolves
// the name to the engine's image ID, spools GET /images/{id}/get (a
// docker-archive) to a private temp file, removed by Close, since the
// archive reader needs random access, and opens that as any
// docker-archive.
func openEngine(ctx context.Context, f *flavor, name, target string, opts Options) (*Source, error) {
	if name == "" {
		return nil, fmt.Errorf("image: %s: no image name after %s", target, f.prefix)
	}
	e, err := newEngine(f, opts.engineHost(f))
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", target, err)
	}
	defer e.client.CloseIdleConnections()
	if err := e.negotiate(ctx); err != nil {
		return nil, fmt.Errorf("image: %s: %w", target, err)
	}
	img, err := e.inspect(ctx, name)
	if isNotFound(err) {
		return nil, fmt.Errorf("image: %s: no such image in the %s at %s: %w", target, e.label, e.host, err)
	}
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", target, err)
	}
	return e.open(ctx, img, target, opts)
}

// isNotFound reports whether err is the engine's 404.
func isNotFound(err error) bool {
	var eerr *engineError
	return errors.As(err, &eerr) && eerr.Status == http.StatusNotFound
}

// open spools the inspected image and opens it as a docker-archive.
func (e *engine) open(ctx context.Context, img *engineImage, target string, opts Options) (*Source, error) {
	file, err := e.spool(ctx, img, opts)
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", target, err)
	}
	src, err := openArchive(file, target, "", opts)
	if err != nil {
		os.Remove(file)
		return nil, err
	}
	src.closers = append(src.closers, func() error { return os.Remove(file) })
	src.Artifact.Kind = e.kind
	src.Artifact.ImageID = img.ID
	src.Artifact.RepoTags = img.RepoTags
	src.Artifact.RepoDigests = img.RepoDigests
	return src, nil
}

// archiveSlack is what a docker-archive holds beyond its layers: the
// config, manifests and tar headers.
const archiveSlack = maxConfigSize + 4<<20

// spool writes the engine's docker-archive of img to a new temp file and
// returns its path. The archive holds each layer uncompressed, so it is
// bounded by the layer limit times the number of layers.
func (e *engine) spool(ctx context.Context, img *engineImage, opts Options) (string, error) {
	n := int64(max(len(img.RootFS.Layers), 1))
	limit := int64(math.MaxInt64)
	if m := opts.maxLayerSize(); m < (math.MaxInt64-archiveSlack)/n {
		limit = m*n + archiveSlack
	}
	// By ID, so that the image saved is the one inspected even if the
	// name is retagged in between.
	resp, err := e.get(ctx, "/images/"+escapeName(img.ID)+"/get")
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	defer resp.Body.Close()
	f, err := os.CreateTemp(opts.TempDir, "bulwark-docker-*.tar")
	if err != nil {
		return "", err
	}
	written, err := io.Copy(f, io.LimitReader(resp.Body, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case err == nil && written > limit:
		err = fmt.Errorf("the engine's export of %d layers is larger than %d bytes: %w", n, limit, ErrTooLarge)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("export: %w", err)
	}
	return f.Name(), nil
}

// Engine is a client of the Docker Engine API for other packages: it
// speaks the negotiated API version, over the socket or TCP as newEngine.
type Engine struct{ e *engine }

// DialEngine connects to the engine at host (empty means $DOCKER_HOST,
// then the default socket) and negotiates the API version.
func DialEngine(ctx context.Context, host string) (*Engine, error) {
	e, err := newEngine(dockerFlavor, host)
	if err != nil {
		return nil, err
	}
	if err := e.negotiate(ctx); err != nil {
		e.client.CloseIdleConnections()
		return nil, err
	}
	return &Engine{e}, nil
}

// Get sends GET path (already escaped, without the version) and returns
// the body of a 200 answer; any other status is an error.
func (e *Engine) Get(ctx context.Context, path string) (io.ReadCloser, error) {
	resp, err := e.e.get(ctx, path)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Host is the engine's address as given.
func (e *Engine) Host() string { return e.e.host }

// Close closes the idle connections.
func (e *Engine) Close() { e.e.client.CloseIdleConnections() }

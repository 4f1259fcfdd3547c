// Package testdockerd runs a real Docker Engine for tests: Debian's
// dockerd, as root, with its data, state and unix socket in a private temp
// folder, no network set-up, and the vfs storage driver so that nothing is
// mounted. StartPodman does the same for Podman's API service.
package testdockerd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/testdaemon"
)

// Binary is the daemon, from Debian's docker.io package.
const Binary = "dockerd"

// RequireEnv, set to 1, turns a daemon that cannot start from a skip into
// a failure; .ci/run sets it where a probe showed dockerd can run.
const RequireEnv = "BULWARK_REQUIRE_DOCKERD"

// PodmanBinary is Podman, from Debian's podman package.
const PodmanBinary = "podman"

// PodmanRequireEnv is RequireEnv for StartPodman.
const PodmanRequireEnv = "BULWARK_REQUIRE_PODMAN"

// Daemon is a running dockerd, or Podman service.
type Daemon struct {
	// Host is its address as DOCKER_HOST (or CONTAINER_HOST) takes it:
	// unix:///…/docker.sock.
	Host   string
	socket string
}

// Start starts a dockerd that stops when the test ends. When dockerd is
// missing, the test does not run as root, or the daemon does not answer,
// the test is skipped, or fails if $BULWARK_REQUIRE_DOCKERD is 1.
func Start(t testing.TB, extra ...string) *Daemon {
	t.Helper()
	return start(t, Binary, RequireEnv, "docker.sock", func(dir, host string) []string {
		return append([]string{
			"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
			"--pidfile", filepath.Join(dir, "dockerd.pid"), "-H", host,
			"--storage-driver", "vfs", "--bridge", "none", "--iptables=false", "--ip-masq=false",
			"--ip6tables=false", "--userland-proxy=false",
		}, extra...)
	})
}

// StartPodman starts podman system service, as root, with its storage,
// run root and socket in a private temp folder and the vfs driver, so
// that the machine's own images are not touched. It is skipped, or fails,
// as Start, with $BULWARK_REQUIRE_PODMAN.
func StartPodman(t testing.TB) *Daemon {
	t.Helper()
	return start(t, PodmanBinary, PodmanRequireEnv, "podman.sock", func(dir, host string) []string {
		return []string{
			"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"),
			"--tmpdir", filepath.Join(dir, "tmp"), "--storage-driver", "vfs",
			"--cgroup-manager", "cgroupfs", "--events-backend", "file",
			"system", "service", "--time=0", host,
		}
	})
}

// start runs name with args(dir, host) and waits until it answers /_ping
// on the socket sock in dir.
func start(t testing.TB, name, requireEnv, sock string, args func(dir, host string) []string) *Daemon {
	t.Helper()
	unavailable := testdaemon.Unavailable(t, requireEnv)
	bin, err := exec.LookPath(name)
	if err != nil {
		unavailable("testdockerd: %s not installed", name)
		return nil
	}
	if os.Geteuid() != 0 {
		unavailable("testdockerd: %s needs root here (uid %d)", name, os.Geteuid())
		return nil
	}
	// Unix socket paths are limited to 108 bytes, and containerd's sockets
	// go under the exec root: a short folder rather than t.TempDir().
	dir, err := os.MkdirTemp("", "bwd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &Daemon{socket: filepath.Join(dir, sock)}
	d.Host = "unix://" + d.socket
	cmd := exec.Command(bin, args(dir, d.Host)...)
	client := d.Client()
	ping := func() error {
		resp, err := client.Get("http://docker/_ping")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("_ping: HTTP %d", resp.StatusCode)
		}
		return nil
	}
	// The daemon stops what it started (dockerd its containerd) on SIGTERM.
	if !testdaemon.Start(t, unavailable, cmd, filepath.Join(dir, name+".log"), ping) {
		return nil
	}
	return d
}

// Client returns an HTTP client whose every request goes to the daemon's
// socket, whatever the URL's host.
func (d *Daemon) Client() *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, "unix", d.socket)
		},
	}}
}

// Load loads a docker-archive, as docker load does (POST /images/load).
func (d *Daemon) Load(t testing.TB, archive []byte) {
	t.Helper()
	resp, err := d.Client().Post("http://docker/images/load", "application/x-tar", bytes.NewReader(archive))
	if err != nil {
		t.Fatalf("testdockerd: load: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || bytes.Contains(body, []byte(`"error"`)) {
		t.Fatalf("testdockerd: load: HTTP %d: %s", resp.StatusCode, body)
	}
}

// Import makes image repo:tag from a root file system tar, as docker
// import does (POST /images/create?fromSrc=-).
func (d *Daemon) Import(t testing.TB, repo, tag string, rootfs []byte) {
	t.Helper()
	q := url.Values{"fromSrc": {"-"}, "repo": {repo}, "tag": {tag}}
	resp, err := d.Client().Post("http://docker/images/create?"+q.Encode(), "application/x-tar", bytes.NewReader(rootfs))
	if err != nil {
		t.Fatalf("testdockerd: import: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("testdockerd: import: HTTP %d: %s", resp.StatusCode, body)
	}
	// The answer is a stream of JSON progress messages; a failure is one
	// with an error field, under a 200.
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		var m struct{ Error string }
		if err := dec.Decode(&m); err != nil {
			break
		}
		if m.Error != "" {
			t.Fatalf("testdockerd: import %s:%s: %s", repo, tag, m.Error)
		}
	}
	if !strings.Contains(string(body), "sha256:") {
		t.Fatalf("testdockerd: import %s:%s: no image ID in %s", repo, tag, body)
	}
}

// Run creates container name from spec (the body of POST
// /containers/create: Image, Cmd, HostConfig…) and starts it; it returns
// the container's ID. The daemon removes it when it stops.
func (d *Daemon) Run(t testing.TB, name string, spec any) string {
	t.Helper()
	body, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		ID       string `json:"Id"`
		Warnings []string
	}
	d.post(t, "/containers/create?"+url.Values{"name": {name}}.Encode(), body, http.StatusCreated, &created)
	d.post(t, "/containers/"+created.ID+"/start", nil, http.StatusNoContent, nil)
	return created.ID
}

// post sends a JSON body and decodes the answer, which must have status
// want.
func (d *Daemon) post(t testing.TB, path string, body []byte, want int, out any) {
	t.Helper()
	resp, err := d.Client().Post("http://docker"+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("testdockerd: POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("testdockerd: POST %s: HTTP %d: %s", path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("testdockerd: POST %s: %v", path, err)
		}
	}
}

package image

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fakeEngine serves the three calls openEngine makes on a unix socket,
// with an export that never ends, for the failures a real daemon cannot
// be made to show. The real daemon's answers are tested in cmd/bulwark.
func fakeEngine(t *testing.T, started chan<- struct{}) string {
	sock := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"ApiVersion":"1.41"}`)
	})
	mux.HandleFunc("GET /v1.41/images/app:1/json", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"Id":"sha256:aa","RepoTags":["app:1"],"RootFS":{"Layers":["sha256:bb"]}}`)
	})
	mux.HandleFunc("GET /v1.41/images/sha256:aa/get", func(w http.ResponseWriter, r *http.Request) {
		if started != nil {
			close(started)
		}
		buf := make([]byte, 1<<20)
		for r.Context().Err() == nil {
			if _, err := w.Write(buf); err != nil {
				return
			}
		}
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "unix://" + sock
}

func TestEngineErrors(t *testing.T) {
	tmp := t.TempDir()
	host := fakeEngine(t, nil)
	_, err := Open(context.Background(), "docker://app:1", Options{DockerHost: host, MaxLayerSize: 1, TempDir: tmp})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized export: %v", err)
	}

	started := make(chan struct{})
	host = fakeEngine(t, started)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err = Open(ctx, "docker://app:1", Options{DockerHost: host, TempDir: tmp})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled export: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("spool files left behind: %v", left)
	}

	for _, tc := range []struct{ host, want string }{
		{"ftp://x", `scheme "ftp" is not unix or tcp`},
		{"unix://", "no socket path"},
		{"tcp://", "no host:port"},
		{"unix://" + filepath.Join(tmp, "none.sock"), "cannot reach the Docker Engine at unix://"},
	} {
		_, err := Open(context.Background(), "docker://app:1", Options{DockerHost: tc.host})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.host, err, tc.want)
		}
	}
	// Root may open any socket, so permission denied is checked on the
	// error alone.
	e := &engine{flavor: dockerFlavor, host: "unix:///var/run/docker.sock"}
	if err := e.dialError(&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EACCES)}); !strings.Contains(err.Error(), "permission denied on the Docker Engine socket unix:///var/run/docker.sock") {
		t.Errorf("EACCES: %v", err)
	}
}

// TestPodmanHost checks where podman://NAME looks without CONTAINER_HOST,
// and that the fake engine's image comes out as a Podman artifact.
func TestPodmanHost(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", dir)
	user := "unix://" + filepath.Join(dir, "podman", "podman.sock")
	if got := defaultPodmanHost(); os.Geteuid() != 0 && got != user || os.Geteuid() == 0 && got != "unix:///run/podman/podman.sock" {
		t.Errorf("no user socket: %s", got)
	}
	os.MkdirAll(filepath.Join(dir, "podman"), 0o700)
	os.WriteFile(filepath.Join(dir, "podman", "podman.sock"), nil, 0o600)
	if got := defaultPodmanHost(); got != user {
		t.Errorf("user socket: %s", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got := defaultPodmanHost(); got != "unix:///run/podman/podman.sock" {
		t.Errorf("no XDG_RUNTIME_DIR: %s", got)
	}
	t.Setenv("CONTAINER_HOST", "unix://"+filepath.Join(dir, "none.sock"))
	_, err := Open(context.Background(), "podman://app:1", Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Podman service at unix://"+dir) {
		t.Errorf("no service: %v", err)
	}
	_, err = Open(context.Background(), "podman://app:1", Options{PodmanHost: fakeEngine(t, nil), MaxLayerSize: 1, TempDir: dir})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized export from Podman: %v", err)
	}
}

func TestEngineTLS(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_CERT_PATH", dir)
	t.Setenv("DOCKER_TLS_VERIFY", "1")
	if _, err := newEngine(dockerFlavor, "tcp://127.0.0.1:2376"); err == nil || !strings.Contains(err.Error(), "ca.pem") {
		t.Errorf("verify without ca.pem: %v", err)
	}
	t.Setenv("DOCKER_TLS_VERIFY", "")
	t.Setenv("DOCKER_TLS", "1")
	e, err := newEngine(dockerFlavor, "tcp://127.0.0.1:2376")
	if err != nil || e.base != "https://127.0.0.1:2376" {
		t.Errorf("DOCKER_TLS: %v %+v", err, e)
	}
	t.Setenv("DOCKER_TLS", "")
	if e, err := newEngine(dockerFlavor, "tcp://127.0.0.1:2375"); err != nil || e.base != "http://127.0.0.1:2375" {
		t.Errorf("plain tcp: %v %+v", err, e)
	}
}

// Package testregistry runs a real container registry for tests: Debian's
// docker-registry server (the CNCF distribution registry), on a free
// loopback port, with storage in the test's temp dir and optional htpasswd
// authentication.
package testregistry

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/crypto/bcrypt"

	"github.com/bulwark-sec/bulwark/internal/testproc"
)

// Binary is where Debian's docker-registry package installs the server.
const Binary = "docker-registry"

// Options configure a registry.
type Options struct {
	// Htpasswd, when set, requires basic authentication with these
	// user → password pairs.
	Htpasswd map[string]string
}

// Start starts a registry and returns its host:port. The registry stops
// when the test ends. Without the binary the test is skipped, except in CI
// (CI=true), where that is a failure.
func Start(t testing.TB, opts Options) string {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("testregistry: %s is not installed (apt-get install docker-registry)", Binary)
		}
		t.Skipf("testregistry: %s not installed", Binary)
	}
	dir := t.TempDir()
	addr := testproc.FreeAddr(t)
	auth := ""
	if len(opts.Htpasswd) > 0 {
		var b strings.Builder
		for user, pass := range opts.Htpasswd {
			// bcrypt is the only hash the registry's htpasswd accepts.
			h, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s:%s\n", user, h)
		}
		hp := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(hp, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: bulwark-test\n    path: %s\n", hp)
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, filepath.Join(dir, "data"), addr, auth)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	var out testproc.Output
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("testregistry: start: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(15 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			t.Fatalf("testregistry: exited before serving: %v\n%s", err, out.String())
		default:
		}
		resp, err := client.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			// 200 without auth, 401 with it: either way it serves.
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("testregistry: not serving on %s after 15s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Push writes img to ref (host:port/repository:tag of a registry Start
// returned) and returns the image's digest.
func Push(t testing.TB, ref string, img v1.Image, opts ...remote.Option) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

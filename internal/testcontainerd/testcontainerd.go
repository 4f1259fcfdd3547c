// Package testcontainerd runs a real containerd for tests: Debian's
// containerd, as root, with its root, state and socket in a private temp
// folder and the CRI plugin off, and imports images with its own CLI, ctr.
package testcontainerd

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/testdaemon"
)

// RequireEnv, set to 1, turns a containerd that cannot start from a skip
// into a failure; .ci/run sets it where a probe showed containerd can run.
const RequireEnv = "BULWARK_REQUIRE_CONTAINERD"

// Daemon is a running containerd.
type Daemon struct {
	// Socket is the path of its gRPC socket, as $CONTAINERD_ADDRESS takes it.
	Socket string
}

// Start starts a containerd that stops when the test ends. When containerd
// or ctr is missing, the test does not run as root, or the daemon does not
// answer, the test is skipped, or fails if $BULWARK_REQUIRE_CONTAINERD is 1.
func Start(t testing.TB) *Daemon {
	t.Helper()
	unavailable := testdaemon.Unavailable(t, RequireEnv)
	bin, err := exec.LookPath("containerd")
	if err != nil {
		unavailable("testcontainerd: containerd not installed (apt-get install containerd)")
		return nil
	}
	if _, err := exec.LookPath("ctr"); err != nil {
		unavailable("testcontainerd: ctr not installed (apt-get install containerd)")
		return nil
	}
	if os.Geteuid() != 0 {
		unavailable("testcontainerd: containerd needs root here (uid %d)", os.Geteuid())
		return nil
	}
	// Unix socket paths are limited to 108 bytes: a short folder.
	dir, err := os.MkdirTemp("", "bwc-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &Daemon{Socket: filepath.Join(dir, "containerd.sock")}
	config := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = %q\n",
		filepath.Join(dir, "root"), filepath.Join(dir, "state"), d.Socket)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "config.toml"), "--address", d.Socket)
	ready := func() error {
		out, err := d.ctr(context.Background(), "version")
		if err != nil {
			return fmt.Errorf("ctr version: %v: %s", err, out)
		}
		return nil
	}
	if !testdaemon.Start(t, unavailable, cmd, filepath.Join(dir, "containerd.log"), ready) {
		return nil
	}
	return d
}

func (d *Daemon) ctr(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, "ctr", append([]string{"--address", d.Socket}, args...)...).CombinedOutput()
}

// Import loads a docker-archive or oci-archive into namespace ns, as ctr
// images import does with flags (--all-platforms, --index-name NAME…).
func (d *Daemon) Import(t testing.TB, ns, archive string, flags ...string) {
	t.Helper()
	args := append(append([]string{"-n", ns, "images", "import"}, flags...), archive)
	if out, err := d.ctr(context.Background(), args...); err != nil {
		t.Fatalf("testcontainerd: ctr images import %s: %v\n%s", archive, err, out)
	}
}

// Images lists the names in namespace ns, as ctr images list -q does.
func (d *Daemon) Images(t testing.TB, ns string) string {
	t.Helper()
	out, err := d.ctr(context.Background(), "-n", ns, "images", "list", "-q")
	if err != nil {
		t.Fatalf("testcontainerd: ctr images list: %v\n%s", err, out)
	}
	return string(out)
}

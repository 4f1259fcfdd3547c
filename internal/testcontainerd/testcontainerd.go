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
	"syscall"
	"testing"
	"time"
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
	unavailable := t.Skipf
	if os.Getenv(RequireEnv) == "1" {
		unavailable = t.Fatalf
	}
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
	logPath := filepath.Join(dir, "containerd.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "config.toml"), "--address", d.Socket)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		unavailable("testcontainerd: start %s: %v", bin, err)
		return nil
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stop(cmd, exited) })
	log := func() string { b, _ := os.ReadFile(logPath); return tail(string(b)) }

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			unavailable("testcontainerd: %s exited before serving: %v\n%s", bin, err, log())
			return nil
		default:
		}
		out, err := d.ctr(context.Background(), "version")
		if err == nil {
			return d
		}
		if time.Now().After(deadline) {
			unavailable("testcontainerd: no answer on %s after 30s: %v %s\n%s", d.Socket, err, out, log())
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop asks containerd to shut down and kills its process group if it has
// not within ten seconds.
func stop(cmd *exec.Cmd, exited chan error) {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

func tail(s string) string {
	const n = 2000
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func (d *Daemon) ctr(ctx context.Context, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, "ctr", append([]string{"--address", d.Socket}, args...)...).CombinedOutput()
}

// Import loads a docker-archive or oci-archive into namespace ns, as ctr
// images import does.
func (d *Daemon) Import(t testing.TB, ns, archive string) {
	t.Helper()
	if out, err := d.ctr(context.Background(), "-n", ns, "images", "import", archive); err != nil {
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

// Package testcosign gives tests the real cosign: $BULWARK_COSIGN, cosign
// on PATH, or one built with go install from the module proxy into the
// user cache (built once, then reused). Tests skip without it, except when
// BULWARK_REQUIRE_COSIGN=1 (CI), where they fail.
package testcosign

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// Version is the cosign the tests are written against.
const Version = "v2.6.5"

// Module is where go install finds it.
const Module = "github.com/sigstore/cosign/v2/cmd/cosign"

var (
	once    sync.Once
	path    string
	pathErr string
)

// Path returns the cosign binary to run.
func Path(t testing.TB) string {
	t.Helper()
	once.Do(func() { path, pathErr = find() })
	if path == "" {
		if os.Getenv("BULWARK_REQUIRE_COSIGN") == "1" {
			t.Fatalf("testcosign: %s", pathErr)
		}
		t.Skipf("testcosign: %s", pathErr)
	}
	return path
}

func find() (string, string) {
	if p := os.Getenv("BULWARK_COSIGN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", "BULWARK_COSIGN: " + err.Error()
		}
		return p, ""
	}
	if p, err := exec.LookPath("cosign"); err == nil {
		return p, ""
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", "no cosign on PATH and no user cache dir to build one in: " + err.Error()
	}
	dir := filepath.Join(cache, "bulwark-test", "cosign-"+Version)
	bin := filepath.Join(dir, "cosign")
	if _, err := os.Stat(bin); err == nil {
		return bin, ""
	}
	if os.Getenv("BULWARK_REQUIRE_COSIGN") != "1" && os.Getenv("BULWARK_BUILD_COSIGN") != "1" {
		return "", "cosign not found (set BULWARK_COSIGN, put cosign on PATH, or set BULWARK_BUILD_COSIGN=1 to build " + Version + " into " + dir + ")"
	}
	if err := build(dir); err != "" {
		return "", err
	}
	return bin, ""
}

// build runs go install into dir, under a file lock so that test binaries
// of several packages running at once build it once.
func build(dir string) string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err.Error()
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err.Error()
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "lock: " + err.Error()
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(dir, "cosign")); err == nil {
		return "" // another process built it while this one waited
	}
	cmd := exec.Command("go", "install", Module+"@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "go install " + Module + "@" + Version + ": " + err.Error() + "\n" + string(out)
	}
	return ""
}

// Run runs cosign in dir with an empty key password and no prompts, and
// returns its combined output; a failure fails the test.
func Run(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := Try(t, dir, args...)
	if err != nil {
		t.Fatalf("cosign %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// Try is Run that hands back the error.
func Try(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(Path(t), args...)
	cmd.Dir = dir
	// HOME in dir: cosign keeps nothing between tests. COSIGN_EXPERIMENTAL
	// enables --registry-referrers-mode=oci-1-1.
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=", "COSIGN_YES=true", "COSIGN_EXPERIMENTAL=1", "HOME="+dir,
		"SIGSTORE_NO_CACHE=true", "TUF_ROOT="+filepath.Join(dir, ".sigstore"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// Registry are the flags every cosign command that reaches the test
// registry (plain HTTP on loopback) needs, with no transparency log.
var Registry = []string{"--allow-insecure-registry", "--allow-http-registry", "--tlog-upload=false"}

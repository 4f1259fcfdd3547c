package rpm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bulwark-sec/bulwark/inventory"
)

// go-rpmdb reads every format in goroutines of its own, and some crafted
// databases make those goroutines panic (which no recover in this process
// can catch, so the scanner would crash) or loop forever while allocating.
// So databases are read in a child process of the running binary: a crash
// becomes an error on that file, and a hang is killed at readTimeout.

// childEnv names the database a child process should read.
const childEnv = "BULWARK_RPMDB_CHILD"

// childMemory caps the child's address space; a real database of tens of
// thousands of packages needs a few hundred MB.
const childMemory = 4 << 30

// isolated is set by Isolate in processes whose binary can serve as the
// child. Without it (a test binary that did not call Isolate, say),
// databases are read in-process.
var isolated atomic.Bool

// Isolate must be called at the start of main, and of TestMain in tests
// that read rpm databases. In a child started by this package it reads the
// database, writes the result to stdout and exits; otherwise it lets this
// process start such children.
func Isolate() {
	p := os.Getenv(childEnv)
	if p == "" {
		isolated.Store(true)
		return
	}
	// Limits that hold even if the parent is gone: address space, and
	// CPU seconds (the kernel kills a child stuck in a loop).
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: childMemory, Max: childMemory})
	cpu := uint64(readTimeout / time.Second)
	_ = syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu})
	debug.SetMemoryLimit(childMemory / 2)
	var out childResult
	pkgs, err := readInProcess(p)
	out.Packages = pkgs
	if err != nil {
		out.Err = err.Error()
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(3)
	}
	os.Exit(0)
}

type childResult struct {
	Packages []inventory.Package `json:"packages"`
	Err      string              `json:"error,omitempty"`
}

// readIsolated reads the database at p in a child process.
func readIsolated(ctx context.Context, p string) ([]inventory.Package, error) {
	exe, err := os.Executable()
	if err != nil {
		return readInProcess(p)
	}
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"="+p)
	// The child dies with this process, so no reader outlives a scan.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &limitedBuffer{buf: &stderr, left: 64 << 10}
	runErr := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return nil, ErrTimeout
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if runErr != nil {
		return nil, fmt.Errorf("corrupt database: the reader failed: %s", firstLine(stderr.String(), runErr))
	}
	var res childResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("corrupt database: unreadable result from the reader: %w", err)
	}
	if res.Err != "" {
		return nil, errors.New(res.Err)
	}
	return res.Packages, nil
}

// firstLine picks the panic message out of a crashed child's stderr.
func firstLine(stderr string, err error) string {
	for _, line := range strings.Split(stderr, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return err.Error()
}

type limitedBuffer struct {
	buf  *bytes.Buffer
	left int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if l.left > 0 {
		if len(p) > l.left {
			p = p[:l.left]
		}
		l.buf.Write(p)
		l.left -= len(p)
	}
	return n, nil
}

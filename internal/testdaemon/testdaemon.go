// Package testdaemon runs a daemon for the tests of a real engine
// (internal/testdockerd, internal/testcontainerd): started in its own
// process group with its output in a log, waited for until it answers,
// and stopped when the test ends.
package testdaemon

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Unavailable is how a daemon that cannot run is reported: t.Skipf, or
// t.Fatalf when the environment variable env is 1.
func Unavailable(t testing.TB, env string) func(string, ...any) {
	if os.Getenv(env) == "1" {
		return t.Fatalf
	}
	return t.Skipf
}

// Start runs cmd with its output in logPath and calls ready until it
// returns nil, for at most 30 s; it reports false (after calling
// unavailable) when the daemon does not start or answer. The daemon gets
// SIGTERM when the test ends, and its process group SIGKILL ten seconds
// later if it has not exited.
func Start(t testing.TB, unavailable func(string, ...any), cmd *exec.Cmd, logPath string, ready func() error) bool {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so that what it starts goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		unavailable("start %s: %v", cmd.Path, err)
		return false
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
			unavailable("%s exited before serving: %v\n%s", cmd.Path, err, log())
			return false
		default:
		}
		err := ready()
		if err == nil {
			return true
		}
		if time.Now().After(deadline) {
			unavailable("%s: no answer after 30s: %v\n%s", cmd.Path, err, log())
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop asks the daemon to shut down and kills the process group if it has
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

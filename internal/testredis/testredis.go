// Package testredis runs a real Redis for tests: Debian's redis-server on
// a free loopback port, its data in the test's temp dir, with the
// append-only file fsynced on every write, so that a test can kill and
// restart it and find every acknowledged write again.
package testredis

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/testproc"
)

// Binary is where Debian's redis-server package installs the server.
const Binary = "redis-server"

// RequireEnv names the variable that turns a missing redis-server from a
// skip into a failure; .ci/run sets it.
const RequireEnv = "BULWARK_REQUIRE_REDIS"

// Server is one running redis-server.
type Server struct {
	// Addr is host:port on loopback.
	Addr string
	// URL is redis://Addr, for redisjobs.Options.URL.
	URL string
	// Dir holds the append-only file.
	Dir string
	// TLS, for a server from StartTLS, is a client configuration that
	// trusts the server's certificate; URL is then rediss://Addr.
	TLS *tls.Config

	bin     string
	tlsArgs []string
	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan error
	out     *testproc.Output
}

// Start starts a redis-server that stops when the test ends. Without the
// binary the test is skipped, unless BULWARK_REQUIRE_REDIS=1, when that is
// a failure.
func Start(t testing.TB) *Server {
	t.Helper()
	s := newServer(t)
	s.URL = "redis://" + s.Addr
	s.launch(t)
	t.Cleanup(s.kill)
	return s
}

// StartTLS is Start for a server that speaks only TLS, with a certificate
// for 127.0.0.1 from a CA made for the test.
func StartTLS(t testing.TB) *Server {
	t.Helper()
	s := newServer(t)
	s.URL = "rediss://" + s.Addr
	s.TLS, s.tlsArgs = makeTLS(t, s.Dir)
	s.launch(t)
	t.Cleanup(s.kill)
	return s
}

func newServer(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("testredis: %s is not installed (apt-get install redis-server) and %s=1", Binary, RequireEnv)
		}
		t.Skipf("testredis: %s not installed (apt-get install redis-server); set %s=1 to make this a failure", Binary, RequireEnv)
	}
	return &Server{Addr: testproc.FreeAddr(t), Dir: t.TempDir(), bin: bin}
}

// Stop kills the server with SIGKILL, as a crash or an OOM kill would:
// only what the append-only file holds survives.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.kill()
}

// Restart kills the server and starts it again on the same port and data
// directory, and returns once it answers PING (its data loaded).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.kill()
	s.launch(t)
}

// Launch starts a stopped server again on the same port and directory.
func (s *Server) Launch(t testing.TB) {
	t.Helper()
	s.launch(t)
}

func (s *Server) launch(t testing.TB) {
	t.Helper()
	host, port, _ := net.SplitHostPort(s.Addr)
	args := []string{"--bind", host, "--port", port, "--dir", s.Dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always",
		"--daemonize", "no", "--loglevel", "warning",
		"--protected-mode", "yes", "--databases", "1"}
	if s.tlsArgs != nil {
		args = append(append(args, "--port", "0", "--tls-port", port), s.tlsArgs...)
	}
	cmd := exec.Command(s.bin, args...)
	out := &testproc.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("testredis: start: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	s.mu.Lock()
	s.cmd, s.exited, s.out = cmd, exited, out
	s.mu.Unlock()

	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("testredis: exited before serving: %v\n%s", err, out.String())
		default:
		}
		err := s.ping()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testredis: not serving on %s after 15s: %v\n%s", s.Addr, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) kill() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-exited
}

// Log is what the server printed.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

// ping sends PING in the inline protocol and wants +PONG; a server still
// loading its append-only file answers -LOADING.
func (s *Server) ping() error {
	var c net.Conn
	var err error
	d := &net.Dialer{Timeout: time.Second}
	if s.TLS != nil {
		c, err = tls.DialWithDialer(d, "tcp", s.Addr, s.TLS)
	} else {
		c, err = d.Dial("tcp", s.Addr)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %s", strconv.Quote(line))
	}
	return nil
}

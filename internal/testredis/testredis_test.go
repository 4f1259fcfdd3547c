package testredis

import (
	"net"
	"strings"
	"testing"
	"time"
)

// A write acknowledged before a SIGKILL is there after Restart: the
// append-only file is fsynced on every write.
func TestRestartKeepsWrites(t *testing.T) {
	s := Start(t)
	if got := send(t, s.Addr, "SET k v"); got != "+OK" {
		t.Fatalf("SET: %q", got)
	}
	s.Restart(t)
	if got := send(t, s.Addr, "GET k"); got != "$1\r\nv" {
		t.Fatalf("GET after restart: %q", got)
	}
	s.Stop(t)
	if _, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		t.Error("still serving after Stop")
	}
	s.Launch(t)
	if got := send(t, s.Addr, "GET k"); got != "$1\r\nv" {
		t.Fatalf("GET after Launch: %q", got)
	}
}

// send sends one inline command and returns the reply without its last
// line end.
func send(t *testing.T, addr, cmd string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(buf[:n]), "\r\n")
}

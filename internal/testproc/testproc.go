// Package testproc holds what tests that run a server process share: a
// free loopback address to give it, and a buffer for its output that the
// process's writer and the test can use at once.
package testproc

import (
	"bytes"
	"net"
	"sync"
	"testing"
)

// FreeAddr picks a free port on 127.0.0.1 and returns host:port. Another
// process could take it before the server binds; a server's start-up
// check then fails loudly rather than test the wrong server.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Output is a bytes.Buffer safe for concurrent use.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

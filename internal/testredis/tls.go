package testredis

import (
	"crypto/tls"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/testproc"
)

// makeTLS writes a CA and a server certificate for 127.0.0.1 into dir and
// returns a client configuration trusting the CA and redis-server's TLS
// flags (clients need no certificate).
func makeTLS(t testing.TB, dir string) (*tls.Config, []string) {
	t.Helper()
	f := testproc.MakeTLS(t, dir)
	return &tls.Config{RootCAs: f.Pool, MinVersion: tls.VersionTLS12}, []string{
		"--tls-cert-file", f.Cert,
		"--tls-key-file", f.Key,
		"--tls-ca-cert-file", f.CA,
		"--tls-auth-clients", "no",
	}
}

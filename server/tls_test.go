package server

import (
	"context"
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/testproc"
	"github.com/bulwark-sec/bulwark/pipeline"
)

// With a certificate and key, ListenAndServe speaks only HTTPS: a client
// that trusts the certificate is answered, a plain HTTP one is not.
func TestListenAndServeTLS(t *testing.T) {
	tf := testproc.MakeTLS(t, t.TempDir())
	certFile, keyFile, pool := tf.Cert, tf.Key, tf.Pool
	addr := testproc.FreeAddr(t)
	s, err := New(Config{Token: testToken, Listen: addr, TLSCert: certFile, TLSKey: keyFile,
		Pipeline: pipeline.Options{CacheDir: t.TempDir(), DB: pipeline.DBOptions{Path: demoDB}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	}()

	tlsClient := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var resp *http.Response
	for range 100 {
		if resp, err = tlsClient.Get("https://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("HTTPS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("HTTPS /healthz: %d, TLS %+v", resp.StatusCode, resp.TLS)
	}
	plain := &http.Client{Timeout: 5 * time.Second}
	if resp, err := plain.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP was served")
		}
	}
	old := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	if _, err := old.Get("https://" + addr + "/healthz"); err == nil {
		t.Error("TLS 1.1 was accepted")
	}
}

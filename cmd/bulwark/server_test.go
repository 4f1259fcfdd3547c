package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// bulwark server serves until it is told to stop, then returns cleanly.
func TestServerCommand(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok3n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logr, logw := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"server", "--listen", "127.0.0.1:0", "--token-file", tokenFile, "--db", "../../demo/db",
			"--cache-dir", t.TempDir(), "--workers", "1"}, io.Discard, logw)
		logw.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logr)
		for sc.Scan() {
			if m := regexp.MustCompile(`msg=listening addr=(\S+)`).FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case code := <-exit:
		t.Fatalf("exited %d before listening", code)
	case <-time.After(60 * time.Second):
		t.Fatal("not listening after 60 s")
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("POST", base+"/v1/lockfiles?name=requirements.txt", strings.NewReader("urllib3==1.26.12\n"))
	req.Header.Set("Authorization", "Bearer tok3n")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"vulnerabilities"`) {
		t.Errorf("lockfile: %d %.300s", resp.StatusCode, body)
	}
	cancel()
	select {
	case code := <-exit:
		if code != exitOK {
			t.Errorf("exit %d after the signal", code)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("still running 40 s after the signal")
	}
}

func TestServerUsageErrors(t *testing.T) {
	t.Setenv("BULWARK_TOKEN", "")
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("x"), 0o600)
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"server"}, "needs a token"},
		{[]string{"server", "--token", "a", "--token-file", tokenFile}, "not both"},
		{[]string{"server", "--token", "a", "--worker"}, "needs --redis"},
		{[]string{"server", "--token", "a", "--workers", "-1"}, "--workers"},
		{[]string{"server", "--token", "a", "--log-format", "xml"}, "log-format"},
		{[]string{"server", "--token", "a", "extra"}, "no arguments"},
	} {
		code, _, stderr := bulwark(t, tt.args...)
		if code != exitUsage || !strings.Contains(stderr, tt.says) {
			t.Errorf("%v: exit %d, %s", tt.args, code, stderr)
		}
	}
	// Not usage errors, but a server that cannot start says why.
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"server", "--token", "a", "--redis", "redis://127.0.0.1:1"}, "127.0.0.1:1"},
		{[]string{"server", "--token", "a", "--admission-policy", filepath.Join(t.TempDir(), "none.yaml")}, "admission policy"},
		{[]string{"server", "--token", "a", "--admission-policy", tokenFile}, "admission policy"},
	} {
		code, _, stderr := bulwark(t, tt.args...)
		if code != exitError || !strings.Contains(stderr, tt.says) {
			t.Errorf("%v: exit %d, %s", tt.args, code, stderr)
		}
	}
}

func TestServerToken(t *testing.T) {
	env := func(v string) func(string) string { return func(string) string { return v } }
	if tok, err := serverToken("", "", env(" fromenv ")); err != nil || tok != "fromenv" {
		t.Errorf("env: %q %v", tok, err)
	}
	if tok, err := serverToken("flag", "", env("fromenv")); err != nil || tok != "flag" {
		t.Errorf("flag: %q %v", tok, err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if _, err := serverToken("", empty, env("fromenv")); err == nil {
		t.Error("an empty token file was taken")
	}
}

// --admission without a policy file denies what its help says it does.
func TestDefaultAdmissionPolicy(t *testing.T) {
	p, err := admissionPolicyFrom("")
	if err != nil || p.MaxSeverity != "CRITICAL" || p.Mode != "enforce" {
		t.Errorf("default policy %+v, %v", p, err)
	}
}

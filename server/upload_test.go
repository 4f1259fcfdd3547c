package server

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/pipeline"
	"github.com/bulwark-sec/bulwark/report"
)

// requirements pins Python packages the demo database has advisories for.
const requirements = "requests==2.28.1\nurllib3==1.26.12\n"

func tarOf(t testing.TB, files []testimage.File) []byte {
	t.Helper()
	data, err := testimage.Tar(files)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// An uploaded tar of lockfiles is scanned as the same folder is by
// pipeline.Run, and the temporary folder is gone afterwards.
func TestLockfiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "svc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "svc", "requirements.txt"), []byte(requirements), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := pipeline.Run(context.Background(), pipeline.Target{Dir: dir}, pipeline.Options{Scanners: pipeline.Scanners{Vuln: true}, NoCache: true, DB: pipeline.DBOptions{Path: demoDB}})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Vulnerabilities) == 0 {
		t.Fatal("the demo database has nothing on the requirements")
	}
	h := start(t, 0, nil)
	plain := tarOf(t, []testimage.File{{Path: "svc/", Typeflag: tar.TypeDir}, {Path: "svc/requirements.txt", Body: []byte(requirements)}})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	for _, tt := range []struct {
		name, query string
		body        []byte
	}{
		{"tar", "", plain},
		{"gzip tar", "", gz.Bytes()},
		{"one file", "?name=requirements.txt", []byte(requirements)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, data := h.do("POST", "/v1/lockfiles"+tt.query, bytes.NewReader(tt.body))
			var got report.Report
			if err := json.Unmarshal(data, &got); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %.300s", resp.StatusCode, data)
			}
			if g, w := vulnIDs(&got), vulnIDs(want); strings.Join(g, "\n") != strings.Join(w, "\n") {
				t.Errorf("got\n%v\nwant\n%v", g, w)
			}
			if strings.Contains(string(data), h.tmp) {
				t.Error("the report names the server's temporary folder")
			}
			assertEmpty(t, h.tmp)
		})
	}
	resp, data := h.do("POST", "/v1/lockfiles?format=sarif", bytes.NewReader(plain))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/sarif+json" {
		t.Errorf("sarif: %d %.200s", resp.StatusCode, data)
	}
}

// Uploads that are refused whole, with nothing written outside the
// server's temporary folder and nothing left in it.
func TestLockfilesRefused(t *testing.T) {
	h := start(t, 0, func(c *Config) { c.MaxUpload = 64 << 10 })
	outside := filepath.Dir(h.tmp)
	before := dirNames(t, outside)
	big := bytes.Repeat([]byte("a"), 65<<10)
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	zw.Write(tarOf(t, []testimage.File{{Path: "big.txt", Body: big}}))
	zw.Close()
	tests := []struct {
		name, query string
		body        []byte
		code        int
		says        string
	}{
		{"traversal", "", tarOf(t, []testimage.File{{Path: "ok.txt", Body: []byte("x")}, {Path: "../evil.txt", Body: []byte("x")}}), 400, "climbs out"},
		{"traversal inside", "", tarOf(t, []testimage.File{{Path: "a/../../evil.txt", Body: []byte("x")}}), 400, "climbs out"},
		{"absolute", "", tarOf(t, []testimage.File{{Path: "/tmp/evil.txt", Body: []byte("x")}}), 400, "absolute"},
		{"symlink", "", tarOf(t, []testimage.File{{Path: "link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}), 400, "symbolic link"},
		{"hard link", "", tarOf(t, []testimage.File{{Path: "link", Typeflag: tar.TypeLink, Linkname: "/etc/passwd"}}), 400, "hard link"},
		{"device", "", tarOf(t, []testimage.File{{Path: "null", Typeflag: tar.TypeChar}}), 400, "device"},
		{"duplicate", "", tarOf(t, []testimage.File{{Path: "a.txt", Body: []byte("x")}, {Path: "./a.txt", Body: []byte("y")}}), 400, "twice"},
		{"not a tar", "", []byte("this is not a tar file, it is words, and more words to pass 512 bytes" + strings.Repeat(".", 600)), 400, "tar"},
		{"empty", "", nil, 400, "empty"},
		{"cut off", "", tarOf(t, []testimage.File{{Path: "a.txt", Body: bytes.Repeat([]byte("x"), 4096)}})[:2048], 400, "unexpected EOF"},
		{"too large", "", tarOf(t, []testimage.File{{Path: "big.txt", Body: big}}), 413, "over"},
		{"gzip bomb", "", bomb.Bytes(), 413, "more than"},
		{"file name with a folder", "?name=a/requirements.txt", []byte(requirements), 400, "without folders"},
		{"file name climbing", "?name=..", []byte(requirements), 400, "climbs out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, data := h.do("POST", "/v1/lockfiles"+tt.query, bytes.NewReader(tt.body))
			var e struct{ Error string }
			if err := json.Unmarshal(data, &e); err != nil || resp.StatusCode != tt.code || !strings.Contains(e.Error, tt.says) {
				t.Errorf("%d %s, want %d saying %q", resp.StatusCode, data, tt.code, tt.says)
			}
			assertEmpty(t, h.tmp)
		})
	}
	if after := dirNames(t, outside); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("beside the server's temporary folder: %v, before %v", after, before)
	}
}

// A client that goes away in the middle of an upload leaves no temporary
// folder and no goroutine behind.
func TestUploadDisconnect(t *testing.T) {
	h := start(t, 0, nil)
	settle := func(limit int) int {
		n := runtime.NumGoroutine()
		for deadline := time.Now().Add(5 * time.Second); n > limit && time.Now().Before(deadline); n = runtime.NumGoroutine() {
			time.Sleep(20 * time.Millisecond)
		}
		return n
	}
	h.client.CloseIdleConnections()
	before := runtime.NumGoroutine()
	for range 5 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /v1/lockfiles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", testToken, 8<<20)
		part := tarOf(t, []testimage.File{{Path: "requirements.txt", Body: bytes.Repeat([]byte("# padding\n"), 100<<10)}})
		conn.Write(part[:len(part)/2])
		// The server is now writing the file: wait until it is there.
		waitFor(t, func() bool { return len(dirNames(t, h.tmp)) > 0 })
		conn.Close()
	}
	waitFor(t, func() bool { return len(dirNames(t, h.tmp)) == 0 })
	h.client.CloseIdleConnections()
	if after := settle(before); after > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	if names := dirNames(t, dir); len(names) > 0 {
		t.Errorf("left in %s: %v", dir, names)
	}
}

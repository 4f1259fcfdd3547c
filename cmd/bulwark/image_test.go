package main

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	records = "../../vulndb/testdata/records"
	kevFile = "../../vulndb/testdata/known_exploited_vulnerabilities.json"
)

// writeFiles creates files under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, body := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// goProject is a source folder requiring golang.org/x/net before the fix
// of GO-2024-2687 (CVE-2023-45288, fixed in v0.23.0).
func goProject(t *testing.T) string {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"go.mod": "module example.com/app\n\ngo 1.22\n\nrequire (\n\tgolang.org/x/net v0.17.0\n\tgolang.org/x/text v0.14.0 // indirect\n)\n"})
	return dir
}

// debianRootfs is a Debian 12 root filesystem whose glibc predates
// DSA-5514-1 (fixed in 2.36-9+deb12u3).
func debianRootfs(t *testing.T) string {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"etc/os-release": "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
		"var/lib/dpkg/status": "Package: libc6\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 12986\nMaintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\nArchitecture: amd64\nMulti-Arch: same\nSource: glibc\nVersion: 2.36-9+deb12u1\nDescription: GNU C Library: Shared libraries\n\n" +
			"Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nDescription: Secure Sockets Layer toolkit - shared libraries\n\n",
	})
	return dir
}

func importDB(t *testing.T) string {
	t.Helper()
	cache := t.TempDir()
	code, _, errOut := bulwark(t, "db", "import", "--cache-dir", cache, "--kev", kevFile, records)
	if code != 0 || !strings.Contains(errOut, "9 records (folder), 1 skipped as invalid") {
		t.Fatalf("db import: exit %d: %s", code, errOut)
	}
	return cache
}

func TestImageFindings(t *testing.T) {
	cache := importDB(t)
	code, out, errOut := bulwark(t, "db", "status", "--cache-dir", cache)
	if code != 0 || !strings.Contains(out, "Debian") || !strings.Contains(out, "KEV") {
		t.Fatalf("db status: exit %d: %s%s", code, out, errOut)
	}

	code, out, errOut = bulwark(t, "image", "--dir", goProject(t), "--cache-dir", cache, "--offline", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if len(r.Vulnerabilities) != 1 || r.Vulnerabilities[0].ID != "CVE-2023-45288" ||
		strings.Join(r.Vulnerabilities[0].FixedVersions, ",") != "0.23.0" || r.Database == nil {
		t.Fatalf("go project findings: %+v", r.Vulnerabilities)
	}

	code, out, errOut = bulwark(t, "image", "--rootfs", debianRootfs(t), "--cache-dir", cache, "--offline", "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r = decode(t, out)
	var ids []string
	for _, v := range r.Vulnerabilities {
		ids = append(ids, v.ID+"/"+v.Package.Name)
		if v.ID == "CVE-2023-4911" && !v.KnownExploited {
			t.Error("CVE-2023-4911 not marked as known exploited")
		}
	}
	if strings.Join(ids, " ") != "CVE-2023-4527/libc6 CVE-2023-4806/libc6 CVE-2023-4911/libc6" {
		t.Errorf("Debian findings: %v", ids)
	}

	// The table says the same.
	code, out, _ = bulwark(t, "image", "--rootfs", debianRootfs(t), "--cache-dir", cache, "--offline", "--no-cache")
	if code != 0 || !strings.Contains(out, "vulnerabilities: 3") || !strings.Contains(out, "2.36-9+deb12u3") {
		t.Errorf("table:\n%s", out)
	}
}

func TestImageTriageAndExitCodes(t *testing.T) {
	cache := importDB(t)
	proj := goProject(t)
	img := func(args ...string) (int, string, string) {
		return bulwark(t, append([]string{"image", "--dir", proj, "--cache-dir", cache, "--offline", "--format", "json"}, args...)...)
	}
	if code, _, errOut := img("--exit-code", "3"); code != 3 {
		t.Errorf("--exit-code 3 with a finding: exit %d: %s", code, errOut)
	}
	// GO-2024-2687 carries no severity: UNKNOWN, left out by this filter.
	if code, out, _ := img("--exit-code", "3", "--severity", "HIGH,CRITICAL"); code != 0 || len(decode(t, out).Vulnerabilities) != 0 {
		t.Errorf("--severity HIGH,CRITICAL: exit %d", code)
	}
	ignore := filepath.Join(t.TempDir(), "ignore")
	os.WriteFile(ignore, []byte("CVE-2023-45288 golang.org/x/net  # HTTP/2 server not used\n"), 0o644)
	code, out, errOut := img("--exit-code", "3", "--ignorefile", ignore)
	r := decode(t, out)
	if code != 0 || len(r.Vulnerabilities) != 0 || len(r.Suppressed) != 1 || r.Suppressed[0].Suppression.Reason != "HTTP/2 server not used" {
		t.Errorf("ignore file: exit %d, %+v: %s", code, r.Suppressed, errOut)
	}
	vex := filepath.Join(t.TempDir(), "vex.json")
	os.WriteFile(vex, []byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"GO-2024-2687"},"products":[{"@id":"pkg:golang/golang.org/x/net@v0.17.0"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}`), 0o644)
	code, out, _ = img("--exit-code", "3", "--vex", vex)
	if r := decode(t, out); code != 0 || len(r.Suppressed) != 1 || r.Suppressed[0].Suppression.Source != "vex" {
		t.Errorf("vex: exit %d, %+v", code, r.Suppressed)
	}
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--severity", "SEVERE"}, exitUsage, "unknown --severity"},
		{[]string{"--scanners", "magic"}, exitUsage, "unknown --scanners"},
		{[]string{"--ignorefile", "/nonexistent/ignore"}, exitError, "ignore file"},
		{[]string{"--vex", ignore}, exitError, "vex"},
	} {
		code, _, errOut := img(tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%v: exit %d: %s", tt.args, code, errOut)
		}
	}
	code, _, errOut = bulwark(t, "image", "--dir", proj, "--cache-dir", t.TempDir(), "--offline")
	if code != exitError || !strings.Contains(errOut, "no usable vulnerability database") || !strings.Contains(errOut, "bulwark db import") {
		t.Errorf("offline without a database: exit %d: %s", code, errOut)
	}
}

// TestImageDownloadsMissingDatabase: without --offline, a scan fetches the
// database from the configured mirror first.
func TestImageDownloadsMissingDatabase(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	data, _ := os.ReadFile(filepath.Join(records, "GO-2024-2687.json"))
	w, _ := zw.Create("GO-2024-2687.json")
	w.Write(data)
	zw.Close()
	var gets []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets = append(gets, r.URL.Path)
		if r.URL.Path == "/Go/all.zip" {
			w.Write(buf.Bytes())
			return
		}
		http.NotFound(w, r)
	}))
	defer ts.Close()
	cache := t.TempDir()
	args := []string{"image", "--dir", goProject(t), "--cache-dir", cache, "--format", "json",
		"--db-url", ts.URL, "--ecosystems", "Go", "--kev-url", "", "--epss-url", ""}
	code, out, errOut := bulwark(t, args...)
	if code != 0 || len(decode(t, out).Vulnerabilities) != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// A fresh database is not fetched again.
	if code, _, _ := bulwark(t, args...); code != 0 || len(gets) != 1 {
		t.Errorf("second scan: exit %d, requests %v", code, gets)
	}
	// A failing refresh of an existing database warns and goes on.
	ts.Close()
	code, out, errOut = bulwark(t, append(args, "--db-refresh-after", "1ns")...)
	if code != 0 || len(decode(t, out).Vulnerabilities) != 1 || !strings.Contains(errOut, "database refresh failed") ||
		strings.Count(errOut, "\n") != 1 {
		t.Errorf("stale database, mirror down: exit %d: %s", code, errOut)
	}
}

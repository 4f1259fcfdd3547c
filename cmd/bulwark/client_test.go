package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// bulwark image --from-sbom matches an SBOM's packages, with the usual
// formats and exit codes; other scanners than vuln are refused.
func TestImageFromSBOM(t *testing.T) {
	const syft = "../../sbomread/testdata/syft-1.57.2.cdx.json"
	code, out, errOut := bulwark(t, "image", "--from-sbom", syft, "--db", "../../demo/db", "--format", "json", "--exit-code", "3", "--quiet")
	if code != 3 {
		t.Fatalf("exit %d, want 3: %s", code, errOut)
	}
	rep := decode(t, out)
	if rep.Artifact.Kind != "sbom" || len(rep.Inventory.Packages) != 22 || len(rep.Vulnerabilities) == 0 {
		t.Errorf("artifact %+v, %d packages, %d vulnerabilities", rep.Artifact, len(rep.Inventory.Packages), len(rep.Vulnerabilities))
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--from-sbom", syft, "--scanners", "vuln,secret"}, 2, "an SBOM lists packages only"},
		{[]string{"--from-sbom", "../../go.mod"}, 1, "not a CycloneDX or SPDX JSON document"},
		{[]string{"--from-sbom", syft, "--input", "x.tar"}, 2, "name exactly one image reference, --input, --rootfs, --dir or --from-sbom"},
	} {
		code, _, errOut := bulwark(t, append([]string{"image", "--db", "../../demo/db"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d saying %q:\n%s", tt.args, code, tt.code, tt.want, errOut)
		}
	}
}

// bulwark image --server: a refused token fails the scan with the reason;
// flags that make no sense in client mode are usage errors. (The scans
// themselves are tested in server/client, and end to end with the
// server.)
func TestImageServerErrors(t *testing.T) {
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer from-env" {
			http.Error(w, `{"error":"token of a user without scan rights"}`, http.StatusForbidden)
			return
		}
		http.Error(w, `{"error":"invalid token"}`, http.StatusUnauthorized)
	}))
	defer refuse.Close()
	for _, tt := range []struct {
		args []string
		env  string
		code int
		want string
	}{
		{[]string{"--server", refuse.URL, "--token", "nope"}, "", 1, "refused the token (give it with --token or $BULWARK_TOKEN) (401 Unauthorized): invalid token"},
		{[]string{"--server", refuse.URL}, "from-env", 1, "(403 Forbidden): token of a user without scan rights"},
		{[]string{"--server", refuse.URL, "--db", "../../demo/db"}, "", 2, "with --server the server's database is used"},
		{[]string{"--server", "localhost:1"}, "", 2, "want http://HOST[:PORT] or https://HOST[:PORT]"},
		{[]string{"--server", refuse.URL, "--server-ca", "missing.pem"}, "", 2, "server CA"},
	} {
		t.Setenv("BULWARK_TOKEN", tt.env)
		code, _, errOut := bulwark(t, append([]string{"image", "--input", "../../demo/image.tar", "--quiet", "--no-cache"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, want %d saying %q:\n%s", tt.args, code, tt.code, tt.want, errOut)
		}
	}
}

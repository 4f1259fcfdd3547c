package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/bulwark-sec/bulwark/attest"
	"github.com/bulwark-sec/bulwark/internal/testcosign"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/result"
)

// signedDebian pushes the Debian root filesystem of debianRootfs as an
// image, signs it with a cosign key and attests an OpenVEX document that
// says CVE-2023-4911 does not affect it. It returns the tag, the cosign
// folder (cosign.key, cosign.pub) and an unsigned image's tag.
func signedDebian(t *testing.T) (ref, dir, unsigned string) {
	t.Helper()
	testcosign.Path(t)
	addr := testregistry.Start(t, testregistry.Options{})
	var files []testimage.File
	root := debianRootfs(t)
	for _, p := range []string{"etc/os-release", "var/lib/dpkg/status"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, testimage.File{Path: p, Body: b})
	}
	l, err := testimage.Layer(files)
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimage.Image(l)
	if err != nil {
		t.Fatal(err)
	}
	ref, unsigned = addr+"/debian:12", addr+"/debian:unsigned"
	for _, r := range []string{ref, unsigned} {
		n, _ := name.ParseReference(r, name.Insecure)
		if err := remote.Write(n, img); err != nil {
			t.Fatal(err)
		}
	}
	// The unsigned tag is a different image: one more layer.
	extra, _ := testimage.Layer([]testimage.File{{Path: "etc/motd", Body: []byte("hello\n")}})
	other, _ := testimage.Image(l, extra)
	n, _ := name.ParseReference(unsigned, name.Insecure)
	if err := remote.Write(n, other); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	dir = t.TempDir()
	writeFiles(t, dir, map[string]string{"vex.json": `{"@context":"https://openvex.dev/ns/v0.2.0","@id":"https://example.com/vex/1","author":"test","timestamp":"2024-01-01T00:00:00Z","version":1,"statements":[{"vulnerability":{"name":"CVE-2023-4911"},"products":[{"@id":"pkg:deb/debian/libc6"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}`})
	testcosign.Run(t, dir, "generate-key-pair")
	pinned := addr + "/debian@" + d.String()
	testcosign.Run(t, dir, append(append([]string{"sign", "--key", "cosign.key"}, testcosign.Registry...), pinned)...)
	testcosign.Run(t, dir, append(append([]string{"attest", "--key", "cosign.key", "--predicate", "vex.json", "--type", "openvex"}, testcosign.Registry...), pinned)...)
	return ref, dir, unsigned
}

func TestVerifyCommand(t *testing.T) {
	ref, dir, unsigned := signedDebian(t)
	key := filepath.Join(dir, "cosign.pub")
	code, out, errOut := bulwark(t, "verify", "--insecure", "--key", key, "--exit-code", "3", "--format", "json", ref)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if r.Signatures == nil || !r.Signatures.Verified || len(r.Signatures.Signatures) != 2 {
		t.Fatalf("signatures: %+v", r.Signatures)
	}
	code, out, _ = bulwark(t, "verify", "--insecure", "--key", key, ref)
	if code != 0 || !strings.Contains(out, "signature: verified") || !strings.Contains(out, "VEX, 1 statements") {
		t.Errorf("table: exit %d:\n%s", code, out)
	}

	code, out, errOut = bulwark(t, "verify", "--insecure", "--key", key, "--exit-code", "3", unsigned)
	if code != 3 || !strings.Contains(errOut, "no-signature") || !strings.Contains(out, "NOT VERIFIED: no-signature") {
		t.Errorf("unsigned: exit %d: %s\n%s", code, errOut, out)
	}
	code, out, _ = bulwark(t, "verify", "--insecure", "--key", key, "--format", "sarif", "--quiet", unsigned)
	if code != 0 || !strings.Contains(out, `"ruleId": "signature-no-signature"`) {
		t.Errorf("sarif: exit %d:\n%s", code, out)
	}
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{ref}, exitUsage, "give --key"},
		{[]string{"--certificate-identity", "a@example.com", ref}, exitUsage, "--certificate-oidc-issuer"},
		{[]string{"--certificate-identity", "a@example.com", "--certificate-oidc-issuer", "https://x", ref}, exitUsage, "--trusted-root"},
		{[]string{"--key", "/nonexistent.pub", ref}, exitError, "--key"},
		{[]string{"--key", filepath.Join(dir, "vex.json"), ref}, exitError, "public key"},
		{[]string{"--key", key}, exitUsage, "name one image"},
	} {
		code, _, errOut := bulwark(t, append([]string{"verify", "--insecure"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%v: exit %d: %s", tt.args, code, errOut)
		}
	}
}

func TestImageRequireSignatureAndVEXAttestation(t *testing.T) {
	ref, dir, unsigned := signedDebian(t)
	cache := importDB(t)
	key := filepath.Join(dir, "cosign.pub")
	img := func(args ...string) (int, string, string) {
		return bulwark(t, append([]string{"image", "--insecure", "--cache-dir", cache, "--offline", "--format", "json", "--no-cache"}, args...)...)
	}
	code, out, errOut := img("--require-signature", "--key", key, "--exit-code", "3", unsigned)
	r := decode(t, out)
	if code != 3 || r.Signatures == nil || r.Signatures.Reason != result.SigNoSignature || len(r.Vulnerabilities) != 3 {
		t.Errorf("unsigned: exit %d, %+v: %s", code, r.Signatures, errOut)
	}
	code, out, errOut = img("--require-signature", "--key", key, ref)
	r = decode(t, out)
	if code != 0 || r.Signatures == nil || !r.Signatures.Verified || !strings.Contains(r.Artifact.Name, "@sha256:") {
		t.Errorf("signed: exit %d, %+v, scanned %s: %s", code, r.Signatures, r.Artifact.Name, errOut)
	}
	// The signed OpenVEX attestation sets CVE-2023-4911 aside, and with
	// it the two CVEs of the same advisory (DSA-5514-1), whose aliases
	// it is.
	code, out, errOut = img("--vex-from-attestation", "--key", key, ref)
	r = decode(t, out)
	if code != 0 || len(r.Vulnerabilities) != 0 || len(r.Suppressed) != 3 {
		t.Errorf("vex from attestation: exit %d, %d kept, %d suppressed: %s", code, len(r.Vulnerabilities), len(r.Suppressed), errOut)
	}
	for _, v := range r.Suppressed {
		if v.Suppression.Source != result.SuppressedByVEX || !strings.HasPrefix(v.Suppression.Document, "attestation tag sha256-") {
			t.Errorf("%s suppressed by %+v", v.ID, v.Suppression)
		}
	}
	// With another key the attestation is not trusted: nothing set aside.
	other := t.TempDir()
	testcosign.Run(t, other, "generate-key-pair")
	code, out, _ = img("--vex-from-attestation", "--key", filepath.Join(other, "cosign.pub"), ref)
	if r := decode(t, out); code != 0 || len(r.Suppressed) != 0 {
		t.Errorf("vex signed by another key was used: %+v", r.Suppressed)
	}
	if code, _, errOut := img("--require-signature", ref); code != exitUsage || !strings.Contains(errOut, "--key") {
		t.Errorf("--require-signature without a policy: exit %d: %s", code, errOut)
	}
}

// TestSBOMAttest: bulwark sbom --attest writes a statement about the
// image; its predicate attested by cosign verifies as an SBOM of the same
// packages.
func TestSBOMAttest(t *testing.T) {
	ref, dir, _ := signedDebian(t)
	code, out, errOut := bulwark(t, "sbom", "--insecure", "--no-cache", "--attest", ref)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	st, err := attest.DecodeStatement([]byte(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	code, js, _ := bulwark(t, "verify", "--insecure", "--key", filepath.Join(dir, "cosign.pub"), "--format", "json", ref)
	subject := decode(t, js).Signatures.Subject
	if code != 0 || st.PredicateType != attest.CycloneDX || !st.Names(subject) || !strings.HasSuffix(st.Subject[0].Name, "/debian") {
		t.Fatalf("statement: %s %+v, want subject %s", st.PredicateType, st.Subject, subject)
	}
	// cosign attest reads a predicate (its --statement is for blobs).
	writeFiles(t, dir, map[string]string{"sbom.json": string(st.Predicate)})
	testcosign.Run(t, dir, append(append([]string{"attest", "--key", "cosign.key", "--predicate", "sbom.json", "--type", st.PredicateType}, testcosign.Registry...), ref)...)
	_, js, _ = bulwark(t, "verify", "--insecure", "--key", filepath.Join(dir, "cosign.pub"), "--format", "json", ref)
	var sbom struct {
		Components []json.RawMessage `json:"components"`
	}
	json.Unmarshal(st.Predicate, &sbom)
	found := false
	for _, s := range decode(t, js).Signatures.Signatures {
		if s.Predicate != nil && s.Predicate.Kind == attest.KindSBOM && s.Verified {
			found = s.Predicate.Components == len(sbom.Components) && len(sbom.Components) >= 2
		}
	}
	if !found {
		t.Errorf("the attested SBOM was not verified with %d components:\n%s", len(sbom.Components), js)
	}
	if code, _, errOut := bulwark(t, "sbom", "--attest", "--format", "table", ref); code != exitUsage || !strings.Contains(errOut, "--attest") {
		t.Errorf("--attest --format table: exit %d: %s", code, errOut)
	}
}

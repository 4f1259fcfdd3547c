package attest

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/result"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const testDigest = "sha256:5f1b2c0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"

func TestPAE(t *testing.T) {
	// The example of the DSSE specification (protocol.md).
	got := string(PAE("http://example.com/HelloWorld", []byte("hello world")))
	if want := "DSSEv1 29 http://example.com/HelloWorld 11 hello world"; got != want {
		t.Errorf("PAE = %q, want %q", got, want)
	}
}

func TestDecodeEnvelope(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	payload := b64([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	for _, tc := range []struct {
		name, in, err string
	}{
		{"valid", `{"payloadType":"application/vnd.in-toto+json","payload":"` + payload + `","signatures":[{"keyid":"k","sig":"` + b64([]byte("sig")) + `"}]}`, ""},
		{"url-safe unpadded", `{"payloadType":"x","payload":"` + strings.TrimRight(base64.URLEncoding.EncodeToString([]byte("a?>")), "=") + `","signatures":[{"sig":"c2ln"}]}`, ""},
		{"not JSON", `{"payloadType":`, "dsse:"},
		{"no type", `{"payload":"` + payload + `","signatures":[{"sig":"c2ln"}]}`, "no payloadType"},
		{"payload not base64", `{"payloadType":"x","payload":"%%%","signatures":[{"sig":"c2ln"}]}`, "payload: not base64"},
		{"no signatures", `{"payloadType":"x","payload":"` + payload + `","signatures":[]}`, "no signatures"},
		{"empty signature", `{"payloadType":"x","payload":"` + payload + `","signatures":[{"sig":""}]}`, "signature 0 is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, err := DecodeEnvelope([]byte(tc.in))
			if tc.err == "" {
				if err != nil || len(env.Signatures) != 1 || len(env.Payload) == 0 {
					t.Fatalf("%+v, %v", env, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestDecodeStatement(t *testing.T) {
	for _, tc := range []struct {
		name, in, err string
	}{
		{"bad type", `{"_type":"https://example.com/Statement","subject":[{"digest":{"sha256":"ab"}}],"predicateType":"x"}`, "unknown statement type"},
		{"no subject", `{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"x"}`, "no subject"},
		{"no digest", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a"}],"predicateType":"x"}`, "no digest"},
		{"digest not hex", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"xyz"}}],"predicateType":"x"}`, "not hex"},
		{"no predicate type", `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"ab"}}]}`, "no predicateType"},
		{"not JSON", `[`, "in-toto:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeStatement([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

// TestSummarize decodes each predicate type's example and compares its
// summary with the golden file.
func TestSummarize(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) < 6 {
		t.Fatalf("testdata: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			st, err := DecodeStatement(data)
			if err != nil {
				t.Fatal(err)
			}
			if !st.Names(testDigest) || st.Names("sha256:00") || st.Names(testDigest[7:]) {
				t.Errorf("Names: wrong answer for %s", testDigest)
			}
			sum, err := st.Summarize()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(sum, "", "  ")
			golden := strings.TrimSuffix(f, ".json") + ".golden"
			if *update {
				os.WriteFile(golden, append(got, '\n'), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got)+"\n" != string(want) {
				t.Errorf("summary:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestKind(t *testing.T) {
	for in, want := range map[string]string{
		SLSAProvenanceV02:                "provenance",
		SLSAProvenanceV1:                 "provenance",
		"https://cyclonedx.org/bom/v1.5": "sbom",
		"https://spdx.dev/Document":      "sbom",
		"https://openvex.dev/ns/v0.2.0":  "vex",
		"https://openvex.dev/nsfoo":      "other",
		CosignVuln:                       "vuln-scan",
		CosignSign:                       "signature",
		"https://example.com/custom":     "other",
	} {
		if got := Kind(in); got != want {
			t.Errorf("Kind(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestForImage(t *testing.T) {
	doc, err := ForImage(result.Artifact{Name: "registry.example:5000/team/app:1.4", ManifestDigest: testDigest}, CycloneDX, []byte(`{"bomFormat":"CycloneDX"}`))
	if err != nil {
		t.Fatal(err)
	}
	st, err := DecodeStatement(doc)
	if err != nil {
		t.Fatal(err)
	}
	if st.Type != StatementV1 || st.Subject[0].Name != "registry.example:5000/team/app" || !st.Names(testDigest) || st.PredicateType != CycloneDX {
		t.Errorf("%+v", st)
	}
	for _, bad := range []result.Artifact{{Name: "app.tar"}, {Name: "x", ManifestDigest: "sha256:zz"}} {
		if _, err := ForImage(bad, CycloneDX, []byte(`{}`)); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if _, err := ForImage(result.Artifact{Name: "x", ManifestDigest: testDigest}, CycloneDX, []byte(`{`)); err == nil {
		t.Error("predicate not JSON: no error")
	}
}

// FuzzDecodeEnvelope: any input decodes or fails with an error.
func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"","sig":"c2ln"}]}`))
	f.Add([]byte(`{"payloadType":"x","payload":"","signatures":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := DecodeEnvelope(data)
		if err == nil && (env.PayloadType == "" || len(env.Signatures) == 0) {
			t.Fatalf("accepted an envelope without type or signatures: %+v", env)
		}
		if err == nil {
			PAE(env.PayloadType, env.Payload)
		}
	})
}

// FuzzDecodeStatement: any input decodes, and summarizes, or fails with
// an error; what decodes has subjects with hex digests.
func FuzzDecodeStatement(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := DecodeStatement(data)
		if err != nil {
			return
		}
		if len(st.Subject) == 0 || st.PredicateType == "" {
			t.Fatalf("accepted %+v", st)
		}
		st.Summarize()
		for _, s := range st.Subject {
			for alg, d := range s.Digest {
				if !st.Names(alg + ":" + d) {
					t.Fatalf("does not name its own subject %s:%s", alg, d)
				}
			}
		}
	})
}

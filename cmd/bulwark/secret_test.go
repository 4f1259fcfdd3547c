package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/bulwark-sec/bulwark/internal/testimage"
)

// plantedImage is a three-layer image with secrets where they hide in
// practice: a .env file that a later layer deletes, a .git-credentials
// file, a private key replaced by a later layer, an ENV value and a build
// argument in the history.
func plantedImage(t *testing.T) string {
	t.Helper()
	layer := func(files ...testimage.File) v1.Layer {
		l, err := testimage.Layer(files)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	key := "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n"
	img, err := testimage.Image(
		layer(
			testimage.File{Path: "app/.env", Body: []byte("PORT=8080\nGITHUB_TOKEN=ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n")},
			testimage.File{Path: "root/.ssh/id_ed25519", Body: []byte(key)},
			testimage.File{Path: "usr/share/doc/pkg/README", Body: []byte("export TOKEN=ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n")},
		),
		layer(
			testimage.File{Path: "app/.wh..env", Body: nil},
			testimage.File{Path: "root/.git-credentials", Body: []byte("https://ci-bot:glpat-Xk48Lm2Vn9Rb4Tk1Wz8P@gitlab.example.org\n")},
			testimage.File{Path: "opt/release.zip", Body: zipOf(t, "config/.env", "GITHUB_TOKEN=ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n")},
		),
		layer(testimage.File{Path: "root/.ssh/id_ed25519", Body: []byte("rotated\n")}),
	)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := img.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.Config.Env = []string{"PATH=/usr/bin", "AWS_ACCESS_KEY_ID=AKIA4QWERTYZ2X7NMLKJ"}
	cfg.History = []v1.History{
		{CreatedBy: "ADD app /app"},
		{CreatedBy: "RUN |1 DB_PASSWORD=Xk48Lm2Vn9Rb4Tk1 /bin/sh -c ./migrate"},
		{CreatedBy: "COPY id_ed25519 /root/.ssh/"},
	}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "planted.tar")
	if err := testimage.WriteDockerArchive(path, "planted:1", img); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImageSecrets(t *testing.T) {
	tar := plantedImage(t)
	code, out, errOut := bulwark(t, "image", "--input", tar, "--scanners", "secret", "--format", "json", "--no-cache")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	var got []string
	for _, s := range r.Secrets {
		line := s.RuleID + " " + s.Source + " " + s.Path
		if s.Layer >= 0 {
			line += " L" + string(rune('0'+s.Layer))
		}
		if s.DeletedBy != nil {
			line += " deleted-by-L" + string(rune('0'+*s.DeletedBy))
		}
		got = append(got, line)
		if strings.Contains(s.Match, "Xk48Lm2") || len(s.Match) > 8 {
			t.Errorf("unredacted: %+v", s)
		}
	}
	want := []string{
		"github-pat layer app/.env L0 deleted-by-L1",
		"private-key layer root/.ssh/id_ed25519 L0 deleted-by-L2",
		"git-credentials layer root/.git-credentials L1",
		"aws-access-key-id config Env",
		"generic-password config History[1].created_by",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("secrets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.Database != nil || r.Vulnerabilities != nil {
		t.Error("vulnerability scan ran with --scanners secret")
	}
	// The table names the deleted file's layers; --exit-code counts secrets.
	code, out, _ = bulwark(t, "image", "--input", tar, "--scanners", "secret", "--no-cache", "--exit-code", "4")
	if code != 4 || !strings.Contains(out, "deleted in layer 1, still in layer 0") || strings.Contains(out, "Xk48Lm2") {
		t.Errorf("table (exit %d):\n%s", code, out)
	}
	// A severity filter applies to secrets too.
	code, out, _ = bulwark(t, "image", "--input", tar, "--scanners", "secret", "--no-cache", "--format", "json", "--severity", "LOW")
	if r := decode(t, out); code != 0 || len(r.Secrets) != 0 {
		t.Errorf("--severity LOW: %d secrets", len(r.Secrets))
	}
}

// zipOf is a zip archive of one file.
func zipOf(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(body))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSecretsInArchives opens archives only when asked, in images and
// in folders, and names the member holding the secret.
func TestSecretsInArchives(t *testing.T) {
	tar := plantedImage(t)
	code, out, errOut := bulwark(t, "image", "--input", tar, "--scanners", "secret", "--format", "json", "--no-cache", "--archive-depth", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	found := false
	for _, s := range decode(t, out).Secrets {
		if s.Path == "opt/release.zip!/config/.env" && s.Layer == 1 && s.Line == 1 && s.RuleID == "github-pat" {
			found = true
		}
	}
	if !found {
		t.Errorf("no secret in the zip of layer 1:\n%s", out)
	}

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"dist/site.zip": string(zipOf(t, "settings.ini", "token = ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n"))})
	for depth, want := range map[string]int{"0": 0, "1": 1} {
		_, out, errOut := bulwark(t, "secret", dir, "--format", "json", "--archive-depth", depth)
		if got := decode(t, out).Secrets; len(got) != want || want == 1 && got[0].Path != "dist/site.zip!/settings.ini" {
			t.Errorf("--archive-depth %s: secrets %+v (%s)", depth, got, errOut)
		}
	}
	if code, _, errOut := bulwark(t, "secret", dir, "--archive-depth", "-1"); code != 2 {
		t.Errorf("--archive-depth -1: exit %d: %s", code, errOut)
	}
}

func TestSecretCommand(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Dockerfile":                     "FROM debian:12\nENV STRIPE_KEY=sk_live_51Hx48Lm2Vn9Rb4Tk1Wz8Pc3Hd6\n",
		"deploy/values.yaml":             "db:\n  url: postgres://app:Xk48Lm2Vn9Rb@db.internal:5432/app\n",
		"config/.env.example":            "DB_PASSWORD=${DB_PASSWORD}\n",
		"node_modules/x/test/fixture.js": "const token = 'ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge'\n",
	})
	code, out, errOut := bulwark(t, "secret", dir, "--format", "json", "--exit-code", "5")
	if code != 5 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []string
	for _, s := range decode(t, out).Secrets {
		got = append(got, s.RuleID+" "+s.Path+":"+string(rune('0'+s.Line)))
	}
	if strings.Join(got, ", ") != "stripe-secret-key Dockerfile:2, database-url-password deploy/values.yaml:2" {
		t.Errorf("secrets: %v", got)
	}
	// SARIF carries the same findings with file and line, redacted.
	_, out, _ = bulwark(t, "secret", dir, "--format", "sarif")
	if !strings.Contains(out, `"uri": "deploy/values.yaml"`) || !strings.Contains(out, `"startLine": 2`) || strings.Contains(out, "Xk48Lm2Vn9Rb@") {
		t.Errorf("sarif:\n%s", out)
	}
	// A configuration allowlists the values file and adds a rule.
	writeFiles(t, dir, map[string]string{
		"conf/secret.yaml": "allow-paths: ['^deploy/']\nrules:\n- {id: acme-key, keywords: [acme_], regex: 'acme_[0-9a-z]{20}', severity: low}\n",
		"app/acme.ini":     "key=acme_k3j9x7q2m8w4z6v1b5n0\n",
	})
	_, out, errOut = bulwark(t, "secret", dir, "--format", "json", "--secret-config", filepath.Join(dir, "conf/secret.yaml"))
	got = nil
	for _, s := range decode(t, out).Secrets {
		got = append(got, s.RuleID+" "+s.Path)
	}
	if strings.Join(got, ", ") != "stripe-secret-key Dockerfile, acme-key app/acme.ini" {
		t.Errorf("with --secret-config: %v %s", got, errOut)
	}
	if code, _, errOut := bulwark(t, "secret", dir, "--secret-config", filepath.Join(dir, "Dockerfile")); code != exitError || !strings.Contains(errOut, "secret config") {
		t.Errorf("bad config: exit %d: %s", code, errOut)
	}
	if code, _, errOut := bulwark(t, "secret", filepath.Join(dir, "Dockerfile")); code != exitError || !strings.Contains(errOut, "not a folder") {
		t.Errorf("file argument: exit %d: %s", code, errOut)
	}
}

// TestSecretHugeFiles: a 2 GB file, a 100 MB line and binary junk end
// quickly with a note, and the real secret beside them is still found.
func TestSecretHugeFiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"app/.env": "GITHUB_TOKEN=ghp_Xk48Lm2Vn9Rb4Tk1Wz8Pc3Hd6Jf0Ys5Ua2Ge\n",
		"junk.txt": strings.Repeat("\xff\xfe\x00garbage", 100000),
	})
	sparse, err := os.Create(filepath.Join(dir, "dump.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sparse.Truncate(2 << 30); err != nil {
		t.Fatal(err)
	}
	sparse.Close()
	line := bytes.Repeat([]byte("password="), 100<<20/9)
	if err := os.WriteFile(filepath.Join(dir, "min.js"), line, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := bulwark(t, "secret", dir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decode(t, out)
	if len(r.Secrets) != 1 || r.Secrets[0].Path != "app/.env" {
		t.Errorf("secrets: %+v", r.Secrets)
	}
	// The files too large to scan are named, binary junk is not.
	var skipped []string
	for _, w := range r.Warnings {
		skipped = append(skipped, w.Path)
	}
	if strings.Join(skipped, " ") != "dump.sql min.js" {
		t.Errorf("warnings: %+v", r.Warnings)
	}
}

package configfiles

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
)

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		path string
		size int64
		mode fs.FileMode
		want bool
	}{
		{"app/Dockerfile", 100, 0o644, true},
		{"srv/build/Containerfile.prod", 100, 0o644, true},
		{"app/.dockerignore", 10, 0o644, true},
		{"app/docker-compose.yml", 100, 0o644, true},
		{"etc/kubernetes/manifests/kube-apiserver.yaml", 100, 0o644, true},
		{"app/config.json", 100, 0o644, true},
		{"app/README.md", 100, 0o644, false},
		{"app/Dockerfile", MaxSize + 1, 0o644, false},
		{"app/Dockerfile", 0, fs.ModeSymlink, false},
		{"usr/share/doc/x/examples/pod.yaml", 100, 0o644, false},
		{"usr/lib/python3/dist-packages/x/compose.yaml", 100, 0o644, false},
		{"app/node_modules/pkg/Dockerfile", 100, 0o644, false},
		{"go/pkg/mod/k8s.io/api@v0.30.0/testdata/pod.yaml", 100, 0o644, false},
		{"srv/vendor/github.com/x/y/deploy.yaml", 100, 0o644, false},
	} {
		if got := (Extractor{}).Required(extract.File{Path: tc.path, Size: tc.size, Mode: tc.mode}); got != tc.want {
			t.Errorf("Required(%s, %d, %v) = %v", tc.path, tc.size, tc.mode, got)
		}
	}
}

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		path, body string
		keep       bool
	}{
		{"app/Dockerfile", "FROM debian:12\nUSER 1000\n", true},
		{"app/compose.yaml", "services:\n  web:\n    image: nginx\n", true},
		{"app/deploy.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n", true},
		{"app/settings.yaml", "log_level: debug\nport: 8080\n", false},
		{"app/package.json", `{"name": "x", "version": "1.0.0"}`, false},
		{"app/huge.yaml", "apiVersion: v1\nkind: Pod\n" + strings.Repeat("#", MaxSize), false},
	} {
		res, err := (Extractor{}).Extract(context.Background(), extract.Input{File: extract.File{Path: tc.path}, Content: strings.NewReader(tc.body)})
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if kept := res.ConfigFile != nil; kept != tc.keep || (kept && string(res.ConfigFile) != tc.body) {
			t.Errorf("%s: kept %v (%d bytes), want %v", tc.path, kept, len(res.ConfigFile), tc.keep)
		}
	}
}

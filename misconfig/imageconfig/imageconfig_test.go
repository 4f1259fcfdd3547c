package imageconfig

import (
	"flag"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/bulwark-sec/bulwark/layerfs"
	"github.com/bulwark-sec/bulwark/misconfig"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestChecksValid(t *testing.T) {
	if err := misconfig.Validate(Checks()); err != nil {
		t.Fatal(err)
	}
}

func file(p string, mode fs.FileMode, size int64) layerfs.Entry {
	return layerfs.Entry{Path: p, Mode: mode, Size: size}
}

// unsafeImage has something for every check: a root user, no health
// check, a password in ENV, port 22, sudo and a lone apt-get update in its
// history, setuid files, an SSH key deleted by a later layer, a shell
// history, a .git folder and apt's caches.
func unsafeImage() Input {
	layers := []*layerfs.LayerResult{
		{Entries: []layerfs.Entry{
			file("usr/bin/passwd", 0o755|fs.ModeSetuid, 60000),
			file("usr/bin/chage", 0o755|fs.ModeSetgid, 70000),
			file("usr/bin/weird", 0o644|fs.ModeSetuid, 10), // not executable: no risk
			file("etc/passwd", 0o644, 900),
			file("var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4", 0o644, 9<<20),
			file("var/lib/apt/lists/lock", 0o640, 0),
			file("var/lib/apt/lists/partial", fs.ModeDir|0o700, 0),
			file("etc/ssh/ssh_host_ed25519_key", 0o600, 400),
		}},
		{Entries: []layerfs.Entry{
			file("root/.ssh/id_ed25519", 0o600, 400),
			file("app/.git", fs.ModeDir|0o755, 0),
			file("app/.git/HEAD", 0o644, 21),
			file("root/.bash_history", 0o600, 300),
			file("home/app/.docker/config.json", 0o600, 200),
		}},
		{Whiteouts: []string{"root/.ssh/id_ed25519"}},
	}
	return Input{
		Config: &v1.ConfigFile{
			Config: v1.Config{
				Env:          []string{"PATH=/usr/bin", "DB_PASSWORD=Xk48Lm2Vn9Rb", "API_TOKEN_FILE=/run/secrets/token", "SECRET_KEY=$FROM_RUNTIME"},
				ExposedPorts: map[string]struct{}{"22/tcp": {}, "8080/tcp": {}},
			},
			History: []v1.History{
				{CreatedBy: "/bin/sh -c #(nop) ADD file:0a1b2c3d in / "},
				{CreatedBy: "/bin/sh -c #(nop)  CMD [\"bash\"]"},
				{CreatedBy: "/bin/sh -c apt-get update"},
				{CreatedBy: "/bin/sh -c sudo make install"},
				{CreatedBy: "ADD https://example.com/app.tar.gz /opt/ # buildkit"},
			},
		},
		RepoTags: []string{"registry.example/app:latest"},
		FS:       layerfs.Merge(layers),
	}
}

func TestUnsafeImage(t *testing.T) {
	got := Scan(unsafeImage())
	misconfig.Sort(got)
	var lines []string
	for _, f := range got {
		lines = append(lines, fmt.Sprintf("%s %s layer=%d: %s", f.CheckID, f.File, f.Layer, f.Message))
	}
	want := []string{
		"BW-IMG-008 RepoTags layer=-1: the image is named only registry.example/app:latest",
		"BW-IMG-006 app/.git layer=1: a .git folder is in the image",
		"BW-IMG-004 config.Env layer=-1: environment variable DB_PASSWORD holds a value in the image config",
		"BW-IMG-012 config.ExposedPorts layer=-1: the image exposes port 22/tcp",
		"BW-IMG-002 config.Healthcheck layer=-1: the image config has no health check",
		"BW-IMG-001 config.User layer=-1: the image config sets no user, so containers run as root",
		"BW-IMG-006 etc/ssh/ssh_host_ed25519_key layer=0: SSH host key etc/ssh/ssh_host_ed25519_key is baked into the image: every container shares it",
		"BW-IMG-011 history[2].created_by layer=-1: build step 2 updates the package index without installing in the same step",
		"BW-IMG-010 history[3].created_by layer=-1: build step 3 runs sudo",
		"BW-IMG-009 history[4].created_by layer=-1: build step 4: ADD https://example.com/app.tar.gz /opt/ # buildkit",
		"BW-IMG-005 home/app/.docker/config.json layer=1: credential file home/app/.docker/config.json",
		"BW-IMG-006 root/.bash_history layer=1: shell history root/.bash_history",
		"BW-IMG-005 root/.ssh/id_ed25519 layer=1: SSH private key root/.ssh/id_ed25519 (deleted in layer 2, still in layer 1)",
		"BW-IMG-003 usr/bin/chage layer=0: usr/bin/chage is setgid",
		"BW-IMG-003 usr/bin/passwd layer=0: usr/bin/passwd is setuid",
		"BW-IMG-007 var/lib/apt/lists layer=0: apt package lists: 1 files, 9.0 MiB",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\n\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestSafeImage(t *testing.T) {
	in := Input{
		Config: &v1.ConfigFile{
			Config: v1.Config{
				User:         "10001:10001",
				Env:          []string{"PATH=/usr/bin", "PASSWORD_FILE=/run/secrets/db", "TOKEN_TTL=3600"},
				Healthcheck:  &v1.HealthConfig{Test: []string{"CMD", "/healthz"}},
				ExposedPorts: map[string]struct{}{"8080/tcp": {}},
			},
			History: []v1.History{
				{CreatedBy: "/bin/sh -c #(nop) ADD file:0a1b2c3d in / "},
				{CreatedBy: "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* # buildkit"},
				{CreatedBy: "COPY app /app # buildkit"},
			},
		},
		RepoTags: []string{"registry.example/app:1.4.2", "registry.example/app:latest"},
		FS: layerfs.Merge([]*layerfs.LayerResult{{Entries: []layerfs.Entry{
			file("app/server", 0o755, 1<<20),
			file("var/lib/apt/lists/lock", 0o640, 0),
			file("usr/share/doc/README.git", 0o644, 10),
		}}}),
	}
	if got := Scan(in); len(got) != 0 {
		for _, f := range got {
			t.Errorf("unexpected: %s %s: %s", f.CheckID, f.File, f.Message)
		}
	}
	// A user named root, or UID 0 with a group, is root.
	for _, u := range []string{"root", "0", "0:0", "root:app", " "} {
		if !isRoot(u) {
			t.Errorf("isRoot(%q) = false", u)
		}
	}
	if isRoot("app") || isRoot("1000:0") {
		t.Error("non-root user taken for root")
	}
}

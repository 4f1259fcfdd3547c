package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/testdockerd"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/misconfig/host"
)

// sleeperImage imports bulwark-test/sleeper:1 into d: one static Go
// program, /sleeper, that sleeps, or exits 0 at once when given an
// argument (the careful container's health check).
func sleeperImage(t *testing.T, d *testdockerd.Daemon) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	prog := "package main\n\nimport (\n\t\"os\"\n\t\"time\"\n)\n\nfunc main() {\n\tif len(os.Args) > 1 {\n\t\treturn\n\t}\n\ttime.Sleep(time.Hour)\n}\n"
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sleeper")
	cmd := exec.Command("go", "build", "-o", bin, src)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	body, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	rootfs, err := testimage.Tar([]testimage.File{{Path: "sleeper", Body: body, Mode: 0o755}})
	if err != nil {
		t.Fatal(err)
	}
	d.Import(t, "bulwark-test/sleeper", "1", rootfs)
}

// TestHostContainers runs a careless and a careful container in a real
// dockerd and audits them through its API (CIS section 5).
func TestHostContainers(t *testing.T) {
	d := testdockerd.Start(t)
	sleeperImage(t, d)
	socket := strings.TrimPrefix(d.Host, "unix://")
	d.Run(t, "careless", map[string]any{
		"Image": "bulwark-test/sleeper:1", "Cmd": []string{"/sleeper"},
		"ExposedPorts": map[string]any{"80/tcp": map[string]any{}},
		"HostConfig": map[string]any{
			"CapAdd": []string{"NET_ADMIN", "SYS_ADMIN"}, "NetworkMode": "host",
			"PidMode": "host", "IpcMode": "host", "UTSMode": "host", "UsernsMode": "host",
			"Binds":         []string{"/etc:/host/etc:ro", socket + ":/var/run/docker.sock"},
			"PortBindings":  map[string]any{"80/tcp": []map[string]string{{"HostIp": "0.0.0.0", "HostPort": "80"}}},
			"SecurityOpt":   []string{"seccomp=unconfined", "apparmor=unconfined", "label=disable"},
			"Devices":       []map[string]string{{"PathOnHost": "/dev/null", "PathInContainer": "/dev/xnull", "CgroupPermissions": "rwm"}},
			"Ulimits":       []map[string]any{{"Name": "nofile", "Soft": 256, "Hard": 512}},
			"RestartPolicy": map[string]any{"Name": "always"},
		},
	})
	d.Run(t, "careful", map[string]any{
		"Image": "bulwark-test/sleeper:1", "Cmd": []string{"/sleeper"},
		"Healthcheck": map[string]any{"Test": []string{"CMD", "/sleeper", "ok"}, "Interval": int64(time.Hour)},
		"HostConfig": map[string]any{
			"ReadonlyRootfs": true, "CapDrop": []string{"ALL"}, "SecurityOpt": []string{"no-new-privileges"},
			"Memory": 64 << 20, "PidsLimit": 50, "CpuShares": 512, "NetworkMode": "none",
			"RestartPolicy": map[string]any{"Name": "on-failure", "MaximumRetryCount": 5},
		},
	})

	t.Setenv("DOCKER_HOST", d.Host)
	rep, err := Host(context.Background(), t.TempDir(), host.Options{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range rep.Misconfigurations {
		if f.Resource.Kind == "container" {
			name, _, _ := strings.Cut(f.Resource.Name, " ")
			got[name] = append(got[name], f.CheckID)
			if !strings.Contains(f.Resource.Name, "bulwark-test/sleeper:1") || f.File == "" {
				t.Errorf("%s: resource %q, evidence %q", f.CheckID, f.Resource.Name, f.File)
			}
		}
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "not checked") {
			t.Errorf("warning: %s", w.Message)
		}
	}
	// All of section 5 but 5.5 (privileged cannot run here), 5.20 (no
	// shared mount to propagate) and 5.29 (the careless container is on
	// the host's network).
	want := []string{
		"BW-HOST-026", "BW-HOST-027", "BW-HOST-028", "BW-HOST-030", "BW-HOST-031", "BW-HOST-032",
		"BW-HOST-033", "BW-HOST-034", "BW-HOST-035", "BW-HOST-036", "BW-HOST-037", "BW-HOST-038",
		"BW-HOST-039", "BW-HOST-040", "BW-HOST-041", "BW-HOST-043", "BW-HOST-044", "BW-HOST-045",
		"BW-HOST-046", "BW-HOST-047", "BW-HOST-049", "BW-HOST-050",
	}
	slices.Sort(got["careless"])
	if !slices.Equal(got["careless"], want) {
		t.Errorf("careless: %v\nwant %v", got["careless"], want)
	}
	if len(got["careful"]) != 0 {
		t.Errorf("careful: %v", got["careful"])
	}
}

// TestHostDaemonInfo audits a tree whose daemon.json disagrees with the
// running dockerd: the daemon's docker info wins, and the findings say so.
func TestHostDaemonInfo(t *testing.T) {
	// --no-new-privileges is not shown by docker info before Docker 23
	// (Debian's is 20.10): it stays as the files say, so is not tested.
	d := testdockerd.Start(t, "--live-restore", "--log-driver", "journald")
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/docker"), 0o755); err != nil {
		t.Fatal(err)
	}
	daemonJSON := `{"live-restore": false, "log-driver": "json-file", "userns-remap": "default", "icc": false}`
	if err := os.WriteFile(filepath.Join(root, "etc/docker/daemon.json"), []byte(daemonJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_HOST", d.Host)
	rep, err := Host(context.Background(), root, host.Options{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w.Message, "not checked") || strings.Contains(w.Message, "not read") {
			t.Errorf("warning: %s", w.Message)
		}
	}
	got := map[string]string{}
	for _, f := range rep.Misconfigurations {
		got[f.CheckID] = f.Message
	}
	// Set on dockerd's command line, off in daemon.json: info wins.
	for _, id := range []string{"BW-HOST-016", "BW-HOST-018"} {
		if msg, ok := got[id]; ok {
			t.Errorf("%s raised although the daemon has it: %s", id, msg)
		}
	}
	// In daemon.json, not in the running daemon: raised, saying why.
	if msg := got["BW-HOST-012"]; !strings.Contains(msg, "docker info wins over the files: /etc/docker/daemon.json sets default") {
		t.Errorf("userns-remap: %q", msg)
	}
	if msg := got["BW-HOST-051"]; !strings.Contains(msg, "runs as root") {
		t.Errorf("rootless: %q", msg)
	}
	if _, ok := got["BW-HOST-015"]; !ok {
		t.Errorf("no authorization plugin: not raised")
	}
	// icc is not in docker info: daemon.json's false stands.
	if msg, ok := got["BW-HOST-005"]; ok {
		t.Errorf("icc: %s", msg)
	}
}

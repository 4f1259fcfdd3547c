package host

import (
	"bufio"
	"context"
	"flag"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/misconfig"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// ownedTree gives files the owners testdata/modes.txt names: the test
// runs as any user, who cannot chown, so ownership is put in here while
// modes and sockets are real. Files it does not list are root's.
type ownedTree struct {
	Tree
	owners map[string][2]uint32
}

func (t ownedTree) Stat(name string) (Info, error) {
	info, err := t.Tree.Stat(name)
	if err == nil {
		// The sockets are made at run/, which var/run links to.
		o := t.owners[strings.TrimPrefix(name, "var/")]
		info.UID, info.GID = o[0], o[1]
	}
	return info, err
}

// hostTree copies testdata/<name> to a temporary folder, applies
// modes.txt (git keeps only the executable bit, and no sockets) and
// opens it.
func hostTree(t *testing.T, name string) Tree {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", name))); err != nil {
		t.Fatal(err)
	}
	// CopyFS skips links; put them back.
	for _, l := range []string{"var/run"} {
		if target, err := os.Readlink(filepath.Join("testdata", name, l)); err == nil {
			os.Remove(filepath.Join(dir, l))
			if err := os.Symlink(target, filepath.Join(dir, l)); err != nil {
				t.Fatal(err)
			}
		}
	}
	owners := map[string][2]uint32{}
	f, err := os.Open("testdata/modes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		if len(w) < 5 || w[0] != name {
			continue
		}
		p := filepath.Join(dir, w[1])
		mode, _ := strconv.ParseUint(w[2], 8, 32)
		uid, _ := strconv.ParseUint(w[3], 10, 32)
		gid, _ := strconv.ParseUint(w[4], 10, 32)
		owners[w[1]] = [2]uint32{uint32(uid), uint32(gid)}
		if len(w) > 5 && w[5] == "socket" {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("unix", p)
			if err != nil {
				t.Fatal(err)
			}
			l.(*net.UnixListener).SetUnlinkOnClose(false)
			l.Close()
		}
		if err := os.Chmod(p, fs.FileMode(mode)); err != nil {
			t.Fatal(err)
		}
	}
	tree, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	return ownedTree{tree, owners}
}

// view is what the golden files pin of a finding; the check's own fields
// are compared with Checks() in checkFindings.
type view struct {
	CheckID     string             `json:"checkID"`
	Severity    string             `json:"severity"`
	File        string             `json:"file"`
	StartLine   int                `json:"startLine,omitempty"`
	Resource    misconfig.Resource `json:"resource,omitzero"`
	Message     string             `json:"message"`
	Suppression string             `json:"suppression,omitempty"`
}

type goldenResult struct {
	Findings []view              `json:"findings"`
	Warnings []misconfig.Warning `json:"warnings"`
}

func views(fs []misconfig.Finding) []view {
	out := []view{}
	for _, f := range fs {
		out = append(out, view{f.CheckID, f.Severity, f.File, f.StartLine, f.Resource, f.Message, f.Suppression})
	}
	return out
}

// checkFindings verifies that every finding carries its check.
func checkFindings(t *testing.T, fs []misconfig.Finding) {
	t.Helper()
	checks := map[string]misconfig.Check{}
	for _, c := range Checks() {
		checks[c.ID] = c
	}
	for _, f := range fs {
		c, ok := checks[f.CheckID]
		switch {
		case !ok:
			t.Errorf("finding of unknown check %q", f.CheckID)
		case f.Title != c.Title || f.Severity != c.Severity || f.Rationale != c.Rationale || f.Fix != c.Fix ||
			f.Target != c.Target || f.Level != c.Level || f.Assessment != c.Assessment || !slices.Equal(f.References, c.References):
			t.Errorf("%s: finding does not carry its check's fields", f.CheckID)
		case f.Message == "" || f.File == "" || strings.HasPrefix(f.File, "/"):
			t.Errorf("%s: bad place or message: %+v", f.CheckID, f)
		}
	}
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"hardened", "careless"} {
		t.Run(name, func(t *testing.T) {
			res, err := Scan(context.Background(), hostTree(t, name), Options{})
			if err != nil {
				t.Fatal(err)
			}
			all := append(slices.Clone(res.Findings), res.Suppressed...)
			checkFindings(t, all)
			warnings := res.Warnings
			if warnings == nil {
				warnings = []misconfig.Warning{}
			}
			golden.CheckJSON(t, filepath.Join("golden", name+".json"), goldenResult{views(all), warnings}, *update)
			if name == "hardened" && len(res.Findings) > 0 {
				// A host set up as the benchmark says fails only
				// the checks it cannot pass by configuration.
				for _, f := range res.Findings {
					t.Errorf("hardened: %s %s", f.CheckID, f.Message)
				}
			}
		})
	}
}

// TestCarelessCoverage: the careless tree fails every check but those
// only a different tree can show (a non-root-owned key is 022, not 024),
// and 2.1, which only docker info shows.
// Section 5 reads containers, not the tree: see section5_test.go.
func TestCarelessCoverage(t *testing.T) {
	res, err := Scan(context.Background(), hostTree(t, "careless"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range append(res.Findings, res.Suppressed...) {
		got[f.CheckID] = true
	}
	for _, c := range Checks() {
		// BW-HOST-051 needs the running daemon's docker info.
		if !got[c.ID] && !strings.HasPrefix(c.References[0], cis+"5.") && c.ID != checkRootless.ID {
			t.Errorf("%s (%s) not raised by testdata/careless", c.ID, c.Title)
		}
	}
	if len(res.Suppressed) != 1 || res.Suppressed[0].CheckID != "BW-HOST-001" || !strings.Contains(res.Suppressed[0].Suppression, "only disk") {
		t.Errorf("suppressed: %+v", views(res.Suppressed))
	}
}

func TestSkipChecks(t *testing.T) {
	res, err := Scan(context.Background(), hostTree(t, "careless"), Options{SkipChecks: map[string]bool{"BW-HOST-010": true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.CheckID == "BW-HOST-010" {
			t.Fatal("skipped check reported")
		}
	}
}

func TestChecks(t *testing.T) {
	cs := Checks()
	if err := misconfig.Validate(cs); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Level == 0 || !slices.ContainsFunc(c.References, func(r string) bool { return strings.HasPrefix(r, cis) }) {
			t.Errorf("%s: no CIS level or reference", c.ID)
		}
	}
}

// write puts files into a fresh tree: name → content; a content starting
// with "->" makes a symbolic link to the rest.
func write(t *testing.T, files map[string]string) *DirTree {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target, ok := strings.CutPrefix(content, "->"); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	tree, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tree.Close() })
	return tree
}

// TestBadInput: files the audit cannot use are warnings, never a crash.
func TestBadInput(t *testing.T) {
	unit := "[Service]\nExecStart=/usr/bin/dockerd\n"
	tests := []struct {
		name    string
		files   map[string]string
		opts    Options
		warning string
	}{
		{"invalid JSON", map[string]string{"etc/docker/daemon.json": `{"icc": fal`}, Options{}, "not valid JSON"},
		{"not an object", map[string]string{"etc/docker/daemon.json": `[1, 2]`}, Options{}, "not valid JSON"},
		{"huge", map[string]string{"etc/docker/daemon.json": `{"icc": false, "x": "` + strings.Repeat("a", 2000) + `"}`}, Options{MaxFileSize: 1000}, "file too large"},
		{"link out of the root", map[string]string{
			"lib/systemd/system/docker.service": unit,
			"etc/docker/daemon.json":            "->../../../../../../etc/passwd",
		}, Options{}, "outside the root"},
		{"folder for a file", map[string]string{
			"lib/systemd/system/docker.service": unit,
			"etc/docker/daemon.json/x":          "{}",
		}, Options{}, "not a regular file"},
		{"bad quote", map[string]string{"lib/systemd/system/docker.service": "[Service]\nExecStart=/usr/bin/dockerd \"-H\n"}, Options{}, "unterminated quote"},
		{"nothing", map[string]string{"etc/hostname": "x\n"}, Options{}, "no Docker installation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Scan(context.Background(), write(t, tc.files), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, w := range res.Warnings {
				found = found || strings.Contains(w.Message, tc.warning)
			}
			if !found {
				t.Errorf("no warning %q: %+v", tc.warning, res.Warnings)
			}
		})
	}
}

// TestAbsoluteLinks: a mounted host's absolute links point into the tree.
func TestAbsoluteLinks(t *testing.T) {
	tree := write(t, map[string]string{
		"etc/docker/daemon.json": "->/srv/docker/daemon.json",
		"srv/docker/daemon.json": `{"icc": false}`,
	})
	data, err := tree.ReadFile("etc/docker/daemon.json", 100)
	if err != nil || string(data) != `{"icc": false}` {
		t.Fatalf("%q, %v", data, err)
	}
	info, err := tree.Stat("etc/docker/daemon.json")
	if err != nil || !info.Mode.IsRegular() || info.UID != uint32(os.Getuid()) {
		t.Errorf("%+v, %v", info, err)
	}
}

// TestDaemon: options from daemon.json, the command line and the
// environment files it names, each with its place.
func TestDaemon(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		check string
		file  string
		line  int
		msg   string // "" means the check must not fire
	}{
		{"icc default", map[string]string{"etc/docker/daemon.json": "{}"}, "BW-HOST-005", "etc/docker/daemon.json", 0, "icc is not set"},
		{"icc flag", map[string]string{"lib/systemd/system/docker.service": "[Service]\nExecStart=/usr/bin/dockerd --icc=false\n"}, "BW-HOST-005", "", 0, ""},
		{"icc drop-in reset", map[string]string{
			"lib/systemd/system/docker.service":                 "[Service]\nExecStart=/usr/bin/dockerd --icc=false\n",
			"etc/systemd/system/docker.service.d/override.conf": "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd://\n",
		}, "BW-HOST-005", "etc/docker/daemon.json", 0, "icc is not set"},
		{"tcp short flag", map[string]string{"lib/systemd/system/docker.service": "[Service]\nExecStart=/usr/bin/dockerd -Htcp://0.0.0.0:2375\n"}, "BW-HOST-010", "lib/systemd/system/docker.service", 2, "listens on tcp://0.0.0.0:2375 with no tlsverify"},
		{"tcp tlsverify", map[string]string{"lib/systemd/system/docker.service": "[Service]\nExecStart=/usr/bin/dockerd -H tcp://0.0.0.0:2376 --tlsverify\n"}, "BW-HOST-010", "", 0, ""},
		{"tcp from env", map[string]string{
			"lib/systemd/system/docker.service": "[Service]\nEnvironment=\"OPTS=-H 0.0.0.0:2375\"\nExecStart=/usr/bin/dockerd $OPTS\n",
		}, "BW-HOST-010", "lib/systemd/system/docker.service", 2, "listens on 0.0.0.0:2375"},
		{"log level json line", map[string]string{"etc/docker/daemon.json": "{\n  \"icc\": false,\n  \"log-level\": \"warn\"\n}"}, "BW-HOST-006", "etc/docker/daemon.json", 3, `log-level is "warn"`},
		{"loopback registry", map[string]string{"etc/docker/daemon.json": `{"insecure-registries": ["127.0.0.0/8"]}`}, "BW-HOST-008", "", 0, ""},
		{"journald", map[string]string{"etc/docker/daemon.json": `{"log-driver": "journald"}`}, "BW-HOST-016", "", 0, ""},
		{"socket unit default mode", map[string]string{
			"lib/systemd/system/docker.service": "[Service]\nExecStart=/usr/bin/dockerd -H fd://\n",
			"lib/systemd/system/docker.socket":  "[Socket]\nListenStream=/run/docker.sock\n",
		}, "BW-HOST-025", "lib/systemd/system/docker.socket", 0, "SocketMode is not set"},
		{"socket unit 0660", map[string]string{
			"lib/systemd/system/docker.service": "[Service]\nExecStart=/usr/bin/dockerd -H fd://\n",
			"lib/systemd/system/docker.socket":  "[Socket]\nListenStream=/run/docker.sock\nSocketMode=0660\nSocketGroup=docker\n",
		}, "BW-HOST-025", "", 0, ""},
		{"partition via mount unit", map[string]string{
			"etc/docker/daemon.json":                  "{}",
			"etc/systemd/system/var-lib-docker.mount": "[Mount]\nWhat=/dev/sdb1\nWhere=/var/lib/docker\n",
		}, "BW-HOST-001", "", 0, ""},
		{"partition data-root", map[string]string{
			"etc/docker/daemon.json": `{"data-root": "/srv/docker"}`,
			"etc/fstab":              "/dev/sdb1 /var/lib/docker ext4 defaults 0 2\n",
		}, "BW-HOST-001", "etc/fstab", 0, "mounts /srv/docker"},
		{"audit dir watch covers", map[string]string{
			"etc/docker/daemon.json":         "{}",
			"etc/audit/rules.d/docker.rules": "-w /etc/docker -k docker\n",
		}, "BW-HOST-004", "", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Scan(context.Background(), write(t, tc.files), Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkFindings(t, res.Findings)
			var hit *misconfig.Finding
			for i, f := range res.Findings {
				if f.CheckID == tc.check {
					hit = &res.Findings[i]
					break
				}
			}
			switch {
			case tc.msg == "" && hit != nil:
				t.Errorf("%s raised: %s", tc.check, hit.Message)
			case tc.msg != "" && hit == nil:
				t.Errorf("%s not raised; got %v (warnings %v)", tc.check, views(res.Findings), res.Warnings)
			case hit != nil && (hit.File != tc.file || hit.StartLine != tc.line || !strings.Contains(hit.Message, tc.msg)):
				t.Errorf("got %s:%d %q, want %s:%d %q", hit.File, hit.StartLine, hit.Message, tc.file, tc.line, tc.msg)
			}
		})
	}
}

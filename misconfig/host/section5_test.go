package host

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// carelessContainer fails every section 5 check but 5.29 (it is on the
// host's network, not docker0). Built in Go: a privileged container cannot
// be started in the test sandbox (docs/host.md), so 5.5 is covered here.
func carelessContainer() *Container {
	c := &Container{ID: "0123456789abcdef0123", Name: "/careless", AppArmorProfile: "unconfined"}
	c.Config.Image = "app:1"
	c.State.Running = true
	h := &c.HostConfig
	h.Privileged = true
	h.CapAdd = []string{"CHOWN", "NET_ADMIN", "CAP_SYS_ADMIN"}
	h.SecurityOpt = []string{"label=disable", "seccomp:unconfined", "apparmor=unconfined"}
	h.NetworkMode, h.PidMode, h.IpcMode, h.UTSMode, h.UsernsMode = "host", "host", "host", "host", "host"
	h.RestartPolicy.Name = "always"
	h.PortBindings = map[string][]struct{ HostIP, HostPort string }{"80/tcp": {{HostPort: "80"}}}
	h.Devices = []struct{ PathOnHost, PathInContainer string }{{"/dev/sda", "/dev/sda"}}
	h.Ulimits = []struct {
		Name       string
		Soft, Hard int64
	}{{"nofile", 10, 10}}
	type mount = struct {
		Type, Source, Destination, Propagation string
		RW                                     bool
	}
	c.Mounts = []mount{
		{"bind", "/etc", "/host/etc", "rprivate", false},
		{"bind", "/run/docker.sock", "/var/run/docker.sock", "rprivate", true},
		{"bind", "/srv/data", "/data", "rshared", true},
	}
	return c
}

// carefulContainer passes every section 5 check.
func carefulContainer() *Container {
	c := &Container{ID: "fedcba9876543210", Name: "/careful"}
	c.Config.Image = "app:1"
	c.Config.Healthcheck = &struct{ Test []string }{[]string{"CMD", "/app", "-health"}}
	h := &c.HostConfig
	h.CapAdd = []string{"NET_BIND_SERVICE"}
	h.SecurityOpt = []string{"no-new-privileges"}
	h.NetworkMode, h.ReadonlyRootfs = "app-net", true
	h.Memory, h.NanoCPUs = 64<<20, 5e8
	pids := int64(50)
	h.PidsLimit = &pids
	h.RestartPolicy.Name, h.RestartPolicy.MaximumRetryCount = "on-failure", 5
	h.PortBindings = map[string][]struct{ HostIP, HostPort string }{"8080/tcp": {{"127.0.0.1", "8080"}}}
	c.Mounts = append(c.Mounts, struct {
		Type, Source, Destination, Propagation string
		RW                                     bool
	}{"bind", "/etc/localtime", "/etc/localtime", "rprivate", false})
	return c
}

// containerFindings audits containers under the daemon of a tree, and
// returns the IDs of the container findings by resource name.
func containerFindings(t *testing.T, tree string, cs ...*Container) map[string][]string {
	t.Helper()
	res, err := Scan(context.Background(), hostTree(t, tree), Options{Containers: cs})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range res.Findings {
		if f.Resource.Kind != "container" {
			continue
		}
		got[f.Resource.Name] = append(got[f.Resource.Name], f.CheckID)
		if f.File == "" || f.Level == 0 || !strings.Contains(f.Message, f.File) {
			t.Errorf("%s: resource %+v, file %q, level %d", f.CheckID, f.Resource, f.File, f.Level)
		}
	}
	return got
}

func TestContainerChecks(t *testing.T) {
	bridged := carefulContainer()
	bridged.ID, bridged.Name, bridged.HostConfig.NetworkMode = "aaaaaaaaaaaaaaaa", "/bridged", "default"
	got := containerFindings(t, "careless", carelessContainer(), carefulContainer(), bridged)
	if ids := got["careful (fedcba987654, app:1)"]; len(ids) != 0 {
		t.Errorf("careful: %v", ids)
	}
	if ids := got["bridged (aaaaaaaaaaaa, app:1)"]; !slices.Equal(ids, []string{"BW-HOST-048"}) {
		t.Errorf("bridged: %v", ids)
	}
	careless := got["careless (0123456789ab, app:1)"]
	for _, c := range Checks() {
		if strings.HasPrefix(c.References[0], cis+"5.") && c.ID != checkDefaultBridge.ID && !slices.Contains(careless, c.ID) {
			t.Errorf("careless: %s (%s) not raised", c.ID, c.Title)
		}
	}
}

// TestContainerNoNewPrivsFromDaemon: the hardened tree's daemon.json sets
// no-new-privileges, so a container without it in SecurityOpt passes 5.25
// there, not under the careless daemon.
func TestContainerNoNewPrivsFromDaemon(t *testing.T) {
	c := carefulContainer()
	c.HostConfig.SecurityOpt = nil
	const name = "careful (fedcba987654, app:1)"
	if ids := containerFindings(t, "hardened", c)[name]; len(ids) != 0 {
		t.Errorf("hardened daemon: %v", ids)
	}
	if ids := containerFindings(t, "careless", c)[name]; !slices.Equal(ids, []string{checkContainerNoNewPrivs.ID}) {
		t.Errorf("careless daemon: %v", ids)
	}
}

package host

import (
	"context"
	"strings"
	"testing"
)

// TestInfoWins: the careless tree, audited with the docker info of a
// rootless, live-restoring daemon with an authorization plugin and remote
// logs (the SecurityOptions as dockerd 20.10 and 24 write them).
func TestInfoWins(t *testing.T) {
	info, err := DecodeInfo(strings.NewReader(`{"SecurityOptions":["name=seccomp,profile=builtin","name=rootless","name=no-new-privileges"],
		"LiveRestoreEnabled":true,"LoggingDriver":"syslog","Plugins":{"Authorization":["opa-docker-authz"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Scan(context.Background(), hostTree(t, "careless"), Options{Info: info})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range append(res.Findings, res.Suppressed...) {
		got[f.CheckID] = f.Message
	}
	for _, id := range []string{"BW-HOST-012", "BW-HOST-015", "BW-HOST-016", "BW-HOST-017", "BW-HOST-018", "BW-HOST-020", "BW-HOST-051"} {
		if msg, ok := got[id]; ok {
			t.Errorf("%s raised although docker info says otherwise: %s", id, msg)
		}
	}
	// icc is not in docker info: the careless daemon.json still decides.
	if _, ok := got["BW-HOST-005"]; !ok {
		t.Error("icc: not raised")
	}

	info.SecurityOptions = []string{"name=seccomp,profile=unconfined"}
	res, err = Scan(context.Background(), hostTree(t, "hardened"), Options{Info: info})
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]string{}
	for _, f := range res.Findings {
		got[f.CheckID] = f.Message
	}
	if msg := got["BW-HOST-020"]; !strings.Contains(msg, "unconfined in the running daemon (docker info)") {
		t.Errorf("seccomp: %q", msg)
	}
	if msg := got["BW-HOST-051"]; !strings.Contains(msg, "runs as root") {
		t.Errorf("rootless: %q", msg)
	}
	if msg := got["BW-HOST-012"]; !strings.Contains(msg, "docker info wins over the files") {
		t.Errorf("userns: %q", msg)
	}
}

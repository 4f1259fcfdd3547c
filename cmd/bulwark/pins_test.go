package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
)

// config --check-pins asks the registry; without it nothing is asked.
func TestConfigCheckPins(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	pushed := func(marker string) string {
		l, err := testimage.Layer([]testimage.File{{Path: "VERSION", Body: []byte(marker)}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := testimage.Image(l)
		if err != nil {
			t.Fatal(err)
		}
		return testregistry.Push(t, host+"/base:1", img).String()
	}
	old := pushed("1.0")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM "+host+"/base:1@"+old+"\nUSER 10001\nHEALTHCHECK CMD true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	now := pushed("1.1")
	code, out, errOut := bulwark(t, "config", "--check-pins", "--format", "json", "--exit-code", "1", dir)
	if code != 1 || !strings.Contains(out, `"checkID": "BW-PIN-001"`) || !strings.Contains(out, "now points to "+now) {
		t.Errorf("--check-pins: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, _ := bulwark(t, "config", "--format", "json", dir); code != 0 || strings.Contains(out, "BW-PIN-001") {
		t.Errorf("offline: exit %d\n%s", code, out)
	}
}

package pins_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/internal/testimage"
	"github.com/bulwark-sec/bulwark/internal/testregistry"
	"github.com/bulwark-sec/bulwark/misconfig"
	"github.com/bulwark-sec/bulwark/misconfig/audit"
	"github.com/bulwark-sec/bulwark/misconfig/pins"
)

func build(t *testing.T, arch, marker string) v1.Image {
	t.Helper()
	l, err := testimage.Layer([]testimage.File{{Path: "app/VERSION", Body: []byte(marker + "\n")}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := testimage.ImageFor("linux", arch, l)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func pinFindings(t *testing.T, dir string, checker audit.PinChecker) ([]string, []misconfig.Warning) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := audit.Path(ctx, dir, audit.Options{Pins: checker})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range res.Findings {
		if f.CheckID == "BW-PIN-001" {
			out = append(out, fmt.Sprintf("%s:%d %s %s", f.File, f.StartLine, f.Resource, f.Message))
		}
	}
	return out, res.Warnings
}

func write(t *testing.T, dir, file, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A tag pushed again after a file pinned it is reported in a Dockerfile,
// a Compose file and a manifest, with both digests; a pin that still fits,
// a pin of one platform in the tag's index, and a reference without a tag
// are not; an unknown tag is a warning.
func TestMovedTag(t *testing.T) {
	host := testregistry.Start(t, testregistry.Options{})
	v1d := testregistry.Push(t, host+"/app:1", build(t, "amd64", "v1")).String()
	steady := testregistry.Push(t, host+"/steady:2", build(t, "amd64", "steady")).String()
	arm := build(t, "arm64", "multi")
	idx, err := testimage.Index(build(t, "amd64", "multi"), arm)
	if err != nil {
		t.Fatal(err)
	}
	ir, _ := name.ParseReference(host + "/multi:3")
	if err := remote.WriteIndex(ir, idx); err != nil {
		t.Fatal(err)
	}
	armDigest, _ := arm.Digest()

	dir := t.TempDir()
	write(t, dir, "Dockerfile", "FROM "+host+"/app:1@"+v1d+" AS build\nRUN true\nFROM "+host+"/steady:2@"+steady+"\nCOPY --from=build /app /app\nUSER 10001\n")
	write(t, dir, "compose.yaml", "services:\n  web:\n    image: "+host+"/app:1@"+v1d+"\n  arm:\n    image: "+host+"/multi:3@"+armDigest.String()+"\n  gone:\n    image: "+host+"/app:nope@"+v1d+"\n")
	write(t, dir, "deploy.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers:\n    - name: c\n      image: "+host+"/app:1@"+v1d+"\n    - name: untagged\n      image: "+host+"/app@"+v1d+"\n")

	checker := &pins.Checker{Remote: image.Options{}.RemoteOptions}
	got, warnings := pinFindings(t, dir, checker)
	if len(got) != 0 {
		t.Errorf("findings before the tag moved: %v", got)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0].Message, "BW-PIN-001: "+host+"/app:nope@"+v1d+": the pin was not checked") {
		t.Errorf("warnings = %+v", warnings)
	}

	v2d := testregistry.Push(t, host+"/app:1", build(t, "amd64", "v2")).String()
	got, _ = pinFindings(t, dir, checker)
	moved := host + "/app:1 is pinned to " + v1d + ", but the registry's tag now points to " + v2d
	want := []string{
		"Dockerfile:1 [build] " + moved,
		"compose.yaml:3 service/web " + moved,
		"deploy.yaml:9 Pod/shop/p[c] " + moved,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Offline by default: no registry is asked, nothing is reported.
	if got, _ := pinFindings(t, dir, nil); len(got) != 0 {
		t.Errorf("findings without --check-pins: %v", got)
	}
}

func TestCatalog(t *testing.T) {
	if err := misconfig.Validate(pins.Checks()); err != nil {
		t.Error(err)
	}
}

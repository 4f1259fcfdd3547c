package scan

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/report"
	"github.com/bulwark-sec/bulwark/result"

	"github.com/bulwark-sec/bulwark/image"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fileLayer(p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{zr, f}, nil
	}
}

func bytesLayer(t *testing.T, files map[string]string) func() (io.ReadCloser, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil }
}

var fixedTime = func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }

// TestDebianImage scans the real two-layer Debian fixture (see
// testdata/images/make.sh) and compares the whole report with a golden
// file: packages, their introducing layers, purls, licenses from the
// copyright files, and the OS.
func TestDebianImage(t *testing.T) {
	src := &image.Source{
		Artifact: result.Artifact{Name: "fixture:debian", Kind: result.KindDockerArchive},
		Layers: []image.Layer{
			{Layer: inventory.Layer{DiffID: "sha256:layer0"}, Open: fileLayer("../testdata/images/layer0.tar.gz")},
			{Layer: inventory.Layer{DiffID: "sha256:layer1"}, Open: fileLayer("../testdata/images/layer1.tar.gz")},
		},
	}
	r, err := Run(context.Background(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Inventory.OS == nil || r.Inventory.OS.Family != "debian" || r.Inventory.OS.Version != "12" || r.Inventory.OS.Distroless {
		t.Errorf("os = %+v", r.Inventory.OS)
	}
	byName := map[string]inventory.Package{}
	for _, p := range r.Inventory.Packages {
		byName[p.Name] = p
	}
	if p := byName["ca-certificates"]; p.Layer != 1 || len(p.Licenses) == 0 {
		t.Errorf("ca-certificates = %+v, want layer 1 with licenses", p)
	}
	if p := byName["base-files"]; p.Layer != 0 || p.PURL != "pkg:deb/debian/base-files@12.4%2Bdeb12u15?arch=amd64&distro=debian-12" {
		t.Errorf("base-files = %+v", p)
	}
	golden.CheckJSON(t, "debian.golden.json", asReport(r), *update)
}

// TestDistroless checks a distroless-style image: no status file, one
// stanza per package in status.d (real Debian control stanzas).
func TestDistroless(t *testing.T) {
	files := map[string]string{}
	for _, n := range []string{"base-files", "libc6", "libssl3"} {
		data, err := os.ReadFile(filepath.Join("..", "extract", "dpkg", "testdata", "status.d", n))
		if err != nil {
			t.Fatal(err)
		}
		files["var/lib/dpkg/status.d/"+n] = string(data)
	}
	osr, err := os.ReadFile("../extract/osrelease/testdata/distroless-os-release")
	if err != nil {
		t.Fatal(err)
	}
	files["etc/os-release"] = string(osr)
	src := &image.Source{Layers: []image.Layer{{Open: bytesLayer(t, files)}}}
	r, err := Run(context.Background(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Inventory.OS == nil || !r.Inventory.OS.Distroless {
		t.Errorf("os = %+v, want distroless", r.Inventory.OS)
	}
	if len(r.Inventory.Packages) != 3 {
		t.Fatalf("got %d packages, want 3", len(r.Inventory.Packages))
	}
	if p := r.Inventory.Packages[1]; p.Name != "libc6" || p.SourceName != "glibc" || p.Location != "var/lib/dpkg/status.d/libc6" {
		t.Errorf("libc6 = %+v", p)
	}
}

func TestWarningsKeepLayer(t *testing.T) {
	src := &image.Source{Layers: []image.Layer{
		{Open: bytesLayer(t, map[string]string{"etc/os-release": "ID=debian\n"})},
		{Open: bytesLayer(t, map[string]string{"var/lib/dpkg/status": "garbage without stanzas"})},
	}}
	r, err := Run(context.Background(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || r.Warnings[0].Layer != 1 || r.Warnings[0].Path != "var/lib/dpkg/status" {
		t.Errorf("warnings = %+v", r.Warnings)
	}
}

func TestDedupe(t *testing.T) {
	pkg := func(typ, name, version, loc, dep string) inventory.Package {
		return inventory.Package{Type: typ, Name: name, Version: version, Location: loc, Dependency: dep}
	}
	in := []inventory.Package{
		pkg("npm", "lodash", "4.17.20", "app/package-lock.json", "direct"),
		pkg("npm", "lodash", "4.17.20", "app/node_modules/lodash/package.json", ""),
		pkg("npm", "lodash", "4.17.20", "app/node_modules/a/node_modules/lodash/package.json", ""),
		pkg("npm", "lodash", "4.17.21", "app/package-lock.json", "transitive"),
		pkg("npm", "lodash", "4.17.20", "other/package-lock.json", "direct"),
		pkg("gem", "rack", "2.2.3", "srv/Gemfile.lock", "direct"),
		pkg("gem", "rack", "2.2.3", "srv/vendor/bundle/ruby/3.1.0/specifications/rack-2.2.3.gemspec", ""),
		pkg("deb", "libc6", "2.36", "var/lib/dpkg/status", ""),
		pkg("deb", "libc6", "2.36", "var/lib/dpkg/status", ""),
		// Locked but not installed beside an installed tree: not shipped.
		pkg("npm", "fsevents", "2.3.3", "app/package-lock.json", "transitive"),
		// A lockfile with no installed tree beside it stays.
		pkg("npm", "fsevents", "2.3.3", "src/package-lock.json", "transitive"),
		pkg("npm", "left-pad", "1.3.0", "node_modules/left-pad/package.json", ""),
		// Two Go programs in one folder (and one below it) linking the same
		// module are three installs; the go.mod beside them folds into one.
		pkg("golang", "golang.org/x/text", "v0.3.7", "usr/local/bin/go.mod", "direct"),
		pkg("golang", "golang.org/x/text", "v0.3.7", "usr/local/bin/age", ""),
		pkg("golang", "golang.org/x/text", "v0.3.7", "usr/local/bin/hey", ""),
		pkg("golang", "golang.org/x/text", "v0.3.7", "usr/local/bin/sub/kind", ""),
		// So are two Rust programs (cargo-auditable) and two fat jars
		// bundling the same library, while the Cargo.lock and pom.xml
		// beside them fold into them.
		pkg("cargo", "regex", "1.5.4", "usr/bin/Cargo.lock", "direct"),
		pkg("cargo", "regex", "1.5.4", "usr/bin/rg", ""),
		pkg("cargo", "regex", "1.5.4", "usr/bin/fd", ""),
		pkg("maven", "org.yaml:snakeyaml", "1.33", "opt/pom.xml", "direct"),
		pkg("maven", "org.yaml:snakeyaml", "1.33", "opt/a.jar", ""),
		pkg("maven", "org.yaml:snakeyaml", "1.33", "opt/b.jar", ""),
	}
	var got []string
	for _, p := range dedupe(in) {
		got = append(got, p.Name+" "+p.Version+" "+p.Location+" "+p.Dependency)
	}
	want := []string{
		"lodash 4.17.20 app/node_modules/lodash/package.json direct",
		"lodash 4.17.20 app/node_modules/a/node_modules/lodash/package.json ",

		"lodash 4.17.20 other/package-lock.json direct",
		"rack 2.2.3 srv/vendor/bundle/ruby/3.1.0/specifications/rack-2.2.3.gemspec direct",
		"libc6 2.36 var/lib/dpkg/status ",
		"libc6 2.36 var/lib/dpkg/status ",
		"fsevents 2.3.3 src/package-lock.json transitive",
		"left-pad 1.3.0 node_modules/left-pad/package.json ",
		"golang.org/x/text v0.3.7 usr/local/bin/age ",
		"golang.org/x/text v0.3.7 usr/local/bin/hey direct",
		"golang.org/x/text v0.3.7 usr/local/bin/sub/kind ",
		"regex 1.5.4 usr/bin/rg ",
		"regex 1.5.4 usr/bin/fd direct",
		"org.yaml:snakeyaml 1.33 opt/a.jar ",
		"org.yaml:snakeyaml 1.33 opt/b.jar direct",
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// asReport stamps a scan's result as the report the golden files hold.
func asReport(r *Result) *report.Report {
	return &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          result.Tool{Name: "bulwark", Version: "test"},
		CreatedAt:     fixedTime(),
		Artifact:      r.Artifact,
		Inventory:     r.Inventory,
		Secrets:       r.Secrets,
		Warnings:      r.Warnings,
	}
}

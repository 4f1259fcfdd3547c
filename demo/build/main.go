// Command build writes Bulwark's demo image, demo/image.tar, and the slice
// of real advisory records a scan of it needs, demo/db. demo/build.sh
// fetches its inputs (Debian packages, the Go program's dependencies, a
// Cargo.lock) and runs it; see demo/README.md.
//
//	build -debs DIR -go-binary FILE -flux DIR [-corpus DIR] [-out demo]
//
// The image is a docker-archive whose layers follow app/Dockerfile, one per
// RUN, COPY and ADD, holding the files those steps would have left: real
// Debian packages and their dpkg database, a Go binary, a Cargo.lock, and
// the planted mistakes. Entries are sorted and timestamps fixed, so the same
// inputs give the same bytes.
package main

import (
	"bytes"
	"debug/buildinfo"
	"embed"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

//go:embed all:app files
var assets embed.FS

// basePackages stand in for the debian:latest base image; the other .debs
// are what the Dockerfile's apt-get step installs.
var basePackages = map[string]bool{"base-files": true, "netbase": true, "zlib1g": true}

func main() {
	debDir := flag.String("debs", "", "`folder` of the .deb files to install")
	goBinary := flag.String("go-binary", "", "the demo-server `binary` built from gobin/")
	flux := flag.String("flux", "", "`folder` of the github.com/influxdata/flux module (for libflux/Cargo.lock)")
	corpus := flag.String("corpus", "", "corpus `folder` with SOURCES.md and osv/*.zip; empty: leave demo/db as it is")
	out := flag.String("out", "demo", "output `folder`")
	tag := flag.String("tag", "bulwark-demo:1", "image tag")
	flag.Parse()
	if *debDir == "" || *goBinary == "" || *flux == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*debDir, *goBinary, *flux, *corpus, *out, *tag); err != nil {
		log.Fatalf("demo/build: %v", err)
	}
}

func run(debDir, goBinary, flux, corpus, out, tag string) error {
	files, err := filepath.Glob(filepath.Join(debDir, "*.deb"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	var base, apt []*deb
	for _, f := range files {
		d, err := readDeb(f)
		if err != nil {
			return err
		}
		if basePackages[d.name()] {
			base = append(base, d)
		} else {
			apt = append(apt, d)
		}
	}
	if len(base) != len(basePackages) || len(apt) == 0 {
		return fmt.Errorf("%s: want the base packages %v and the apt-get ones", debDir, basePackages)
	}
	binary, err := os.ReadFile(goBinary)
	if err != nil {
		return err
	}
	cargoLock, err := os.ReadFile(filepath.Join(flux, "libflux", "Cargo.lock"))
	if err != nil {
		return err
	}
	cargoToml, err := os.ReadFile(filepath.Join(flux, "libflux", "Cargo.toml"))
	if err != nil {
		return err
	}
	fluxLicense, err := os.ReadFile(filepath.Join(flux, "LICENSE"))
	if err != nil {
		return err
	}
	asset := func(p string) []byte {
		b, err := assets.ReadFile(p)
		if err != nil {
			panic(err) // embedded: cannot fail for the names below
		}
		return b
	}

	// The files each layer-making step of app/Dockerfile leaves, in order,
	// with the start of the instruction they belong to.
	layers := []struct {
		instruction string
		entries     []entry
	}{
		{"RUN apt-get update", append(debFiles(apt), dpkgDB(append(append([]*deb{}, base...), apt...), apt)...)},
		{"ADD https://", []entry{file("usr/local/bin/healthcheck.sh", 0o600, asset("files/healthcheck.sh"))}},
		{"RUN curl", []entry{file("usr/local/bin/demo-agent", 0o755, asset("files/demo-agent"))}},
		{"COPY deploy_key", []entry{privateDir("root"), privateDir("root/.ssh"),
			file("root/.ssh/id_ed25519", 0o600, deployKey())}},
		{"RUN git clone", []entry{file("src/flux/LICENSE", 0o644, fluxLicense),
			file("src/flux/libflux/Cargo.toml", 0o644, cargoToml), file("src/flux/libflux/Cargo.lock", 0o644, cargoLock)}},
		{"RUN rm /root/.ssh/id_ed25519", []entry{privateDir("root"), privateDir("root/.ssh"),
			whiteout("root/.ssh/id_ed25519")}},
		{"COPY demo-server", []entry{file("app/bin/demo-server", 0o755, binary)}},
		{"COPY . /app", []entry{file("app/Dockerfile", 0o644, asset("app/Dockerfile")), file("app/.dockerignore", 0o644, asset("app/.dockerignore")),
			file("app/config.yaml", 0o644, asset("app/config.yaml")), file("app/deploy/k8s.yaml", 0o644, asset("app/deploy/k8s.yaml")),
			file("app/.env", 0o600, dotEnv())}},
	}

	cfg := v1.Config{Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, Cmd: []string{"bash"}}
	steps, err := applyDockerfile(asset("app/Dockerfile"), &cfg)
	if err != nil {
		return fmt.Errorf("app/Dockerfile: %w", err)
	}
	history := []v1.History{{
		Created:   v1.Time{Time: epoch},
		CreatedBy: "# stands in for debian:latest: base-files, netbase and zlib1g of Debian 12 and their dpkg database, put together by bulwark demo/build",
	}}
	img, err := appendLayer(empty.Image, append(debFiles(base), dpkgDB(base, base)...))
	if err != nil {
		return err
	}
	next := 0
	for _, s := range steps {
		history = append(history, s.history)
		if !s.layer {
			continue
		}
		if next >= len(layers) || !strings.HasPrefix(s.original, layers[next].instruction) {
			return fmt.Errorf("app/Dockerfile: %q has no layer contents in demo/build", s.original)
		}
		if img, err = appendLayer(img, layers[next].entries); err != nil {
			return fmt.Errorf("%s: %w", s.original, err)
		}
		next++
	}
	if next != len(layers) {
		return fmt.Errorf("app/Dockerfile: no step for the layer of %q", layers[next].instruction)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Created = v1.Time{Time: epoch}
	cf.Config = cfg
	cf.History = history
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	ref, err := name.NewTag(tag)
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(filepath.Join(out, "image.tar"), ref, img); err != nil {
		return err
	}

	if corpus == "" {
		log.Printf("no corpus: %s left as it is", filepath.Join(out, "db"))
		return nil
	}
	pkgs, err := imagePackages(binary, cargoLock, append(append([]*deb{}, base...), apt...))
	if err != nil {
		return err
	}
	return writeSlice(corpus, filepath.Join(out, "db"), pkgs)
}

func debFiles(debs []*deb) []entry {
	var out []entry
	for _, d := range debs {
		out = append(out, d.data...)
	}
	return out
}

func appendLayer(img v1.Image, entries []entry) (v1.Image, error) {
	data, err := layerTar(entries)
	if err != nil {
		return nil, err
	}
	l, err := gzipLayer(data)
	if err != nil {
		return nil, err
	}
	return mutate.AppendLayers(img, l)
}

// imagePackages lists, per OSV ecosystem, the names of the image's
// packages the slice looks up: the Go binary's modules and its standard
// library, the Python distributions, the crates of the Cargo.lock. They
// are read from the inputs, not by Bulwark, so that the test comparing
// Bulwark's findings with the slice checks something.
func imagePackages(binary, cargoLock []byte, debs []*deb) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{"Go": {}, "PyPI": {}, "crates.io": {}}
	bi, err := buildinfo.Read(bytes.NewReader(binary))
	if err != nil {
		return nil, err
	}
	out["Go"]["stdlib"] = true
	out["Go"][bi.Main.Path] = true
	for _, m := range bi.Deps {
		out["Go"][m.Path] = true
	}
	for _, n := range pythonNames(debs) {
		out["PyPI"][normalize("PyPI", n)] = true
	}
	var lock struct {
		Package []struct{ Name string } `toml:"package"`
	}
	if err := toml.Unmarshal(cargoLock, &lock); err != nil {
		return nil, fmt.Errorf("Cargo.lock: %w", err)
	}
	for _, p := range lock.Package {
		out["crates.io"][p.Name] = true
	}
	return out, nil
}

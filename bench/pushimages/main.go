// Command pushimages pushes N images that share base layers to a registry,
// for the scan server bench (bench/server.sh), and prints their
// references, one a line. Even-numbered images are demo/image.tar (nine
// real layers: Debian packages, Python, Rust, a Go binary) with one layer
// of their own on top; odd-numbered ones are the two real Debian layers
// of testdata/images with one of their own. Each own layer is a Python
// requirements file pinning different versions, so every image has
// findings of its own and the bases are shared.
//
//	pushimages -registry 127.0.0.1:5000 [-n 10] [-insecure] [-repo .]
package main

import (
	"flag"
	"fmt"
	"log"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/bulwark-sec/bulwark/internal/testimage"
)

func main() {
	registry := flag.String("registry", "", "registry host:port (required)")
	n := flag.Int("n", 10, "images to push")
	insecure := flag.Bool("insecure", true, "plain HTTP to the registry")
	repo := flag.String("repo", ".", "the bulwark checkout (for demo/ and testdata/)")
	flag.Parse()
	if *registry == "" || *n <= 0 {
		log.Fatal("pushimages: -registry host:port and a positive -n are required")
	}
	demo, err := tarball.ImageFromPath(filepath.Join(*repo, "demo", "image.tar"), nil)
	if err != nil {
		log.Fatalf("pushimages: demo image: %v", err)
	}
	var debian []v1.Layer
	for _, f := range []string{"layer0.tar.gz", "layer1.tar.gz"} {
		l, err := tarball.LayerFromFile(filepath.Join(*repo, "testdata", "images", f))
		if err != nil {
			log.Fatalf("pushimages: %s: %v", f, err)
		}
		debian = append(debian, l)
	}
	var opts []name.Option
	if *insecure {
		opts = append(opts, name.Insecure)
	}
	for i := range *n {
		own, err := testimage.Layer([]testimage.File{{
			Path: "app/requirements.txt",
			Body: fmt.Appendf(nil, "# bench image %d\nrequests==2.%d.0\nurllib3==1.26.%d\n", i, 20+i, i),
		}})
		if err != nil {
			log.Fatal(err)
		}
		var img v1.Image
		family := "demo"
		if i%2 == 0 {
			img, err = mutate.AppendLayers(demo, own)
		} else {
			family = "debian"
			img, err = testimage.Image(append(debian[:len(debian):len(debian)], own)...)
		}
		if err != nil {
			log.Fatal(err)
		}
		ref, err := name.NewTag(fmt.Sprintf("%s/bench/%s:%d", *registry, family, i), opts...)
		if err != nil {
			log.Fatal(err)
		}
		if err := remote.Write(ref, img); err != nil {
			log.Fatalf("pushimages: push %s: %v", ref, err)
		}
		fmt.Println(ref.String())
	}
}

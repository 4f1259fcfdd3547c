// Command mkmanifests writes a large folder of Kubernetes manifests for
// benchmarks, from real seed manifests: each output file is one seed with
// its metadata.name made unique, spread over folders of 100 files.
//
//	mkmanifests -n 10000 -o /tmp/manifests seed.yaml seeds/*.yaml
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
)

// firstName is the first "name:" under metadata: at two spaces' indent.
var firstName = regexp.MustCompile(`(?m)^(metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+name:[ \t]*)([^\s#]+)`)

func main() {
	n := flag.Int("n", 10000, "number of files")
	out := flag.String("o", "", "output folder")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		log.Fatal("usage: mkmanifests -n N -o DIR SEED...")
	}
	var seeds [][]byte
	for _, p := range flag.Args() {
		data, err := os.ReadFile(p)
		if err != nil {
			log.Fatal(err)
		}
		if firstName.Match(data) {
			seeds = append(seeds, data)
		}
	}
	if len(seeds) == 0 {
		log.Fatal("mkmanifests: no seed has a metadata.name")
	}
	for i := 0; i < *n; i++ {
		dir := filepath.Join(*out, fmt.Sprintf("team%03d", i/100))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
		seed := seeds[i%len(seeds)]
		data := firstName.ReplaceAll(seed, []byte(fmt.Sprintf("${1}${2}-%d", i)))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("m%05d.yaml", i)), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("mkmanifests: %d files from %d seeds in %s\n", *n, len(seeds), *out)
}

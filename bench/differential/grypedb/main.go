// Command grypedb builds a Grype vulnerability database (schema v6) from
// OSV records on disk, with Grype's own builder, so that Grype can be timed
// on a machine that cannot reach grype.anchore.io:
//
//	grypedb -o DIR Go.zip [more.zip ...]
//	grype db import DIR/vulnerability-db_*.tar.zst
//
// Each record becomes one entry of a vunnel-style provider workspace
// ("osv", flat files), which grype's db.Build turns into vulnerability.db;
// db.CreateArchive packages it as `grype db import` expects. Grype's OSV
// transformer takes only the record families it knows (GO-*, among those
// this corpus holds); the others are skipped with a warning, as in a real
// Grype build, where PyPI and crates.io advisories come from GitHub's
// database instead.
//
// It is a module of its own so that Grype's dependencies stay out of
// Bulwark's go.mod.
package main

import (
	"archive/zip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anchore/grype/grype/db"
	"github.com/anchore/grype/grype/db/provider"
	v6 "github.com/anchore/grype/grype/db/v6"
	v6build "github.com/anchore/grype/grype/db/v6/build"
)

const schema = "https://raw.githubusercontent.com/anchore/vunnel/main/schema/vulnerability/osv/schema-1.6.1.json"

func main() {
	out := flag.String("o", "grype-db", "output folder")
	flag.Parse()
	ws := filepath.Join(*out, "workspace", "osv")
	results := filepath.Join(ws, "results")
	if err := os.MkdirAll(results, 0o755); err != nil {
		log.Fatal(err)
	}
	var listing strings.Builder
	n := 0
	for _, zipPath := range flag.Args() {
		zr, err := zip.OpenReader(zipPath)
		if err != nil {
			log.Fatalf("grypedb: %s: %v", zipPath, err)
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, ".json") {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				log.Fatalf("grypedb: %s: %s: %v", zipPath, f.Name, err)
			}
			item, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				log.Fatalf("grypedb: %s: %s: %v", zipPath, f.Name, err)
			}
			id := strings.TrimSuffix(filepath.Base(f.Name), ".json")
			env, _ := json.Marshal(map[string]any{"schema": schema, "identifier": id, "item": json.RawMessage(item)})
			name := filepath.Join("results", id+".json")
			if err := os.WriteFile(filepath.Join(ws, name), env, 0o644); err != nil {
				log.Fatal(err)
			}
			// The build does not verify digests; the listing only names files.
			fmt.Fprintf(&listing, "%016x  %s\n", n, name)
			n++
		}
		zr.Close()
	}
	if err := os.WriteFile(filepath.Join(ws, "results", "listing.xxh64"), []byte(listing.String()), 0o644); err != nil {
		log.Fatal(err)
	}
	now := time.Now().UTC()
	state := provider.State{
		Provider: "osv", Version: 1, Processor: "grypedb", Store: "flat-file",
		Schema:    provider.Schema{Version: "1.0.0", URL: "https://raw.githubusercontent.com/anchore/vunnel/main/schema/provider-workspace-state/schema-1.0.0.json"},
		Timestamp: now,
		Listing:   &provider.File{Path: "results/listing.xxh64", Algorithm: "xxh64"},
	}
	stateFile := filepath.Join(ws, "metadata.json")
	data, _ := json.Marshal(state)
	if err := os.WriteFile(stateFile, data, 0o644); err != nil {
		log.Fatal(err)
	}
	sd, err := provider.ReadState(stateFile)
	if err != nil {
		log.Fatal(err)
	}
	build := filepath.Join(*out, "build")
	if err := os.MkdirAll(build, 0o755); err != nil {
		log.Fatal(err)
	}
	err = db.Build(db.BuildConfig{
		SchemaVersion: v6.ModelVersion, Directory: build,
		States: provider.States{*sd}, Timestamp: now, Hydrate: true,
	})
	if err != nil {
		log.Fatalf("grypedb: build: %v", err)
	}
	if err := v6build.CreateArchive(build, "tar.gz", nil); err != nil {
		log.Fatalf("grypedb: archive: %v", err)
	}
	fmt.Printf("grypedb: %d records in; archive in %s\n", n, build)
}

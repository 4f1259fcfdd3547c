// Command mkgovulndb writes Go OSV records in the Go vulnerability
// database's v1 layout (index/db.json, index/modules.json,
// index/vulns.json, ID/<id>.json, each also gzipped): the folder
// govulncheck reads with -db file:///DIR and `bulwark db import DIR`
// reads too. Its inputs are zips of records (osv.dev's Go export,
// vuln.go.dev's vulndb.zip) or folders of them (golang/vulndb's
// data/osv).
//
//	mkgovulndb -o DIR Go.zip
package main

import (
	"archive/zip"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/vulndb"
)

func main() {
	out := flag.String("o", "vulndb", "output `directory`")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("usage: mkgovulndb -o DIR ZIP|DIR...")
	}
	w, err := vulndb.NewGoVulnDBWriter(*out)
	if err != nil {
		log.Fatal(err)
	}
	n, skipped := 0, 0
	add := func(name string, raw []byte) {
		v, err := osv.Parse(raw)
		if err == nil {
			err = w.Add(raw, v)
		}
		if err != nil {
			skipped++
			log.Printf("%s: %v", name, err)
			return
		}
		n++
	}
	for _, in := range flag.Args() {
		if err := each(in, add); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d records, %d skipped\n", *out, n, skipped)
}

// each calls fn with every ID/-style record file of a zip or folder; the
// indexes of an existing layout are left out.
func each(in string, fn func(name string, raw []byte)) error {
	want := func(name string) bool {
		return strings.HasSuffix(name, ".json") && !strings.Contains(filepath.ToSlash(name), "index/")
	}
	info, err := os.Stat(in)
	if err != nil {
		return err
	}
	if info.IsDir() {
		return filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !want(p) {
				return err
			}
			raw, err := os.ReadFile(p)
			if err == nil {
				fn(p, raw)
			}
			return err
		})
	}
	zr, err := zip.OpenReader(in)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !want(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		raw, err := io.ReadAll(io.LimitReader(rc, osv.MaxRecordSize))
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", in, f.Name, err)
		}
		fn(f.Name, raw)
	}
	return nil
}

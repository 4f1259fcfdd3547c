// Command osvgen writes osv.dev-style all.zip exports of synthetic OSV
// records, for benchmarking the vulnerability database at the scale of the
// real exports when those cannot be downloaded. Each record is one of the
// real records in vulndb/testdata/records with its IDs, package names and
// versions varied, so field shapes and sizes follow real data.
//
//	osvgen -o DIR -records 'Debian=60000,npm=20000,PyPI=12000,Go=4000,Maven=6000'
package main

import (
	"archive/zip"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/osv"
)

func main() {
	out := flag.String("o", "osv", "output directory (one <ecosystem>/all.zip each)")
	spec := flag.String("records", "Debian=60000,npm=20000,PyPI=12000,Go=4000,Maven=6000", "ecosystem=count list")
	templates := flag.String("templates", "vulndb/testdata/records", "real records to vary")
	flag.Parse()
	byEco := map[string][]*osv.Vulnerability{}
	entries, err := os.ReadDir(*templates)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(*templates, e.Name()))
		if err != nil {
			log.Fatal(err)
		}
		v, err := osv.Parse(data)
		if err != nil || v.Withdrawn != "" || len(v.Affected) == 0 {
			continue
		}
		base, _ := osv.Ecosystem(v.Affected[0].Package.Ecosystem)
		byEco[base] = append(byEco[base], v)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, part := range strings.Split(*spec, ",") {
		eco, n, _ := strings.Cut(part, "=")
		count, err := strconv.Atoi(n)
		if err != nil || len(byEco[eco]) == 0 {
			log.Fatalf("osvgen: %q: no templates or bad count", part)
		}
		if err := write(filepath.Join(*out, eco), byEco[eco], count, rng); err != nil {
			log.Fatal(err)
		}
	}
}

// details pads descriptions to the length of typical real ones (most
// records carry one to a few paragraphs).
const filler = "An attacker able to supply crafted input may trigger the flaw remotely, leading to denial of service or, in some configurations, code execution. "

func write(dir string, templates []*osv.Vulnerability, n int, rng *rand.Rand) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "all.zip"))
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for i := 0; i < n; i++ {
		t := *templates[i%len(templates)]
		v := t
		v.ID = fmt.Sprintf("%s-SYN-%06d", strings.SplitN(t.ID, "-", 2)[0], i)
		v.Aliases = []string{fmt.Sprintf("CVE-20%02d-%05d", 10+rng.IntN(16), rng.IntN(99999))}
		v.Details = t.Details + strings.Repeat(filler, 1+rng.IntN(6))
		v.Affected = nil
		for _, a := range t.Affected {
			a.Package.Name = fmt.Sprintf("%s-%d", a.Package.Name, rng.IntN(n/3+1))
			var ranges []osv.Range
			for _, r := range a.Ranges {
				r2 := r
				r2.Events = nil
				for _, e := range r.Events {
					if e.Fixed != "" {
						e.Fixed = bump(e.Fixed, rng)
					}
					r2.Events = append(r2.Events, e)
				}
				ranges = append(ranges, r2)
			}
			a.Ranges = ranges
			v.Affected = append(v.Affected, a)
		}
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		w, err := zw.Create(v.ID + ".json")
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// bump changes the last number of a version, keeping its scheme's shape.
func bump(v string, rng *rand.Rand) string {
	i := strings.LastIndexAny(v, "0123456789")
	if i < 0 {
		return v
	}
	return v[:i] + strconv.Itoa(rng.IntN(9)) + v[i+1:]
}

// Command osvdiff compares what Bulwark and osv-scanner report for the same
// inputs: per input, the sets of (package, version, record ID) each tool
// finds, and the packages each reads. It reads a work folder that
// bench/differential/osv.sh fills, one folder per input holding
// bulwark.json (`bulwark image --format json`) and osv.json (`osv-scanner
// scan source --all-packages --format json`), and prints a Markdown table
// with totals, then every pair only one tool reported.
//
//	go run ./bench/differential/osvdiff WORK/out
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// pair is one finding as both tools can name it.
type pair struct{ name, version, id string }

func (p pair) String() string { return p.name + " " + p.version + " " + p.id }

// side is what one tool reported for one input.
type side struct {
	packages map[string]bool // name@version
	pairs    map[pair]bool
}

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: osvdiff OUTDIR (one folder per input, each with bulwark.json and osv.json)")
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(os.Stdout, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "osvdiff:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "| input | packages bulwark / osv-scanner | pairs bulwark / osv-scanner | agreed | differences |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	var tot [5]int
	var notes []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		in := filepath.Join(dir, e.Name())
		bw, err := readBulwark(filepath.Join(in, "bulwark.json"))
		if err != nil {
			return err
		}
		ov, err := readOSV(filepath.Join(in, "osv.json"))
		if err != nil {
			return err
		}
		agreed := 0
		var only []string
		for p := range bw.pairs {
			if ov.pairs[p] {
				agreed++
			} else {
				only = append(only, "bulwark only: "+p.String())
			}
		}
		for p := range ov.pairs {
			if !bw.pairs[p] {
				only = append(only, "osv-scanner only: "+p.String())
			}
		}
		sort.Strings(only)
		for _, o := range only {
			notes = append(notes, e.Name()+": "+o)
		}
		fmt.Fprintf(w, "| %s | %d / %d | %d / %d | %d | %d |\n", e.Name(),
			len(bw.packages), len(ov.packages), len(bw.pairs), len(ov.pairs), agreed, len(only))
		for i, n := range []int{len(bw.packages), len(ov.packages), len(bw.pairs), len(ov.pairs), agreed} {
			tot[i] += n
		}
	}
	fmt.Fprintf(w, "| **total** | %d / %d | %d / %d | %d | %d |\n", tot[0], tot[1], tot[2], tot[3], tot[4], len(notes))
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "-", n)
		}
	}
	return nil
}

// readBulwark reads the packages and the records of each finding of a
// Bulwark JSON report (docs/json.md).
func readBulwark(path string) (side, error) {
	var r struct {
		Inventory struct {
			Packages []struct{ Type, Name, Version string }
		}
		Vulnerabilities []struct {
			Records []string
			Package struct{ Type, Name, Version string }
		}
	}
	if err := readJSON(path, &r); err != nil {
		return side{}, err
	}
	s := side{packages: map[string]bool{}, pairs: map[pair]bool{}}
	for _, p := range r.Inventory.Packages {
		s.packages[normalize(p.Type, p.Name)+"@"+p.Version] = true
	}
	for _, v := range r.Vulnerabilities {
		for _, id := range v.Records {
			s.pairs[pair{normalize(v.Package.Type, v.Package.Name), v.Package.Version, id}] = true
		}
	}
	return s, nil
}

// readOSV reads osv-scanner's JSON output: results[].packages[], each
// with its package and the records (vulnerabilities[].id) that hit it.
func readOSV(path string) (side, error) {
	var r struct {
		Results []struct {
			Packages []struct {
				Package         struct{ Name, Version, Ecosystem string }
				Vulnerabilities []struct{ ID string }
			}
		}
	}
	if err := readJSON(path, &r); err != nil {
		return side{}, err
	}
	s := side{packages: map[string]bool{}, pairs: map[pair]bool{}}
	for _, res := range r.Results {
		for _, p := range res.Packages {
			typ := "cargo"
			if p.Package.Ecosystem == "PyPI" {
				typ = "pypi"
			}
			name := normalize(typ, p.Package.Name)
			s.packages[name+"@"+p.Package.Version] = true
			for _, v := range p.Vulnerabilities {
				s.pairs[pair{name, p.Package.Version, v.ID}] = true
			}
		}
	}
	return s, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

var pep503 = regexp.MustCompile(`[-_.]+`)

// normalize writes a Python name as PEP 503 does, so that the tools'
// spellings of one project compare equal; crate names are kept.
func normalize(typ, name string) string {
	if typ == "pypi" {
		return pep503.ReplaceAllString(strings.ToLower(name), "-")
	}
	return name
}

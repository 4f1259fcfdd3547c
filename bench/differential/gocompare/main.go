// Command gocompare compares what govulncheck and Bulwark find in the same
// Go binaries: the (module, GO ID) pairs of govulncheck's module-level
// findings (-mode binary -scan module -json) against the (package, record)
// pairs of Bulwark's JSON report, per binary, with the standard library
// counted apart. It prints a Markdown table and every pair only one side
// found.
//
//	gocompare -bins DIR -out DIR
//
// -out holds NAME.govulncheck.json for each binary NAME in -bins, and
// bulwark.json, one scan of -bins as a root filesystem.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	bins := flag.String("bins", "", "folder of the scanned binaries")
	out := flag.String("out", "", "folder of the tools' JSON outputs")
	flag.Parse()
	if *bins == "" || *out == "" {
		log.Fatal("usage: gocompare -bins DIR -out DIR")
	}
	ents, err := os.ReadDir(*bins)
	if err != nil {
		log.Fatal(err)
	}
	bw, err := readBulwark(filepath.Join(*out, "bulwark.json"))
	if err != nil {
		log.Fatal(err)
	}
	var rows []row
	for _, e := range ents {
		g, err := readGovulncheck(filepath.Join(*out, e.Name()+".govulncheck.json"))
		if err != nil {
			log.Fatal(err)
		}
		rows = append(rows, compare(e.Name(), g, bw[e.Name()]))
	}
	printTable(os.Stdout, rows)
}

// pair is one finding as both tools can state it: a module (the
// replacement where there is one; "stdlib" for the standard library) and
// a Go vulnerability ID.
type pair struct{ module, id string }

// scan is what one tool said about one binary.
type scan struct {
	goVersion string
	modules   int
	pairs     map[pair]string // the version the tool saw
}

// readGovulncheck reads govulncheck's stream of JSON messages.
func readGovulncheck(file string) (scan, error) {
	f, err := os.Open(file)
	if err != nil {
		return scan{}, err
	}
	defer f.Close()
	s := scan{pairs: map[pair]string{}}
	dec := json.NewDecoder(f)
	for {
		var m struct {
			SBOM *struct {
				GoVersion string `json:"go_version"`
				Modules   []struct{ Path, Version string }
			} `json:"SBOM"`
			Finding *struct {
				OSV   string `json:"osv"`
				Trace []struct {
					Module, Version, Package, Function string
				} `json:"trace"`
			} `json:"finding"`
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return s, fmt.Errorf("%s: %w", file, err)
		}
		if m.SBOM != nil {
			s.goVersion = m.SBOM.GoVersion
			s.modules = len(m.SBOM.Modules)
		}
		// -scan module gives one frame per finding: the module.
		if m.Finding != nil && len(m.Finding.Trace) > 0 {
			fr := m.Finding.Trace[len(m.Finding.Trace)-1]
			s.pairs[pair{fr.Module, m.Finding.OSV}] = fr.Version
		}
	}
	return s, nil
}

// readBulwark reads one Bulwark report and splits it by the binary each
// package was read from.
func readBulwark(file string) (map[string]scan, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	type pkg struct {
		Type, Name, Version, Location string
	}
	var r struct {
		Inventory struct {
			Packages []pkg
		}
		Vulnerabilities []struct {
			Package pkg
			Records []string
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	out := map[string]scan{}
	get := func(loc string) scan {
		b := path.Base(loc)
		s, ok := out[b]
		if !ok {
			s = scan{pairs: map[pair]string{}}
		}
		return s
	}
	for _, p := range r.Inventory.Packages {
		if p.Type != "golang" {
			continue
		}
		s := get(p.Location)
		if p.Name == "stdlib" {
			s.goVersion = p.Version
		}
		s.modules++
		out[path.Base(p.Location)] = s
	}
	for _, v := range r.Vulnerabilities {
		s := get(v.Package.Location)
		for _, id := range v.Records {
			if strings.HasPrefix(id, "GO-") {
				s.pairs[pair{v.Package.Name, id}] = v.Package.Version
			}
		}
		out[path.Base(v.Package.Location)] = s
	}
	return out, nil
}

// row is the comparison for one binary.
type row struct {
	name       string
	g, b       scan
	onlyG      []pair // govulncheck found, Bulwark did not
	onlyB      []pair
	agreed     int
	stdG, stdB int // standard-library pairs of each
	stdAgreed  int
}

func compare(name string, g, b scan) row {
	r := row{name: name, g: g, b: b}
	for p := range g.pairs {
		if p.module == "stdlib" {
			r.stdG++
		}
		if _, ok := b.pairs[p]; ok {
			r.agreed++
			if p.module == "stdlib" {
				r.stdAgreed++
			}
		} else {
			r.onlyG = append(r.onlyG, p)
		}
	}
	for p := range b.pairs {
		if p.module == "stdlib" {
			r.stdB++
		}
		if _, ok := g.pairs[p]; !ok {
			r.onlyB = append(r.onlyB, p)
		}
	}
	sortPairs(r.onlyG)
	sortPairs(r.onlyB)
	return r
}

func sortPairs(ps []pair) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].module != ps[j].module {
			return ps[i].module < ps[j].module
		}
		return ps[i].id < ps[j].id
	})
}

func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| binary | Go | modules | pairs govulncheck | pairs bulwark | agreed | differences | stdlib: govulncheck / bulwark / agreed |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	var tg, tb, ta, sg, sb, sa, diffs int
	for _, r := range rows {
		d := len(r.onlyG) + len(r.onlyB)
		// Modules as govulncheck counts them (dependencies, without
		// the main module and the standard library).
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d | %d | %d / %d / %d |\n",
			r.name, r.g.goVersion, r.g.modules, len(r.g.pairs), len(r.b.pairs), r.agreed, d, r.stdG, r.stdB, r.stdAgreed)
		tg += len(r.g.pairs)
		tb += len(r.b.pairs)
		ta += r.agreed
		sg += r.stdG
		sb += r.stdB
		sa += r.stdAgreed
		diffs += d
	}
	fmt.Fprintf(w, "| **all %d** | | | %d | %d | %d | %d | %d / %d / %d |\n", len(rows), tg, tb, ta, diffs, sg, sb, sa)
	if diffs == 0 {
		fmt.Fprintln(w, "\nNo differences.")
		return
	}
	fmt.Fprintln(w, "\nDifferences:")
	for _, r := range rows {
		for _, p := range r.onlyG {
			fmt.Fprintf(w, "- %s: only govulncheck: %s@%s %s\n", r.name, p.module, r.g.pairs[p], p.id)
		}
		for _, p := range r.onlyB {
			fmt.Fprintf(w, "- %s: only bulwark: %s@%s %s\n", r.name, p.module, r.b.pairs[p], p.id)
		}
	}
}

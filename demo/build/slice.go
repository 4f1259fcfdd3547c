package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// corpusZips are the ecosystems the demo slice covers, in the order
// SOURCES.md lists them.
var corpusZips = []string{"Go", "crates.io", "PyPI"}

// normalize returns a package name as the ecosystem compares it: PyPI
// names by PEP 503, the others exactly.
func normalize(eco, name string) string {
	if eco == "PyPI" {
		return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(name, "-"))
	}
	return name
}

// sliceZip copies from an osv.dev-style zip every record that names one of
// packages in its affected list, byte for byte, into a new zip with the
// members sorted by name. It returns the records' IDs.
func sliceZip(from, to, eco string, packages map[string]bool) ([]string, error) {
	zr, err := zip.OpenReader(from)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	type member struct {
		name string
		body []byte
	}
	var kept []member
	var ids []string
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", from, f.Name, err)
		}
		var rec struct {
			ID       string `json:"id"`
			Affected []struct {
				Package struct{ Ecosystem, Name string }
			} `json:"affected"`
		}
		if err := json.Unmarshal(body, &rec); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", from, f.Name, err)
		}
		for _, a := range rec.Affected {
			if packages[normalize(eco, a.Package.Name)] {
				kept = append(kept, member{f.Name, body})
				ids = append(ids, rec.ID)
				break
			}
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].name < kept[j].name })
	sort.Strings(ids)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range kept {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Deflate, Modified: epoch})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(m.body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return ids, os.WriteFile(to, buf.Bytes(), 0o644)
}

// sourceRow matches a row of the corpus's SOURCES.md about one of the OSV
// zips, capturing the zip's name and the date in the "commit, date" column.
var sourceRow = regexp.MustCompile(`^\| osv/([^ |]+)\.zip \|(?:[^|]*\|){2} *[0-9a-f]{40}, (\d{4}-\d{2}-\d{2}) *\|`)

// writeSlice writes demo/db: one zip per ecosystem with the records about
// the image's packages, SOURCES.md with the corpus's provenance rows, and
// bulwark-db.json with the notice the import shows.
func writeSlice(corpus, out string, packages map[string]map[string]bool) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	sources, err := os.ReadFile(filepath.Join(corpus, "SOURCES.md"))
	if err != nil {
		return err
	}
	var header []string
	rows := map[string]string{}
	dates := map[string]string{}
	for _, line := range strings.Split(string(sources), "\n") {
		switch {
		case strings.HasPrefix(line, "| path |") || strings.HasPrefix(line, "|---"):
			header = append(header, line)
		case sourceRow.MatchString(line):
			m := sourceRow.FindStringSubmatch(line)
			rows[m[1]], dates[m[1]] = line, m[2]
		}
	}
	counts := map[string]int{}
	for _, eco := range corpusZips {
		if rows[eco] == "" {
			return fmt.Errorf("%s: no row for osv/%s.zip", filepath.Join(corpus, "SOURCES.md"), eco)
		}
		ids, err := sliceZip(filepath.Join(corpus, "osv", eco+".zip"), filepath.Join(out, eco+".zip"), eco, packages[eco])
		if err != nil {
			return err
		}
		counts[eco] = len(ids)
	}

	// "2026-08-21 (Go, crates.io) and 2024-10-10 (PyPI)"
	var order []string
	byDate := map[string][]string{}
	for _, eco := range corpusZips {
		d := dates[eco]
		if byDate[d] == nil {
			order = append(order, d)
		}
		byDate[d] = append(byDate[d], eco)
	}
	var parts []string
	for _, d := range order {
		parts = append(parts, fmt.Sprintf("%s (%s)", d, strings.Join(byDate[d], ", ")))
	}
	when := strings.Join(parts, " and ")
	notice, err := json.Marshal("demo slice of " + when + " upstream records (see demo/db/SOURCES.md); not a current database")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "bulwark-db.json"), []byte(`{"notice": `+string(notice)+"}\n"), 0o644); err != nil {
		return err
	}

	var b strings.Builder
	fmt.Fprintf(&b, `# demo/db: a demo slice of real advisory records, not a current database

These zips hold the records of the upstream advisory databases, as of
%s, that name a package of the demo image
(demo/image.tar), and nothing else. They are enough to show what a scan of
that image finds; they know nothing about any other package, nor about
anything published after those dates. Scan real images with a current
database (bulwark db update).

Selection: from each corpus zip below, every record whose affected list names
a package of the image, by name (PyPI names compared after PEP 503
normalisation), whatever the versions: all of that package's records, so the
slice shows what matching kept and what it ruled out. The records are copied
byte for byte, one JSON file per record as osv.dev's ecosystem zips are laid
out. demo/build writes this folder from the corpus (see demo/README.md).

| zip | records | packages of the image looked up |
|---|---|---|
`, when)
	for _, eco := range corpusZips {
		names := make([]string, 0, len(packages[eco]))
		for n := range packages[eco] {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "| %s.zip | %d | %d: %s |\n", eco, counts[eco], len(names), strings.Join(names, ", "))
	}
	b.WriteString("\nProvenance, the rows of the corpus's SOURCES.md these were cut from:\n\n")
	for _, h := range header {
		b.WriteString(h + "\n")
	}
	for _, eco := range corpusZips {
		b.WriteString(rows[eco] + "\n")
	}
	b.WriteString(`
The records are the upstream projects' own, untouched, except that the
corpus converted the PyPA records from the upstream YAML to JSON (dates as
RFC 3339). Licences as named above: CC-BY-4.0 for the Go vulnerability
database and the PyPA advisory database, CC0-1.0 for the RustSec advisory
database.
`)
	return os.WriteFile(filepath.Join(out, "SOURCES.md"), []byte(b.String()), 0o644)
}

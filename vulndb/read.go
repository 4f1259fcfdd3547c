package vulndb

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/osv"
)

// Stats counts what reading a source of records found.
type Stats struct {
	// Format is what the input turned out to be: "zip", "folder",
	// "Go vulndb v1", "file".
	Format  string
	Records int // records read
	// Skipped counts files (and secdb entries) that were not valid
	// records; Problems describes the first few.
	Skipped int
	// Empty counts records that affect no package, so there is nothing
	// to match (GitHub's unreviewed advisories, mostly).
	Empty int
	// Other counts JSON and YAML files that are not records at all:
	// indexes, CI configuration, golang/vulndb's YAML reports.
	Other int
	// SecDB counts Alpine secdb documents read, Unaffected their
	// (package, advisory) pairs marked never affected (fixed "0").
	SecDB, Unaffected int
	Problems          []string
}

// String sums the counts up in one line: "4291 records, 2 skipped".
func (s Stats) String() string {
	out := fmt.Sprintf("%d records", s.Records)
	if s.Format != "" {
		out += " (" + s.Format + ")"
	}
	for _, c := range []struct {
		n    int
		what string
	}{
		{s.SecDB, "Alpine secdb files"},
		{s.Unaffected, "secdb entries marking a package never affected"},
		{s.Empty, "records without affected packages"},
		{s.Other, "other files passed over"},
		{s.Skipped, "skipped as invalid"},
	} {
		if c.n > 0 {
			out += fmt.Sprintf(", %d %s", c.n, c.what)
		}
	}
	return out
}

const maxProblems = 20

func (s *Stats) skip(name string, err error) {
	s.Skipped++
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, fmt.Sprintf("%s: %v", name, err))
	}
}

// MaxZipEntries bounds the records of one zip; osv.dev's largest
// ecosystem export has a few hundred thousand.
const MaxZipEntries = 4 << 20

// ReadZip calls fn with every record in a zip of OSV JSON (or YAML)
// files: the form osv.dev exports each ecosystem in (all.zip), or
// vuln.go.dev's vulndb.zip. A file that is not a valid record is counted
// and skipped, other files (the Go indexes) are passed over; a zip that
// cannot be read at all is an error. Entries are read through a size
// limit, whatever their headers claim, so a zip bomb costs at most
// MaxRecordSize per entry.
func ReadZip(path string, fn func(*osv.Vulnerability)) (Stats, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return Stats{}, fmt.Errorf("vulndb: %s: %w", path, err)
	}
	defer zr.Close()
	if len(zr.File) > MaxZipEntries {
		return Stats{}, fmt.Errorf("vulndb: %s: %d entries, over the limit of %d", path, len(zr.File), MaxZipEntries)
	}
	r := &reader{fn: fn}
	r.st.Format = "zip"
	buf := make([]byte, 0, 64<<10)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !isRecordFile(f.Name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			r.st.skip(f.Name, err)
			continue
		}
		buf, err = readLimited(buf[:0], rc, osv.MaxRecordSize)
		rc.Close()
		if err != nil {
			if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
				return r.st, fmt.Errorf("vulndb: %s: %s: %w (truncated or corrupt download?)", path, f.Name, err)
			}
			r.st.skip(f.Name, err)
			continue
		}
		r.file(f.Name, buf)
	}
	return r.st, nil
}

// readLimited appends r's content to buf, failing past limit bytes.
func readLimited(buf []byte, r io.Reader, limit int64) ([]byte, error) {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf, err
		}
	}
	if int64(len(buf)) > limit {
		return buf, fmt.Errorf("record over the %d byte limit", limit)
	}
	return buf, nil
}

// Import loads records into the database at path from each input: an
// osv.dev zip, a folder or git checkout of OSV records (JSON or YAML) in
// any database's layout, the Go vulnerability database's v1 layout (a
// folder or a file:// URL, as govulncheck takes it), Alpine secdb files,
// or one record file. Each base ecosystem found in the inputs replaces
// that ecosystem's data, and its meta names the inputs it came from;
// ecosystems the inputs do not mention are carried over from the
// existing database. This is the air-gapped path: copy what the site
// mirrors to the machine and import it.
//
// Enrichment files (KEV catalog, EPSS scores) given in enrich, keyed KEV
// or EPSS, replace that source; the old database's are kept otherwise.
func Import(path string, inputs []string, enrich map[string]string) (map[string]Stats, error) {
	stats := map[string]Stats{}
	b, err := NewBuilder(path)
	if err != nil {
		return nil, err
	}
	ecos := map[string]*Ecosystem{}
	sources := map[string][]string{}
	notices := map[string][]string{} // what each base's inputs ask reports to say
	for _, in := range inputs {
		p, err := localPath(in)
		if err != nil {
			b.Abort()
			return stats, err
		}
		src, notice := describeSource(p), ReadNotice(p)
		add := func(v *osv.Vulnerability) {
			for _, base := range bases(v) {
				e := ecos[base]
				if e == nil {
					e = b.Begin(base)
					ecos[base] = e
				}
				if e.Add(v) && !contains(sources[base], src) {
					sources[base] = append(sources[base], src)
					if notice != "" && !contains(notices[base], notice) {
						notices[base] = append(notices[base], notice)
					}
				}
			}
		}
		st, err := readInput(p, add)
		stats[in] = st
		if err != nil {
			b.Abort()
			return stats, err
		}
	}
	now := time.Now().UTC()
	for base, e := range ecos {
		meta := Meta{Source: strings.Join(sources[base], ", "), Updated: now, Notice: strings.Join(notices[base], "; ")}
		if err := e.Finish(meta); err != nil {
			b.Abort()
			return stats, err
		}
	}
	for name, file := range enrich {
		if err := importEnrichment(b, name, file, now); err != nil {
			b.Abort()
			return stats, err
		}
	}
	if err := carryOver(b, path, func(base string) bool { return ecos[base] == nil }); err != nil {
		b.Abort()
		return stats, err
	}
	return stats, b.Commit()
}

func importEnrichment(b *Builder, name, file string, now time.Time) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("vulndb: %w", err)
	}
	defer f.Close()
	abs, _ := filepath.Abs(file)
	meta := Meta{Source: abs, Updated: now}
	switch name {
	case KEV:
		kev, err := ReadKEV(f)
		if err != nil {
			return fmt.Errorf("vulndb: %s: %w", file, err)
		}
		return b.SetKEV(kev, meta)
	case EPSS:
		scores, err := ReadEPSS(f)
		if err != nil {
			return fmt.Errorf("vulndb: %s: %w", file, err)
		}
		return b.SetEPSS(scores, meta)
	}
	return fmt.Errorf("vulndb: unknown enrichment source %q", name)
}

// carryOver copies the ecosystems keep selects from the database at path,
// if there is one.
func carryOver(b *Builder, path string, keep func(base string) bool) error {
	old, err := Open(path)
	if errors.Is(err, ErrNoDatabase) {
		return nil
	}
	if err != nil {
		// An unreadable old database has nothing worth keeping.
		return nil
	}
	defer old.Close()
	metas, err := old.Ecosystems()
	if err != nil {
		return err
	}
	for _, m := range metas {
		if keep(m.Ecosystem) {
			if err := b.Copy(old, m.Ecosystem); err != nil {
				return err
			}
		}
	}
	for _, name := range []string{KEV, EPSS} {
		if err := b.copyEnrichment(old, name); err != nil {
			return err
		}
	}
	return nil
}

// bases lists the base ecosystems a record affects.
func bases(v *osv.Vulnerability) []string {
	var out []string
	for _, a := range v.Affected {
		base, _ := osv.Ecosystem(a.Package.Ecosystem)
		if !contains(out, base) {
			out = append(out, base)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

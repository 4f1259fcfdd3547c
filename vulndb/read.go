package vulndb

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/osv"
)

// Stats counts what reading a source of records found.
type Stats struct {
	Records int // records parsed
	Skipped int // files that were not valid records
	// Problems describes the first few skipped files.
	Problems []string
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

// ReadZip calls fn with every record in a zip of OSV JSON files, the form
// osv.dev exports each ecosystem in (all.zip). A file that is not a valid
// record is counted and skipped; a zip that cannot be read at all is an
// error. Entries are read through a size limit, whatever their headers
// claim, so a zip bomb costs at most MaxRecordSize per entry.
func ReadZip(path string, fn func(*osv.Vulnerability)) (Stats, error) {
	var st Stats
	zr, err := zip.OpenReader(path)
	if err != nil {
		return st, fmt.Errorf("vulndb: %s: %w", path, err)
	}
	defer zr.Close()
	if len(zr.File) > MaxZipEntries {
		return st, fmt.Errorf("vulndb: %s: %d entries, over the limit of %d", path, len(zr.File), MaxZipEntries)
	}
	buf := make([]byte, 0, 64<<10)
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			st.skip(f.Name, err)
			continue
		}
		buf, err = readLimited(buf[:0], rc, osv.MaxRecordSize)
		rc.Close()
		if err != nil {
			if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
				return st, fmt.Errorf("vulndb: %s: %s: %w (truncated or corrupt download?)", path, f.Name, err)
			}
			st.skip(f.Name, err)
			continue
		}
		v, err := osv.Parse(buf)
		if err != nil {
			st.skip(f.Name, err)
			continue
		}
		st.Records++
		fn(v)
	}
	return st, nil
}

// ReadDir calls fn with every record in the .json files under dir.
func ReadDir(dir string, fn func(*osv.Vulnerability)) (Stats, error) {
	var st Stats
	root, err := os.OpenRoot(dir)
	if err != nil {
		return st, fmt.Errorf("vulndb: %w", err)
	}
	defer root.Close()
	buf := make([]byte, 0, 64<<10)
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			st.skip(p, err)
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		f, err := root.Open(p)
		if err != nil {
			st.skip(p, err)
			return nil
		}
		buf, err = readLimited(buf[:0], f, osv.MaxRecordSize)
		f.Close()
		if err != nil {
			st.skip(p, err)
			return nil
		}
		v, err := osv.Parse(buf)
		if err != nil {
			st.skip(p, err)
			return nil
		}
		st.Records++
		fn(v)
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("vulndb: %s: %w", dir, err)
	}
	return st, nil
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

// Import loads records from zips and record folders into the database at
// path. Each base ecosystem found in the inputs replaces that ecosystem's
// data; ecosystems the inputs do not mention are carried over from the
// existing database. This is the air-gapped path: copy osv.dev's all.zip
// files (or a mirror's) to the machine and import them.
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
	for _, in := range inputs {
		info, err := os.Stat(in)
		if err != nil {
			b.Abort()
			return nil, fmt.Errorf("vulndb: %w", err)
		}
		add := func(v *osv.Vulnerability) {
			for _, base := range bases(v) {
				e := ecos[base]
				if e == nil {
					e = b.Begin(base)
					ecos[base] = e
				}
				if e.Add(v) && !contains(sources[base], in) {
					sources[base] = append(sources[base], in)
				}
			}
		}
		var st Stats
		if info.IsDir() {
			st, err = ReadDir(in, add)
		} else {
			st, err = ReadZip(in, add)
		}
		stats[in] = st
		if err != nil {
			b.Abort()
			return stats, err
		}
	}
	now := time.Now().UTC()
	for base, e := range ecos {
		abs := make([]string, len(sources[base]))
		var notices []string
		for i, s := range sources[base] {
			abs[i], _ = filepath.Abs(s)
			if n := ReadNotice(s); n != "" && !contains(notices, n) {
				notices = append(notices, n)
			}
		}
		meta := Meta{Source: strings.Join(abs, ", "), Updated: now, Notice: strings.Join(notices, "; ")}
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

package vulndb

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/bulwark-sec/bulwark/osv"
)

// Builder writes a new database file beside the final path and renames it
// into place on Commit; until then the old file, if any, is untouched.
type Builder struct {
	path, tmp string
	bolt      *bbolt.DB
}

// NewBuilder starts a database that will replace the file at path.
func NewBuilder(path string) (*Builder, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(path)+".new-*")
	if err != nil {
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	tmp := f.Name()
	f.Close()
	b, err := bbolt.Open(tmp, 0o644, &bbolt.Options{Timeout: 2 * time.Second, NoSync: true})
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	err = b.Update(func(tx *bbolt.Tx) error {
		m, err := tx.CreateBucket(metaBucket)
		if err != nil {
			return err
		}
		v, _ := json.Marshal(SchemaVersion)
		return m.Put(schemaKey, v)
	})
	if err != nil {
		b.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("vulndb: %w", err)
	}
	return &Builder{path: path, tmp: tmp, bolt: b}, nil
}

// Abort discards the new file.
func (b *Builder) Abort() {
	b.bolt.Close()
	os.Remove(b.tmp)
}

// Commit makes the new file durable and renames it over the old one.
func (b *Builder) Commit() error {
	if err := b.bolt.Sync(); err != nil {
		b.Abort()
		return fmt.Errorf("vulndb: sync: %w", err)
	}
	if err := b.bolt.Close(); err != nil {
		os.Remove(b.tmp)
		return fmt.Errorf("vulndb: %w", err)
	}
	if err := os.Rename(b.tmp, b.path); err != nil {
		os.Remove(b.tmp)
		return fmt.Errorf("vulndb: %w", err)
	}
	if d, err := os.Open(filepath.Dir(b.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Copy carries one base ecosystem over unchanged from an existing
// database (an update whose download was not modified).
func (b *Builder) Copy(from *DB, base string) error {
	name := []byte(bucketPrefix + base)
	return from.bolt.View(func(src *bbolt.Tx) error {
		sb := src.Bucket(name)
		meta := src.Bucket(metaBucket).Get([]byte(base))
		if sb == nil || meta == nil {
			return fmt.Errorf("vulndb: %s: not in %s", base, from.Path)
		}
		return b.bolt.Update(func(dst *bbolt.Tx) error {
			db, err := dst.CreateBucket(name)
			if err != nil {
				return err
			}
			if err := sb.ForEach(func(k, v []byte) error { return db.Put(k, v) }); err != nil {
				return err
			}
			return dst.Bucket(metaBucket).Put([]byte(base), meta)
		})
	})
}

// Ecosystem gathers the records of one base ecosystem before they are
// written.
type Ecosystem struct {
	b        *Builder
	base     string
	entries  map[string][]Entry // key → entries
	releases map[string]bool
	ids      map[string]bool // records kept; a record read twice counts once
}

// Begin starts the data of one base ecosystem ("Debian", "npm").
func (b *Builder) Begin(base string) *Ecosystem {
	return &Ecosystem{b: b, base: base, entries: map[string][]Entry{}, releases: map[string]bool{}, ids: map[string]bool{}}
}

// Add indexes one record under every package of this ecosystem it
// affects. Withdrawn records, and affected entries with nothing to match
// a version against (only commit ranges), are left out; Add reports
// whether the record was kept.
func (e *Ecosystem) Add(v *osv.Vulnerability) bool {
	if v.Withdrawn != "" {
		return false
	}
	kept := false
	for _, a := range v.Affected {
		base, _ := osv.Ecosystem(a.Package.Ecosystem)
		if base != e.base {
			continue
		}
		entry := entryOf(v, a)
		if len(entry.Ranges) == 0 && len(entry.Versions) == 0 {
			continue
		}
		k := string(key(a.Package.Ecosystem, NormalizeName(base, a.Package.Name)))
		e.entries[k] = append(e.entries[k], entry)
		e.releases[a.Package.Ecosystem] = true
		kept = true
	}
	if kept {
		e.ids[v.ID] = true
	}
	return kept
}

// Finish writes the ecosystem's data with its meta.
func (e *Ecosystem) Finish(meta Meta) error {
	meta.Ecosystem, meta.Records, meta.Packages = e.base, len(e.ids), len(e.entries)
	keys := make([]string, 0, len(e.entries))
	for k := range e.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var releases []string
	for r := range e.releases {
		releases = append(releases, r)
	}
	sort.Strings(releases)
	err := e.b.bolt.Update(func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucket([]byte(bucketPrefix + e.base))
		if err != nil {
			return err
		}
		bk.FillPercent = 1 // keys arrive in order
		rel, _ := json.Marshal(releases)
		if err := bk.Put(releasesKey, rel); err != nil {
			return err
		}
		for _, k := range keys {
			v, err := encodeEntries(dedupe(e.entries[k]))
			if err != nil {
				return err
			}
			if err := bk.Put([]byte(k), v); err != nil {
				return err
			}
		}
		m, _ := json.Marshal(meta)
		return tx.Bucket(metaBucket).Put([]byte(e.base), m)
	})
	if err != nil {
		return fmt.Errorf("vulndb: write %s: %w", e.base, err)
	}
	return nil
}

// dedupe sorts a package's entries by ID and drops exact repeats: the
// same record imported twice, from two copies of a mirror (a checkout and
// a zip, a secdb file as YAML and JSON). Entries that differ are kept,
// even under one ID: a record may list a package more than once.
func dedupe(es []Entry) []Entry {
	sort.SliceStable(es, func(i, j int) bool { return es[i].ID < es[j].ID })
	out := make([]Entry, 0, len(es))
	for _, e := range es {
		dup := false
		for j := len(out) - 1; j >= 0 && out[j].ID == e.ID; j-- {
			if reflect.DeepEqual(out[j], e) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

const (
	maxReferences = 8
	maxSummary    = 240
)

func entryOf(v *osv.Vulnerability, a osv.Affected) Entry {
	e := Entry{
		ID:        v.ID,
		Aliases:   v.IDs()[1:],
		Summary:   summaryOf(v),
		Published: v.Published,
		Modified:  v.Modified,
		Versions:  a.Versions,
		Label:     labelOf(v.DatabaseSpecific, a.EcosystemSpecific, a.DatabaseSpecific),
	}
	e.Severity = append(append(e.Severity, v.Severity...), a.Severity...)
	for _, r := range a.Ranges {
		if r.Type == osv.RangeEcosystem || r.Type == osv.RangeSemver {
			e.Ranges = append(e.Ranges, osv.Range{Type: r.Type, Events: r.Events})
		}
	}
	e.Platforms = platformsOf(a.GoImports())
	for _, r := range v.References {
		if len(e.References) == maxReferences {
			break
		}
		e.References = append(e.References, r.URL)
	}
	return e
}

// platformsOf is where a Go record's vulnerable packages are vulnerable:
// nothing (everywhere) unless every one of them names GOOS or GOARCH.
// govulncheck drops an affected entry the same way when none of its
// imports matches the binary's platform.
func platformsOf(imports []osv.GoImport) []Platform {
	var ps []Platform
	for _, im := range imports {
		if len(im.GOOS) == 0 && len(im.GOARCH) == 0 {
			return nil
		}
		ps = append(ps, Platform{GOOS: im.GOOS, GOARCH: im.GOARCH})
	}
	return ps
}

// summaryOf is the record's summary, or the first line of its details,
// shortened: the details themselves are the bulk of the data and are left
// to the record's web page.
func summaryOf(v *osv.Vulnerability) string {
	s := v.Summary
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(v.Details), "\n")
	}
	if len(s) > maxSummary {
		cut := maxSummary
		for cut > 0 && s[cut]&0xc0 == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// labelOf finds a severity word in the database- or ecosystem-specific
// fields: GitHub's "severity", Ubuntu's "severity", Debian's "urgency".
func labelOf(raws ...json.RawMessage) string {
	for _, raw := range raws {
		if len(raw) == 0 {
			continue
		}
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		for _, k := range []string{"severity", "urgency"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	return ""
}

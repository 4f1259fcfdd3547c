// Package vulndb is Bulwark's local vulnerability database: OSV records
// reduced to what matching and reporting need, indexed by ecosystem and
// package name in one embedded file that opens in milliseconds.
//
// The file is a bbolt store with one bucket per base ecosystem ("Debian",
// "npm", ...) keyed by "<ecosystem>\x00<package>" (the ecosystem with its
// release, "Debian:12"), each value the zstd-compressed JSON list of
// entries for that package, and a meta bucket saying where each
// ecosystem's data came from and when. Files are never changed in place:
// an update writes a new file and renames it over the old one, so a crash
// at any point leaves the previous database whole.
package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.etcd.io/bbolt"

	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/osv"
)

// SchemaVersion changes whenever the stored form changes; an older file is
// rebuilt rather than misread.
const SchemaVersion = 1

// Entry is what the database keeps of one record for one package.
type Entry struct {
	ID string `json:"id"`
	// Aliases are the record's aliases and upstream IDs (CVE-..., GHSA-...).
	Aliases   []string `json:"aliases,omitempty"`
	Summary   string   `json:"summary,omitempty"`
	Published string   `json:"published,omitempty"`
	Modified  string   `json:"modified,omitempty"`
	// Severity lists the scored severities of the record and of this
	// package's affected entry (CVSS vectors, distribution labels).
	Severity []osv.Severity `json:"severity,omitempty"`
	// Label is the database's own severity word where it gives one
	// (GitHub's "HIGH", Debian's urgency), used when there is no score.
	Label      string      `json:"label,omitempty"`
	Ranges     []osv.Range `json:"ranges,omitempty"`
	Versions   []string    `json:"versions,omitempty"`
	References []string    `json:"references,omitempty"`
	// Platforms limits a Go record to the platforms its vulnerable
	// packages are built for ("windows", "linux/arm64"): it applies where
	// any one matches. Empty means everywhere, as for every other
	// ecosystem. A database written before platforms were kept has none,
	// and matches as if the record applied everywhere.
	Platforms []Platform `json:"platforms,omitempty"`
}

// Platform is a set of GOOS and GOARCH values; an empty list allows any.
type Platform struct {
	GOOS   []string `json:"goos,omitempty"`
	GOARCH []string `json:"goarch,omitempty"`
}

// Allows reports whether the platform includes goos/goarch; an unknown
// (empty) value is allowed, since what is not known cannot rule a record
// out.
func (p Platform) Allows(goos, goarch string) bool {
	return allows(p.GOOS, goos) && allows(p.GOARCH, goarch)
}

func allows(list []string, v string) bool {
	return v == "" || len(list) == 0 || slices.Contains(list, v)
}

// Meta describes the data of one base ecosystem.
type Meta struct {
	Ecosystem string    `json:"ecosystem"`
	Records   int       `json:"records"`
	Packages  int       `json:"packages"`
	Source    string    `json:"source,omitempty"` // URL or file it came from
	ETag      string    `json:"etag,omitempty"`
	Modified  string    `json:"lastModified,omitempty"` // the server's Last-Modified
	Updated   time.Time `json:"updated"`
	// Notice is what the source asks every report to say about its data
	// (see NoticeFile).
	Notice string `json:"notice,omitempty"`
}

var (
	metaBucket   = []byte("meta")
	schemaKey    = []byte("\x00schema")
	bucketPrefix = "eco:"
)

// ErrNoDatabase is returned by Open when there is no database file yet.
var ErrNoDatabase = errors.New("no vulnerability database")

// DB is an open database, safe for concurrent lookups.
type DB struct {
	bolt *bbolt.DB
	Path string
}

// Open opens the database file read-only.
func Open(path string) (*DB, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s (run bulwark db update, or db import for offline use)", ErrNoDatabase, path)
	}
	b, err := bbolt.Open(path, 0o644, &bbolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("vulndb: open %s: %w", path, err)
	}
	db := &DB{bolt: b, Path: path}
	var schema int
	err = b.View(func(tx *bbolt.Tx) error {
		m := tx.Bucket(metaBucket)
		if m == nil {
			return errors.New("not a Bulwark vulnerability database")
		}
		return json.Unmarshal(m.Get(schemaKey), &schema)
	})
	if err == nil && schema != SchemaVersion {
		err = fmt.Errorf("database schema %d, this bulwark reads %d (run bulwark db update)", schema, SchemaVersion)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("vulndb: %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.bolt.Close() }

// Lookup returns the entries for one package of one ecosystem (with its
// release: "Debian:12", "Alpine:v3.20", "npm"). The name is normalised the
// way the ecosystem compares names.
func (db *DB) Lookup(ecosystem, name string) ([]Entry, error) {
	base, _ := osv.Ecosystem(ecosystem)
	var out []Entry
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(bucketPrefix + base))
		if b == nil {
			return nil
		}
		v := b.Get(key(ecosystem, NormalizeName(base, name)))
		if v == nil {
			return nil
		}
		var err error
		out, err = decodeEntries(v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("vulndb: %s %s: %w", ecosystem, name, err)
	}
	return out, nil
}

// Ecosystems returns what the database holds, by base ecosystem.
func (db *DB) Ecosystems() ([]Meta, error) {
	var out []Meta
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(metaBucket).ForEach(func(k, v []byte) error {
			if len(k) > 0 && k[0] == 0 { // the schema, enrichment sources
				return nil
			}
			var m Meta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("meta %s: %w", k, err)
			}
			out = append(out, m)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Ecosystem < out[j].Ecosystem })
	return out, err
}

// Releases lists the ecosystem strings with a release suffix that the
// database has records for within one base ecosystem ("Debian:11",
// "Debian:12"), for matching an image's OS release.
func (db *DB) Releases(base string) ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(bucketPrefix + base))
		if b == nil {
			return nil
		}
		raw := b.Get(releasesKey)
		if raw == nil {
			return nil
		}
		return json.Unmarshal(raw, &out)
	})
	return out, err
}

// releasesKey holds, in each ecosystem bucket, the list of full ecosystem
// strings present; it sorts before every package key.
var releasesKey = []byte("\x00releases")

func key(ecosystem, name string) []byte {
	return []byte(ecosystem + "\x00" + name)
}

// NormalizeName puts a package name in the form the ecosystem compares
// names in (ecosystem.Descriptor.Normalize): PyPI names by PEP 503, NuGet
// and Packagist ids case-insensitively; other names as written.
func NormalizeName(base, name string) string {
	if d, ok := ecosystem.ByOSV(base); ok && d.Normalize != nil {
		return d.Normalize(name)
	}
	return name
}

var (
	zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	zstdDecoders   = sync.Pool{New: func() any {
		d, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(256<<20))
		return d
	}}
)

func encodeEntries(es []Entry) ([]byte, error) {
	raw, err := json.Marshal(es)
	if err != nil {
		return nil, err
	}
	return zstdEncoder.EncodeAll(raw, nil), nil
}

func decodeEntries(v []byte) ([]Entry, error) {
	d := zstdDecoders.Get().(*zstd.Decoder)
	defer zstdDecoders.Put(d)
	raw, err := d.DecodeAll(v, nil)
	if err != nil {
		return nil, err
	}
	var es []Entry
	return es, json.Unmarshal(raw, &es)
}

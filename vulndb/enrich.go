package vulndb

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.etcd.io/bbolt"
)

// Enrichment sources: facts about CVEs that rank findings but do not make
// them.
const (
	// KEV is CISA's Known Exploited Vulnerabilities catalog (JSON).
	KEV = "kev"
	// EPSS is FIRST's Exploit Prediction Scoring System, a daily CSV of
	// cve,epss,percentile (often gzipped).
	EPSS = "epss"
)

// Default enrichment download locations.
const (
	DefaultKEVURL  = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
	DefaultEPSSURL = "https://epss.cyentia.com/epss_scores-current.csv.gz"
)

// EPSSScore is one CVE's exploit prediction.
type EPSSScore struct {
	Score, Percentile float64
}

// maxEnrichment bounds an enrichment download (EPSS is ~10 MB unpacked).
const maxEnrichment = 256 << 20

// ReadKEV reads the KEV catalog: CVE ID → date added.
func ReadKEV(r io.Reader) (map[string]string, error) {
	var doc struct {
		Vulnerabilities []struct {
			CVE       string `json:"cveID"`
			DateAdded string `json:"dateAdded"`
		} `json:"vulnerabilities"`
	}
	if err := json.NewDecoder(io.LimitReader(r, maxEnrichment)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("kev: %w", err)
	}
	out := make(map[string]string, len(doc.Vulnerabilities))
	for _, v := range doc.Vulnerabilities {
		if strings.HasPrefix(v.CVE, "CVE-") {
			out[v.CVE] = v.DateAdded
		}
	}
	if len(out) == 0 {
		return nil, errors.New("kev: the catalog lists no CVEs")
	}
	return out, nil
}

// ReadEPSS reads an EPSS scores file, gzipped or not: comment lines start
// with "#", then a "cve,epss,percentile" header and one line per CVE.
func ReadEPSS(r io.Reader) (map[string]EPSSScore, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("epss: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReader(io.LimitReader(zr, maxEnrichment))
	}
	out := map[string]EPSSScore{}
	sc := bufio.NewScanner(br)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "cve,") {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) < 3 || !strings.HasPrefix(f[0], "CVE-") {
			return nil, fmt.Errorf("epss: line %d: want cve,epss,percentile", n)
		}
		s, err1 := strconv.ParseFloat(f[1], 64)
		p, err2 := strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil || s < 0 || s > 1 || p < 0 || p > 1 {
			return nil, fmt.Errorf("epss: line %d: scores must be numbers from 0 to 1", n)
		}
		out[f[0]] = EPSSScore{Score: s, Percentile: p}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("epss: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("epss: no scores")
	}
	return out, nil
}

func enrichBucket(name string) []byte { return []byte("enrich:" + name) }

// metaKey of an enrichment source, kept apart from ecosystem metas.
func enrichMetaKey(name string) []byte { return []byte("\x00enrich:" + name) }

// SetKEV stores the KEV catalog in the new database.
func (b *Builder) SetKEV(kev map[string]string, meta Meta) error {
	return b.setEnrichment(KEV, meta, len(kev), func(put func(k string, v []byte) error) error {
		for cve, date := range kev {
			if err := put(cve, []byte(date)); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetEPSS stores EPSS scores in the new database.
func (b *Builder) SetEPSS(scores map[string]EPSSScore, meta Meta) error {
	return b.setEnrichment(EPSS, meta, len(scores), func(put func(k string, v []byte) error) error {
		for cve, s := range scores {
			// bbolt keeps the value slice until the commit: one each.
			buf := make([]byte, 16)
			binary.LittleEndian.PutUint64(buf[:8], math.Float64bits(s.Score))
			binary.LittleEndian.PutUint64(buf[8:], math.Float64bits(s.Percentile))
			if err := put(cve, buf); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *Builder) setEnrichment(name string, meta Meta, n int, fill func(put func(k string, v []byte) error) error) error {
	meta.Ecosystem, meta.Records = name, n
	err := b.bolt.Update(func(tx *bbolt.Tx) error {
		if tx.Bucket(enrichBucket(name)) != nil {
			if err := tx.DeleteBucket(enrichBucket(name)); err != nil {
				return err
			}
		}
		bk, err := tx.CreateBucket(enrichBucket(name))
		if err != nil {
			return err
		}
		if err := fill(func(k string, v []byte) error { return bk.Put([]byte(k), v) }); err != nil {
			return err
		}
		m, _ := json.Marshal(meta)
		return tx.Bucket(metaBucket).Put(enrichMetaKey(name), m)
	})
	if err != nil {
		return fmt.Errorf("vulndb: write %s: %w", name, err)
	}
	return nil
}

// copyEnrichment carries an enrichment source over from an old database.
func (b *Builder) copyEnrichment(from *DB, name string) error {
	return from.bolt.View(func(src *bbolt.Tx) error {
		sb := src.Bucket(enrichBucket(name))
		meta := src.Bucket(metaBucket).Get(enrichMetaKey(name))
		if sb == nil || meta == nil {
			return nil
		}
		return b.bolt.Update(func(dst *bbolt.Tx) error {
			if dst.Bucket(enrichBucket(name)) != nil {
				return nil // already set anew
			}
			db, err := dst.CreateBucket(enrichBucket(name))
			if err != nil {
				return err
			}
			if err := sb.ForEach(func(k, v []byte) error { return db.Put(k, v) }); err != nil {
				return err
			}
			return dst.Bucket(metaBucket).Put(enrichMetaKey(name), meta)
		})
	})
}

// Enrichment returns the meta of an enrichment source, if the database
// has it.
func (db *DB) Enrichment(name string) (Meta, bool) {
	var m Meta
	ok := false
	db.bolt.View(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(metaBucket).Get(enrichMetaKey(name)); v != nil {
			ok = json.Unmarshal(v, &m) == nil
		}
		return nil
	})
	return m, ok
}

// KnownExploited reports whether the KEV catalog lists the CVE.
func (db *DB) KnownExploited(cve string) bool {
	found := false
	db.bolt.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(enrichBucket(KEV)); b != nil {
			found = b.Get([]byte(cve)) != nil
		}
		return nil
	})
	return found
}

// ExploitPrediction returns the CVE's EPSS score, if known.
func (db *DB) ExploitPrediction(cve string) (EPSSScore, bool) {
	var s EPSSScore
	ok := false
	db.bolt.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(enrichBucket(EPSS)); b != nil {
			if v := b.Get([]byte(cve)); len(v) == 16 {
				s.Score = math.Float64frombits(binary.LittleEndian.Uint64(v[:8]))
				s.Percentile = math.Float64frombits(binary.LittleEndian.Uint64(v[8:]))
				ok = true
			}
		}
		return nil
	})
	return s, ok
}

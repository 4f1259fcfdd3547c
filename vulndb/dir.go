package vulndb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-sec/bulwark/internal/yamltree"
	"github.com/bulwark-sec/bulwark/osv"
)

// What users mirror comes in several layouts, all read here: osv.dev's
// per-ecosystem zips, and folders or git checkouts of OSV records in JSON
// or YAML however the database arranges them (golang/vulndb data/osv/,
// pypa/advisory-database vulns/<pkg>/, rustsec's osv branch crates/,
// github/advisory-database advisories/github-reviewed/YYYY/MM/GHSA-*/),
// the Go vulnerability database's v1 layout (goindex.go), and Alpine's
// secdb (secdb.go). A folder is walked whole; each .json, .yaml or .yml
// file is a record, a secdb document, or something else (indexes, CI
// configuration, golang/vulndb's own YAML reports), which is counted and
// passed over.

// reader turns the files of one input into records for fn, counting what
// it finds.
type reader struct {
	fn  func(*osv.Vulnerability)
	st  Stats
	buf bytes.Buffer // YAML converted to JSON
}

// isRecordFile reports whether a file name may hold records.
func isRecordFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// file reads one file's content; name says where it is, for messages.
func (r *reader) file(name string, data []byte) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		r.json(name, data)
	case ".yaml", ".yml":
		r.yaml(name, data)
	}
}

func (r *reader) json(name string, data []byte) {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		r.st.skip(name, errors.New("empty file"))
		return
	case trimmed[0] == '[':
		r.st.Other++ // an index: Go's modules.json, ...
		return
	}
	v, err := osv.Parse(data)
	switch {
	case errors.Is(err, osv.ErrNoID) && bytes.Contains(data, []byte(`"distroversion"`)):
		r.yaml(name, data) // secdb.alpinelinux.org's JSON; JSON is YAML
	case errors.Is(err, osv.ErrNoID):
		r.st.Other++
	case err != nil:
		r.st.skip(name, err)
	default:
		r.record(v)
	}
}

func (r *reader) yaml(name string, data []byte) {
	top, err := parseYAML(data)
	if err != nil {
		r.st.skip(name, err)
		return
	}
	keys := topKeys(top, "id", "distroversion")
	switch {
	case keys["distroversion"]:
		r.secdb(name, yamltree.NewWalker(data), top)
	case keys["id"]:
		r.buf.Reset()
		if err := yamlToJSON(&r.buf, top, len(data)); err != nil {
			r.st.skip(name, err)
			return
		}
		v, err := osv.Parse(r.buf.Bytes())
		if err != nil {
			r.st.skip(name, err)
			return
		}
		r.record(v)
	default:
		r.st.Other++
	}
}

// record passes a parsed record on, unless it is no OSV record at all (a
// document with an ID but without "modified", which the schema requires
// of every record: golang/vulndb's YAML reports) or affects nothing.
func (r *reader) record(v *osv.Vulnerability) {
	switch {
	case v.Modified == "":
		r.st.Other++
	case len(v.Affected) == 0:
		r.st.Empty++
	default:
		r.st.Records++
		r.fn(v)
	}
}

func (r *reader) secdb(name string, w *yamltree.Walker, top *yaml.Node) {
	s, err := secdbOf(w, top)
	if err != nil {
		r.st.skip(name, err)
		return
	}
	r.st.SecDB++
	r.st.Unaffected += s.Unaffected
	r.st.Skipped += s.Skipped
	for _, p := range s.Problems {
		if len(r.st.Problems) < maxProblems {
			r.st.Problems = append(r.st.Problems, name+": "+p)
		}
	}
	for _, v := range s.Records {
		r.st.Records++
		r.fn(v)
	}
}

// ReadDir calls fn with every record in a folder: a git checkout or copy
// of an OSV database in any of the layouts above (the walk goes into every
// folder but hidden ones, such as .git, and testdata), or the Go
// vulnerability database's v1 layout.
func ReadDir(dir string, fn func(*osv.Vulnerability)) (Stats, error) {
	r := &reader{fn: fn}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return r.st, fmt.Errorf("vulndb: %w", err)
	}
	defer root.Close()
	if isGoVulnDB(root) {
		if err := readGoVulnDB(root, r); err != nil {
			return r.st, fmt.Errorf("vulndb: %s: %w", dir, err)
		}
		return r.st, nil
	}
	r.st.Format = "folder"
	var buf []byte
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			r.st.skip(p, err)
			return nil
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				// .git, .github; golang/vulndb's code keeps test
				// records, made up, in testdata folders.
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isRecordFile(p) {
			return nil
		}
		f, err := root.Open(p)
		if err != nil {
			r.st.skip(p, err)
			return nil
		}
		buf, err = readLimited(buf[:0], f, osv.MaxRecordSize)
		f.Close()
		if err != nil {
			r.st.skip(p, err)
			return nil
		}
		r.file(p, buf)
		return nil
	})
	if err != nil {
		return r.st, fmt.Errorf("vulndb: %s: %w", dir, err)
	}
	return r.st, nil
}

// ReadFile calls fn with the records of one file: an OSV record (JSON or
// YAML) or an Alpine secdb document.
func ReadFile(path string, fn func(*osv.Vulnerability)) (Stats, error) {
	r := &reader{fn: fn}
	r.st.Format = "file"
	f, err := os.Open(path)
	if err != nil {
		return r.st, fmt.Errorf("vulndb: %w", err)
	}
	defer f.Close()
	data, err := readLimited(nil, f, osv.MaxRecordSize)
	if err != nil {
		return r.st, fmt.Errorf("vulndb: %s: %w", path, err)
	}
	r.file(filepath.Base(path), data)
	return r.st, nil
}

// readInput reads one input of Import: a folder, a zip, or a single file.
func readInput(path string, fn func(*osv.Vulnerability)) (Stats, error) {
	info, err := os.Stat(path)
	if err != nil {
		return Stats{}, fmt.Errorf("vulndb: %w", err)
	}
	if info.IsDir() {
		return ReadDir(path, fn)
	}
	if isRecordFile(path) && !isZip(path) {
		return ReadFile(path, fn)
	}
	return ReadZip(path, fn)
}

func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && string(magic[:2]) == "PK"
}

// localPath turns an input into a path: a file:// URL (as govulncheck's
// -db takes a mirror) becomes its path; other URLs are refused, since
// import is the offline path.
func localPath(in string) (string, error) {
	if !strings.Contains(in, "://") {
		return in, nil
	}
	u, err := url.Parse(in)
	if err != nil {
		return "", fmt.Errorf("vulndb: %s: %w", in, err)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("vulndb: %s: import reads local files and file:// URLs (db update downloads)", in)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("vulndb: %s: a file URL on another host", in)
	}
	return filepath.FromSlash(u.Path), nil
}

// describeSource is what a database's meta says an input was: its
// absolute path, with the commit when it is inside a git checkout, so a
// mirror's age can be told later.
func describeSource(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	if commit := gitHead(abs); commit != "" {
		return abs + " (git " + commit + ")"
	}
	return abs
}

// gitHead finds the checked-out commit of the git work tree holding path,
// reading .git directly (git need not be installed): HEAD, then the ref it
// names, loose or packed. "" when there is none.
func gitHead(path string) string {
	for dir, n := path, 0; n < 64; dir, n = filepath.Dir(dir), n+1 {
		gitDir := filepath.Join(dir, ".git")
		fi, err := os.Stat(gitDir)
		if err == nil {
			if !fi.IsDir() { // a worktree: "gitdir: <path>"
				data, err := os.ReadFile(gitDir)
				rest, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir: ")
				if err != nil || !ok {
					return ""
				}
				if !filepath.IsAbs(rest) {
					rest = filepath.Join(dir, rest)
				}
				gitDir = rest
			}
			return resolveHead(gitDir)
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	return ""
}

func resolveHead(gitDir string) string {
	head, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return ""
	}
	ref, isRef := strings.CutPrefix(strings.TrimSpace(string(head)), "ref: ")
	if !isRef {
		return shortCommit(ref)
	}
	if strings.Contains(ref, "..") {
		return ""
	}
	dirs := []string{gitDir}
	if common, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		c := strings.TrimSpace(string(common))
		if !filepath.IsAbs(c) {
			c = filepath.Join(gitDir, c)
		}
		dirs = append(dirs, c)
	}
	for _, d := range dirs {
		if data, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(ref))); err == nil {
			return shortCommit(strings.TrimSpace(string(data)))
		}
		packed, err := os.ReadFile(filepath.Join(d, "packed-refs"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(packed), "\n") {
			if commit, name, ok := strings.Cut(strings.TrimSpace(line), " "); ok && name == ref {
				return shortCommit(commit)
			}
		}
	}
	return ""
}

func shortCommit(s string) string {
	if len(s) < 12 || strings.Trim(s, "0123456789abcdef") != "" {
		return ""
	}
	return s[:12]
}

package vulndb

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/osv"
	"github.com/bulwark-sec/bulwark/version/semver"
)

// The Go vulnerability database's v1 layout, which vuln.go.dev serves and
// govulncheck reads (https://go.dev/security/vuln/database#api), also from
// a folder with -db file:///DIR:
//
//	index/db.json       {"modified": <newest record>}
//	index/modules.json  [{"path": <module>, "vulns": [{"id", "modified", "fixed"}]}]
//	index/vulns.json    [{"id", "modified", "aliases"}]
//	ID/<id>.json        one OSV record each
//
// each file also as .json.gz (what govulncheck asks an HTTP server for;
// from a folder it reads the .json). One mirror folder in this layout
// serves govulncheck and `bulwark db import` alike.

const (
	goIDDir    = "ID"
	goIndexDir = "index"
)

// isGoVulnDB reports whether a folder has the v1 layout: govulncheck
// itself decides by index/modules.json.
func isGoVulnDB(root *os.Root) bool {
	for _, p := range []string{"index/modules.json", "index/modules.json.gz"} {
		if fi, err := root.Stat(p); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// readGoVulnDB reads the records under ID/, each from its .json or, when
// only that is there, its .json.gz. Records index/modules.json lists but
// ID/ lacks (a partial copy) are reported as one problem.
func readGoVulnDB(root *os.Root, r *reader) error {
	r.st.Format = "Go vulndb v1"
	entries, err := fs.ReadDir(root.FS(), goIDDir)
	if err != nil {
		return fmt.Errorf("go vulndb: %w", err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	seen := map[string]bool{}
	fn := r.fn
	defer func() { r.fn = fn }()
	var buf []byte
	for _, e := range entries {
		name := e.Name()
		id, gz := strings.CutSuffix(name, ".json.gz")
		if !gz {
			var ok bool
			if id, ok = strings.CutSuffix(name, ".json"); !ok {
				continue
			}
		} else if names[id+".json"] {
			continue // the same record, uncompressed
		}
		p := goIDDir + "/" + name
		if !e.Type().IsRegular() {
			r.st.skip(p, errors.New("not a regular file"))
			continue
		}
		buf, err = readGoFile(root, p, gz, buf[:0])
		if err != nil {
			r.st.skip(p, err)
			continue
		}
		r.fn = func(v *osv.Vulnerability) {
			seen[v.ID] = true
			if v.ID != id && len(r.st.Problems) < maxProblems {
				// govulncheck looks records up by file name.
				r.st.Problems = append(r.st.Problems, fmt.Sprintf("%s: holds %s (govulncheck will not find it)", p, v.ID))
			}
			fn(v)
		}
		r.file(strings.TrimSuffix(p, ".gz"), buf)
	}
	listed, err := goIndexIDs(root)
	if err != nil {
		r.st.skip("index/modules.json", err)
		return nil
	}
	var missing []string
	for id := range listed {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		r.st.skip("index/modules.json", fmt.Errorf("lists %d records that ID/ does not hold or that could not be read (%s, ...): an incomplete copy?", len(missing), missing[0]))
	}
	return nil
}

// readGoFile reads one file of the layout, decompressing .gz, within
// osv.MaxRecordSize.
func readGoFile(root *os.Root, p string, gz bool, buf []byte) ([]byte, error) {
	f, err := root.Open(p)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	var rd io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return buf, err
		}
		defer zr.Close()
		rd = zr
	}
	return readLimited(buf, rd, osv.MaxRecordSize)
}

// goIndexIDs lists the record IDs of index/modules.json (or its .gz).
func goIndexIDs(root *os.Root) (map[string]bool, error) {
	data, err := readGoFile(root, "index/modules.json", false, nil)
	if errors.Is(err, fs.ErrNotExist) {
		data, err = readGoFile(root, "index/modules.json.gz", true, nil)
	}
	if err != nil {
		return nil, err
	}
	var mods []goModule
	if err := json.Unmarshal(data, &mods); err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, m := range mods {
		for _, v := range m.Vulns {
			ids[v.ID] = true
		}
	}
	return ids, nil
}

type goDBMeta struct {
	Modified time.Time `json:"modified"`
}

type goModule struct {
	Path  string         `json:"path"`
	Vulns []goModuleVuln `json:"vulns"`
}

type goModuleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type goVulnMeta struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

// GoVulnDBWriter writes records in the v1 layout, indexes computed as
// golang.org/x/vuln computes them, so govulncheck can read the folder.
type GoVulnDBWriter struct {
	dir      string
	modified time.Time
	modules  map[string]*goModule
	vulns    []goVulnMeta
}

// safeID is what a record ID must look like to name a file.
var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// NewGoVulnDBWriter starts the layout in dir, creating it.
func NewGoVulnDBWriter(dir string) (*GoVulnDBWriter, error) {
	for _, d := range []string{goIDDir, goIndexDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("go vulndb: %w", err)
		}
	}
	return &GoVulnDBWriter{dir: dir, modules: map[string]*goModule{}}, nil
}

// Add writes one record: raw is its JSON as published, v the parsed form.
// A record must affect a Go module.
func (w *GoVulnDBWriter) Add(raw []byte, v *osv.Vulnerability) error {
	if !safeID.MatchString(v.ID) {
		return fmt.Errorf("go vulndb: %q cannot name a file", v.ID)
	}
	modified, _ := time.Parse(time.RFC3339Nano, v.Modified)
	n := 0
	for _, a := range v.Affected {
		if base, _ := osv.Ecosystem(a.Package.Ecosystem); base != "Go" {
			continue
		}
		m := w.modules[a.Package.Name]
		if m == nil {
			m = &goModule{Path: a.Package.Name, Vulns: []goModuleVuln{}}
			w.modules[a.Package.Name] = m
		}
		m.Vulns = append(m.Vulns, goModuleVuln{ID: v.ID, Modified: modified, Fixed: latestFix(a.Ranges)})
		n++
	}
	if n == 0 {
		return fmt.Errorf("go vulndb: %s affects no Go module", v.ID)
	}
	if modified.After(w.modified) {
		w.modified = modified
	}
	w.vulns = append(w.vulns, goVulnMeta{ID: v.ID, Modified: modified, Aliases: v.Aliases})
	return writeJSONPair(filepath.Join(w.dir, goIDDir, v.ID), raw)
}

// Close writes the indexes.
func (w *GoVulnDBWriter) Close() error {
	mods := make([]*goModule, 0, len(w.modules))
	for _, m := range w.modules {
		sort.SliceStable(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	sort.Slice(w.vulns, func(i, j int) bool { return w.vulns[i].ID < w.vulns[j].ID })
	for name, v := range map[string]any{"db": goDBMeta{w.modified}, "modules": mods, "vulns": w.vulns} {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("go vulndb: %w", err)
		}
		if err := writeJSONPair(filepath.Join(w.dir, goIndexDir, name), data); err != nil {
			return err
		}
	}
	return nil
}

// writeJSONPair writes base.json and base.json.gz.
func writeJSONPair(base string, data []byte) error {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	if err := os.WriteFile(base+".json", data, 0o644); err != nil {
		return fmt.Errorf("go vulndb: %w", err)
	}
	if err := os.WriteFile(base+".json.gz", gz.Bytes(), 0o644); err != nil {
		return fmt.Errorf("go vulndb: %w", err)
	}
	return nil
}

// latestFix is the "fixed" govulncheck's index gives a module: the highest
// fixed version of the SEMVER ranges, or none when a later introduced
// event reopens the vulnerability after it (x/vuln's NonSupersededFix).
// govulncheck skips fetching a record for a module at or above this
// version, so it must never be higher than the record says.
func latestFix(ranges []osv.Range) string {
	latest := ""
	for _, r := range ranges {
		if r.Type != osv.RangeSemver {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && goLess(latest, e.Fixed) {
				latest = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && goLess(latest, e.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// goLess orders versions as x/vuln does: "v", "go" or no prefix; an
// invalid version sorts before every valid one.
func goLess(a, b string) bool {
	va, ea := semver.Parse(goSemver(a))
	vb, eb := semver.Parse(goSemver(b))
	switch {
	case ea != nil:
		return eb == nil
	case eb != nil:
		return false
	}
	return va.Compare(vb) < 0
}

func goSemver(s string) string {
	return strings.TrimPrefix(strings.TrimPrefix(s, "v"), "go")
}

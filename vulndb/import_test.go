package vulndb

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/osv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// copyTree copies a testdata tree to a temporary folder, where a test can
// add what a repository cannot hold (a .git folder) or take files away.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// withGit makes a copy of a layout look like a git checkout: HEAD on a
// branch, and a record-shaped file inside .git that must not be read.
func withGit(t *testing.T, src string) string {
	dir := copyTree(t, src)
	write(t, filepath.Join(dir, ".git", "HEAD"), "ref: refs/heads/master\n")
	write(t, filepath.Join(dir, ".git", "packed-refs"), "# pack-refs with: peeled fully-peeled sorted\n"+
		"a752ea54fd1b989d208a270aeef772f55a36b87a refs/heads/master\n")
	rec, err := os.ReadFile("testdata/records/GO-2024-2687.json")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, ".git", "objects", "GO-2024-2687.json"), strings.Replace(string(rec), "GO-2024-2687", "GO-FROM-DOT-GIT", 1))
	return dir
}

// dump describes a database's whole content, one line per entry, and an
// import's counts: what the golden files hold.
func dump(t *testing.T, path string, st Stats) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "stats: %s\n", st)
	for _, p := range st.Problems {
		fmt.Fprintf(&b, "problem: %s\n", p)
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	metas, err := db.Ecosystems()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range metas {
		rel, _ := db.Releases(m.Ecosystem)
		fmt.Fprintf(&b, "ecosystem %s: %d records, %d packages, releases %v\n", m.Ecosystem, m.Records, m.Packages, rel)
	}
	err = db.bolt.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bbolt.Bucket) error {
			if !bytes.HasPrefix(name, []byte(bucketPrefix)) {
				return nil
			}
			return bk.ForEach(func(k, v []byte) error {
				if bytes.Equal(k, releasesKey) {
					return nil
				}
				es, err := decodeEntries(v)
				if err != nil {
					return err
				}
				for _, e := range es {
					fmt.Fprintf(&b, "%s: %s", strings.ReplaceAll(string(k), "\x00", " "), e.ID)
					if len(e.Aliases) > 0 {
						fmt.Fprintf(&b, " %v", e.Aliases)
					}
					for _, r := range e.Ranges {
						fmt.Fprintf(&b, " %s(", r.Type)
						for i, ev := range r.Events {
							if i > 0 {
								b.WriteByte(' ')
							}
							for _, x := range []struct{ k, v string }{{"introduced", ev.Introduced}, {"fixed", ev.Fixed}, {"last_affected", ev.LastAffected}, {"limit", ev.Limit}} {
								if x.v != "" {
									fmt.Fprintf(&b, "%s=%s", x.k, x.v)
								}
							}
						}
						b.WriteByte(')')
					}
					if len(e.Versions) > 0 {
						fmt.Fprintf(&b, " versions=%d", len(e.Versions))
					}
					if e.Label != "" {
						fmt.Fprintf(&b, " label=%s", e.Label)
					}
					b.WriteByte('\n')
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestImportLayouts imports each layout users mirror, from real upstream
// files (testdata/layouts/SOURCES.md), and compares the database's
// content with a golden file.
func TestImportLayouts(t *testing.T) {
	for _, tt := range []struct {
		name string
		dir  func(t *testing.T) string
		// source is how the ecosystem's meta must name the input.
		source string
	}{
		// A golang/vulndb checkout: data/osv records; the YAML reports,
		// exclusions and the code's test records are passed over.
		{"golang-vulndb", func(t *testing.T) string { return withGit(t, "testdata/layouts/golang-vulndb") }, "(git a752ea54fd1b)"},
		// pypa/advisory-database: vulns/<pkg>/PYSEC-*.yaml.
		{"pypa", func(*testing.T) string { return "testdata/layouts/pypa" }, "testdata/layouts/pypa"},
		// rustsec/advisory-db, branch osv: crates/RUSTSEC-*.json.
		{"rustsec-osv", func(*testing.T) string { return "testdata/layouts/rustsec-osv" }, "rustsec-osv"},
		// github/advisory-database; the unreviewed record affects nothing.
		{"ghsa", func(*testing.T) string { return "testdata/layouts/ghsa" }, "ghsa"},
		// The Go vulnerability database's v1 layout, as x/vuln's tests
		// have it.
		{"govulndb-v1", func(*testing.T) string { return "testdata/layouts/govulndb-v1" }, "govulndb-v1"},
		// alpinelinux/alpine-secdb.
		{"alpine-secdb", func(*testing.T) string { return "testdata/layouts/alpine-secdb" }, "alpine-secdb"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			path := filepath.Join(t.TempDir(), "vuln.db")
			stats, err := Import(path, []string{dir}, nil)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, "golden/"+tt.name+".txt", []byte(dump(t, path, stats[dir])), *update)
			db, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			metas, _ := db.Ecosystems()
			for _, m := range metas {
				if !strings.Contains(m.Source, tt.source) || !filepath.IsAbs(strings.Fields(m.Source)[0]) {
					t.Errorf("%s source = %q, want an absolute path with %q", m.Ecosystem, m.Source, tt.source)
				}
			}
		})
	}
}

// TestYAMLMatchesJSON: PyPA's YAML records parse to what the same records
// give as JSON (PyPI.zip of the corpus, converted by PyPA's own
// tooling), fractional seconds apart.
func TestYAMLMatchesJSON(t *testing.T) {
	fromJSON := map[string]*osv.Vulnerability{}
	if _, err := ReadDir("testdata/pypa-json", func(v *osv.Vulnerability) { fromJSON[v.ID] = v }); err != nil {
		t.Fatal(err)
	}
	n := 0
	st, err := ReadDir("testdata/layouts/pypa", func(v *osv.Vulnerability) {
		want := fromJSON[v.ID]
		if want == nil {
			return // PYSEC-2024-55: the conversion wrote year 1 as "1-01-01"
		}
		n++
		for _, x := range []*osv.Vulnerability{v, want} {
			for _, f := range []*string{&x.Modified, &x.Published, &x.Withdrawn} {
				if ts, err := time.Parse(time.RFC3339Nano, *f); err == nil {
					*f = ts.Truncate(time.Second).Format(time.RFC3339)
				}
			}
		}
		if !reflect.DeepEqual(v, want) {
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(want)
			t.Errorf("%s differs:\nyaml %s\njson %s", v.ID, a, b)
		}
	})
	if err != nil || n != len(fromJSON) || st.Other != 1 {
		t.Errorf("compared %d of %d: %v %+v", n, len(fromJSON), err, st)
	}
}

// TestYAMLBounds: hostile YAML is a counted skip, quickly.
func TestYAMLBounds(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x]\n"
	for i := 'b'; i <= 'k'; i++ {
		bomb += fmt.Sprintf("%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	deep := "id: X\nmodified: '2024-01-01T00:00:00Z'\ndatabase_specific: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n"
	for _, tt := range []struct{ name, doc, err string }{
		{"alias bomb", "id: X\nmodified: '2024-01-01T00:00:00Z'\ndatabase_specific:\n  " + strings.ReplaceAll(bomb, "\n", "\n  ") + "\n", "aliases"},
		{"deep", deep, "nested deeper"},
		{"too large", "id: X\ndetails: " + strings.Repeat("a", MaxYAMLSize) + "\n", "limit"},
		{"not YAML", "id: [\n", "yaml"},
		{"a list key", "id: X\n? [a]\n: b\n", "plain value"},
		{"wrong type", "id: X\nmodified: '2024-01-01T00:00:00Z'\naffected: 3\n", "osv"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := &reader{fn: func(v *osv.Vulnerability) { t.Errorf("record from %s", tt.name) }}
			r.file("x.yaml", []byte(tt.doc))
			if r.st.Skipped != 1 || !strings.Contains(strings.Join(r.st.Problems, ""), tt.err) {
				t.Errorf("stats %+v, want a skip saying %q", r.st, tt.err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestYAMLScalars: YAML's implicit types do not leak into OSV's strings.
func TestYAMLScalars(t *testing.T) {
	doc := `id: PYSEC-X
modified: 2023-10-05 14:15:00.5
affected:
- package: {name: pkg, ecosystem: PyPI}
  versions: [1.10, 2.0, 3, '4.0', yes]
database_specific: {score: 7.50, count: 0x10, reviewed: true, note: ~}
`
	var got *osv.Vulnerability
	r := &reader{fn: func(v *osv.Vulnerability) { got = v }}
	r.file("x.yaml", []byte(doc))
	if got == nil {
		t.Fatalf("no record: %+v", r.st)
	}
	if got.Modified != "2023-10-05T14:15:00.5Z" || strings.Join(got.Affected[0].Versions, " ") != "1.10 2.0 3 4.0 yes" ||
		string(got.DatabaseSpecific) != `{"score":7.5,"count":16,"reviewed":true,"note":null}` {
		t.Errorf("record = %+v, database_specific %s", got, got.DatabaseSpecific)
	}
}

func TestGitHead(t *testing.T) {
	dir := t.TempDir()
	const commit = "0123456789abcdef0123456789abcdef01234567"
	write(t, filepath.Join(dir, "repo", ".git", "HEAD"), "ref: refs/heads/main\n")
	write(t, filepath.Join(dir, "repo", ".git", "refs", "heads", "main"), commit+"\n")
	os.MkdirAll(filepath.Join(dir, "repo", "data", "osv"), 0o755)
	// A worktree: .git is a file naming its folder, refs live in the
	// common folder.
	write(t, filepath.Join(dir, "wt", ".git"), "gitdir: "+filepath.Join(dir, "repo", ".git", "worktrees", "wt")+"\n")
	write(t, filepath.Join(dir, "repo", ".git", "worktrees", "wt", "HEAD"), "ref: refs/heads/main\n")
	write(t, filepath.Join(dir, "repo", ".git", "worktrees", "wt", "commondir"), "../..\n")
	// Detached.
	write(t, filepath.Join(dir, "detached", ".git", "HEAD"), commit+"\n")
	for p, want := range map[string]string{
		"repo/data/osv": "0123456789ab",
		"wt":            "0123456789ab",
		"detached":      "0123456789ab",
	} {
		if got := gitHead(filepath.Join(dir, p)); got != want {
			t.Errorf("gitHead(%s) = %q, want %q", p, got, want)
		}
	}
	if got := describeSource(filepath.Join(dir, "repo")); got != filepath.Join(dir, "repo")+" (git 0123456789ab)" {
		t.Errorf("describeSource = %q", got)
	}
}

// FuzzYAMLRecord: any input is a record, a counted skip or passed over,
// never a crash; a record from YAML is one osv.Parse accepts.
func FuzzYAMLRecord(f *testing.F) {
	files, _ := filepath.Glob("testdata/layouts/pypa/vulns/*/*.yaml")
	for _, p := range files {
		data, _ := os.ReadFile(p)
		f.Add(data)
	}
	f.Add([]byte("id: X\nmodified: 2024-01-01\na: &a [1, *a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &reader{fn: func(v *osv.Vulnerability) {
			if v.ID == "" || len(v.Affected) == 0 {
				t.Fatalf("passed on %+v", v)
			}
		}}
		r.file("x.yaml", data)
		if r.st.Records+r.st.Skipped+r.st.Other+r.st.Empty+r.st.SecDB == 0 {
			t.Fatalf("input neither read nor counted: %+v", r.st)
		}
	})
}

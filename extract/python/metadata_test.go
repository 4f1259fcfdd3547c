package python

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

// metadataTrees are the testdata folders copied from real Python
// installations (see testdata/SOURCES.md).
var metadataTrees = []string{"dist-packages", "site-packages", "python2.7"}

// walkDist runs DistExtractor over the metadata trees as the layer walk
// would: every regular file is offered to Required, with its path relative
// to testdata, and the wanted ones are extracted.
func walkDist(t *testing.T) (wanted []string, pkgs []inventory.Package) {
	t.Helper()
	var x DistExtractor
	for _, tree := range metadataTrees {
		err := filepath.WalkDir(filepath.Join("testdata", tree), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel := filepath.ToSlash(strings.TrimPrefix(p, "testdata"+string(filepath.Separator)))
			f := extract.File{Path: rel, Mode: info.Mode(), Size: info.Size()}
			if !x.Required(f) {
				return nil
			}
			wanted = append(wanted, rel)
			file, err := os.Open(p)
			if err != nil {
				return err
			}
			defer file.Close()
			res, err := x.Extract(context.Background(), extract.Input{File: f, Content: io.LimitReader(file, x.MaxSize())})
			if err != nil {
				t.Errorf("%s: %v", rel, err)
				return nil
			}
			pkgs = append(pkgs, res.Packages...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return wanted, pkgs
}

func TestDistGolden(t *testing.T) {
	_, pkgs := walkDist(t)
	golden.CheckJSON(t, "dist.golden.json", pkgs, *update)
}

// importlibRecord is one distribution as CPython's importlib.metadata read
// it, recorded by testdata/importlib_metadata.py.
type importlibRecord struct {
	Path               string   `json:"path"`
	Name               *string  `json:"name"`
	Version            *string  `json:"version"`
	License            *string  `json:"license"`
	LicenseExpression  *string  `json:"licenseExpression"`
	LicenseClassifiers []string `json:"licenseClassifiers"`
}

// TestAgreesWithImportlib compares the header parser with CPython's
// importlib.metadata over the same files: which files are distributions,
// and the values of the fields Bulwark reads.
func TestAgreesWithImportlib(t *testing.T) {
	data, err := os.ReadFile("testdata/importlib-metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Distributions []importlibRecord `json:"distributions"`
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Distributions) == 0 {
		t.Fatal("no recorded distributions")
	}
	var fromImportlib []string
	for _, d := range rec.Distributions {
		file := d.Path
		switch {
		case strings.HasSuffix(d.Path, ".dist-info"):
			file += "/METADATA"
		case isDir(filepath.Join("testdata", d.Path)):
			file += "/PKG-INFO"
		}
		fromImportlib = append(fromImportlib, file)
		f, err := os.Open(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		h, err := readHeaders(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		check := func(field string, got string, have bool, want *string) {
			if want == nil && have || want != nil && (!have || got != *want) {
				t.Errorf("%s: %s = %q (present %v), importlib has %v", file, field, got, have, deref(want))
			}
		}
		check("Name", h.name, h.haveName, d.Name)
		check("Version", h.version, h.haveVersion, d.Version)
		check("License", h.license, h.haveLicense, d.License)
		check("License-Expression", h.licenseExpr, h.haveLicenseExpr, d.LicenseExpression)
		if !slices.Equal(h.classifiers, d.LicenseClassifiers) && (len(h.classifiers) > 0 || len(d.LicenseClassifiers) > 0) {
			t.Errorf("%s: classifiers %q, importlib has %q", file, h.classifiers, d.LicenseClassifiers)
		}
	}
	wanted, _ := walkDist(t)
	slices.Sort(wanted)
	slices.Sort(fromImportlib)
	if !slices.Equal(wanted, fromImportlib) {
		t.Errorf("Required picked\n%s\nimportlib found\n%s", strings.Join(wanted, "\n"), strings.Join(fromImportlib, "\n"))
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func TestDistRequired(t *testing.T) {
	cases := []struct {
		path string
		mode fs.FileMode
		want bool
	}{
		{"usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", 0, true},
		{"usr/local/lib/python3.12/site-packages/requests-2.32.3.dist-info/METADATA", 0, true},
		{"opt/venv/lib/python3.11/site-packages/flask-3.1.3.dist-info/METADATA", 0, true},
		{"app/.venv/lib/python3.13/site-packages/uv-0.5.dist-info/METADATA", 0, true},
		{"usr/lib/python3/dist-packages/requests-2.28.1.egg-info/PKG-INFO", 0, true},
		{"usr/lib/python3/dist-packages/cryptography.egg-info/PKG-INFO", 0, true},
		{"usr/lib/python2.7/dist-packages/python_apt-1.8.4.egg-info", 0, true},
		{"usr/lib/python2.7/wsgiref.egg-info", 0, true},
		{"usr/lib/python3.6/site-packages/setuptools-39.2.0-py3.6.egg/EGG-INFO/PKG-INFO", 0, true},
		{"six-1.16.0.dist-info/METADATA", 0, true},
		// Not distribution metadata.
		{"usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD", 0, false},
		{"usr/lib/python3/dist-packages/six-1.16.0.dist-info", fs.ModeDir, false},
		{"usr/lib/python3/dist-packages/six-1.16.0.egg-info", fs.ModeDir, false},
		{"usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", fs.ModeSymlink, false},
		{"usr/lib/python3/dist-packages/pkg/METADATA", 0, false},
		{"src/project/PKG-INFO", 0, false}, // an sdist's own PKG-INFO
		{"usr/lib/python3/EGG-INFO/PKG-INFO", 0, false},
		{"usr/lib/python3/dist-packages/.egg-info", 0, false},
		{"usr/share/doc/six/METADATA.dist-info", 0, false},
	}
	var x DistExtractor
	for _, c := range cases {
		if got := x.Required(extract.File{Path: c.path, Mode: c.mode}); got != c.want {
			t.Errorf("Required(%s, %v) = %v, want %v", c.path, c.mode, got, c.want)
		}
	}
}

func TestParseMetadataForms(t *testing.T) {
	cases := []struct {
		name, in string
		want     inventory.Package
		wantErr  string
	}{
		{
			name: "license expression wins",
			in:   "Metadata-Version: 2.4\nName: x\nVersion: 1\nLicense: MIT\nLicense-Expression: Apache-2.0 OR MIT\nClassifier: License :: OSI Approved :: MIT License\n\nbody",
			want: pkg("x", "1", "Apache-2.0 OR MIT"),
		},
		{
			name: "short license mapped to SPDX",
			in:   "Name: x\nVersion: 1\nLicense: Apache 2.0\n",
			want: pkg("x", "1", "Apache-2.0"),
		},
		{
			name: "unknown license name kept as written",
			in:   "Name: x\nVersion: 1\nLicense: Dual License\nClassifier: License :: OSI Approved :: MIT License\n",
			want: pkg("x", "1", "Dual License"),
		},
		{
			name: "license text falls back to classifiers",
			in: "Name: x\nVersion: 1\nLicense: Copyright (c) 2010 Someone\n        \n        Permission is hereby granted, free of charge\n" +
				"Classifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: Apache Software License\nClassifier: License :: OSI Approved :: MIT License\n",
			want: pkg("x", "1", "MIT", "Apache-2.0"),
		},
		{
			name: "UNKNOWN is no license",
			in:   "Name: x\nVersion: 1\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: BSD License\nClassifier: License :: OSI Approved\n",
			want: pkg("x", "1", "BSD License"),
		},
		{
			name: "long license falls back",
			in:   "Name: x\nVersion: 1\nLicense: " + strings.Repeat("word ", 40) + "\nClassifier: License :: Public Domain\n",
			want: pkg("x", "1", "Public Domain"),
		},
		{
			name: "keys ignore case, first wins, CRLF",
			in:   "name: First\r\nVERSION: 2.0\r\nName: Second\r\nversion: 3\r\n\r\nName: body",
			want: pkg("First", "2.0"),
		},
		{
			name: "continuation of Name is joined",
			in:   "Name: zope\n  .interface\nVersion: 5\n",
			want: pkg("zope .interface", "5"),
		},
		{
			name: "whitespace-only line continues the block",
			in:   "Name: x\nDescription: first\n        \n        more\nVersion: 1\n",
			want: pkg("x", "1"),
		},
		{
			name: "lone CR ends lines",
			in:   "Name: x\rVersion: 1\r\rVersion: 2\n",
			want: pkg("x", "1"),
		},
		{
			name: "envelope line skipped",
			in:   "From nobody\nName: x\nFrom somebody\n  y\nVersion: 1\n",
			want: pkg("x", "1"),
		},
		{
			name:    "body starts without blank line",
			in:      "Name: x\nThis is not a header\nVersion: 1\n",
			wantErr: "no Version",
		},
		{name: "empty", in: "", wantErr: "no Name"},
		{name: "blank first line", in: "\nName: x\nVersion: 1\n", wantErr: "no Name"},
		{name: "no version", in: "Metadata-Version: 2.1\nName: x\n", wantErr: "no Version"},
		{name: "empty version", in: "Name: x\nVersion:   \n", wantErr: "no Version"},
		{name: "no trailing newline", in: "Name: x\nVersion: 1", want: pkg("x", "1")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseMetadata(strings.NewReader(c.in))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func pkg(name, version string, licenses ...string) inventory.Package {
	return inventory.Package{Type: inventory.TypePyPI, Name: name, Version: version, Licenses: licenses, Layer: -1}
}

func TestClassifierLicense(t *testing.T) {
	for in, want := range map[string]string{
		"License :: OSI Approved :: MIT License":                                             "MIT",
		"License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
		"License :: OSI Approved :: BSD License":                                             "BSD License",
		"License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication":                    "CC0-1.0",
		"License :: OSI Approved":                                                            "",
		"License ::":                                                                         "",
		"Programming Language :: Python":                                                     "",
	} {
		if got := classifierLicense(in); got != want {
			t.Errorf("classifierLicense(%q) = %q, want %q", in, got, want)
		}
	}
}

// countingReader yields a metadata header and then an endless body of the
// fill byte, broken into 80-byte lines unless oneLine is set, counting what
// is read from it.
type countingReader struct {
	head    []byte
	fill    byte
	oneLine bool
	n, max  int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.n >= r.max {
		return 0, io.EOF
	}
	if int64(len(p)) > r.max-r.n {
		p = p[:r.max-r.n]
	}
	k := 0
	if r.n < int64(len(r.head)) {
		k = copy(p, r.head[r.n:])
	}
	for i := k; i < len(p); i++ {
		p[i] = r.fill
		if !r.oneLine && (r.n+int64(i))%80 == 79 {
			p[i] = '\n'
		}
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestMetadataHugeBodyNotRead(t *testing.T) {
	head, err := os.ReadFile("testdata/site-packages/cryptography-48.0.0.dist-info/METADATA")
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(head, []byte("\n\n"))
	r := &countingReader{head: head[:i+2], fill: 'x', max: 100 << 20}
	got, err := ParseMetadata(r)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "cryptography" || got.Version != "48.0.0" {
		t.Errorf("got %+v", got)
	}
	if r.n > 64<<10 {
		t.Errorf("read %d bytes of a 100 MB file; the header is %d", r.n, i+2)
	}
}

func TestMetadataHugeHeaderBounded(t *testing.T) {
	for _, r := range []*countingReader{
		// A Description header continued for 100 MB: each line starts
		// with a space.
		{fill: ' '},
		// One header line without a newline for 100 MB.
		{fill: 'x', oneLine: true},
		// A License header continued for 100 MB.
		{fill: ' ', head: []byte("Name: big\nVersion: 1.0\nLicense: ")},
		{fill: ' ', head: []byte("Name: big\nVersion: 1.0\nClassifier: License :: ")},
	} {
		if r.head == nil {
			r.head = []byte("Name: big\nVersion: 1.0\nDescription: ")
		}
		r.max = 100 << 20
		start := time.Now()
		got, err := ParseMetadata(r)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "big" || got.Version != "1.0" {
			t.Errorf("got %+v", got)
		}
		if r.n > maxHeaderBytes+64<<10 {
			t.Errorf("oneLine=%v: read %d bytes, limit is %d", r.oneLine, r.n, maxHeaderBytes)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("oneLine=%v: took %v", r.oneLine, d)
		}
	}
}

func TestMetadataBinaryJunk(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	junk := make([]byte, 1<<20)
	rng.Read(junk)
	if _, err := ParseMetadata(bytes.NewReader(junk)); err == nil {
		t.Error("random bytes parsed as metadata")
	}
	elf, err := os.ReadFile("/proc/self/exe")
	if err == nil {
		if _, err := ParseMetadata(bytes.NewReader(elf)); err == nil {
			t.Error("an executable parsed as metadata")
		}
	}
}

func TestMetadataInvalidUTF8(t *testing.T) {
	got, err := ParseMetadata(strings.NewReader("Name: caf\xe9\nVersion: 1\xff\nLicense: \xfe\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "caf\uFFFD" || got.Version != "1\uFFFD" || len(got.Licenses) != 1 || got.Licenses[0] != "\uFFFD" {
		t.Errorf("got %+v", got)
	}
}

// errReader fails after its data.
type errReader struct{ data []byte }

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestMetadataReadError(t *testing.T) {
	_, err := DistExtractor{}.Extract(context.Background(), extract.Input{
		File:    extract.File{Path: "x.dist-info/METADATA"},
		Content: &errReader{[]byte("Name: x\n")},
	})
	if err == nil || !strings.Contains(err.Error(), "python-dist: x.dist-info/METADATA") {
		t.Errorf("err = %v", err)
	}
}

func FuzzParseMetadata(f *testing.F) {
	for _, tree := range metadataTrees {
		filepath.WalkDir(filepath.Join("testdata", tree), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if data, err := os.ReadFile(p); err == nil {
					f.Add(data)
				}
			}
			return nil
		})
	}
	f.Add([]byte("Name: x\r\nVersion: 1\rLicense: \n  a\nClassifier: License :: x\n ::y\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseMetadata(bytes.NewReader(data))
		if err != nil {
			return
		}
		if p.Name == "" || p.Version == "" || p.Type != inventory.TypePyPI {
			t.Fatalf("bad package %+v", p)
		}
		for _, l := range p.Licenses {
			if l == "" {
				t.Fatalf("empty license in %+v", p)
			}
		}
	})
}

func BenchmarkParseMetadata(b *testing.B) {
	// A METADATA with its whole (70 KB) long description, as installed.
	data, err := os.ReadFile("testdata/site-packages/cryptography-48.0.0.dist-info/METADATA")
	if err != nil {
		b.Fatal(err)
	}
	data = append(data, bytes.Repeat([]byte("Long description line of a README.\n"), 2000)...)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMetadata(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

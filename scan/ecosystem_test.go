package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark/ecosystem"
	"github.com/bulwark-sec/bulwark/extract"
)

// TestExtractorTypes checks that every package type the default
// extractors produce has a row in the ecosystem table, so that purls,
// matching and the database all know it, and that operating-system
// extractors produce distribution types and language extractors the
// others (the rows' own completeness is tested in package ecosystem).
// An extractor's types are read from the golden outputs in its package's
// testdata; one without any is run over its testdata files instead.
func TestExtractorTypes(t *testing.T) {
	osx, langx := OSExtractors(), LanguageExtractors()
	if got, want := names(Extractors()), names(append(osx, langx...)); !slices.Equal(got, want) {
		t.Errorf("Extractors() = %v, want OSExtractors() and LanguageExtractors(): %v", got, want)
	}
	for _, list := range []struct {
		exts   []extract.Extractor
		distro bool
	}{{osx, true}, {langx, false}} {
		for _, x := range list.exts {
			types, facts := producedTypes(t, x)
			if len(types) == 0 && !facts {
				t.Errorf("%s: found no package types it produces: give its testdata a golden output", x.Name())
			}
			for _, typ := range types {
				d, ok := ecosystem.ByPackageType(typ)
				switch {
				case !ok:
					t.Errorf("%s: package type %q has no row in the ecosystem table", x.Name(), typ)
				case d.Distro() != list.distro:
					t.Errorf("%s: package type %q is a distribution's: %v, but the extractor is listed with the other kind", x.Name(), typ, d.Distro())
				}
			}
		}
	}
}

func names(exts []extract.Extractor) []string {
	var out []string
	for _, x := range exts {
		out = append(out, x.Name())
	}
	return out
}

// producedTypes returns the package types an extractor produces, read from
// its package's golden outputs or, without any, by running it over its
// testdata files. facts is set when such a run finds an OS and no
// packages: an extractor of facts, not packages.
func producedTypes(t *testing.T, x extract.Extractor) (types []string, facts bool) {
	t.Helper()
	typ := reflect.TypeOf(x)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	module := strings.TrimSuffix(reflect.TypeOf(Options{}).PkgPath(), "/scan")
	dir := filepath.Join("..", filepath.FromSlash(strings.TrimPrefix(typ.PkgPath(), module+"/")), "testdata")
	var files []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", x.Name(), err)
	}
	seen := map[string]bool{}
	add := func(typ string) {
		if typ != "" && !seen[typ] {
			seen[typ] = true
			types = append(types, typ)
		}
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden.json") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		packageTypes(v, add)
	}
	if len(types) > 0 {
		return types, false
	}
	for _, f := range files {
		r := run(t, x, f)
		for _, p := range r.Packages {
			add(p.Type)
		}
		if r.Licenses != nil {
			add(r.Licenses.Type)
		}
		facts = facts || r.OS != nil
	}
	return types, facts && len(types) == 0
}

// packageTypes calls add with the type of every package in a decoded
// golden file: every object with a string type and name.
func packageTypes(v any, add func(string)) {
	switch v := v.(type) {
	case map[string]any:
		typ, ok1 := v["type"].(string)
		_, ok2 := v["name"].(string)
		if ok1 && ok2 {
			add(typ)
		}
		for _, e := range v {
			packageTypes(e, add)
		}
	case []any:
		for _, e := range v {
			packageTypes(e, add)
		}
	}
}

// run hands one testdata file (gunzipped if compressed) to an extractor,
// whatever its name; failures are expected and ignored.
func run(t *testing.T, x extract.Extractor, path string) extract.Result {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return extract.Result{}
		}
		if data, err = io.ReadAll(zr); err != nil {
			return extract.Result{}
		}
	}
	if int64(len(data)) > x.MaxSize() {
		return extract.Result{}
	}
	f := extract.File{Path: filepath.ToSlash(filepath.Base(path)), Mode: 0o755, Size: int64(len(data))}
	r, _ := x.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(data), TempDir: t.TempDir()})
	return r
}

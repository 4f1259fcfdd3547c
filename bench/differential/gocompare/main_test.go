package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/extract/gobinary"
	"github.com/bulwark-sec/bulwark/inventory"
	"github.com/bulwark-sec/bulwark/match"
	"github.com/bulwark-sec/bulwark/vulndb"
)

// TestAgreesWithGovulncheck: Bulwark's findings in a real Go binary are
// the (module, GO ID) pairs govulncheck reported for it from the same
// records (see testdata/SOURCES.md).
func TestAgreesWithGovulncheck(t *testing.T) {
	want, err := readGovulncheck("testdata/scanme.govulncheck.json")
	if err != nil {
		t.Fatal(err)
	}
	gz, err := os.ReadFile("../../../extract/gobinary/testdata/scanme.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var bin bytes.Buffer
	if _, err := bin.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	res, err := gobinary.Extractor{}.Extract(context.Background(), extract.Input{
		File:    extract.File{Path: "scanme", Mode: 0o755, Size: int64(bin.Len())},
		Content: &bin,
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vuln.db")
	if _, err := vulndb.Import(path, []string{"testdata/records"}, nil); err != nil {
		t.Fatal(err)
	}
	db, err := vulndb.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vulns, _, err := match.Match(&inventory.Inventory{Packages: res.Packages}, db, match.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[pair]string{}
	for _, v := range vulns {
		for _, id := range v.Records {
			got[pair{v.Package.Name, id}] = v.Package.Version
		}
	}
	if len(want.pairs) != 2 || !reflect.DeepEqual(got, want.pairs) {
		t.Errorf("bulwark %v, govulncheck %v", got, want.pairs)
	}
}

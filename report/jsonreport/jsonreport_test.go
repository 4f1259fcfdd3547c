package jsonreport

import (
	"bytes"
	"encoding/json"
	"flag"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/internal/testreport"
	"github.com/bulwark-sec/bulwark/report"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, testreport.Sample()); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "sample.json", buf.Bytes(), *update)

	// The output reads back into the same type, packages sorted.
	var back report.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	p := back.Inventory.Packages
	if len(p) != 7 || p[0].Type != "apk" || p[len(p)-1].Type != "rpm" {
		t.Errorf("packages not sorted by type: %v", p)
	}
	// Writing must not reorder the caller's report.
	if s := testreport.Sample(); s.Inventory.Packages[0].Name != "libssl3" {
		t.Fatal("sample changed")
	}
}

func TestEmptyListsAreArrays(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, &report.Report{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"packages": []`)) || !bytes.Contains(buf.Bytes(), []byte(`"layers": []`)) {
		t.Errorf("empty lists not written as []:\n%s", buf.Bytes())
	}
}

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

// Misconfigurations are streamed after the rest; the result is the same
// JSON as marshalling the whole report.
func TestStreamedFindings(t *testing.T) {
	r := testreport.SampleWithFindings()
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "findings.json", buf.Bytes(), *update)
	var back report.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, buf.Bytes())
	}
	if len(back.Misconfigurations) != 1 || len(back.SuppressedMisconfigurations) != 1 || back.Misconfigurations[0].CheckID != "BW-IMG-001" {
		t.Errorf("round trip: %+v / %+v", back.Misconfigurations, back.SuppressedMisconfigurations)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n  ]\n}\n")) {
		t.Errorf("layout:\n%s", buf.Bytes())
	}
}

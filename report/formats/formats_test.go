package formats

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/bulwark-sec/bulwark/internal/testreport"
)

func TestLookup(t *testing.T) {
	rep := testreport.Sample()
	for _, name := range append(Names(), "spdx") {
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("%s: not found", name)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, rep); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if f.Name != "table" && !json.Valid(buf.Bytes()) {
			t.Errorf("%s (%s): not JSON", name, f.ContentType)
		}
		if buf.Len() == 0 {
			t.Errorf("%s: empty", name)
		}
	}
	if _, ok := Lookup("xml"); ok {
		t.Error("xml found")
	}
}

package compose

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzScan: any input gives findings or an error, never a panic or hang,
// and every finding points at a line of the input.
func FuzzScan(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/real/*.y*ml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(svc("    image: a\n    privileged: true\n    ports: [\"5432:5432\"]\n    volumes: [\"/:/h\"]\n    environment: [PASSWORD=x]\n")))
	f.Add([]byte("x: &a {privileged: true}\nservices:\n  a:\n    <<: *a\n    image: ${X:?y}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, _ := Scan("compose.yaml", data)
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, x := range fs {
			if x.StartLine < 0 || x.StartLine > lines || x.CheckID == "" || x.Resource.Name == "" {
				t.Fatalf("bad finding %+v for %d lines", x, lines)
			}
		}
	})
}

package host

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDaemonJSON: any daemon.json gives options or an error, never a
// panic, and every option's line is a line of the input.
func FuzzDaemonJSON(f *testing.F) {
	for _, tree := range []string{"hardened", "careless"} {
		if data, err := os.ReadFile(filepath.Join("testdata", tree, "etc/docker/daemon.json")); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"hosts": ["tcp://0.0.0.0:2375"], "a": {"b": [1, {"c": null}]}, "icc": false}`))
	f.Add([]byte("{\n\"x\"\n:\n1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts, err := parseDaemonJSON(data)
		if err != nil {
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		for k, v := range opts {
			if v.line < 1 || v.line > lines {
				t.Fatalf("%q at line %d of %d", k, v.line, lines)
			}
		}
	})
}

// FuzzExecStart: any unit file, its ExecStart split into words and read
// as dockerd's flags, never panics, and a whole audit of it neither.
func FuzzExecStart(f *testing.F) {
	for _, tree := range []string{"hardened", "careless"} {
		if data, err := os.ReadFile(filepath.Join("testdata", tree, "lib/systemd/system/docker.service")); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("[Service]\nExecStart=-/usr/bin/dockerd -Htcp://x \"--log-level\" 'debug' $OPTS ${X}y \\\n --icc=false\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, l := range parseUnit(data) {
			if l.line < 1 || l.line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("line %d", l.line)
			}
			words, err := splitCommand(l.value)
			if err != nil {
				continue
			}
			for _, o := range parseFlags(words) {
				if o.word < 0 || o.word >= len(words) {
					t.Fatalf("flag %+v of %d words", o, len(words))
				}
			}
		}
		dir := t.TempDir()
		p := filepath.Join(dir, "lib/systemd/system/docker.service")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tree, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer tree.Close()
		if _, err := Scan(context.Background(), tree, Options{}); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzDecodeContainer: any inspect answer decodes to a container with an
// ID or an error, never a panic, and the section 5 checks run on it.
func FuzzDecodeContainer(f *testing.F) {
	for _, c := range []*Container{carelessContainer(), carefulContainer()} {
		data, err := json.Marshal(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"Id": "x"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		DecodeContainerIDs(bytes.NewReader(data))
		c, err := DecodeContainer(bytes.NewReader(data))
		if err != nil {
			return
		}
		if c.ID == "" {
			t.Fatal("a container without an ID")
		}
		s := &scanner{}
		s.checkContainers([]*Container{c}, false)
	})
}

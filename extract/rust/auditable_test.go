package rust

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/internal/golden"
	"github.com/bulwark-sec/bulwark/inventory"
)

func gunzip(t testing.TB, p string) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(mustRead(t, p)))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func runBinary(t *testing.T, data []byte, r io.Reader) []inventory.Package {
	t.Helper()
	f := extract.File{Path: "usr/local/bin/scanme-rs", Mode: 0o755, Size: int64(len(data))}
	if !(BinaryExtractor{}).Required(f) {
		t.Fatal("Required = false for an executable")
	}
	res, err := BinaryExtractor{}.Extract(context.Background(), extract.Input{File: f, Content: r})
	if err != nil {
		t.Fatal(err)
	}
	return res.Packages
}

// The two fixtures: cargo-auditable's layout (a section that is not
// allocated, after the loadable segments) and the `auditable` crate's (an
// allocated read-only section).
var binaries = []struct {
	file      string
	allocated bool
}{
	{"scanme-auditable.gz", false},
	{"scanme-linksection.gz", true},
}

func TestBinaries(t *testing.T) {
	// objcopy --dump-section and Python's zlib, recorded when the
	// fixtures were built.
	want := mustRead(t, "testdata/audit.objcopy.json")
	wantPkgs, err := ParseAudit(want)
	if err != nil {
		t.Fatal(err)
	}
	golden.CheckJSON(t, "audit.golden.json", wantPkgs, *update)
	for _, b := range binaries {
		t.Run(b.file, func(t *testing.T) {
			data := gunzip(t, "testdata/"+b.file)
			checkLayout(t, data, b.allocated, want)
			for name, r := range map[string]io.Reader{
				"whole":    bytes.NewReader(data),
				"halves":   iotest.HalfReader(bytes.NewReader(data)),
				"one byte": iotest.OneByteReader(bytes.NewReader(data)),
			} {
				got := runBinary(t, data, r)
				for i := range got {
					if got[i].Location != "usr/local/bin/scanme-rs" {
						t.Errorf("%s: location %q", name, got[i].Location)
					}
					got[i].Location = ""
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(wantPkgs)
				if !bytes.Equal(g, w) {
					t.Errorf("%s: got\n%s\nwant\n%s", name, g, w)
				}
			}
		})
	}
}

// checkLayout reads the fixture with debug/elf, independently of the
// scanner: the section holds the recorded document, and lies where the
// fixture is meant to show.
func checkLayout(t *testing.T, data []byte, allocated bool, want []byte) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	sec := f.Section(".dep-v0")
	if sec == nil {
		t.Fatal("no .dep-v0 section")
	}
	zr, err := zlib.NewReader(sec.Open())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(doc, '\n'), want) {
		t.Errorf("debug/elf reads a different document:\n%s", doc)
	}
	if got := sec.Flags&elf.SHF_ALLOC != 0; got != allocated {
		t.Errorf("SHF_ALLOC = %v, want %v", got, allocated)
	}
	var in *elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && sec.Offset >= p.Off && sec.Offset < p.Off+p.Filesz {
			in = p
		}
	}
	switch {
	case allocated && (in == nil || in.Flags&elf.PF_X != 0):
		t.Errorf("allocated section not in a non-executable segment: %v", in)
	case allocated && sec.Offset < headSize:
		// The small fixture's section is in the head; the scan from the
		// head on is what TestAcrossBoundaries covers.
	case !allocated && in != nil:
		t.Errorf("unallocated section inside a loadable segment")
	}
}

func TestNotRust(t *testing.T) {
	bin, _ := os.ReadFile("/bin/true")
	for name, data := range map[string][]byte{
		"shell script":  []byte("#!/bin/sh\necho hi\n" + strings.Repeat("#", 2000)),
		"C binary":      bin,
		"truncated ELF": append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...),
		"junk ELF":      append([]byte("\x7fELF"), bytes.Repeat([]byte{0x78, 0x9c, 0xff}, 40960)...),
		"empty":         nil,
	} {
		res, err := BinaryExtractor{}.Extract(context.Background(), extract.Input{
			File: extract.File{Path: "bin/x", Mode: 0o755}, Content: bytes.NewReader(data)})
		if err != nil || len(res.Packages) != 0 {
			t.Errorf("%s: %v, %v", name, res.Packages, err)
		}
	}
	for _, f := range []extract.File{
		{Mode: 0o644, Size: 1 << 20},
		{Mode: 0o755, Size: 100},
		{Mode: 0o755 | os.ModeSymlink, Size: 1 << 20},
	} {
		if (BinaryExtractor{}).Required(f) {
			t.Errorf("Required(%v)", f)
		}
	}
}

// synthetic builds a file with no program headers to go by (so it is
// searched whole), holding stream at offset at.
func synthetic(at int, stream []byte) []byte {
	data := make([]byte, at, at+len(stream)+64)
	copy(data, "\x7fELF")
	for i := 4; i < at; i++ {
		data[i] = byte(i * 7) // assorted bytes, including zlib-like pairs
	}
	return append(append(data, stream...), make([]byte, 64)...)
}

func deflate(t testing.TB, doc []byte) []byte {
	var b bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&b, zlib.BestCompression)
	zw.Write(doc)
	zw.Close()
	return b.Bytes()
}

// TestAcrossBoundaries puts the stream where it straddles the head, the
// search window and the probe lookahead.
func TestAcrossBoundaries(t *testing.T) {
	doc := mustRead(t, "testdata/audit.objcopy.json")
	stream := deflate(t, doc)
	for _, at := range []int{8, headSize - 1, headSize - 100, firstChunk - 1, firstChunk + headSize - 2, 3*firstChunk - 5, scanChunk - 1, scanChunk - probeAhead/2, scanChunk + headSize - 3, 3*scanChunk - 1} {
		data := synthetic(at, stream)
		for name, r := range map[string]io.Reader{
			"whole":    bytes.NewReader(data),
			"one byte": iotest.OneByteReader(bytes.NewReader(data)),
		} {
			got, err := FindAudit(context.Background(), r)
			if err != nil || !bytes.Equal(got, doc) {
				t.Errorf("at %d, %s: %d bytes, %v", at, name, len(got), err)
			}
		}
	}
}

func TestMalformedAudit(t *testing.T) {
	doc := mustRead(t, "testdata/audit.objcopy.json")
	stream := deflate(t, doc)
	// 12 MiB of spaces deflate to some 12 KiB.
	var bomb bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&bomb, zlib.BestSpeed)
	zw.Write([]byte(`{"packages":[`))
	zw.Write(bytes.Repeat([]byte(" "), 12<<20))
	zw.Close()
	corrupt := bytes.Clone(stream)
	corrupt[len(corrupt)-1] ^= 0xff // the checksum
	for name, tc := range map[string]struct {
		data []byte
		want error // nil: any error
	}{
		"zlib bomb":     {synthetic(100, bomb.Bytes()), errTooLarge},
		"bad checksum":  {synthetic(100, corrupt), zlib.ErrChecksum},
		"truncated":     {synthetic(100, stream[:len(stream)-40])[:100+len(stream)-40], nil},
		"not json":      {synthetic(100, deflate(t, []byte(`{"packages":[}`))), nil},
		"wrong type":    {synthetic(100, deflate(t, []byte(`{"packages":[{"name":1}]}`))), nil},
		"null packages": {synthetic(100, deflate(t, []byte(`{"packages":null}`))), errNoPackages},
		"format only":   {synthetic(100, deflate(t, []byte(`{"format":1}`))), errNoPackages},
	} {
		_, err := BinaryExtractor{}.Extract(context.Background(), extract.Input{
			File: extract.File{Path: "bin/x", Mode: 0o755}, Content: bytes.NewReader(tc.data)})
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "cargo-auditable: bin/x: ") {
			t.Errorf("%s: error without context: %v", name, err)
		}
	}
	// A stream that does not inflate to an audit document is passed over.
	other := synthetic(100, deflate(t, []byte(`{"name":"not audit data"}`)))
	if got, err := FindAudit(context.Background(), bytes.NewReader(other)); got != nil || err != nil {
		t.Errorf("other zlib data: %q, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FindAudit(ctx, bytes.NewReader(synthetic(2*scanChunk, stream))); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestPlausible checks the cheap test candidates pass before being
// inflated against what compressors write: Go's zlib at every level, and
// Python's (the fixtures' payload), for small and large documents.
func TestPlausible(t *testing.T) {
	doc := mustRead(t, "testdata/audit.objcopy.json")
	big := bytes.Repeat(doc, 200)
	for level := zlib.BestSpeed; level <= zlib.BestCompression; level++ {
		for _, d := range [][]byte{doc, big, []byte(`{"packages":[]}`)} {
			var b bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&b, level)
			zw.Write(d)
			zw.Close()
			if !plausible(b.Bytes()) {
				t.Errorf("level %d, %d bytes: % x not plausible", level, len(d), b.Bytes()[:4])
			}
		}
	}
	for _, bin := range binaries {
		data := gunzip(t, "testdata/"+bin.file)
		f, _ := elf.NewFile(bytes.NewReader(data))
		raw, _ := f.Section(".dep-v0").Data()
		if !plausible(raw) {
			t.Errorf("%s: % x not plausible", bin.file, raw[:4])
		}
	}
	for _, b := range [][]byte{
		{0x78, 0x9c},             // too short to tell
		{0x78, 0x9d, 0x7d, 0x00}, // bad check bits
		{0x78, 0xbb, 0x7d, 0x00}, // preset dictionary
		{0x78, 0x9c, 0x00, 0x00}, // stored block, too short to tell
		{0x78, 0x9c, 0x00, 0x0f, 0x00, 0xf1, 0xff, '{', '"'}, // stored, bad NLEN
		{0x78, 0x9c, 0x00, 0x0f, 0x00, 0xf0, 0xff, '[', '"'}, // stored, not an object
		{0x78, 0x9c, 0x07, 0x00},                             // reserved block type
		{0x78, 0x9c, 0xf5, 0x00},                             // dynamic, too many literal codes
		{0x78, 0x9c, 0x05, 0x1f},                             // dynamic, too many distance codes
	} {
		if plausible(b) {
			t.Errorf("% x plausible", b)
		}
	}
}

// TestTooManyCandidates: a file made of nothing but zlib-like headers is
// given up on after a bounded number of tries.
func TestTooManyCandidates(t *testing.T) {
	data := append([]byte("\x7fELF"), bytes.Repeat([]byte("\x78\x9c\x7d\x12\x34\x56"), 2*maxProbes)...)
	if _, err := FindAudit(context.Background(), bytes.NewReader(data)); !errors.Is(err, errTooManyCandidates) {
		t.Errorf("err = %v", err)
	}
}

func TestParseAuditForms(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{
			// cargo install: the root comes from crates.io and is kept,
			// neither direct nor transitive.
			name: "registry root",
			in: `{"packages":[{"name":"memchr","version":"2.5.0","source":"crates.io"},
				{"name":"ripgrep","version":"13.0.0","source":"crates.io","dependencies":[2],"root":true},
				{"name":"regex","version":"1.7.1","source":"crates.io","dependencies":[0]}]}`,
			want: "memchr@2.5.0:transitive ripgrep@13.0.0: regex@1.7.1:direct",
		},
		{
			name: "no root, other source, bad indices",
			in: `{"packages":[{"name":"a","version":"1.0.0","source":{"Other":"x"},"dependencies":[-1,7,1]},
				{"name":"b","version":"0.1.0","source":"registry","kind":"build"},
				{"name":"","version":"1","source":"crates.io"}]}`,
			want: "a@1.0.0: b@0.1.0:",
		},
		{name: "empty list", in: `{"packages":[],"format":1}`, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pkgs, err := ParseAudit([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pkgs {
				got = append(got, p.Name+"@"+p.Version+":"+p.Dependency)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

func FuzzParseAudit(f *testing.F) {
	data, _ := os.ReadFile("testdata/audit.objcopy.json")
	f.Add(data)
	f.Add([]byte(`{"packages":[{"name":"a","version":"1","source":{"Other":"x"},"dependencies":[0],"root":true}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkgs, _ := ParseAudit(data)
		for _, p := range pkgs {
			if p.Name == "" || p.Version == "" {
				t.Fatalf("empty crate: %+v", p)
			}
		}
	})
}

// FuzzFindAudit runs the scanner over arbitrary bytes, seeded with the
// small real binary and synthetic files with the stream at the start.
func FuzzFindAudit(f *testing.F) {
	small, err := os.ReadFile("testdata/scanme-linksection.gz")
	if err == nil {
		zr, _ := gzip.NewReader(bytes.NewReader(small))
		small, _ = io.ReadAll(zr)
		f.Add(small)
	}
	doc, _ := os.ReadFile("testdata/audit.objcopy.json")
	f.Add(synthetic(8, deflate(f, doc)))
	f.Add(synthetic(8, deflate(f, []byte(`{"packages":[{"name":"a","version":"1","source":"crates.io"}]}`))))
	f.Add([]byte("MZ\x78\x9c"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := FindAudit(context.Background(), bytes.NewReader(data))
		if len(doc) > maxAudit {
			t.Fatalf("%d bytes of audit data", len(doc))
		}
		if err == nil && doc != nil {
			ParseAudit(doc)
		}
	})
}

// largeBinary returns the biggest of some executables commonly present,
// none of them Rust, for the throughput of the search.
func largeBinary(b *testing.B) []byte {
	var best []byte
	for _, p := range []string{
		"/usr/local/go/pkg/tool/linux_amd64/compile",
		"/usr/local/go/bin/go",
		"/usr/lib/go/bin/go",
		"/usr/bin/python3",
		"/usr/bin/perl",
		"/usr/bin/bash",
	} {
		if data, err := os.ReadFile(p); err == nil && len(data) > len(best) && bytes.HasPrefix(data, []byte("\x7fELF")) {
			best = data
		}
	}
	if best == nil {
		b.Skip("no large executable found")
	}
	return best
}

// BenchmarkFindAuditNotRust is the cost every executable in an image
// pays: a large program with no audit data.
func BenchmarkFindAuditNotRust(b *testing.B) {
	data := largeBinary(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if doc, err := FindAudit(context.Background(), bytes.NewReader(data)); doc != nil || err != nil {
			b.Fatal(doc, err)
		}
	}
}

// BenchmarkFindAuditWholeFile is the same program searched whole, as if it
// had no program headers: what skipping machine code saves.
func BenchmarkFindAuditWholeFile(b *testing.B) {
	data := largeBinary(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s := &scanner{ctx: context.Background(), r: bytes.NewReader(data)}
		if doc, err := s.run(nil); doc != nil || err != nil {
			b.Fatal(doc, err)
		}
	}
}

func BenchmarkExtractRust(b *testing.B) {
	data := gunzip(b, "testdata/scanme-auditable.gz")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	f := extract.File{Path: "bin/scanme-rs", Mode: 0o755, Size: int64(len(data))}
	for b.Loop() {
		res, err := BinaryExtractor{}.Extract(context.Background(), extract.Input{File: f, Content: bytes.NewReader(data)})
		if err != nil || len(res.Packages) == 0 {
			b.Fatal(err)
		}
	}
}

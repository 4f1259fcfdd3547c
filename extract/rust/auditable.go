package rust

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/bulwark-sec/bulwark/extract"
	"github.com/bulwark-sec/bulwark/inventory"
)

// BinaryExtractor finds the dependency list that cargo-auditable embeds in
// the Rust programs it builds: a zlib-compressed JSON document in a section
// named .dep-v0.
//
// Every executable in an image comes here, and most are not Rust, so a
// file is never read whole. Its first bytes say whether it is an ELF file
// (or PE, Mach-O, WebAssembly); the rest streams past once while a small
// window is searched for a zlib stream whose first inflated bytes begin the
// audit document. In ELF files the executable segments (machine code) are
// passed over unsearched: cargo-auditable's section is not allocated and
// sits after the loadable segments, and the older `auditable` crate's is
// read-only data.
type BinaryExtractor struct{}

const (
	// binMinSize skips files too small to be a linked program.
	binMinSize = 1 << 10
	binMaxSize = 512 << 20
	// headSize is how much of a file is read to decide whether to go on:
	// enough for the ELF program headers.
	headSize = 16 << 10
	// maxAudit bounds the inflated audit document. cargo-auditable's own
	// parsing guide suggests 8 MiB as more than any real one needs; the
	// cap is what stops a zlib bomb.
	maxAudit = 8 << 20
	// The search window starts at firstChunk and doubles up to scanChunk
	// while a file goes on, so small programs cost little memory.
	// probeAhead is how much of the compressed stream must be in the
	// window to test a candidate (a dynamic Huffman block header comes
	// before the first byte of output).
	firstChunk = 32 << 10
	scanChunk  = 256 << 10
	probeAhead = 4 << 10
	// maxProbes bounds the candidates tried in one file. Each costs about
	// a microsecond; a real program has one per tens of kilobytes of its
	// data, but a file made of nothing else would have millions.
	maxProbes = 1 << 16
)

// Name implements extract.Extractor.
func (BinaryExtractor) Name() string { return "cargo-auditable" }

// Version implements extract.Extractor.
func (BinaryExtractor) Version() int { return 1 }

// MaxSize implements extract.Extractor.
func (BinaryExtractor) MaxSize() int64 { return binMaxSize }

// Required implements extract.Extractor: regular files with an execute bit
// and a plausible size. Extract tells the Rust programs from the rest.
func (BinaryExtractor) Required(f extract.File) bool {
	return f.Mode.IsRegular() && f.Mode.Perm()&0o111 != 0 && f.Size >= binMinSize && f.Size <= binMaxSize
}

// Extract implements extract.Extractor. A file without audit data yields
// nothing and no error; audit data that is there but broken (corrupt,
// inflating past the cap, not the expected JSON) is an error.
func (BinaryExtractor) Extract(ctx context.Context, in extract.Input) (extract.Result, error) {
	data, err := FindAudit(ctx, in.Content)
	if err != nil {
		return extract.Result{}, fmt.Errorf("cargo-auditable: %s: %w", in.Path, err)
	}
	if data == nil {
		return extract.Result{}, nil
	}
	pkgs, err := ParseAudit(data)
	if err != nil {
		return extract.Result{}, fmt.Errorf("cargo-auditable: %s: %w", in.Path, err)
	}
	for i := range pkgs {
		pkgs[i].Location = in.Path
	}
	return extract.Result{Packages: pkgs}, nil
}

// nonELFMagics are the other executable formats cargo-auditable writes
// to. They have no segment table read here and are searched whole.
var nonELFMagics = [][]byte{
	[]byte("MZ"),             // PE
	{0xfe, 0xed, 0xfa, 0xce}, // Mach-O 32
	{0xfe, 0xed, 0xfa, 0xcf}, // Mach-O 64
	{0xce, 0xfa, 0xed, 0xfe}, // Mach-O 32, little endian
	{0xcf, 0xfa, 0xed, 0xfe}, // Mach-O 64, little endian
	[]byte("\x00asm"),        // WebAssembly, where it is a custom section
}

// FindAudit reads an executable once, as a stream, and returns its
// inflated cargo-auditable document, or nil if it has none. Files that are
// not executables of a known format are rejected after their first bytes.
func FindAudit(ctx context.Context, r io.Reader) ([]byte, error) {
	head := make([]byte, headSize)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	var skip []span
	switch {
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		skip = execSegments(head)
	case hasAnyPrefix(head, nonELFMagics):
	default:
		return nil, nil
	}
	s := &scanner{ctx: ctx, r: io.MultiReader(bytes.NewReader(head), r)}
	return s.run(skip)
}

func hasAnyPrefix(b []byte, prefixes [][]byte) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(b, p) {
			return true
		}
	}
	return false
}

// auditPrefixes are how the inflated document can begin: serde writes the
// fields of cargo-auditable's VersionInfo in declaration order, packages
// first; a later format revision may lead with its format number.
var auditPrefixes = [][]byte{[]byte(`{"packages":`), []byte(`{"format":`)}

const probeLen = len(`{"packages":`)

var (
	errTooLarge          = fmt.Errorf("audit data inflates to over %d bytes", maxAudit)
	errTooManyCandidates = fmt.Errorf("gave up after %d zlib-like byte sequences", maxProbes)
)

// scanner searches one file for the audit data as it streams past.
type scanner struct {
	ctx context.Context
	r   io.Reader
	n   int64 // bytes of r consumed
	buf []byte
	// The probe decompressor is reused across candidates: a program has
	// one that passes plausible every few tens of kilobytes of data.
	br     bytes.Reader
	zr     io.ReadCloser
	probe  [probeLen]byte
	probes int
}

// run searches the whole file except the spans in skip, which are sorted
// and do not overlap.
func (s *scanner) run(skip []span) ([]byte, error) {
	s.buf = make([]byte, 0, firstChunk)
	from := int64(0)
	for _, sp := range skip {
		if sp.off > from {
			if data, err := s.region(from, sp.off-from); data != nil || err != nil {
				return data, err
			}
		}
		from = max(from, sp.off+sp.size)
	}
	return s.region(from, -1)
}

// region searches size bytes from file offset off; size -1 means to the
// end of the file.
func (s *scanner) region(off, size int64) ([]byte, error) {
	if off > s.n {
		m, err := io.CopyN(io.Discard, s.r, off-s.n)
		s.n += m
		if err == io.EOF {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
	}
	r := s.r
	if size >= 0 {
		r = io.LimitReader(s.r, size)
	}
	r = &counter{r: r, n: &s.n}
	buf, from, eof := s.buf[:0], 0, false
	for {
		// Search what the window holds. A candidate too close to the end
		// of the window to test waits for the next read.
		for from < len(buf) {
			i := bytes.IndexByte(buf[from:], 0x78) // zlib: deflate, 32 KiB window
			if i < 0 {
				from = len(buf)
				break
			}
			at := from + i
			if !eof && len(buf)-at < probeAhead {
				from = at
				break
			}
			from = at + 1
			if !plausible(buf[at:]) {
				continue
			}
			if s.probes++; s.probes > maxProbes {
				return nil, errTooManyCandidates
			}
			if s.matches(buf[at:]) {
				return s.inflate(io.MultiReader(bytes.NewReader(buf[at:]), r))
			}
		}
		if eof {
			return nil, nil
		}
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		// Keep the unsearched tail (at most probeAhead bytes) and read on.
		buf = buf[:copy(buf, buf[from:])]
		from = 0
		m, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		switch err {
		case nil:
			if cap(buf) < scanChunk {
				buf = append(make([]byte, 0, 2*cap(buf)), buf...)
				s.buf = buf
			}
		case io.EOF, io.ErrUnexpectedEOF:
			eof = true
		default:
			return nil, err
		}
	}
}

// plausible reports whether b, which starts with 0x78, can start a zlib
// stream of a JSON object, without inflating anything. The second byte
// must be a valid flag byte (check bits that make the pair a multiple of
// 31, no preset dictionary). A first deflate block stored uncompressed
// (some compressors do that with tiny inputs) must have its length and
// its complement agree and begin with {"; one with dynamic Huffman codes
// must count no more literal/length and distance codes than deflate has.
// About one in 32768 bytes of random data passes.
func plausible(b []byte) bool {
	if len(b) < 4 || (0x7800|uint16(b[1]))%31 != 0 || b[1]&0x20 != 0 {
		return false
	}
	switch (b[2] >> 1) & 3 {
	case 0: // stored: the rest of the byte is padding, then LEN, NLEN, data
		return len(b) >= 9 && b[3] == ^b[5] && b[4] == ^b[6] && b[7] == '{' && b[8] == '"'
	case 1: // fixed Huffman codes
		return true
	case 2: // dynamic: HLIT+257 <= 286, HDIST+1 <= 30
		return b[2]>>3 <= 29 && b[3]&0x1f <= 29
	}
	return false
}

// matches reports whether the zlib stream at the start of b inflates to
// something that begins like an audit document.
func (s *scanner) matches(b []byte) bool {
	s.br.Reset(b)
	if s.zr == nil {
		zr, err := zlib.NewReader(&s.br)
		if err != nil {
			return false
		}
		s.zr = zr
	} else if err := s.zr.(zlib.Resetter).Reset(&s.br, nil); err != nil {
		return false
	}
	if _, err := io.ReadFull(s.zr, s.probe[:]); err != nil {
		return false
	}
	for _, p := range auditPrefixes {
		if bytes.HasPrefix(s.probe[:], p) {
			return true
		}
	}
	return false
}

// inflate reads the whole zlib stream from src, checksum included, up to
// maxAudit inflated bytes.
func (s *scanner) inflate(src io.Reader) ([]byte, error) {
	zr, err := zlib.NewReader(src)
	if err != nil {
		return nil, fmt.Errorf("audit data: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxAudit+1))
	if err != nil {
		return nil, fmt.Errorf("audit data: %w", err)
	}
	if len(data) > maxAudit {
		return nil, errTooLarge
	}
	return data, nil
}

type counter struct {
	r io.Reader
	n *int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// auditPackage is one entry of the audit document's package list.
type auditPackage struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Source is "crates.io", "git", "local", "registry", or (in the
	// schema's words) some other string or {"Other": "..."}.
	Source json.RawMessage `json:"source"`
	// Kind is "build" or "runtime" (the default); both are kept, since a
	// build-time dependency's code can still end up in the binary.
	Kind string `json:"kind"`
	// Dependencies are indices into the package list.
	Dependencies []int `json:"dependencies"`
	Root         bool  `json:"root"`
}

var errNoPackages = errors.New(`audit data has no "packages" list`)

// ParseAudit returns the crates an inflated cargo-auditable document
// lists. Crates built from a local path (the program itself, usually, and
// its workspace) have no published version and are left out; the root
// crate is kept when it comes from a registry (cargo install), like Go's
// main module. The crates a local or root crate depends on are direct,
// the rest transitive.
func ParseAudit(data []byte) ([]inventory.Package, error) {
	var doc struct {
		Packages *[]auditPackage `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("audit data: %w", err)
	}
	if doc.Packages == nil {
		return nil, errNoPackages
	}
	all := *doc.Packages
	local := make([]bool, len(all))
	direct := make([]bool, len(all))
	anchored := false
	for i, p := range all {
		local[i] = isLocal(p.Source)
		if !local[i] && !p.Root {
			continue
		}
		anchored = true
		for _, d := range p.Dependencies {
			if d >= 0 && d < len(all) {
				direct[d] = true
			}
		}
	}
	var pkgs []inventory.Package
	for i, p := range all {
		if local[i] || p.Name == "" || p.Version == "" {
			continue
		}
		dep := ""
		switch {
		case p.Root || !anchored:
		case direct[i]:
			dep = inventory.DependencyDirect
		default:
			dep = inventory.DependencyTransitive
		}
		pkgs = append(pkgs, inventory.Package{
			Type: inventory.TypeCargo, Name: p.Name, Version: p.Version,
			Dependency: dep, Layer: -1,
		})
	}
	return pkgs, nil
}

func isLocal(source json.RawMessage) bool {
	var s string
	return json.Unmarshal(source, &s) == nil && s == "local"
}

package gobinary

import (
	"bytes"
	"debug/buildinfo"
	"encoding/binary"
	"io"
	"math"
	"runtime/debug"
	"sort"
	"strings"
)

// hasGoNote reports whether an ELF file's head holds the note the Go
// linker writes with the build ID (name "Go", type 4). The note sits in the
// first loadable segment, right after the program headers, so the head
// read before deciding how to read the rest covers it.
func hasGoNote(head []byte) bool {
	bo, is64, phoff, phentsize, phnum, ok := programHeaders(head)
	if !ok {
		return false
	}
	for i := uint64(0); i < phnum; i++ {
		ph := phoff + i*phentsize
		if ph+56 > uint64(len(head)) || ph < phoff {
			return false
		}
		if bo.Uint32(head[ph:]) != 4 { // PT_NOTE
			continue
		}
		var off, size uint64
		if is64 {
			off, size = bo.Uint64(head[ph+8:]), bo.Uint64(head[ph+32:])
		} else {
			off, size = uint64(bo.Uint32(head[ph+4:])), uint64(bo.Uint32(head[ph+16:]))
		}
		if off >= uint64(len(head)) || size > uint64(len(head))-off {
			continue
		}
		if goNote(head[off:off+size], bo) {
			return true
		}
	}
	return false
}

// programHeaders reads where an ELF file's program headers are from its
// file header.
func programHeaders(head []byte) (bo binary.ByteOrder, is64 bool, phoff, phentsize, phnum uint64, ok bool) {
	if len(head) < 64 || !bytes.HasPrefix(head, []byte("\x7fELF")) {
		return nil, false, 0, 0, 0, false
	}
	switch head[5] {
	case 1:
		bo = binary.LittleEndian
	case 2:
		bo = binary.BigEndian
	default:
		return nil, false, 0, 0, 0, false
	}
	switch head[4] {
	case 1:
		phoff, phentsize, phnum = uint64(bo.Uint32(head[0x1c:])), uint64(bo.Uint16(head[0x2a:])), uint64(bo.Uint16(head[0x2c:]))
	case 2:
		is64 = true
		phoff, phentsize, phnum = bo.Uint64(head[0x20:]), uint64(bo.Uint16(head[0x36:])), uint64(bo.Uint16(head[0x38:]))
	default:
		return nil, false, 0, 0, 0, false
	}
	return bo, is64, phoff, phentsize, phnum, phentsize >= 32
}

// goNote walks the notes of one PT_NOTE segment.
func goNote(notes []byte, bo binary.ByteOrder) bool {
	for len(notes) >= 12 {
		namesz, descsz, typ := uint64(bo.Uint32(notes)), uint64(bo.Uint32(notes[4:])), bo.Uint32(notes[8:])
		name := notes[12:]
		if namesz > uint64(len(name)) {
			return false
		}
		if typ == 4 && string(bytes.TrimRight(name[:namesz], "\x00")) == "Go" {
			return true
		}
		next := 12 + align4(namesz) + align4(descsz)
		if next > uint64(len(notes)) {
			return false
		}
		notes = notes[next:]
	}
	return false
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

// The header Go 1.18 and later put at the start of the .go.buildinfo
// section: the magic, the pointer size, a flags byte whose bit 1 says the
// version and module strings follow inline (each a uvarint length and its
// bytes), padded to 32 bytes and aligned to 16 in the file.
var buildInfoMagic = []byte("\xff Go buildinf:")

const (
	buildInfoHeaderSize = 32
	flagsVersionInline  = 0x2
	// maxModInfo bounds the inline module string: real ones are a few
	// kilobytes, the largest programs' some hundreds.
	maxModInfo = 16 << 20
	scanChunk  = 256 << 10
)

// scan reads an ELF file through, looking for an inline build-info header
// in its writable segments, where the linker puts the .go.buildinfo
// section; the rest (code, read-only data) streams past unsearched. It
// keeps only a small window, so a large C program costs one pass over its
// bytes and no allocation. A file with no such header yields nil.
func scan(head []byte, rest io.Reader) (*buildinfo.BuildInfo, error) {
	segs := writableSegments(head)
	if segs == nil {
		segs = []segment{{0, math.MaxInt64}} // no program headers to go by
	}
	r := &countingReader{r: io.MultiReader(bytes.NewReader(head), rest)}
	for _, s := range segs {
		if s.off < r.n {
			continue // overlapping or out of order: already past it
		}
		if _, err := io.CopyN(io.Discard, r, s.off-r.n); err == io.EOF {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		bi, err := scanRange(io.LimitReader(r, s.size), s.off)
		if bi != nil || err != nil {
			return bi, err
		}
	}
	return nil, nil
}

type segment struct{ off, size int64 }

// writableSegments lists the file ranges of an ELF file's writable
// loadable segments, in file order, from the program headers in its head;
// nil if they are not there to read.
func writableSegments(head []byte) []segment {
	bo, is64, phoff, phentsize, phnum, ok := programHeaders(head)
	if !ok {
		return nil
	}
	var segs []segment
	for i := uint64(0); i < phnum; i++ {
		ph := phoff + i*phentsize
		if ph+56 > uint64(len(head)) || ph < phoff {
			return nil
		}
		var flags uint32
		var off, size uint64
		if is64 {
			flags, off, size = bo.Uint32(head[ph+4:]), bo.Uint64(head[ph+8:]), bo.Uint64(head[ph+32:])
		} else {
			flags, off, size = bo.Uint32(head[ph+24:]), uint64(bo.Uint32(head[ph+4:])), uint64(bo.Uint32(head[ph+16:]))
		}
		const ptLoad, pfW = 1, 2
		if bo.Uint32(head[ph:]) != ptLoad || flags&pfW == 0 || off > math.MaxInt64/2 || size > math.MaxInt64/2 {
			continue
		}
		segs = append(segs, segment{int64(off), int64(size)})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].off < segs[j].off })
	return segs
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// scanRange searches one stretch of the file, which starts at file offset
// base, for a valid inline build-info header.
func scanRange(rest io.Reader, base int64) (*buildinfo.BuildInfo, error) {
	buf := make([]byte, 0, scanChunk)
	from := 0 // where to search next in buf
	eof := false
	// fill reads more of the file onto the end of buf.
	fill := func(n int) error {
		if eof {
			return io.EOF
		}
		if cap(buf)-len(buf) < n {
			nb := make([]byte, len(buf), len(buf)+max(n, scanChunk))
			copy(nb, buf)
			buf = nb
		}
		m, err := io.ReadAtLeast(rest, buf[len(buf):cap(buf)], 1)
		buf = buf[:len(buf)+m]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			eof = true
			if m > 0 {
				return nil
			}
			return io.EOF
		}
		return err
	}
	for {
		i := bytes.Index(buf[from:], buildInfoMagic)
		if i < 0 {
			// Keep the tail that could begin a magic split across reads.
			keep := min(len(buf), len(buildInfoMagic)-1)
			base += int64(len(buf) - keep)
			copy(buf, buf[len(buf)-keep:])
			buf, from = buf[:keep], 0
			if err := fill(scanChunk); err == io.EOF {
				return nil, nil
			} else if err != nil {
				return nil, err
			}
			continue
		}
		at := from + i
		from = at + 1
		if (base+int64(at))%16 != 0 {
			continue // a string constant that happens to hold the magic
		}
		bi, need, ok := parseInline(buf[at:])
		for need > 0 && !eof {
			if err := fill(need); err != nil && err != io.EOF {
				return nil, err
			}
			bi, need, ok = parseInline(buf[at:])
		}
		if ok {
			return bi, nil
		}
	}
}

// parseInline parses an inline build-info header at the start of b. If b
// is too short to tell, it returns how many more bytes it needs; ok is
// false for a header that does not hold valid inline build information.
func parseInline(b []byte) (bi *buildinfo.BuildInfo, need int, ok bool) {
	if len(b) < buildInfoHeaderSize {
		return nil, buildInfoHeaderSize - len(b), false
	}
	if ptr := b[len(buildInfoMagic)]; ptr != 4 && ptr != 8 {
		return nil, 0, false
	}
	if b[len(buildInfoMagic)+1]&flagsVersionInline == 0 {
		return nil, 0, false // Go before 1.18: pointers, read whole instead
	}
	rest := b[buildInfoHeaderSize:]
	var strs [2][]byte
	for i := range strs {
		n, w := binary.Uvarint(rest)
		switch {
		case w == 0:
			return nil, binary.MaxVarintLen64, false
		case w < 0 || n > maxModInfo:
			return nil, 0, false
		case uint64(len(rest)-w) < n:
			return nil, int(n) - (len(rest) - w), false
		}
		strs[i], rest = rest[w:w+int(n)], rest[w+int(n):]
	}
	vers, mod := string(strs[0]), string(strs[1])
	// The module text is framed by two 16-byte sentinels.
	if len(mod) < 33 || mod[len(mod)-17] != '\n' || !strings.HasPrefix(vers, "go") {
		return nil, 0, false
	}
	info, err := debug.ParseBuildInfo(mod[16 : len(mod)-16])
	if err != nil {
		return nil, 0, false
	}
	info.GoVersion = vers
	return info, 0, true
}

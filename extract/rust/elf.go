package rust

import (
	"encoding/binary"
	"math"
	"sort"
)

// span is a stretch of a file: off and size in bytes.
type span struct{ off, size int64 }

// execSegments lists, sorted and merged, the file ranges of an ELF file's
// executable loadable segments, read from the program headers in its head.
// These hold machine code, never the audit data, and are skipped. It
// returns nil (search everything) if the headers are not there to read.
func execSegments(head []byte) []span {
	if len(head) < 64 || string(head[:4]) != "\x7fELF" {
		return nil
	}
	var bo binary.ByteOrder
	switch head[5] {
	case 1:
		bo = binary.LittleEndian
	case 2:
		bo = binary.BigEndian
	default:
		return nil
	}
	var phoff, phentsize, phnum uint64
	is64 := head[4] == 2
	switch head[4] {
	case 1:
		phoff, phentsize, phnum = uint64(bo.Uint32(head[0x1c:])), uint64(bo.Uint16(head[0x2a:])), uint64(bo.Uint16(head[0x2c:]))
		if phentsize < 32 {
			return nil
		}
	case 2:
		phoff, phentsize, phnum = bo.Uint64(head[0x20:]), uint64(bo.Uint16(head[0x36:])), uint64(bo.Uint16(head[0x38:]))
		if phentsize < 56 {
			return nil
		}
	default:
		return nil
	}
	// Bounded by the head: phnum is at most 65535 and the loop stops at
	// the first header that is not in it.
	if phoff >= uint64(len(head)) {
		return nil
	}
	var segs []span
	for i := uint64(0); i < phnum; i++ {
		ph := phoff + i*phentsize
		if ph+phentsize > uint64(len(head)) {
			return nil
		}
		var flags uint32
		var off, size uint64
		if is64 {
			flags, off, size = bo.Uint32(head[ph+4:]), bo.Uint64(head[ph+8:]), bo.Uint64(head[ph+32:])
		} else {
			flags, off, size = bo.Uint32(head[ph+24:]), uint64(bo.Uint32(head[ph+4:])), uint64(bo.Uint32(head[ph+16:]))
		}
		const ptLoad, pfX = 1, 1
		if bo.Uint32(head[ph:]) != ptLoad || flags&pfX == 0 || size == 0 {
			continue
		}
		if off > math.MaxInt64/2 || size > math.MaxInt64/2 {
			continue // nonsense; searching it costs nothing extra
		}
		segs = append(segs, span{int64(off), int64(size)})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].off < segs[j].off })
	merged := segs[:0]
	for _, s := range segs {
		if n := len(merged); n > 0 && s.off <= merged[n-1].off+merged[n-1].size {
			merged[n-1].size = max(merged[n-1].size, s.off+s.size-merged[n-1].off)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

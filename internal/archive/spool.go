package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// minDirectoryEntry is the size of a central directory record with an
// empty name, used to bound how many records a directory can hold.
const minDirectoryEntry = 46

// Spool makes a stream readable at random offsets, as a zip must be: in
// memory up to inMemory bytes, else in a new file in dir, removed by done.
// More than limit bytes is an error wrapping ErrLimit. sizeHint, the size
// the stream claims (0 if unknown), sizes the memory buffer once instead
// of growing it by doubling; a wrong claim costs nothing but that.
func Spool(r io.Reader, sizeHint, limit, inMemory int64, dir string) (ra io.ReaderAt, size int64, done func(), err error) {
	var buf bytes.Buffer
	if sizeHint > 0 && sizeHint <= min(inMemory, limit) {
		buf.Grow(int(sizeHint) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(r, min(inMemory, limit)+1))
	if err != nil {
		return nil, 0, nil, err
	}
	if n <= min(inMemory, limit) {
		return bytes.NewReader(buf.Bytes()), n, func() {}, nil
	}
	if n > limit {
		return nil, 0, nil, fmt.Errorf("%w: over %d bytes", ErrLimit, limit)
	}
	f, err := os.CreateTemp(dir, "bulwark-archive-*")
	if err != nil {
		return nil, 0, nil, err
	}
	done = func() {
		f.Close()
		os.Remove(f.Name())
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		done()
		return nil, 0, nil, err
	}
	m, err := io.Copy(f, io.LimitReader(r, limit-n+1))
	if err == nil && n+m > limit {
		err = fmt.Errorf("%w: over %d bytes", ErrLimit, limit)
	}
	if err != nil {
		done()
		return nil, 0, nil, err
	}
	return f, n + m, done, nil
}

// CheckZipDirectory bounds the central directory before archive/zip reads it.
// archive/zip keeps a record for every entry and reads records from the
// directory's start to the end of the file, trusting neither the declared
// count nor the declared size, so a crafted archive could make it hold
// millions of records. This finds the end-of-directory record as
// archive/zip does and rejects a directory that declares, or has room for,
// more than maxEntries records. An archive whose end record it cannot find
// or read passes, and archive/zip reports it.
func CheckZipDirectory(r io.ReaderAt, size int64, maxEntries int) error {
	const (
		endLen   = 22
		locLen   = 20
		end64Len = 56
	)
	n := min(size, 65*1024)
	if n < endLen {
		return nil
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return nil
	}
	p := -1
	for i := len(buf) - endLen; i >= 0; i-- {
		if buf[i] == 'P' && buf[i+1] == 'K' && buf[i+2] == 5 && buf[i+3] == 6 {
			if int(binary.LittleEndian.Uint16(buf[i+20:]))+endLen+i <= len(buf) {
				p = i
			}
			break
		}
	}
	if p < 0 {
		return nil
	}
	endOffset := size - n + int64(p)
	e := buf[p:]
	records := uint64(binary.LittleEndian.Uint16(e[10:]))
	dirSize := uint64(binary.LittleEndian.Uint32(e[12:]))
	dirOffset := uint64(binary.LittleEndian.Uint32(e[16:]))
	if records == 0xffff || dirSize == 0xffff || dirOffset == 0xffffffff {
		loc := make([]byte, locLen)
		if endOffset >= locLen {
			if _, err := r.ReadAt(loc, endOffset-locLen); err == nil && binary.LittleEndian.Uint32(loc) == 0x07064b50 {
				off := binary.LittleEndian.Uint64(loc[8:])
				e64 := make([]byte, end64Len)
				if off < uint64(size) {
					if _, err := r.ReadAt(e64, int64(off)); err == nil && binary.LittleEndian.Uint32(e64) == 0x06064b50 {
						records = binary.LittleEndian.Uint64(e64[32:])
						dirSize = binary.LittleEndian.Uint64(e64[40:])
						dirOffset = binary.LittleEndian.Uint64(e64[48:])
						endOffset = int64(off)
					}
				}
			}
		}
	}
	if records > uint64(maxEntries) {
		return fmt.Errorf("%w: central directory declares %d entries, over %d", ErrLimit, records, maxEntries)
	}
	// The directory starts at dirOffset, or at dirSize before its end
	// record when the archive has data prepended (a launcher script);
	// archive/zip may use either, so allow for the earlier.
	start := uint64(endOffset)
	if dirSize <= start {
		start -= dirSize
	} else {
		start = 0
	}
	start = min(start, dirOffset)
	if room := (uint64(size) - min(start, uint64(size))) / minDirectoryEntry; room > uint64(maxEntries) {
		return fmt.Errorf("%w: central directory has room for %d entries, over %d", ErrLimit, room, maxEntries)
	}
	return nil
}

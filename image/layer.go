package image

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// ErrTooLarge is returned by a layer stream that decompresses past the
// size limit: a decompression bomb, or an image larger than allowed.
var ErrTooLarge = errors.New("layer is larger than the size limit")

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// decompress turns a layer's stored bytes into its tar stream. The format
// is sniffed from the first bytes rather than trusted from a media type,
// which archives often get wrong; klauspost/compress decodes gzip about
// twice as fast as the standard library.
func decompress(rc io.ReadCloser, max int64) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(rc, 256<<10)
	head, err := br.Peek(4)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		rc.Close()
		return nil, fmt.Errorf("read layer: %w", err)
	}
	var r io.Reader = br
	closeDec := func() {}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		zr, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("read layer: gzip: %w", err)
		}
		r = zr
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("read layer: zstd: %w", err)
		}
		r = zr
		closeDec = zr.Close
	}
	return &limitedLayer{r: r, left: max, close: func() error { closeDec(); return rc.Close() }}, nil
}

// limitedLayer fails with ErrTooLarge once more than the limit has been
// read, instead of silently truncating like io.LimitReader.
type limitedLayer struct {
	r     io.Reader
	left  int64
	close func() error
}

func (l *limitedLayer) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Allow a clean EOF exactly at the limit.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, ErrTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedLayer) Close() error { return l.close() }

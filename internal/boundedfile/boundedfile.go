// Package boundedfile reads a whole configuration file that its caller
// opened, refusing what is not a regular file or is larger than a bound:
// the one read shared by the configuration and host audits.
package boundedfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge marks a file over the bound.
var ErrTooLarge = errors.New("file too large")

// Read reads f, a regular file of at most max bytes. A file that grows
// while it is read is caught too.
func Read(f *os.File, max int64) ([]byte, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, info.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	}
	return data, nil
}

package report

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Output writes a report with write to path atomically (a temporary file
// renamed into place, so a reader never sees half a report), or to stdout
// when path is empty. Formats write in many small pieces, so both ways are
// buffered.
func Output(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" {
		bw := bufio.NewWriterSize(stdout, 256<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".bulwark-report-*")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 256<<10)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Package progress draws the one status line a scan shows on a terminal
// while it reads layers.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/bulwark-sec/bulwark/layerfs"
)

// Line draws one status line on a terminal's stderr while layers are
// read. It draws nothing when stderr is not a terminal or --quiet is set.
type Line struct {
	mu      sync.Mutex
	w       io.Writer
	on      bool
	layers  int
	done    int
	cached  int
	bytes   map[int]int64
	last    time.Time
	started time.Time
}

// New returns a line drawn on w when enabled and w is a terminal.
func New(w io.Writer, enabled bool) *Line {
	on := false
	if f, ok := w.(*os.File); ok && enabled {
		on = term.IsTerminal(int(f.Fd()))
	}
	return &Line{w: w, on: on, bytes: map[int]int64{}}
}

// Start implements pipeline.Progress.
func (p *Line) Start(layers int) {
	p.layers, p.started = layers, time.Now()
}

// Event implements pipeline.Progress.
func (p *Line) Event(ev layerfs.ProgressEvent) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes[ev.Layer] = ev.Bytes
	if ev.Done {
		p.done++
		if ev.Cached {
			p.cached++
		}
	}
	if time.Since(p.last) < 100*time.Millisecond && !ev.Done {
		return
	}
	p.last = time.Now()
	var total int64
	for _, b := range p.bytes {
		total += b
	}
	fmt.Fprintf(p.w, "\r\033[Klayers %d/%d (%d cached) · %s read · %s", p.done, p.layers, p.cached, humanBytes(total), time.Since(p.started).Round(100*time.Millisecond))
}

// Finish implements pipeline.Progress.
func (p *Line) Finish() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// Package progress draws a one-line progress bar on a terminal. A Bar made
// disabled (under --json, or when stderr is not a terminal) draws nothing,
// so callers never branch on it. It is safe for concurrent Add calls.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bar is a progress bar over a known total.
type Bar struct {
	w       io.Writer
	label   string
	total   int64
	done    atomic.Int64
	enabled bool

	mu       sync.Mutex
	lastDraw time.Time
	start    time.Time
	finished bool
}

// New returns a bar writing to w. When enabled is false it is silent.
func New(w io.Writer, label string, total int64, enabled bool) *Bar {
	return &Bar{w: w, label: label, total: total, enabled: enabled && w != nil, start: time.Now()}
}

// Add records n more units done and redraws at most ten times a second.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	d := b.done.Add(n)
	if !b.enabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if b.finished || (now.Sub(b.lastDraw) < 100*time.Millisecond && d < b.total) {
		return
	}
	b.lastDraw = now
	b.draw(d, now)
}

func (b *Bar) draw(d int64, now time.Time) {
	const width = 30
	frac := 0.0
	if b.total > 0 {
		frac = float64(d) / float64(b.total)
	}
	frac = min(max(frac, 0), 1)
	filled := int(frac * width)
	fmt.Fprintf(b.w, "\r%s [%s%s] %3.0f%% %d/%d %.1fs", b.label,
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		frac*100, d, b.total, now.Sub(b.start).Seconds())
}

// Finish draws the final state and ends the line.
func (b *Bar) Finish() {
	if b == nil || !b.enabled {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	b.draw(b.done.Load(), time.Now())
	fmt.Fprintln(b.w)
}

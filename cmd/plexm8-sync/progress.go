package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/plexm8/plexm8-sync/internal/format"
)

// termProgress draws one bar per phase on a terminal: items, rate and ETA,
// redrawn at most every 100 ms and finished with a newline.
type termProgress struct {
	mu      sync.Mutex
	w       io.Writer
	now     func() time.Time
	phase   string
	total   int
	done    int
	started time.Time
	drawn   time.Time
}

func (p *termProgress) Start(phase string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.total, p.done = phase, total, 0
	p.started = p.now()
	p.drawn = time.Time{}
	p.draw(true)
}

func (p *termProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.draw(false)
}

func (p *termProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
	fmt.Fprintln(p.w)
}

func (p *termProgress) draw(force bool) {
	now := p.now()
	if !force && now.Sub(p.drawn) < 100*time.Millisecond {
		return
	}
	p.drawn = now
	fmt.Fprintf(p.w, "\r\033[K%s", progressLine(p.phase, p.done, p.total, now.Sub(p.started), true))
}

// logProgress reports phases as log lines, for logs and pipes: one when a
// phase starts, one every interval while it runs, one when it ends.
type logProgress struct {
	mu       sync.Mutex
	log      *slog.Logger
	now      func() time.Time
	interval time.Duration
	phase    string
	total    int
	done     int
	started  time.Time
	logged   time.Time
}

func (p *logProgress) Start(phase string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.total, p.done = phase, total, 0
	p.started, p.logged = p.now(), p.now()
	p.log.Info("started", "phase", phase, "total", total)
}

func (p *logProgress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if now := p.now(); now.Sub(p.logged) >= p.interval {
		p.logged = now
		p.log.Info("progress", "phase", p.phase, "line", progressLine(p.phase, p.done, p.total, now.Sub(p.started), false))
	}
}

func (p *logProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log.Info("finished", "phase", p.phase, "items", p.done, "duration", format.Duration(p.now().Sub(p.started)))
}

// progressLine renders "phase [=====>    ] 1,234/5,678 910/s ETA 5s".
func progressLine(phase string, done, total int, elapsed time.Duration, bar bool) string {
	var b strings.Builder
	b.WriteString(phase)
	if bar && total > 0 {
		const width = 24
		filled := min(width, done*width/total)
		b.WriteString(" [" + strings.Repeat("=", filled) + strings.Repeat(" ", width-filled) + "]")
	}
	fmt.Fprintf(&b, " %s/%s", format.Count(int64(done)), format.Count(int64(total)))
	if secs := elapsed.Seconds(); secs > 0 && done > 0 {
		rate := float64(done) / secs
		fmt.Fprintf(&b, " %s/s", format.Count(int64(rate)))
		if total > done {
			eta := time.Duration(float64(total-done) / rate * float64(time.Second))
			fmt.Fprintf(&b, " ETA %s", format.Duration(eta.Round(time.Second)))
		}
	}
	return b.String()
}

package plex

import (
	"slices"
	"sync"
	"time"
)

// A connection that stops answering (requests accepted, never answered) is
// detected from what was measured on it, not after the fixed Timeout: an
// attempt of a kind of request that has a history there gets stallMultiple
// times the history's 95th percentile, never less than Options.StallFloor,
// never more than Options.Timeout. Then the client moves to the next
// connection and says so in the log.
const (
	stallMultiple = 4
	stallHistory  = 64 // latencies kept per connection and kind of request
	stallMinRuns  = 8  // fewer than this: the fixed Timeout applies
)

type latencies struct {
	mu sync.Mutex
	m  map[string]*ring // by connection base + "\x00" + request class
}

type ring struct {
	v []time.Duration
	i int
}

func (l *latencies) add(key string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*ring{}
	}
	r := l.m[key]
	if r == nil {
		r = &ring{}
		l.m[key] = r
	}
	if len(r.v) < stallHistory {
		r.v = append(r.v, d)
		return
	}
	r.v[r.i] = d
	r.i = (r.i + 1) % stallHistory
}

// p95 returns the 95th percentile of key's history and whether there is
// enough of it.
func (l *latencies) p95(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.m[key]
	if r == nil || len(r.v) < stallMinRuns {
		return 0, false
	}
	s := slices.Clone(r.v)
	slices.Sort(s)
	return s[(len(s)*95+99)/100-1], true
}

// attemptTimeout is how long one attempt of class on base may take, and
// whether that is a stall timeout derived from history (rather than the
// fixed one).
func (c *Client) attemptTimeout(base, class string) (time.Duration, time.Duration, bool) {
	if class == "" {
		return c.timeout, 0, false
	}
	p, ok := c.lat.p95(base + "\x00" + class)
	if !ok {
		return c.timeout, 0, false
	}
	d := max(c.stallFloor, stallMultiple*p)
	if d >= c.timeout {
		return c.timeout, p, false
	}
	return d, p, true
}

package plex

import (
	"time"
)

// limiter adapts how many requests run at once on one media server, so a
// sync is as fast as the server allows without overloading it: polite by
// measurement, not by a fixed rate. It is an AIMD controller steered by
// latency (docs/DESIGN.md, "Adaptive concurrency"):
//
//   - it starts at startLimit and, while the latency of a kind of request
//     stays near the best seen for that kind (≤ growBelow × best), grows by
//     one per request (slow start) and then by one per limit's worth of
//     requests;
//   - when latency rises above cutAbove × best (the server queues our
//     requests), or a request is refused (429, 503) or stalls, it cuts the
//     limit (×cutFactor, ×overloadFactor for refusals), at most once per
//     round trip;
//   - it never goes below 1 nor above max (plex.concurrency).
//
// Between growBelow and cutAbove it holds: the server is then serving about
// as many requests as it can at once with less than one waiting on average,
// which leaves a weak server's remaining capacity to whoever plays music.
type limiter struct {
	max   int
	fixed bool // no adaptation: always max

	limit     float64
	slowStart bool
	lastCut   time.Time
	classes   map[string]*classStat
}

// classStat is what the limiter knows about one kind of request (a listing
// at one page size): its best latency and its usual body size.
type classStat struct {
	best     time.Duration
	maxBytes int
}

const (
	startLimit     = 2
	growBelow      = 1.25
	cutAbove       = 1.6
	cutFactor      = 0.8
	overloadFactor = 0.5
)

func newLimiter(max int, fixed bool) *limiter {
	l := &limiter{max: max, fixed: fixed, limit: float64(min(startLimit, max)), slowStart: true, classes: map[string]*classStat{}}
	if fixed {
		l.limit = float64(max)
	}
	return l
}

// cap is the number of requests allowed in flight now.
func (l *limiter) cap() int {
	if l == nil {
		return 0
	}
	return max(1, min(l.max, int(l.limit)))
}

// sample is one finished request, as the limiter sees it.
type sample struct {
	now      time.Time
	class    string // "" for requests that say nothing about load
	rtt      time.Duration
	bytes    int
	inflight int  // requests in flight when it was sent, itself included
	overload bool // refused (429, 503) or stalled
}

func (l *limiter) observe(s sample) {
	if l.fixed {
		return
	}
	if s.overload {
		l.cut(s.now, s.rtt, overloadFactor)
		return
	}
	if s.class == "" || s.rtt <= 0 {
		return
	}
	cs := l.classes[s.class]
	if cs == nil {
		cs = &classStat{best: s.rtt, maxBytes: s.bytes}
		l.classes[s.class] = cs
	}
	// A short last page of a listing is faster for being short, not for
	// the server being idle: it would set a best the full pages never meet.
	if s.bytes < cs.maxBytes/2 {
		return
	}
	cs.maxBytes = max(cs.maxBytes, s.bytes)
	switch {
	case s.rtt < cs.best:
		cs.best = s.rtt
	case s.inflight == 1:
		// Alone on the server, a request shows its uncongested latency: a
		// server that became slower for good is re-learned (a quarter of
		// the way per sample, so one hiccup does not), instead of being
		// held at a limit of 1 forever. Letting the best drift up at any
		// other time would follow our own queueing up and never cut.
		cs.best += (s.rtt - cs.best) / 4
	}
	ratio := float64(s.rtt) / float64(cs.best)
	switch {
	case ratio > cutAbove:
		l.cut(s.now, cs.best, cutFactor)
	case ratio <= growBelow && s.inflight >= l.cap():
		// Grow only when the limit was used: an idle limit proves nothing.
		if l.slowStart {
			l.limit++
		} else {
			l.limit += 1 / l.limit
		}
		l.limit = min(l.limit, float64(l.max))
	}
}

// cut lowers the limit by factor, at most once per round trip: the requests
// already in flight when latency rose report the same congestion.
func (l *limiter) cut(now time.Time, rtt time.Duration, factor float64) {
	l.slowStart = false
	if !l.lastCut.IsZero() && now.Sub(l.lastCut) < rtt {
		return
	}
	l.lastCut = now
	l.limit = max(1, l.limit*factor)
}

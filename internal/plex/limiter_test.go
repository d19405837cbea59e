package plex

import (
	"testing"
	"time"
)

// drive feeds the limiter n samples of class k with the latency lat(limit)
// a server gives at that many requests at once, always using the limit.
func drive(l *limiter, now *time.Time, n int, bytes int, lat func(inflight int) time.Duration) {
	for range n {
		c := l.cap()
		d := lat(c)
		*now = now.Add(d)
		l.observe(sample{now: *now, class: "k", rtt: d, bytes: bytes, inflight: c})
	}
}

func TestLimiterGrowsWhileLatencyHolds(t *testing.T) {
	l := newLimiter(8, false)
	if l.cap() != 2 {
		t.Fatalf("starts at %d, want 2", l.cap())
	}
	now := time.Unix(0, 0)
	drive(l, &now, 20, 1000, func(int) time.Duration { return 20 * time.Millisecond })
	if l.cap() != 8 {
		t.Errorf("flat latency: limit %d, want the maximum 8", l.cap())
	}
}

func TestLimiterIdleLimitDoesNotGrow(t *testing.T) {
	l := newLimiter(8, false)
	now := time.Unix(0, 0)
	for range 50 {
		now = now.Add(time.Millisecond)
		l.observe(sample{now: now, class: "k", rtt: time.Millisecond, bytes: 10, inflight: 1})
	}
	if l.cap() != 2 {
		t.Errorf("one request at a time: limit grew to %d", l.cap())
	}
}

func TestLimiterSettlesAtTheServersCores(t *testing.T) {
	// A server with 3 cores: up to 3 requests take 40 ms, beyond that they
	// queue (latency grows with the number at once).
	const cores = 3
	lat := func(n int) time.Duration {
		return 40 * time.Millisecond * time.Duration(max(cores, n)) / cores
	}
	l := newLimiter(16, false)
	now := time.Unix(0, 0)
	drive(l, &now, 400, 1000, lat)
	var sum int
	for range 200 {
		drive(l, &now, 1, 1000, lat)
		sum += l.cap()
	}
	avg := float64(sum) / 200
	if avg < cores-0.5 || avg > cores+1.5 { // it holds once the server queues one request
		t.Errorf("average limit %.2f on a %d-core server, want about %d", avg, cores, cores)
	}
	if d := lat(l.cap()); d > 2*lat(1) {
		t.Errorf("latency at the settled limit %v, more than twice the single-request %v", d, lat(1))
	}
}

func TestLimiterCutsOnOverloadOncePerRoundTrip(t *testing.T) {
	l := newLimiter(16, false)
	l.limit = 12
	now := time.Unix(100, 0)
	l.observe(sample{now: now, rtt: 50 * time.Millisecond, overload: true})
	if l.cap() != 6 {
		t.Fatalf("after a 429: %d, want 6", l.cap())
	}
	// The other requests of the same round trip report the same thing.
	l.observe(sample{now: now.Add(10 * time.Millisecond), rtt: 50 * time.Millisecond, overload: true})
	if l.cap() != 6 {
		t.Errorf("second refusal in the same round trip cut again: %d", l.cap())
	}
	for i := range 10 {
		l.observe(sample{now: now.Add(time.Duration(i+1) * time.Second), rtt: 50 * time.Millisecond, overload: true})
	}
	if l.cap() != 1 {
		t.Errorf("after many refusals: %d, want the floor 1", l.cap())
	}
}

func TestLimiterIgnoresShortPages(t *testing.T) {
	l := newLimiter(8, false)
	now := time.Unix(0, 0)
	drive(l, &now, 3, 100_000, func(int) time.Duration { return 100 * time.Millisecond })
	before := l.cap()
	// The short last page is fast for being short; it must not become the
	// best latency the full pages are held to.
	l.observe(sample{now: now, class: "k", rtt: time.Millisecond, bytes: 1000, inflight: l.cap()})
	drive(l, &now, 3, 100_000, func(int) time.Duration { return 100 * time.Millisecond })
	if l.cap() < before {
		t.Errorf("limit fell from %d to %d after a short page", before, l.cap())
	}
}

func TestLimiterFixed(t *testing.T) {
	l := newLimiter(4, true)
	now := time.Unix(0, 0)
	l.observe(sample{now: now, overload: true, rtt: time.Second})
	drive(l, &now, 10, 1000, func(n int) time.Duration { return time.Duration(n) * time.Second })
	if l.cap() != 4 {
		t.Errorf("fixed limiter moved to %d", l.cap())
	}
}

func TestLimiterRelearnsASlowerServer(t *testing.T) {
	l := newLimiter(8, false)
	now := time.Unix(0, 0)
	drive(l, &now, 30, 1000, func(int) time.Duration { return 10 * time.Millisecond })
	// The server becomes four times slower for good, at any load.
	slow := func(int) time.Duration { return 40 * time.Millisecond }
	drive(l, &now, 200, 1000, slow)
	if l.cap() < 4 {
		t.Errorf("limit %d after the server settled at a slower latency: it should grow again", l.cap())
	}
}

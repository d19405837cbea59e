package plex

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// gate holds back the requests to one service: plex.tv, or one media server
// on all of its connections (a server that rate-limits us does so on every
// address it has, so failing over does not escape it). Every request passes
// acquire, and nothing leaves acquire while a pause is in force, whatever
// the request was waiting on before: the pacer, a concurrency slot, a
// backoff or a probe. The pause is checked last, under the same lock that
// lets the request go, so a 429 that arrives while others queue holds all of
// them back.
type gate struct {
	name string        // for logs: the server's name or plex.tv's host
	lim  *rate.Limiter // hard cap on the request rate; nil = none
	// conc adapts the number of requests in flight (media servers); nil =
	// no limit (plex.tv, which is paced instead).
	conc *limiter

	mu        sync.Mutex
	notBefore time.Time            // the service asked for silence until then (429)
	connPause map[string]time.Time // one connection asked for it (503 + Retry-After)
	inflight  int
	queued    int           // requests waiting for a slot
	onQueue   func()        // tests: called when a request queues for a slot
	wake      chan struct{} // closed when a slot frees up or the limit grows
}

// gateFor returns the gate of key, creating it on first use.
func (c *Client) gateFor(key, name string, adaptive bool) *gate {
	c.gatesMu.Lock()
	defer c.gatesMu.Unlock()
	g := c.gates[key]
	if g == nil {
		g = &gate{name: name, connPause: map[string]time.Time{}, wake: make(chan struct{})}
		rps, burst := c.rps, 1
		if !adaptive {
			rps, burst = c.tvRPS, tvBurst
		}
		if rps > 0 {
			g.lim = rate.NewLimiter(rate.Limit(rps), burst)
		}
		if adaptive {
			g.conc = newLimiter(c.maxConc, c.fixedConc)
		}
		c.gates[key] = g
	}
	return g
}

// tvBurst lets a handful of plex.tv calls (sign-in, resources, a token
// check) go at once; beyond it they are paced.
const tvBurst = 5

// ticket is one request let through acquire.
type ticket struct {
	g        *gate
	c        *Client
	slot     bool
	inflight int // requests in flight when this one was let go, itself included
}

// waitBudget tracks how long one request has been held back by pauses, so
// that a server which keeps rate-limiting cannot hold it forever.
type waitBudget struct {
	paused time.Duration
}

// acquire blocks until a request to base may be sent: no pause of the
// service or of the connection is in force, the pacer grants a slot, and
// (with slot) the concurrency limit has room. It re-checks everything after
// every wait and lets the request go only when all of them hold at once.
func (c *Client) acquire(ctx context.Context, g *gate, base string, slot bool, wb *waitBudget) (ticket, error) {
	for {
		g.mu.Lock()
		now := c.clock.Now()
		until := g.notBefore
		if t := g.connPause[base]; t.After(until) {
			until = t
		}
		if d := until.Sub(now); d > 0 {
			g.mu.Unlock()
			if d > c.maxWait {
				return ticket{}, fmt.Errorf("%w: %s asked for a pause of %s", ErrRateLimited, g.name, d.Round(time.Second))
			}
			if wb != nil {
				if wb.paused+d > c.maxPause {
					return ticket{}, fmt.Errorf("%w: %s kept asking for pauses (%s so far, limit %s)",
						ErrRateLimited, g.name, (wb.paused + d).Round(time.Second), c.maxPause)
				}
				wb.paused += d
			}
			if err := c.clock.Sleep(ctx, d); err != nil {
				return ticket{}, err
			}
			continue
		}
		if slot && g.conc != nil && g.inflight >= g.conc.cap() {
			wake := g.wake
			g.queued++
			hook := g.onQueue
			g.mu.Unlock()
			if hook != nil {
				hook()
			}
			var err error
			select {
			case <-wake:
			case <-ctx.Done():
				err = ctx.Err()
			}
			g.mu.Lock()
			g.queued--
			g.mu.Unlock()
			if err != nil {
				return ticket{}, err
			}
			continue
		}
		if g.lim != nil {
			r := g.lim.ReserveN(now, 1)
			if !r.OK() {
				g.mu.Unlock()
				return ticket{}, fmt.Errorf("plex: rate limiter refused a request (burst 0)")
			}
			if d := r.DelayFrom(now); d > 0 {
				// Give the token back and sleep: when the slot comes, the
				// pause and the concurrency limit are looked at again.
				r.CancelAt(now)
				g.mu.Unlock()
				if err := c.clock.Sleep(ctx, d); err != nil {
					return ticket{}, err
				}
				continue
			}
		}
		t := ticket{g: g, c: c, slot: slot}
		c.busy(1)
		if slot {
			g.inflight++
			t.inflight = g.inflight
		}
		g.mu.Unlock()
		return t, nil
	}
}

// done returns the ticket's slot.
func (t ticket) done() {
	t.c.busy(-1)
	if !t.slot {
		return
	}
	g := t.g
	g.mu.Lock()
	g.inflight--
	g.broadcast()
	g.mu.Unlock()
}

// busy counts requests let go by a gate and not yet handled.
func (c *Client) busy(delta int64) {
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	c.inflight += delta
	if c.inflight == 0 && c.idle != nil {
		close(c.idle)
		c.idle = nil
	}
}

// Idle returns a channel that is closed once no request is on the wire:
// none let go by the client's gates and not yet handled (its outcome,
// such as a pause a 429 asked for, recorded). It is closed already when
// none is. Tests with a virtual clock use it to move time only while
// nothing is on the wire.
func (c *Client) Idle() <-chan struct{} {
	c.idleMu.Lock()
	defer c.idleMu.Unlock()
	if c.inflight == 0 {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	if c.idle == nil {
		c.idle = make(chan struct{})
	}
	return c.idle
}

// broadcast wakes every request waiting for a slot; g.mu held.
func (g *gate) broadcast() {
	close(g.wake)
	g.wake = make(chan struct{})
}

// pause holds the whole service back until t (it never shortens a pause)
// and returns how much silence it added.
func (g *gate) pause(now, t time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	from := g.notBefore
	if now.After(from) {
		from = now
	}
	if !t.After(from) {
		return 0
	}
	g.notBefore = t
	return t.Sub(from)
}

// pauseConn holds one connection back until t.
func (g *gate) pauseConn(base string, t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t.After(g.connPause[base]) {
		g.connPause[base] = t
	}
}

// observe feeds a finished request to the concurrency limiter.
func (g *gate) observe(s sample) {
	if g.conc == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	before := g.conc.cap()
	g.conc.observe(s)
	if g.conc.cap() > before {
		g.broadcast()
	}
}

// Concurrency returns the number of requests the client lets run at once on
// the server now (its adaptive limit) and the upper bound.
func (s *Server) Concurrency() (limit, max int) {
	g := s.gate()
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conc.cap(), g.conc.max
}

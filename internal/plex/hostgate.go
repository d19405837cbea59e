package plex

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// hostGate paces the requests to one host (scheme+host+port) and holds all
// of them back after a 429 until its Retry-After has passed: a server that
// is rate limiting us should see silence, not the other goroutines' requests.
type hostGate struct {
	lim *rate.Limiter // nil = unlimited

	mu        sync.Mutex
	notBefore time.Time
}

// gate returns the hostGate of rawURL's host, creating it on first use.
func (c *Client) gate(u *url.URL) *hostGate {
	key := hostKey(u)
	c.gatesMu.Lock()
	defer c.gatesMu.Unlock()
	g := c.gates[key]
	if g == nil {
		g = &hostGate{}
		if c.rps > 0 {
			g.lim = rate.NewLimiter(rate.Limit(c.rps), 1)
		}
		c.gates[key] = g
	}
	return g
}

func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// pause holds the host back until t (it never shortens a pause).
func (g *hostGate) pause(t time.Time) {
	g.mu.Lock()
	if t.After(g.notBefore) {
		g.notBefore = t
	}
	g.mu.Unlock()
}

// wait blocks until a request may be sent to the host: after any pause, and
// then when the rate limiter grants a slot. The limiter is driven by the
// injected clock (ReserveN + Sleep), never by its own timers.
func (c *Client) waitGate(ctx context.Context, g *hostGate) error {
	for {
		g.mu.Lock()
		nb := g.notBefore
		g.mu.Unlock()
		now := c.clock.Now()
		d := nb.Sub(now)
		if d <= 0 {
			break
		}
		if d > c.maxWait {
			return fmt.Errorf("%w: the server asked for a pause of %s", ErrRateLimited, d.Round(time.Second))
		}
		if err := c.clock.Sleep(ctx, d); err != nil {
			return err
		}
		// Loop: another 429 may have extended the pause meanwhile.
	}
	if g.lim == nil {
		return nil
	}
	now := c.clock.Now()
	r := g.lim.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("plex: rate limiter refused a request (burst 0)")
	}
	if d := r.DelayFrom(now); d > 0 {
		if err := c.clock.Sleep(ctx, d); err != nil {
			r.CancelAt(c.clock.Now())
			return err
		}
	}
	return nil
}

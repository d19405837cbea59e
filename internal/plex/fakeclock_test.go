package plex

import (
	"context"
	"sync"
	"time"
)

// FakeClock is a Clock for tests: Sleep records the duration and moves the
// time forward at once. Exported (from a _test file) for the plex_test
// contract tests.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	// OnSleep, when set, runs inside Sleep before time moves on; tests use
	// it to hold a sleeper while they arrange something else.
	OnSleep func(d time.Duration)
}

// NewFakeClock starts at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and advances the time to at least the moment the sleep
// began plus d (concurrent sleepers do not add up).
func (c *FakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	start := c.now
	c.sleeps = append(c.sleeps, d)
	hook := c.OnSleep
	c.mu.Unlock()
	if hook != nil {
		hook(d)
	}
	c.mu.Lock()
	if end := start.Add(d); end.After(c.now) {
		c.now = end
	}
	c.mu.Unlock()
	return ctx.Err()
}

// Advance moves the time forward by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleeps returns the recorded sleeps.
func (c *FakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

package plextest

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// genBase is the reference time of the generated library: every generated
// stamp lies before it, whatever clock the test injects, so generation stays a
// pure function of the seed and sizes.
var genBase = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// defaultClockBase is where the default clock starts: after every generated
// stamp, so that mutations always move stamps forward.
var defaultClockBase = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// clock yields stamps. With no injected Now it is a fixed base plus a count
// of whole seconds: by default one second more per mutation, so successive
// mutations get distinct updatedAt values without any real waiting; with
// shared set, mutations add nothing and only Advance moves it.
type clock struct {
	now    func() time.Time
	shared bool
	ticks  atomic.Int64
}

func (c *clock) Now() time.Time {
	if c.now != nil {
		return c.now()
	}
	return defaultClockBase.Add(time.Duration(c.ticks.Load()) * time.Second)
}

// mutation advances the default clock (unless seconds are shared) and
// returns the stamp for the mutation being made.
func (c *clock) mutation() int64 {
	if c.now != nil {
		return c.now().Unix()
	}
	if c.shared {
		return c.Now().Unix()
	}
	return defaultClockBase.Add(time.Duration(c.ticks.Add(1)) * time.Second).Unix()
}

// httpDate is the clock as an HTTP Date header value (whole seconds, GMT).
func (c *clock) httpDate() string { return c.Now().UTC().Format(http.TimeFormat) }

// Advance moves the fake's default clock forward by d, rounded up to whole
// seconds: time passing between two syncs. With Options.SharedSecond it is
// the only way the clock moves. It panics when Options.Now is set, since the
// test owns that clock.
func (f *Fake) Advance(d time.Duration) {
	if f.clock.now != nil {
		panic("plextest: Advance with Options.Now set: move the injected clock instead")
	}
	if d < 0 {
		panic(fmt.Sprintf("plextest: Advance(%v): the clock only moves forward", d))
	}
	f.clock.ticks.Add(int64((d + time.Second - 1) / time.Second))
}

// Now returns the fake's current time: what its PMS Date headers say and
// what a mutation made now would be stamped with.
func (f *Fake) Now() time.Time { return f.clock.Now() }

package plextest

import (
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

// clock yields stamps. With no injected Now it is a fixed base advanced one
// second per mutation, so successive mutations get distinct updatedAt values
// without any real waiting.
type clock struct {
	now   func() time.Time
	ticks atomic.Int64
}

func (c *clock) Now() time.Time {
	if c.now != nil {
		return c.now()
	}
	return defaultClockBase.Add(time.Duration(c.ticks.Load()) * time.Second)
}

// mutation advances the default clock and returns the stamp for the
// mutation being made.
func (c *clock) mutation() int64 {
	if c.now != nil {
		return c.now().Unix()
	}
	return defaultClockBase.Add(time.Duration(c.ticks.Add(1)) * time.Second).Unix()
}

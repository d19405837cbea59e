// Package format renders values for people: sizes, counts, lengths, elapsed
// times and local times. Every command and page shows a kind of value one
// way, through the one function here for it, so "1.5 MiB" or "3:07" never
// reads differently from one screen to the next.
package format

import (
	"fmt"
	"strconv"
	"time"
)

// Bytes is a size in binary units: "512 B", "1.5 KiB", "3.2 GiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, units := float64(n)/unit, "KMGTPE"
	i := 0
	for f >= unit && i < len(units)-1 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", f, units[i])
}

// Count is a whole number with thousands separated: "1,234,567".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	for i := len(s) - 3; i > start; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Length is how long a track or playlist plays, from milliseconds, as a
// player shows it: "3:07", "1:02:03".
func Length(ms int64) string {
	s := ms / 1000
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// Duration is how long some work took or will take: to the millisecond
// under a minute, where the difference between runs shows ("1.234s"), and to
// the second above it ("2m5s").
func Duration(d time.Duration) string {
	if d < time.Minute && d > -time.Minute {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// timeLayout is the one way a moment is shown: local, to the second,
// ordered so that text sorts as time does.
const timeLayout = "2006-01-02 15:04:05"

// Time is a moment in the local time zone: "2026-12-08 14:03:09".
func Time(t time.Time) string { return t.Local().Format(timeLayout) }

// Date is the local day of a moment: "2026-12-08".
func Date(t time.Time) string { return t.Local().Format(time.DateOnly) }

// Clock is a moment later today, with its zone, as a deadline is given to
// someone watching it: "20:31:05 CET".
func Clock(t time.Time) string { return t.Local().Format("15:04:05 MST") }

// Since is a moment with how long ago (or ahead of now) it is, to the
// second: "2026-12-08 14:03:09 (5m0s ago)", "… (in 25m0s)".
func Since(t, now time.Time) string {
	d := now.Sub(t).Round(time.Second)
	rel := d.String() + " ago"
	if d < 0 {
		rel = "in " + (-d).String()
	}
	return Time(t) + " (" + rel + ")"
}

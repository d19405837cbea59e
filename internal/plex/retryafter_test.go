package plex

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		d  time.Duration
		ok bool
	}{
		"":                                 {0, false},
		"0":                                {0, true},
		"30":                               {30 * time.Second, true},
		" 7 ":                              {7 * time.Second, true},
		"-5":                               {0, false},
		"1.5":                              {0, false},
		"10s":                              {0, false},
		"soon":                             {0, false},
		"99999999999999999999999":          {maxRetryAfter, true},
		"Thu, 26 Nov 2026 12:01:30 GMT":    {90 * time.Second, true},
		"Thursday, 26-Nov-26 12:00:10 GMT": {10 * time.Second, true},
		"Thu Nov 26 12:00:05 2026":         {5 * time.Second, true},
		"Thu, 26 Nov 2026 11:59:00 GMT":    {0, false}, // past: back off instead
		"Thu, 26 Nov 2026 12:00:00 GMT":    {0, false},
		"Thu, 26 Nov 2126 12:00:00 GMT":    {maxRetryAfter, true},
	}
	for in, want := range cases {
		d, ok := ParseRetryAfter(in, now)
		if d != want.d || ok != want.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", in, d, ok, want.d, want.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "1e3", "18446744073709551616"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, now)
		if !ok && d != 0 {
			t.Errorf("%q: not ok but %v", v, d)
		}
		if d < 0 || d > maxRetryAfter {
			t.Errorf("%q: %v out of range", v, d)
		}
		if ok && allDigits(v) && d%time.Second != 0 {
			t.Errorf("%q: delta-seconds gave %v", v, d)
		}
		if _, err := http.ParseTime(v); err == nil && ok {
			// A date is relative to now: moving now forward never makes the
			// wait longer.
			if d2, _ := ParseRetryAfter(v, now.Add(time.Hour)); d2 > d {
				t.Errorf("%q: wait grew from %v to %v as time passed", v, d, d2)
			}
		}
	})
}

func TestBackoffIsCappedFullJitter(t *testing.T) {
	limit := 3 * time.Second
	for attempt := range 40 {
		ceil := min(limit, 500*time.Millisecond<<min(attempt, 29))
		for range 50 {
			if d := backoff(attempt, limit); d < 0 || d > ceil {
				t.Fatalf("attempt %d: %v outside [0, %v]", attempt, d, ceil)
			}
		}
	}
}

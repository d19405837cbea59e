package plex

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter bounds what ParseRetryAfter accepts, so that absurd values
// cannot overflow a time.Duration.
const maxRetryAfter = 365 * 24 * time.Hour

// ParseRetryAfter reads a Retry-After header value: delta-seconds or an
// HTTP-date, relative to now. It reports false for an empty, malformed or
// negative value and for a date that is not in the future (the caller then
// backs off on its own instead of retrying at once).
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		// delta-seconds is 1*DIGIT; anything else starting with a digit
		// ("1.5", "10s") is garbage, not a date.
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange && allDigits(v) {
				return maxRetryAfter, true
			}
			return 0, false
		}
		if n > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// backoff is capped exponential backoff with full jitter: a uniform wait in
// [0, min(limit, base·2^attempt)], so that clients that failed together do
// not retry together.
func backoff(attempt int, limit time.Duration) time.Duration {
	const base = 500 * time.Millisecond
	ceil := limit
	if attempt < 30 {
		ceil = min(limit, base<<attempt)
	}
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1)
}

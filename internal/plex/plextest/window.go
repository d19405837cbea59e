package plextest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Window is one rate-limit window the fake opened: from the 429 that opened
// it until End, every request to Host was refused. Start and End are on the
// fake's window clock (Options.WindowClock).
type Window struct {
	Host  string // HostPlexTV or a server's machine identifier
	Conn  string // the connection the opening 429 was answered on
	Start time.Time
	End   time.Time
	Date  bool // Retry-After was sent as an HTTP-date
}

// Windows returns every rate-limit window opened so far, in order.
func (f *Fake) Windows() []Window {
	f.faultMu.Lock()
	defer f.faultMu.Unlock()
	return append([]Window(nil), f.windows...)
}

func (f *Fake) windowNow() time.Time {
	if f.opts.WindowClock != nil {
		return f.opts.WindowClock()
	}
	return time.Now()
}

// openWindow records the window a firing 429 opens and returns the
// Retry-After value to send with it ("" when the fault names no window).
func (f *Fake) openWindow(host, connName string, fl Fault) string {
	now := f.windowNow()
	var end time.Time
	ra := fl.RetryAfter
	switch {
	case fl.Window > 0 && fl.WindowDate:
		// An HTTP-date has whole seconds: the window ends at the first whole
		// second at least Window away.
		end = now.Add(fl.Window + time.Second - 1).Truncate(time.Second)
		ra = end.UTC().Format(http.TimeFormat)
	case fl.Window > 0:
		secs := int64((fl.Window + time.Second - 1) / time.Second)
		end = now.Add(time.Duration(secs) * time.Second)
		ra = strconv.FormatInt(secs, 10)
	case ra != "":
		end = parseRetryAfter(ra, now)
	}
	if end.After(now) {
		f.faultMu.Lock()
		f.windows = append(f.windows, Window{Host: host, Conn: connName, Start: now, End: end, Date: fl.WindowDate})
		f.faultMu.Unlock()
	}
	return ra
}

// refuseInWindow answers 429 when host is inside a window, with the time
// left as Retry-After in the form the window was opened with.
func (f *Fake) refuseInWindow(host string, w http.ResponseWriter) bool {
	now := f.windowNow()
	f.faultMu.Lock()
	var open *Window
	for i := len(f.windows) - 1; i >= 0; i-- {
		if wd := &f.windows[i]; wd.Host == host && now.Before(wd.End) && !now.Before(wd.Start) {
			open = wd
			break
		}
	}
	var wd Window
	if open != nil {
		wd = *open
	}
	f.faultMu.Unlock()
	if open == nil {
		return false
	}
	ra := wd.End.UTC().Format(http.TimeFormat)
	if !wd.Date {
		ra = strconv.FormatInt(int64((wd.End.Sub(now)+time.Second-1)/time.Second), 10)
	}
	if sw, ok := w.(*statusWriter); ok {
		sw.refused = true
	}
	writeFaultStatus(w, host, Fault{Status: http.StatusTooManyRequests, RetryAfter: ra})
	return true
}

// parseRetryAfter reads delta-seconds or an HTTP-date; the zero time when
// it is neither.
func parseRetryAfter(v string, now time.Time) time.Time {
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return now.Add(time.Duration(n) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return time.Time{}
}

// tvErrorBody is plex.tv's JSON error body for a status: plex.tv answers
// errors as errors[] (docs/plex-api.md, "Errors"), and third-party clients report code
// 1003 for too many requests. Other codes are the documented ones.
func tvErrorBody(status int) string {
	code := map[int]int{
		http.StatusBadRequest:      1000,
		http.StatusUnauthorized:    1001,
		http.StatusNotFound:        1020,
		http.StatusTooManyRequests: 1003,
	}[status]
	msg := http.StatusText(status)
	if status == http.StatusTooManyRequests {
		msg = "Too many requests, please try again later"
	}
	b, _ := json.Marshal(tvErrors{Errors: []tvError{{Code: code, Message: msg, Status: status}}})
	return string(b)
}

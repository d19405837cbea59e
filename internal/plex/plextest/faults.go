package plextest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Fault makes matching requests misbehave. Zero-valued filter fields match
// anything; of the effects, Latency and Before run first, then Status (an
// error response instead of the real one), or Malformed, or Truncate.
type Fault struct {
	Host   string // "plex.tv", a server's machine id, or "" for any
	Conn   string // PMS connection name, "" for any
	Method string // "" for any
	Path   string // prefix of the URL path
	// Match is an optional extra filter.
	Match func(r *http.Request) bool
	// Skip lets the first Skip matching requests through untouched.
	Skip int
	// Times is how many times the fault fires; 0 means every time.
	Times int
	// Every, when above 1, fires on every Every-th matching request (after
	// Skip) and lets the others through: a steady trickle of faults.
	Every int
	// Status, if not 0, is answered instead of the real response, e.g. 429,
	// 503 or 500.
	Status int
	// RetryAfter is the Retry-After header value ("" = none): seconds or an
	// HTTP-date. On a 429 a value that parses opens a rate-limit window on
	// the whole service (see Window).
	RetryAfter string
	// Window, on a 429, opens a rate-limit window of this length and sends
	// it as Retry-After (whole seconds, rounded up); with WindowDate the
	// header is an HTTP-date instead, and the window ends at that (whole)
	// second. While a window is open, every request to that service (plex.tv,
	// or one server on any of its connections) is answered 429 with the time
	// left, and never reaches the fault list or the handlers: a service that
	// rate-limits refuses everything until the time it named.
	Window     time.Duration
	WindowDate bool
	// Body is the body sent with Status; text/html unless it looks like
	// JSON. For plex.tv the default is its JSON errors[] body.
	Body string
	// Truncate serves the real response but cuts the body half-way:
	// Content-Length promises the full size, then the connection closes.
	Truncate bool
	// Malformed answers 200 with syntactically broken JSON.
	Malformed bool
	// Latency delays matching requests (real sleep).
	Latency time.Duration
	// Before runs before the real response is served, e.g. to mutate the
	// model so that totalSize drifts in the middle of a listing.
	Before func()
}

type faultState struct {
	Fault
	seen, fired int
}

// Inject adds a fault. Faults are checked in the order injected; every
// matching fault's Latency and Before apply, and the first one with a
// response effect (Status, Malformed, Truncate) decides the response.
func (f *Fake) Inject(fl Fault) {
	f.faultMu.Lock()
	defer f.faultMu.Unlock()
	f.faults = append(f.faults, &faultState{Fault: fl})
}

// ClearFaults removes every fault.
func (f *Fake) ClearFaults() {
	f.faultMu.Lock()
	defer f.faultMu.Unlock()
	f.faults = nil
}

// firing returns the faults that fire for r, counting them.
func (f *Fake) firing(host, connName string, r *http.Request) []Fault {
	f.faultMu.Lock()
	defer f.faultMu.Unlock()
	var out []Fault
	for _, fs := range f.faults {
		if fs.Host != "" && fs.Host != host ||
			fs.Conn != "" && fs.Conn != connName ||
			fs.Method != "" && !strings.EqualFold(fs.Method, r.Method) ||
			!strings.HasPrefix(r.URL.Path, fs.Path) ||
			fs.Times > 0 && fs.fired >= fs.Times {
			continue
		}
		if fs.Match != nil && !fs.Match(r) {
			continue
		}
		fs.seen++
		if fs.seen <= fs.Skip {
			continue
		}
		if fs.Every > 1 && (fs.seen-fs.Skip)%fs.Every != 0 {
			continue
		}
		fs.fired++
		out = append(out, fs.Fault)
	}
	return out
}

// applyFaults applies the faults firing for r. It reports whether it has
// answered the request itself.
func (f *Fake) applyFaults(host, connName string, w http.ResponseWriter, r *http.Request, next http.Handler) bool {
	if f.refuseInWindow(host, w) {
		return true
	}
	fired := f.firing(host, connName, r)
	if len(fired) == 0 {
		return false
	}
	for _, fl := range fired {
		f.sleep(r, fl.Latency)
		if fl.Before != nil {
			fl.Before()
		}
	}
	for _, fl := range fired {
		switch {
		case fl.Status != 0:
			if fl.Status == http.StatusTooManyRequests {
				fl.RetryAfter = f.openWindow(host, connName, fl)
			}
			writeFaultStatus(w, host, fl)
			return true
		case fl.Malformed:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"MediaContainer":{"size":1,"totalSize":1,"offset":0,"Metadata":[{"ratingKey":"1","title":"unterminated`))
			return true
		case fl.Truncate:
			truncated(w, r, next)
			return true
		}
	}
	return false
}

func writeFaultStatus(w http.ResponseWriter, host string, fl Fault) {
	if fl.RetryAfter != "" {
		w.Header().Set("Retry-After", fl.RetryAfter)
	}
	body := fl.Body
	if body == "" && host == HostPlexTV {
		body = tvErrorBody(fl.Status)
	}
	if body == "" {
		text := http.StatusText(fl.Status)
		body = "<html><head><title>" + text + "</title></head><body><h1>" + strconv.Itoa(fl.Status) + " " + text + "</h1></body></html>"
	}
	if t := strings.TrimSpace(body); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/html")
	}
	w.WriteHeader(fl.Status)
	_, _ = w.Write([]byte(body))
}

// truncated serves the real response with its full Content-Length but only
// half the body, then aborts the connection.
func truncated(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(bytes.Clone(body[:len(body)/2]))
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	// ErrAbortHandler closes the connection without a log line.
	panic(http.ErrAbortHandler)
}

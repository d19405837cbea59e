package plextest

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Request is one request the fake received.
type Request struct {
	Host   string // "plex.tv" or the server's machine identifier
	Conn   string // PMS connection name ("local", "remote", "relay", …); "" for plex.tv
	Method string
	Path   string
	Query  url.Values
	// Header is as received: it contains X-Plex-Token, which tests may look
	// for. Never log it.
	Header http.Header
	Status int       // 0 while the response has not started
	At     time.Time // arrival (real clock, monotonic)
	// Clock is the arrival on the window clock (Options.WindowClock), the
	// clock rate-limit windows are measured on.
	Clock time.Time
	// Refused: answered 429 because a rate-limit window was open.
	Refused bool
	// Bytes is the response body as sent on the wire (compressed, when the
	// fake compressed it); set when the handler ends.
	Bytes int64
}

// HostPlexTV is Request.Host and Fault.Host for plex.tv (and clients.plex.tv).
const HostPlexTV = "plex.tv"

// Connection names, for Server.URL, Request.Conn and Fault.Conn.
const (
	ConnLocalHTTPS = "local-https" // owned server only; dead
	ConnLocal      = "local"
	ConnRemote     = "remote"
	ConnRelay      = "relay" // owned server only; TLS, see Fake.RootCAs
	ConnIPv6       = "ipv6"  // owned server only; [::1]
)

// Requests returns a copy of the request log, in arrival order.
func (f *Fake) Requests() []Request {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	out := make([]Request, len(f.requests))
	copy(out, f.requests)
	return out
}

// ResetRequests empties the request log.
func (f *Fake) ResetRequests() {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	f.requests = nil
	f.logEpoch++
}

// logRequest appends r to the log and returns a function that updates its
// entry. Resetting the log in between makes updates go nowhere.
func (f *Fake) logRequest(host, connName string, r *http.Request) func(func(*Request)) {
	clk := f.windowNow()
	f.logMu.Lock()
	defer f.logMu.Unlock()
	f.requests = append(f.requests, Request{
		Host: host, Conn: connName, Method: r.Method, Path: r.URL.Path,
		Query: r.URL.Query(), Header: r.Header.Clone(), At: time.Now(), Clock: clk,
	})
	i, epoch := len(f.requests)-1, f.logEpoch
	return func(set func(*Request)) {
		f.logMu.Lock()
		defer f.logMu.Unlock()
		if f.logEpoch == epoch {
			set(&f.requests[i])
		}
	}
}

// logged wraps a handler with the request log and fault injection.
func (f *Fake) logged(host, connName string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		update := f.logRequest(host, connName, r)
		sw := &statusWriter{ResponseWriter: w,
			set:  func(code int) { update(func(q *Request) { q.Status = code }) },
			sent: func(n int64) { update(func(q *Request) { q.Bytes = n }) }}
		defer func() {
			if !sw.wrote {
				sw.WriteHeader(http.StatusOK)
			}
			update(func(q *Request) { q.Refused, q.Bytes = sw.refused, sw.bytes })
		}()
		if f.applyFaults(host, connName, sw, r, next) {
			return
		}
		next.ServeHTTP(sw, r)
	})
}

// statusWriter records the status as soon as it is written, before the
// client can see the response, so a test reading the log after a response
// finds the status there.
type statusWriter struct {
	http.ResponseWriter
	set     func(int)
	sent    func(int64) // told the byte count before the bytes go out
	wrote   bool
	refused bool
	bytes   int64
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.set(code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	// The log learns the count before the client can have the bytes, so a
	// test reading the log after a response finds it there; a short write
	// corrects it.
	w.sent(w.bytes + int64(len(b)))
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	if n != len(b) {
		w.sent(w.bytes)
	}
	return n, err
}

func (w *statusWriter) Flush() {
	if fl, ok := w.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("plextest: response writer cannot hijack")
}

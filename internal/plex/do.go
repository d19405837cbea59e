package plex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// retryMode says when a failed request may be sent again.
type retryMode int

const (
	// retryIdempotent: sending it twice does no harm (GET, move, DELETE).
	retryIdempotent retryMode = iota
	// retryUnsent: only when the server certainly did not act on it
	// (connection refused, 429), never after it may have arrived.
	retryUnsent
)

type request struct {
	method string
	path   string // appended to the endpoint's base, already escaped
	query  url.Values
	token  secret.Value
	mode   retryMode
	tv     bool  // plex.tv: 422 "Invalid token" also means unauthorized
	limit  int64 // max body bytes; 0 = the client's
}

type response struct {
	status int
	header http.Header
	body   []byte
	url    string // redacted, for errors
}

// endpoint resolves where the next attempt of a request goes. plex.tv has
// one fixed base; a media server has candidates it can fail over between.
type endpoint interface {
	base(ctx context.Context) (string, error)
	// failed reports a connection-level failure (transport error, 503) of
	// base and returns true when another connection can be used at once.
	failed(base string) bool
	// gate is the gate of the service behind the endpoint.
	gate() *gate
}

type fixedEndpoint struct {
	url string
	c   *Client
}

func (f fixedEndpoint) base(context.Context) (string, error) { return f.url, nil }
func (fixedEndpoint) failed(string) bool                     { return false }

// gate: plex.tv and clients.plex.tv are one service, paced and paused
// together.
func (f fixedEndpoint) gate() *gate { return f.c.gateFor("plex.tv", "plex.tv", false) }

// do sends r with pacing, retries and failover, and returns a 2xx response
// with its body fully read (so a body cut short is a retryable transport
// error, not a decode error). Each attempt is classified (classify) and the
// retry policy (policy) says what follows.
func (c *Client) do(ctx context.Context, ep endpoint, r *request) (*response, error) {
	var (
		wb             waitBudget
		mayHaveArrived bool
		tries          int // attempts counted against MaxRetries
	)
	g := ep.gate()
	class := requestClass(r)
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.retries.Add(1)
		}
		base, err := ep.base(ctx)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(base + r.path)
		if err != nil {
			return nil, fmt.Errorf("plex: build URL for %s: %w", r.path, err)
		}
		if len(r.query) > 0 {
			u.RawQuery = r.query.Encode()
		}
		t, err := c.acquire(ctx, g, base, true, &wb)
		if err != nil {
			return nil, fmt.Errorf("plex: %s %s: %w", r.method, redactURL(u), err)
		}
		at := c.send(ctx, r, u, base, class, attempt)

		o := classify(ctx, at.resp, at.err, at.stalled)
		var ra time.Duration
		hasRA := false
		if at.resp != nil {
			ra, hasRA = ParseRetryAfter(at.resp.header.Get("Retry-After"), c.clock.Now())
		}
		g.observe(sample{now: at.end, class: class, rtt: at.ttfb, bytes: at.bytes, inflight: t.inflight,
			overload: o == outTooMany || o == outUnavailable || o == outStalled})
		if o == outOK && class != "" {
			c.lat.add(base+"\x00"+class, at.rtt)
		}
		act := policy(o, r.mode, r.method == http.MethodDelete, mayHaveArrived, hasRA)
		if act.pause {
			// Before the slot is given back: a request let go after this
			// attempt must find the pause in force.
			c.pauseService(ctx, g, r, u, ra, hasRA, tries+1)
		}
		if act.pauseConn && hasRA {
			g.pauseConn(base, c.clock.Now().Add(ra))
		}
		t.done()
		if act.success {
			return at.resp, nil
		}
		final := at.err
		if final == nil {
			final = c.statusError(r, at.resp)
		}
		if o == outFatal {
			return nil, final
		}
		mayHaveArrived = mayHaveArrived || act.arrived
		if act.budget {
			tries++
		}
		// A connection-level failure moves a server to its next connection
		// even when this request is not retried, so later ones go there.
		switched := act.failover && ep.failed(base)
		if o == outStalled {
			c.log.LogAttrs(ctx, slog.LevelWarn, "plex: connection stopped answering; moving to the next one",
				slog.String("server", g.name), slog.String("url", redactURL(u)),
				slog.Duration("waited", at.timeout), slog.Duration("p95", at.p95), slog.Bool("next_connection", switched))
		}
		if !act.retry || tries > c.maxRetries {
			return nil, final
		}
		if switched || act.pause || (act.pauseConn && hasRA) {
			continue // acquire waits out any pause before the next attempt
		}
		if err := c.clock.Sleep(ctx, backoff(tries-1, c.maxWait)); err != nil {
			return nil, fmt.Errorf("%w (while waiting to retry after: %w)", err, final)
		}
	}
}

// pauseService records a 429: the whole service is held back until its
// Retry-After, or for a backoff when it named none.
func (c *Client) pauseService(ctx context.Context, g *gate, r *request, u *url.URL, ra time.Duration, hasRA bool, tries int) {
	c.rateLimited.Add(1)
	if !hasRA {
		ra = backoff(max(tries-1, 0), c.maxWait)
	}
	now := c.clock.Now()
	if added := g.pause(now, now.Add(ra)); added > 0 {
		c.paused.Add(int64(added))
		c.log.LogAttrs(ctx, slog.LevelInfo, "plex: rate limited; holding every request to it",
			slog.String("server", g.name), slog.String("method", r.method), slog.String("url", redactURL(u)),
			slog.Duration("pause", ra), slog.Bool("retry_after", hasRA))
	}
}

// requestClass groups requests whose latency is comparable: one path with
// one set of parameters, whatever page it asks for. Only reads have one.
func requestClass(r *request) string {
	if r.method != http.MethodGet {
		return ""
	}
	if _, paged := r.query["X-Plex-Container-Start"]; !paged {
		return r.path + "?" + r.query.Encode()
	}
	q := make(url.Values, len(r.query))
	for k, v := range r.query {
		if k != "X-Plex-Container-Start" {
			q[k] = v
		}
	}
	return r.path + "?" + q.Encode()
}

// attemptResult is one attempt: the response or transport error, and what
// it says about the connection.
type attemptResult struct {
	resp *response
	err  error
	rtt  time.Duration // until the body was read (real time)
	// ttfb is until the response headers came: PMS builds a whole page
	// before it answers, so this is the server's share, without the time
	// this process took to read the body (which a busy CPU here inflates).
	ttfb    time.Duration
	end     time.Time
	bytes   int
	stalled bool          // the stall timeout (not the fixed one) ran out
	timeout time.Duration // the attempt's timeout
	p95     time.Duration // the latency it was derived from, if any
}

// send makes one attempt and reads the whole body within the attempt's
// timeout: the fixed Timeout, or less once this kind of request has a
// latency history on this connection (stall detection).
func (c *Client) send(ctx context.Context, r *request, u *url.URL, base, class string, attempt int) attemptResult {
	timeout, p95, derived := c.attemptTimeout(base, class)
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	safeURL := redactURL(u)
	res := attemptResult{timeout: timeout, p95: p95}
	req, err := http.NewRequestWithContext(actx, r.method, u.String(), nil)
	if err != nil {
		res.err = fmt.Errorf("plex: build request %s %s: %w", r.method, safeURL, err)
		return res
	}
	c.setHeaders(req.Header, r.token)

	start := time.Now()
	finish := func() {
		res.end = time.Now()
		res.rtt = res.end.Sub(start)
		res.stalled = res.err != nil && derived && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded)
		if res.stalled {
			c.stalls.Add(1)
		}
	}
	c.requests.Add(1)
	hr, err := c.hc.Do(req)
	res.ttfb = time.Since(start)
	if err != nil {
		c.logRequest(ctx, r.method, safeURL, 0, start, attempt, 0, err)
		res.err = &requestError{Method: r.method, URL: safeURL, Err: unwrapURLError(err)}
		finish()
		return res
	}
	defer hr.Body.Close()
	limit := r.limit
	if limit <= 0 {
		limit = c.maxBytes
	}
	body, err := readBody(hr, limit)
	c.logRequest(ctx, r.method, safeURL, hr.StatusCode, start, attempt, len(body), err)
	res.bytes = len(body)
	switch {
	case errors.Is(err, ErrTooLarge):
		res.err = fmt.Errorf("plex: %s %s: %w (limit %d bytes)", r.method, safeURL, ErrTooLarge, limit)
	case err != nil:
		res.err = &requestError{Method: r.method, URL: safeURL, Err: fmt.Errorf("read body: %w", err)}
	default:
		res.resp = &response{status: hr.StatusCode, header: hr.Header, body: body, url: safeURL}
	}
	finish()
	return res
}

func (c *Client) setHeaders(h http.Header, tok secret.Value) {
	h.Set("Accept", "application/json")
	for _, kv := range [...][2]string{
		{"X-Plex-Product", c.id.Product},
		{"X-Plex-Version", c.id.Version},
		{"X-Plex-Client-Identifier", c.id.ClientID},
		{"X-Plex-Platform", c.id.Platform},
		{"X-Plex-Platform-Version", c.id.PlatformVersion},
		{"X-Plex-Device", c.id.Device},
		{"X-Plex-Device-Name", c.id.DeviceName},
	} {
		if kv[1] != "" {
			h.Set(kv[0], kv[1])
		}
	}
	if !tok.IsZero() {
		h.Set("X-Plex-Token", tok.Reveal())
	}
}

func (c *Client) logRequest(ctx context.Context, method, safeURL string, status int, start time.Time, attempt, n int, err error) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", method), slog.String("url", safeURL), slog.Int("status", status),
		slog.Duration("duration", time.Since(start)), slog.Int("attempt", attempt), slog.Int("bytes", n),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "plex request", attrs...)
}

// readBody reads the whole body, at most limit bytes. A body shorter than
// its Content-Length is io.ErrUnexpectedEOF (net/http reports it).
func readBody(hr *http.Response, limit int64) ([]byte, error) {
	if hr.ContentLength > limit {
		return nil, ErrTooLarge
	}
	var buf bytes.Buffer
	if hr.ContentLength > 0 {
		// +MinRead so that ReadFrom's last probe for EOF does not regrow
		// (and copy) a buffer that is already the right size; capped so a
		// lying Content-Length cannot make us allocate up front.
		buf.Grow(int(min(hr.ContentLength, 16<<20)) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(hr.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, ErrTooLarge
	}
	if hr.ContentLength > 0 && n < hr.ContentLength {
		return nil, io.ErrUnexpectedEOF
	}
	return buf.Bytes(), nil
}

// notSent reports whether a transport error certainly happened before the
// server could see the request (so even a create may be resent).
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// statusError describes a non-2xx response, tagging the statuses callers
// branch on.
func (c *Client) statusError(r *request, resp *response) *StatusError {
	se := &StatusError{Method: r.method, URL: resp.url, Status: resp.status, Body: snippet(resp.body),
		Message: bodyMessage(resp.body, resp.status)}
	switch resp.status {
	case http.StatusUnauthorized:
		se.kind = ErrUnauthorized
	case http.StatusNotFound:
		se.kind = ErrNotFound
	case http.StatusUnprocessableEntity:
		if r.tv && bytes.Contains(bytes.ToLower(resp.body), []byte("invalid token")) {
			se.kind = ErrUnauthorized
		}
	}
	return se
}

// snippet is at most 200 bytes of body, valid UTF-8, on one line.
func snippet(b []byte) string {
	const max = 200
	if len(b) > max {
		b = b[:max]
	}
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

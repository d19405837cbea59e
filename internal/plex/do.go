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
}

type fixedEndpoint string

func (f fixedEndpoint) base(context.Context) (string, error) { return string(f), nil }
func (fixedEndpoint) failed(string) bool                     { return false }

// do sends r with rate limiting, retries and failover, and returns a 2xx
// response with its body fully read (so a body cut short is a retryable
// transport error, not a decode error).
func (c *Client) do(ctx context.Context, ep endpoint, r *request) (*response, error) {
	mayHaveArrived := false
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
		g := c.gate(u)
		if err := c.waitGate(ctx, g); err != nil {
			return nil, fmt.Errorf("plex: %s %s: %w", r.method, redactURL(u), err)
		}
		resp, err := c.send(ctx, r, u, attempt)

		var (
			retry, failover bool
			wait            = time.Duration(-1) // -1: back off
			final           error
		)
		switch {
		case err != nil:
			if ctx.Err() != nil || errors.Is(err, ErrTooLarge) {
				return nil, err
			}
			unsent := notSent(err)
			retry = r.mode == retryIdempotent || unsent
			failover = true
			mayHaveArrived = mayHaveArrived || !unsent
			final = err
		case resp.status >= 200 && resp.status < 300:
			return resp, nil
		default:
			final = c.statusError(r, resp)
			switch resp.status {
			case http.StatusTooManyRequests:
				c.rateLimited.Add(1)
				// 429 means the request was refused, so even a create can be
				// resent. The pause applies to every request to the host; the
				// next attempt sleeps it out in waitGate.
				retry = true
				now := c.clock.Now()
				d, ok := ParseRetryAfter(resp.header.Get("Retry-After"), now)
				if !ok {
					d = backoff(attempt, c.maxWait)
				}
				g.pause(now.Add(d))
				wait = 0
			case http.StatusServiceUnavailable:
				retry = r.mode == retryIdempotent
				failover = true
				if d, ok := ParseRetryAfter(resp.header.Get("Retry-After"), c.clock.Now()); ok {
					wait = d
				}
			case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
				retry = r.mode == retryIdempotent
				mayHaveArrived = true
			case http.StatusNotFound:
				if r.method == http.MethodDelete && mayHaveArrived {
					// An earlier attempt probably deleted it.
					return resp, nil
				}
			}
		}
		// A connection-level failure moves a server to its next connection
		// even when this request is not retried, so later ones go there.
		switched := failover && ep.failed(base)
		if !retry || attempt >= c.maxRetries {
			return nil, final
		}
		if switched {
			continue
		}
		if wait < 0 {
			wait = backoff(attempt, c.maxWait)
		}
		if wait > c.maxWait {
			return nil, fmt.Errorf("%w: asked to wait %s: %w", ErrRateLimited, wait.Round(time.Second), final)
		}
		if wait > 0 {
			if err := c.clock.Sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("%w (while waiting to retry after: %w)", err, final)
			}
		}
	}
}

// send makes one attempt and reads the whole body within the attempt's
// timeout.
func (c *Client) send(ctx context.Context, r *request, u *url.URL, attempt int) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	safeURL := redactURL(u)
	req, err := http.NewRequestWithContext(actx, r.method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("plex: build request %s %s: %w", r.method, safeURL, err)
	}
	c.setHeaders(req.Header, r.token)

	start := time.Now()
	c.requests.Add(1)
	hr, err := c.hc.Do(req)
	if err != nil {
		c.logRequest(ctx, r.method, safeURL, 0, start, attempt, 0, err)
		return nil, &requestError{Method: r.method, URL: safeURL, Err: unwrapURLError(err)}
	}
	defer hr.Body.Close()
	limit := r.limit
	if limit <= 0 {
		limit = c.maxBytes
	}
	body, err := readBody(hr, limit)
	c.logRequest(ctx, r.method, safeURL, hr.StatusCode, start, attempt, len(body), err)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("plex: %s %s: %w (limit %d bytes)", r.method, safeURL, ErrTooLarge, limit)
		}
		return nil, &requestError{Method: r.method, URL: safeURL, Err: fmt.Errorf("read body: %w", err)}
	}
	return &response{status: hr.StatusCode, header: hr.Header, body: body, url: safeURL}, nil
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
	se := &StatusError{Method: r.method, URL: resp.url, Status: resp.status, Body: snippet(resp.body)}
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

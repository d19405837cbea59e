package plex

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

var noToken secret.Value

// reprobeAfter is how long a server stays on a fallback connection before
// the next request probes again, in case a better one came back.
const reprobeAfter = 10 * time.Minute

// Server is a media server reached through the best of its connections. It
// is safe for concurrent use.
type Server struct {
	c        *Client
	override string
	gt       *gate

	mu       sync.Mutex
	res      Resource
	tokenSrc func(ctx context.Context) (secret.Value, error)
	conns    []string // working connections, best first, from the last probe
	cur      int      // index into conns of the one in use
	probedAt time.Time
	flight   *probeFlight // the probe running now, if any

	refreshing chan struct{} // one token refresh at a time

	// pageCap is the most items the server served in a page when asked for
	// more (and more existed): servers and proxies cap pages. 0: none seen.
	pageCap atomic.Int64
}

type probeFlight struct {
	done chan struct{}
	uri  string
	err  error
}

// Server returns a handle on r. It does no I/O: the connection is chosen by
// Connect or lazily by the first request. override is a manual base URL
// from the config ("" for none); when set, it is the only connection tried.
func (c *Client) Server(r Resource, override string) *Server {
	r.Connections = slices.Clone(r.Connections)
	return &Server{c: c, res: r, override: override, refreshing: make(chan struct{}, 1),
		gt: c.gateFor("pms:"+r.ClientIdentifier, r.Name, true)}
}

// Resource returns the resource the server was made from, with the access
// token currently in use.
func (s *Server) Resource() Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.res
	r.Connections = slices.Clone(r.Connections)
	return r
}

// SetTokenSource sets how to get a fresh access token when the server
// rejects the current one (typically: list resources again and take this
// server's accessToken). It is consulted at most once per request.
func (s *Server) SetTokenSource(f func(ctx context.Context) (secret.Value, error)) {
	s.mu.Lock()
	s.tokenSrc = f
	s.mu.Unlock()
}

// URI returns the connection in use, or "" when none has been chosen.
func (s *Server) URI() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur < len(s.conns) {
		return s.conns[s.cur]
	}
	return ""
}

// Connect probes every candidate connection in parallel and chooses the
// best that answers as this server: local before remote before relay, https
// before http. It returns the chosen base URL, or an error wrapping
// ErrNoConnection that says what each candidate answered.
func (s *Server) Connect(ctx context.Context) (string, error) {
	for {
		s.mu.Lock()
		f := s.flight
		if f == nil {
			f = &probeFlight{done: make(chan struct{})}
			s.flight = f
			s.mu.Unlock()
			conns, err := s.probe(ctx)
			s.mu.Lock()
			s.flight = nil
			s.conns, s.cur = conns, 0
			if err == nil {
				s.probedAt = s.c.clock.Now()
				f.uri = conns[0]
			}
			f.err = err
			close(f.done)
			s.mu.Unlock()
			return f.uri, f.err
		}
		s.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return "", ctx.Err()
		}
		// Another caller's probe may have failed only because its context
		// ended; ours is still alive, so probe again.
		if f.err != nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			continue
		}
		return f.uri, f.err
	}
}

// Connection returns the connection in use, probing (Connect) when there
// is none yet or a fallback has been in use long enough to look again. A
// long-lived Server keeps its connection from one sync to the next: a
// connection that stops answering is left on its first failure anyway.
func (s *Server) Connection(ctx context.Context) (string, error) { return s.base(ctx) }

// base implements endpoint: the connection in use, probing when there is
// none or when a fallback has been in use long enough to look again.
func (s *Server) base(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.cur < len(s.conns) && (s.cur == 0 || s.c.clock.Now().Sub(s.probedAt) < reprobeAfter) {
		u := s.conns[s.cur]
		s.mu.Unlock()
		return u, nil
	}
	s.mu.Unlock()
	return s.Connect(ctx)
}

// failed implements endpoint: move on from base to the next working
// connection; with none left, the next request probes again.
func (s *Server) failed(base string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur < len(s.conns) && s.conns[s.cur] == base {
		s.cur++
	}
	return s.cur < len(s.conns)
}

// gate implements endpoint: one per server, whichever connection is in
// use, keyed by its machine identifier.
func (s *Server) gate() *gate { return s.gt }

func (s *Server) token() secret.Value {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.res.AccessToken
}

// call sends r to the server with its token. On 401 it asks the token
// source once for a fresh token and tries again; a missing source, or one
// that yields the rejected token again, leaves ErrUnauthorized.
func (s *Server) call(ctx context.Context, r *request) (*response, error) {
	used := s.token()
	r.token = used
	resp, err := s.c.do(ctx, s, r)
	if err == nil || !errors.Is(err, ErrUnauthorized) {
		return resp, err
	}
	fresh, ferr := s.refreshToken(ctx, used)
	if ferr != nil {
		return nil, fmt.Errorf("%w (getting a fresh server token failed: %w)", err, ferr)
	}
	if fresh.IsZero() {
		return nil, err
	}
	r.token = fresh
	return s.c.do(ctx, s, r)
}

// refreshToken returns a token other than used, or zero when there is none.
func (s *Server) refreshToken(ctx context.Context, used secret.Value) (secret.Value, error) {
	select {
	case s.refreshing <- struct{}{}:
	case <-ctx.Done():
		return noToken, ctx.Err()
	}
	defer func() { <-s.refreshing }()
	s.mu.Lock()
	cur, src := s.res.AccessToken, s.tokenSrc
	s.mu.Unlock()
	if !cur.Equal(used) {
		return cur, nil // another request refreshed it meanwhile
	}
	if src == nil {
		return noToken, nil
	}
	fresh, err := src(ctx)
	if err != nil {
		return noToken, err
	}
	if fresh.IsZero() || fresh.Equal(used) {
		return noToken, nil
	}
	s.mu.Lock()
	s.res.AccessToken = fresh
	s.mu.Unlock()
	return fresh, nil
}

// get fetches path and decodes its MediaContainer.
func (s *Server) get(ctx context.Context, path string) (*mediaContainer, error) {
	mc, _, err := s.getAt(ctx, path)
	return mc, err
}

// getAt is get plus the server's Date (zero when it sent none).
func (s *Server) getAt(ctx context.Context, path string) (*mediaContainer, time.Time, error) {
	resp, err := s.call(ctx, &request{method: http.MethodGet, path: path})
	if err != nil {
		return nil, time.Time{}, err
	}
	mc, err := decodeContainer(resp.body)
	if err != nil {
		return nil, time.Time{}, &DecodeError{Method: http.MethodGet, URL: resp.url, Err: err}
	}
	return mc, serverDate(resp.header), nil
}

// Identity returns what the server says about itself. /identity needs no
// token, so none is sent.
func (s *Server) Identity(ctx context.Context) (ServerIdentity, error) {
	resp, err := s.c.do(ctx, s, &request{method: http.MethodGet, path: "/identity"})
	if err != nil {
		return ServerIdentity{}, fmt.Errorf("server %q identity: %w", s.res.Name, err)
	}
	mc, err := decodeContainer(resp.body)
	if err != nil {
		return ServerIdentity{}, fmt.Errorf("server %q identity: %w", s.res.Name, &DecodeError{Method: http.MethodGet, URL: resp.url, Err: err})
	}
	return ServerIdentity{MachineIdentifier: mc.MachineIdentifier.V, Version: mc.Version.V, Claimed: mc.Claimed.V}, nil
}

// Sections lists the server's libraries (all types; music ones have Type
// "artist").
func (s *Server) Sections(ctx context.Context) ([]Section, error) {
	secs, _, err := s.SectionsAt(ctx)
	return secs, err
}

// SectionsAt is Sections plus the server's clock when it answered (its Date
// header; zero when it sent none): the moment the sections' stamps are as of.
func (s *Server) SectionsAt(ctx context.Context) ([]Section, time.Time, error) {
	mc, at, err := s.getAt(ctx, "/library/sections")
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("list sections: %w", err)
	}
	return mc.Directory, at, nil
}

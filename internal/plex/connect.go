package plex

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Where a connection goes, in order of preference (Plex: "local should be
// preferred … relay only as a last resort").
const (
	locLocal = iota
	locRemote
	locRelay
	locOverride
)

type candidate struct {
	uri   string
	loc   int
	https bool
	order int // position in the resource's list, for a stable sort
}

// candidates lists where the server may be reached, best first: local →
// remote → relay, https before http within each (like python-plexapi, both
// the connection's uri and http://address:port are tried, except for relays). It leaves out
// local connections of a server the account does not own (they point into
// someone else's LAN), http when the server requires https, and http to any
// host that is neither loopback nor marked local by plex.tv. skipped says
// why each left-out address was dropped.
func (s *Server) candidates() (cands []candidate, skipped []string) {
	r := s.res
	if s.override != "" {
		return s.overrideCandidate()
	}
	seen := map[string]bool{}
	add := func(raw string, loc, order int, plainOK bool) {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			skipped = append(skipped, fmt.Sprintf("%s: not a URL", raw))
			return
		}
		u.Path, u.RawQuery, u.Fragment = strings.TrimRight(u.Path, "/"), "", ""
		uri := u.String()
		if seen[uri] {
			return
		}
		seen[uri] = true
		if u.Scheme == "http" && r.HTTPSRequired {
			skipped = append(skipped, uri+": server requires https")
			return
		}
		if err := checkScheme(u, plainOK); err != nil {
			skipped = append(skipped, err.Error())
			return
		}
		cands = append(cands, candidate{uri: uri, loc: loc, https: u.Scheme == "https", order: order})
	}
	for i, cn := range r.Connections {
		loc := locRemote
		switch {
		case cn.Relay:
			loc = locRelay
		case cn.Local:
			loc = locLocal
		}
		if loc == locLocal && !r.Owned {
			skipped = append(skipped, connLabel(cn)+": local connection of a server this account does not own")
			continue
		}
		plainOK := cn.Local && !cn.Relay
		if cn.URI != "" {
			add(cn.URI, loc, 2*i, plainOK)
		}
		// Relays speak https only, so their address gets no http variant.
		if cn.Address != "" && cn.Port > 0 && !cn.Relay {
			add("http://"+net.JoinHostPort(strings.Trim(cn.Address, "[]"), strconv.Itoa(cn.Port)), loc, 2*i+1, plainOK)
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(a.loc, b.loc); c != 0 {
			return c
		}
		if a.https != b.https {
			if a.https {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.order, b.order)
	})
	return cands, skipped
}

// overrideCandidate is the manual base URL from the config: the only
// candidate when set. Plain http is accepted for loopback, or for an
// address plex.tv itself lists as a local connection of an owned server.
func (s *Server) overrideCandidate() ([]candidate, []string) {
	u, err := url.Parse(s.override)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, []string{fmt.Sprintf("configured server URL %q is not a plain base URL like https://host:32400", s.override)}
	}
	plainOK := false
	if s.res.Owned {
		for _, cn := range s.res.Connections {
			if cn.Local && !cn.Relay && strings.EqualFold(strings.Trim(cn.Address, "[]"), u.Hostname()) {
				plainOK = true
			}
		}
	}
	if u.Scheme == "http" && s.res.HTTPSRequired {
		return nil, []string{fmt.Sprintf("configured server URL %s: the server requires https", redactURL(u))}
	}
	if err := checkScheme(u, plainOK); err != nil {
		return nil, []string{"configured server URL " + err.Error()}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return []candidate{{uri: u.String(), loc: locOverride, https: u.Scheme == "https"}}, nil
}

func connLabel(cn Connection) string {
	if cn.URI != "" {
		return cn.URI
	}
	return net.JoinHostPort(cn.Address, strconv.Itoa(cn.Port))
}

// probeResult is the outcome of probing one candidate.
type probeResult struct {
	i   int
	err error
}

// probe checks every candidate in parallel (GET /identity, no token: the
// token is only sent once a connection has proved to be this server) and
// returns the working ones in preference order, not in order of speed.
func (s *Server) probe(ctx context.Context) ([]string, error) {
	cands, skipped := s.candidates()
	if len(cands) == 0 {
		return nil, fmt.Errorf("%w %q: no usable connection (%s); set the server's URL in the config if plex.tv does not list one",
			ErrNoConnection, s.res.Name, strings.Join(skipped, "; "))
	}
	results := make(chan probeResult, len(cands))
	for i, cd := range cands {
		go func() { results <- probeResult{i, s.probeOne(ctx, cd.uri)} }()
	}
	errs := make([]error, len(cands))
	for range cands {
		r := <-results
		errs[r.i] = r.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ok, why []string
	for i, cd := range cands {
		if errs[i] == nil {
			ok = append(ok, cd.uri)
		} else {
			why = append(why, fmt.Sprintf("%s: %v", cd.uri, errs[i]))
		}
	}
	if len(ok) == 0 {
		why = append(why, skipped...)
		return nil, fmt.Errorf("%w %q (%s); check that it is running and reachable from here, or set its URL in the config",
			ErrNoConnection, s.res.Name, strings.Join(why, "; "))
	}
	return ok, nil
}

// probeOne checks that base answers /identity as the expected server. A
// 429 means the server is there but rate-limiting us: the probe waits the
// pause out like any request (ProbeTimeout bounds each attempt, not the
// wait) and asks again. An answer lost on the way (connection reset, body
// cut short) is asked again too; a refused or silent address is not: it
// is down, and asking again would only slow the choice.
func (s *Server) probeOne(ctx context.Context, base string) error {
	const tries = 3
	var wb waitBudget
	for i := 0; ; i++ {
		limited, ra, err := s.probeAttempt(ctx, base, &wb)
		if i == tries-1 || ctx.Err() != nil {
			return err
		}
		if !limited {
			if err == nil || !probeLost(err) {
				return err
			}
			if err := s.c.clock.Sleep(ctx, backoff(i, s.c.maxWait)); err != nil {
				return err
			}
			continue
		}
		hasRA := ra > 0
		if !hasRA {
			ra = backoff(i, s.c.maxWait)
		}
		now := s.c.clock.Now()
		if added := s.gt.pause(now, now.Add(ra)); added > 0 {
			s.c.paused.Add(int64(added))
		}
	}
}

// probeLost reports a probe whose answer was lost on the way, rather than
// an address that is down or a wrong answer.
func probeLost(err error) bool {
	var ne net.Error
	if notSent(err) || (errors.As(err, &ne) && ne.Timeout()) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

func (s *Server) probeAttempt(ctx context.Context, base string, wb *waitBudget) (limited bool, ra time.Duration, err error) {
	c := s.c
	u, err := url.Parse(base + "/identity")
	if err != nil {
		return false, 0, err
	}
	t, err := c.acquire(ctx, s.gt, base, false, wb)
	if err != nil {
		return false, 0, err
	}
	defer func() { t.done() }()
	pctx, cancel := context.WithTimeout(ctx, c.probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, 0, err
	}
	c.setHeaders(req.Header, noToken)
	start := time.Now()
	c.requests.Add(1)
	hr, err := c.hc.Do(req)
	if err != nil {
		c.logRequest(ctx, http.MethodGet, u.String(), 0, start, 0, 0, err)
		return false, 0, unwrapURLError(err)
	}
	defer hr.Body.Close()
	body, err := readBody(hr, 1<<20)
	c.logRequest(ctx, http.MethodGet, u.String(), hr.StatusCode, start, 0, len(body), err)
	if err != nil {
		return false, 0, err
	}
	if hr.StatusCode == http.StatusTooManyRequests {
		// Every 429 counts, as in do, even when its pause adds nothing to
		// one already in force: Stats.RateLimited is the answers received.
		c.rateLimited.Add(1)
		d, _ := ParseRetryAfter(hr.Header.Get("Retry-After"), c.clock.Now())
		if d > 0 {
			// Record the pause before the ticket is given back.
			now := c.clock.Now()
			if added := s.gt.pause(now, now.Add(d)); added > 0 {
				c.paused.Add(int64(added))
			}
		}
		return true, d, fmt.Errorf("status %d (rate limited)", hr.StatusCode)
	}
	if hr.StatusCode != http.StatusOK {
		return false, 0, fmt.Errorf("status %d", hr.StatusCode)
	}
	var w container
	if err := json.Unmarshal(body, &w); err != nil || w.MediaContainer == nil {
		return false, 0, errors.New("answer is not a Plex identity")
	}
	if got := w.MediaContainer.MachineIdentifier.V; got != s.res.ClientIdentifier {
		return false, 0, fmt.Errorf("a different server answers there (machineIdentifier %q)", got)
	}
	return false, 0, nil
}

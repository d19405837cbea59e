package plex_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

var identity = plex.Identity{
	Product: "PlexM8 sync", Version: "0.9.0", ClientID: "contract-client", Platform: "Linux",
	PlatformVersion: "6.1", Device: "PC", DeviceName: "Küche 🎵",
}

var clockStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// env is a fake Plex and a client pointed at it.
type env struct {
	f     *plextest.Fake
	c     *plex.Client
	clock *plex.FakeClock
	sent  *sentLog
	tok   secret.Value // the account token
}

// sentLog records, per request leaving the client, the fake clock's time
// and the outcome.
type sentLog struct {
	mu      sync.Mutex
	entries []sent
}

type sent struct {
	host, path string
	at, done   time.Time
	status     int
}

type clockTransport struct {
	base  http.RoundTripper
	clock *plex.FakeClock
	log   *sentLog
}

func (ct *clockTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	at := ct.clock.Now()
	resp, err := ct.base.RoundTrip(r)
	e := sent{host: r.URL.Host, path: r.URL.Path, at: at, done: ct.clock.Now()}
	if err == nil {
		e.status = resp.StatusCode
	}
	ct.log.mu.Lock()
	ct.log.entries = append(ct.log.entries, e)
	ct.log.mu.Unlock()
	return resp, err
}

func (l *sentLog) all() []sent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sent(nil), l.entries...)
}

// newEnv starts a fake with fo and a client with a fake clock. With
// recordClock the client's transport notes the fake clock per request (the
// default transport is used otherwise). Every test checks, at the end, the
// identity headers on every request the fake saw and that no URL carried a
// token.
func newEnv(t *testing.T, fo plextest.Options, recordClock bool, mod func(*plex.Options)) *env {
	t.Helper()
	clk := plex.NewFakeClock(clockStart)
	if fo.WindowClock == nil {
		// Rate-limit windows run on the client's clock, so sleeping out a
		// Retry-After really ends the window.
		fo.WindowClock = clk.Now
	}
	f, err := plextest.Start(fo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	e := &env{f: f, clock: clk, sent: &sentLog{}, tok: secret.New(f.AccountToken())}
	o := plex.Options{
		TVURL: f.TVURL(), ClientsURL: f.ClientsURL(), Identity: identity, RootCAs: f.RootCAs(),
		Clock: e.clock, Timeout: 10 * time.Second, ProbeTimeout: 3 * time.Second,
	}
	if recordClock {
		o.Transport = &clockTransport{
			base:  &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.RootCAs()}},
			clock: e.clock, log: e.sent,
		}
	}
	if mod != nil {
		mod(&o)
	}
	if e.c, err = plex.New(o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkRequests(t, f) })
	return e
}

func checkRequests(t *testing.T, f *plextest.Fake) {
	t.Helper()
	tokens := []string{f.AccountToken()}
	for _, s := range f.Servers() {
		tokens = append(tokens, s.AccessToken())
	}
	want := map[string]string{
		"Accept": "application/json", "X-Plex-Product": identity.Product, "X-Plex-Version": identity.Version,
		"X-Plex-Client-Identifier": identity.ClientID, "X-Plex-Platform": identity.Platform,
		"X-Plex-Platform-Version": identity.PlatformVersion, "X-Plex-Device": identity.Device,
		"X-Plex-Device-Name": identity.DeviceName,
	}
	for _, r := range f.Requests() {
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s %s (%s/%s): header %s = %q, want %q", r.Method, r.Path, r.Host, r.Conn, k, got, v)
			}
		}
		for k, vs := range r.Query {
			if strings.EqualFold(k, "X-Plex-Token") {
				t.Errorf("%s %s: token in the query", r.Method, r.Path)
			}
			for _, v := range vs {
				for _, tok := range tokens {
					if tok != "" && strings.Contains(v, tok) {
						t.Errorf("%s %s: a token in query parameter %s", r.Method, r.Path, k)
					}
				}
			}
		}
		for _, tok := range tokens {
			if strings.Contains(r.Path, tok) {
				t.Errorf("%s %s: a token in the path", r.Method, r.Path)
			}
		}
		if r.Path == "/identity" && r.Header.Get("X-Plex-Token") != "" {
			t.Errorf("probe of %s/%s carried a token before the server proved who it is", r.Host, r.Conn)
		}
	}
}

// resource returns the plex.tv resource of the fake server s.
func (e *env) resource(t *testing.T, s *plextest.Server) plex.Resource {
	t.Helper()
	rs, err := e.c.Resources(context.Background(), e.tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.ClientIdentifier == s.MachineID() {
			return r
		}
	}
	t.Fatalf("no resource for %s", s.Name())
	return plex.Resource{}
}

// server returns a connected client handle on s with a token source that
// lists resources again.
func (e *env) server(t *testing.T, s *plextest.Server) *plex.Server {
	t.Helper()
	srv := e.c.Server(e.resource(t, s), "")
	srv.SetTokenSource(e.tokenSource(s))
	if _, err := srv.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return srv
}

func (e *env) tokenSource(s *plextest.Server) func(context.Context) (secret.Value, error) {
	return func(ctx context.Context) (secret.Value, error) {
		rs, err := e.c.Resources(ctx, e.tok)
		if err != nil {
			return secret.Value{}, err
		}
		for _, r := range rs {
			if r.ClientIdentifier == s.MachineID() {
				return r.AccessToken, nil
			}
		}
		return secret.Value{}, plex.ErrNotFound
	}
}

// fakeRequests returns the fake's log entries for host (a machine id or
// "plex.tv") whose path starts with prefix.
func fakeRequests(f *plextest.Fake, host, prefix string) []plextest.Request {
	var out []plextest.Request
	for _, r := range f.Requests() {
		if r.Host == host && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

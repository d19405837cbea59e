package plex_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

func TestContractPINFlow(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, plextest.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}, false, nil)
	ctx := context.Background()

	pin, err := e.c.CreatePIN(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pin.Code) != 25 || !pin.AuthToken.IsZero() || !pin.ExpiresAt.Equal(now.Add(30*time.Minute)) || pin.ExpiresIn != 30*time.Minute {
		t.Errorf("pin %+v", pin)
	}
	if r := fakeRequests(e.f, "plex.tv", "/api/v2/pins"); len(r) != 1 || r[0].Status != 201 || r[0].Query.Get("strong") != "true" {
		t.Errorf("create request %+v", r)
	}
	u, _ := url.Parse(e.c.AuthURL(pin))
	frag, _ := url.ParseQuery(strings.TrimPrefix(u.Fragment, "?"))
	if u.Host != "app.plex.tv" || frag.Get("code") != pin.Code || frag.Get("clientID") != identity.ClientID {
		t.Errorf("auth URL %s", u)
	}

	got, err := e.c.CheckPIN(ctx, pin.ID)
	if err != nil || !got.AuthToken.IsZero() {
		t.Fatalf("unclaimed: %v", err)
	}
	if err := e.f.ClaimPIN(pin.ID); err != nil {
		t.Fatal(err)
	}
	got, err = e.c.CheckPIN(ctx, pin.ID)
	if err != nil || !got.AuthToken.Equal(secret.New(e.f.AccountToken())) {
		t.Fatalf("claimed: %v", err)
	}
	if _, err := e.c.User(ctx, got.AuthToken); err != nil {
		t.Errorf("the claimed token does not work: %v", err)
	}

	mu.Lock()
	now = now.Add(31 * time.Minute)
	mu.Unlock()
	if _, err := e.c.CheckPIN(ctx, pin.ID); !errors.Is(err, plex.ErrPINExpired) {
		t.Errorf("expired PIN: %v", err)
	}
	if _, err := e.c.CheckPIN(ctx, 42); !errors.Is(err, plex.ErrPINExpired) {
		t.Errorf("unknown PIN: %v", err)
	}
}

func TestContractUserPingAndRevokedToken(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	ctx := context.Background()
	u, err := e.c.User(ctx, e.tok)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.UUID == "" || u.Username != "plexm8_user" || u.Email == "" || u.Title == "" {
		t.Errorf("user %+v", u)
	}
	if err := e.c.Ping(ctx, e.tok); err != nil {
		t.Fatal(err)
	}

	e.f.RevokeAccountToken()
	e.f.ResetRequests()
	if _, err := e.c.User(ctx, e.tok); !errors.Is(err, plex.ErrUnauthorized) || plex.IsTransient(err) {
		t.Errorf("revoked token: %v", err)
	}
	if n := len(fakeRequests(e.f, "plex.tv", "/api/v2/user")); n != 1 {
		t.Errorf("plex.tv 401 retried: %d requests", n)
	}
	if _, err := e.c.Resources(ctx, e.tok); !errors.Is(err, plex.ErrUnauthorized) {
		t.Errorf("resources with a revoked token: %v", err)
	}
	if err := e.c.Ping(ctx, e.tok); !errors.Is(err, plex.ErrUnauthorized) {
		t.Errorf("ping with a revoked token: %v", err)
	}
}

func TestContractUserOtherErrorsAreTransient(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, func(o *plex.Options) { o.MaxRetries = 1 })
	e.f.Inject(plextest.Fault{Host: "plex.tv", Path: "/api/v2/user", Status: 500})
	_, err := e.c.User(context.Background(), e.tok)
	if err == nil || errors.Is(err, plex.ErrUnauthorized) || !plex.IsTransient(err) {
		t.Errorf("500 from /user: %v", err)
	}
}

func TestContractResources(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	rs, err := e.c.Resources(context.Background(), e.tok)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d resources, want the two servers and no players", len(rs))
	}
	for i, s := range e.f.Servers() {
		r := rs[i]
		if r.ClientIdentifier != s.MachineID() || r.Name != s.Name() || r.Owned != s.Owned() ||
			!r.AccessToken.Equal(secret.New(s.AccessToken())) || r.Product != "Plex Media Server" || !r.Presence {
			t.Errorf("resource %d: %+v", i, r)
		}
		if s.Owned() == (r.SourceTitle != "") {
			t.Errorf("%s: sourceTitle %q", r.Name, r.SourceTitle)
		}
	}
	var relay, https bool
	for _, c := range rs[0].Connections {
		relay = relay || c.Relay
		https = https || c.Protocol == "https"
	}
	if !relay || !https {
		t.Errorf("includeRelay/includeHttps not asked for: %+v", rs[0].Connections)
	}
	r := fakeRequests(e.f, "plex.tv", "/api/v2/resources")[0]
	if r.Query.Get("includeHttps") != "1" || r.Query.Get("includeRelay") != "1" || r.Query.Get("includeIPv6") != "1" ||
		r.Header.Get("X-Plex-Token") != e.f.AccountToken() {
		t.Errorf("resources request %+v", r.Query)
	}
}

func TestContractPlainHTTPRefusedForPublicHosts(t *testing.T) {
	for _, u := range []string{"http://example.com/api/v2", "http://plex.tv/api/v2"} {
		if _, err := plex.New(plex.Options{Identity: identity, TVURL: u}); err == nil {
			t.Errorf("%s accepted", u)
		}
		if _, err := plex.New(plex.Options{Identity: identity, ClientsURL: u}); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

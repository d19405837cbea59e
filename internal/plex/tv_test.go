package plex

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

// tvStub serves canned plex.tv answers under /api/v2.
func tvStub(t *testing.T, routes map[string]func(w http.ResponseWriter, r *http.Request)) (*Client, *pms) {
	t.Helper()
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		h, ok := routes[r.Method+" "+strings.TrimPrefix(r.URL.Path, "/api/v2")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	})
	c, _ := testClient(t, func(o *Options) { o.TVURL = p.URL + "/api/v2"; o.ClientsURL = p.URL + "/api/v2/" })
	return c, p
}

func serveFile(t *testing.T, status int, name string) func(w http.ResponseWriter, r *http.Request) {
	body := readTestdata(t, name)
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write(body)
	}
}

func TestPINFlow(t *testing.T) {
	claimed := strings.Replace(string(readTestdata(t, "pin.json")), `"authToken": null`, `"authToken": "user-token-xyz"`, 1)
	c, p := tvStub(t, map[string]func(w http.ResponseWriter, r *http.Request){
		"POST /pins":          serveFile(t, http.StatusCreated, "pin.json"),
		"GET /pins/564964751": serveFile(t, http.StatusOK, "pin.json"),
		"GET /pins/1":         func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, claimed) },
		"GET /pins/2": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"errors":[{"code":1020,"message":"Code not found or expired"}]}`)
		},
	})
	ctx := context.Background()
	pin, err := c.CreatePIN(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if pin.ID != 564964751 || pin.Code != "8lzjqnq8lye02n52jq3fqxf8e" || !pin.AuthToken.IsZero() ||
		!pin.ExpiresAt.Equal(time.Date(2024, 7, 16, 17, 33, 5, 0, time.UTC)) || pin.ExpiresIn != 1800*time.Second {
		t.Errorf("pin %+v", pin)
	}
	if r := p.requests()[0]; r.URL.Query().Get("strong") != "true" || r.Header.Get("X-Plex-Client-Identifier") != "test-client-id" {
		t.Errorf("create request %s", r.URL)
	}
	if pin, err = c.CheckPIN(ctx, 564964751); err != nil || !pin.AuthToken.IsZero() {
		t.Errorf("unclaimed: %+v %v", pin, err)
	}
	if pin, err = c.CheckPIN(ctx, 1); err != nil || !pin.AuthToken.Equal(secret.New("user-token-xyz")) {
		t.Errorf("claimed: %v", err)
	}
	if _, err = c.CheckPIN(ctx, 2); !errors.Is(err, ErrPINExpired) || IsTransient(err) {
		t.Errorf("expired: %v", err)
	}
}

func TestAuthURL(t *testing.T) {
	c, _ := testClient(t, nil)
	got := c.AuthURL(PIN{Code: "abc123"})
	want := "https://app.plex.tv/auth#?clientID=test-client-id&code=abc123&context%5Bdevice%5D%5Bproduct%5D=PlexM8%20sync"
	if got != want {
		t.Errorf("AuthURL\n%s\nwant\n%s", got, want)
	}
	u, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	q, err := url.ParseQuery(strings.TrimPrefix(u.Fragment, "?"))
	if err != nil || q.Get("context[device][product]") != "PlexM8 sync" {
		t.Errorf("fragment %q: %v %v", u.Fragment, q, err)
	}
}

func TestUserAndPing(t *testing.T) {
	c, p := tvStub(t, map[string]func(w http.ResponseWriter, r *http.Request){
		"GET /user": serveFile(t, http.StatusOK, "user.json"),
		"GET /ping": func(w http.ResponseWriter, r *http.Request) {},
	})
	tok := secret.New("account-token")
	u, err := c.User(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if u != (User{ID: 13692262, UUID: "dae343c1f45beb4f", Username: "Username", Title: "UsernameTitle", Email: "username@email.com"}) {
		t.Errorf("user %+v", u)
	}
	if err := c.Ping(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	for _, r := range p.requests() {
		if r.Header.Get("X-Plex-Token") != "account-token" || strings.Contains(r.URL.String(), "account-token") {
			t.Errorf("%s: token header %q", r.URL, r.Header.Get("X-Plex-Token"))
		}
	}
}

func TestTV401IsImmediate(t *testing.T) {
	c, p := tvStub(t, map[string]func(w http.ResponseWriter, r *http.Request){
		"GET /resources": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":1001,"message":"User could not be authenticated","status":401}]}`)
		},
	})
	_, err := c.Resources(context.Background(), secret.New("revoked"))
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("got %v", err)
	}
	if n := len(p.requests()); n != 1 {
		t.Errorf("%d attempts", n)
	}
}

func TestResources(t *testing.T) {
	c, p := tvStub(t, map[string]func(w http.ResponseWriter, r *http.Request){
		"GET /resources": serveFile(t, http.StatusOK, "resources.json"),
	})
	rs, err := c.Resources(context.Background(), secret.New("account-token"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d resources, want only the server", len(rs))
	}
	r := rs[0]
	if r.Name != "☁️" || r.ClientIdentifier != "REDACTED" || !r.Owned || !r.Presence || !r.HTTPSRequired ||
		r.ProductVersion != "1.30.2.6563-3d4dc0cce" || r.Platform != "Linux" || r.SourceTitle != "" ||
		!r.AccessToken.Equal(secret.New("REDACTED")) || len(r.Connections) != 2 {
		t.Errorf("resource %+v", r)
	}
	want := Connection{Protocol: "https", Address: "10.0.20.107", Port: 32400,
		URI: "https://10-0-20-107.35aad435765REDACTED.plex.direct:32400", Local: true}
	if r.Connections[1] != want {
		t.Errorf("connection %+v", r.Connections[1])
	}
	q := p.requests()[0].URL.Query()
	if q.Get("includeHttps") != "1" || q.Get("includeRelay") != "1" || q.Get("includeIPv6") != "1" {
		t.Errorf("query %v", q)
	}
}

func TestProvides(t *testing.T) {
	for list, want := range map[string]bool{"server": true, "client,player,server": true, "client, server ": true,
		"player,pubsub-player": false, "servers": false, "": false} {
		if provides(list, "server") != want {
			t.Errorf("provides(%q) != %v", list, want)
		}
	}
}

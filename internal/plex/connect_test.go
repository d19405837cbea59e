package plex

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

func candURIs(cs []candidate) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.uri)
	}
	return out
}

func TestCandidateOrder(t *testing.T) {
	c, _ := testClient(t, nil)
	res := Resource{
		Name: "Home", ClientIdentifier: testMachineID, Owned: true,
		Connections: []Connection{
			{Protocol: "https", Address: "203.0.113.5", Port: 443, URI: "https://203-0-113-5.abc.plex.direct:443"},
			{Protocol: "https", Address: "192.168.1.10", Port: 32400, URI: "https://192-168-1-10.abc.plex.direct:32400", Local: true},
			{Protocol: "https", Address: "198.51.100.1", Port: 8443, URI: "https://198-51-100-1.abc.plex.direct:8443", Relay: true},
			{Protocol: "http", Address: "192.168.1.10", Port: 32400, URI: "http://192.168.1.10:32400", Local: true},
			{Protocol: "https", Address: "2001:db8::5", Port: 32400, URI: "https://[2001:db8::5]:32400", IPv6: true},
			{Protocol: "http", Address: "::1", Port: 32401, URI: "http://[::1]:32401"},
		},
	}
	cands, skipped := c.Server(res, "").candidates()
	want := []string{
		"https://192-168-1-10.abc.plex.direct:32400", // local https
		"http://192.168.1.10:32400",                  // local http (plex.tv says local)
		"https://203-0-113-5.abc.plex.direct:443",    // remote https, in listed order
		"https://[2001:db8::5]:32400",
		"http://[::1]:32401",                        // remote http: loopback only
		"https://198-51-100-1.abc.plex.direct:8443", // relay last
	}
	if got := candURIs(cands); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order\n%v\nwant\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// http://address:port of remote, non-loopback connections is refused.
	for _, s := range []string{"http://203.0.113.5:443", "http://[2001:db8::5]:32400"} {
		if !strings.Contains(strings.Join(skipped, "\n"), s) {
			t.Errorf("%s not reported as skipped: %v", s, skipped)
		}
	}
	// A relay is https only: no http variant is even considered.
	if strings.Contains(strings.Join(skipped, "\n"), "198.51.100.1") {
		t.Errorf("http variant of a relay considered: %v", skipped)
	}

	shared := res
	shared.Owned = false
	cands, skipped = c.Server(shared, "").candidates()
	for _, cd := range cands {
		if strings.Contains(cd.uri, "192") {
			t.Errorf("shared server's local connection %s kept", cd.uri)
		}
	}
	if !strings.Contains(strings.Join(skipped, "\n"), "does not own") {
		t.Errorf("skipped %v", skipped)
	}

	strict := res
	strict.HTTPSRequired = true
	cands, _ = c.Server(strict, "").candidates()
	for _, cd := range cands {
		if !cd.https {
			t.Errorf("http candidate %s for an https-only server", cd.uri)
		}
	}
}

func TestOverrideCandidate(t *testing.T) {
	c, _ := testClient(t, nil)
	res := Resource{Name: "Home", ClientIdentifier: testMachineID, Owned: true,
		Connections: []Connection{{Protocol: "http", Address: "192.168.1.10", Port: 32400, Local: true}}}
	cases := []struct {
		override string
		ok       bool
	}{
		{"https://plex.home.example:32400/", true},
		{"http://127.0.0.1:32400", true},
		{"http://192.168.1.10:32400", true}, // plex.tv lists it as local
		{"http://192.168.1.99:32400", false},
		{"http://media.example.com:32400", false},
		{"https://plex.example/?X-Plex-Token=x", false},
		{"not a url", false},
	}
	for _, cs := range cases {
		cands, why := c.Server(res, cs.override).candidates()
		if (len(cands) == 1) != cs.ok {
			t.Errorf("override %q: candidates %v, skipped %v", cs.override, candURIs(cands), why)
		}
		if cs.ok && strings.HasSuffix(cands[0].uri, "/") {
			t.Errorf("override keeps trailing slash: %s", cands[0].uri)
		}
	}
	strict := res
	strict.HTTPSRequired = true
	if cands, _ := c.Server(strict, "http://127.0.0.1:32400").candidates(); len(cands) != 0 {
		t.Error("http override accepted for an https-only server")
	}
}

// identityServer answers /identity as id and everything else with body.
func identityServer(t *testing.T, id string, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/identity" && h == nil {
			fmt.Fprintf(w, `{"MediaContainer":{"size":0,"machineIdentifier":%q}}`, id)
			return
		}
		if h != nil {
			h(w, r)
			return
		}
		io.WriteString(w, `{"MediaContainer":{"size":0,"Directory":[]}}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestConnectPrefersOrderNotSpeed(t *testing.T) {
	remoteAnswered := make(chan struct{})
	remote := identityServer(t, testMachineID, nil)
	local := identityServer(t, testMachineID, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/identity" {
			<-remoteAnswered // the local connection is the slower one
			fmt.Fprintf(w, `{"MediaContainer":{"machineIdentifier":%q}}`, testMachineID)
			return
		}
		io.WriteString(w, `{"MediaContainer":{"size":0}}`)
	})
	var once atomic.Bool
	tr := &hookTransport{after: func(r *http.Request) {
		if r.URL.Host == strings.TrimPrefix(remote.URL, "http://") && once.CompareAndSwap(false, true) {
			close(remoteAnswered)
		}
	}}
	c, _ := testClient(t, func(o *Options) { o.Transport = tr })
	res := Resource{Name: "Home", ClientIdentifier: testMachineID, Owned: true, Connections: []Connection{
		{URI: deadURL(t), Local: true}, // dead local: skipped
		{URI: remote.URL},              // remote: answers first
		{URI: local.URL, Local: true},  // local: answers last, still preferred
		{URI: identityServer(t, "someone-else", nil).URL, Local: true}, // wrong server
	}}
	s := c.Server(res, "")
	if s.URI() != "" {
		t.Error("URI before Connect")
	}
	got, err := s.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got != local.URL || s.URI() != local.URL {
		t.Errorf("chose %s, want the local %s", got, local.URL)
	}
}

type hookTransport struct {
	after func(*http.Request)
}

func (h *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if h.after != nil {
		h.after(r)
	}
	return resp, err
}

func TestConnectAllFail(t *testing.T) {
	c, _ := testClient(t, nil)
	wrong := identityServer(t, "someone-else", nil)
	res := Resource{Name: "Home", ClientIdentifier: testMachineID, Owned: true, AccessToken: secret.New("tok"),
		Connections: []Connection{{URI: deadURL(t), Local: true}, {URI: wrong.URL, Local: true}}}
	_, err := c.Server(res, "").Connect(context.Background())
	if !errors.Is(err, ErrNoConnection) || !IsTransient(err) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"someone-else", "refused", wrong.URL} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	// A request made lazily reports the same.
	if _, err := c.Server(res, "").Sections(context.Background()); !errors.Is(err, ErrNoConnection) {
		t.Errorf("lazy connect: %v", err)
	}
}

func TestFailoverOn503AndTransportError(t *testing.T) {
	var firstHits atomic.Int32
	first := identityServer(t, testMachineID, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/identity" {
			fmt.Fprintf(w, `{"MediaContainer":{"machineIdentifier":%q}}`, testMachineID)
			return
		}
		firstHits.Add(1)
		w.Header().Set("Retry-After", "60")
		http.Error(w, "busy", http.StatusServiceUnavailable)
	})
	second := identityServer(t, testMachineID, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/identity" {
			fmt.Fprintf(w, `{"MediaContainer":{"machineIdentifier":%q}}`, testMachineID)
			return
		}
		hangUp(w)
	})
	third := identityServer(t, testMachineID, nil)
	c, clk := testClient(t, nil)
	res := Resource{Name: "Home", ClientIdentifier: testMachineID, Owned: true,
		Connections: []Connection{{URI: first.URL, Local: true}, {URI: second.URL}, {URI: third.URL, Relay: true}}}
	s := c.Server(res, "")
	if _, err := s.Sections(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.URI() != third.URL {
		t.Errorf("in use: %s, want %s", s.URI(), third.URL)
	}
	if len(clk.Sleeps()) != 0 {
		t.Errorf("slept %v although another connection was ready", clk.Sleeps())
	}
	// Later requests stay on the working connection.
	if _, err := s.Sections(context.Background()); err != nil || firstHits.Load() != 1 {
		t.Errorf("second request: %v, first connection hit %d times", err, firstHits.Load())
	}
}

func TestReprobeAfterEveryConnectionFailed(t *testing.T) {
	var down atomic.Bool
	srv := identityServer(t, testMachineID, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/identity" {
			fmt.Fprintf(w, `{"MediaContainer":{"machineIdentifier":%q}}`, testMachineID)
			return
		}
		if down.Load() {
			hangUp(w)
			return
		}
		io.WriteString(w, `{"MediaContainer":{"size":0}}`)
	})
	c, _ := testClient(t, func(o *Options) { o.MaxRetries = 1 })
	s := c.Server(Resource{Name: "H", ClientIdentifier: testMachineID, Owned: true,
		Connections: []Connection{{URI: srv.URL, Local: true}}}, "")
	down.Store(true)
	if _, err := s.Sections(context.Background()); err == nil {
		t.Fatal("no error while down")
	}
	down.Store(false)
	if _, err := s.Sections(context.Background()); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if s.URI() != srv.URL {
		t.Errorf("URI %q", s.URI())
	}
}

func TestTokenRefresh(t *testing.T) {
	const html = `<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>`
	newSrv := func(valid string) *httptest.Server {
		return identityServer(t, testMachineID, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/identity" {
				fmt.Fprintf(w, `{"MediaContainer":{"machineIdentifier":%q}}`, testMachineID)
				return
			}
			if r.Header.Get("X-Plex-Token") != valid {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusUnauthorized)
				io.WriteString(w, html)
				return
			}
			io.WriteString(w, `{"MediaContainer":{"size":0}}`)
		})
	}
	cases := []struct {
		name    string
		source  func(context.Context) (secret.Value, error)
		wantErr error
		calls   int32
	}{
		{"fresh token", func(context.Context) (secret.Value, error) { return secret.New("new"), nil }, nil, 1},
		{"same token", func(context.Context) (secret.Value, error) { return secret.New("old"), nil }, ErrUnauthorized, 1},
		{"still invalid", func(context.Context) (secret.Value, error) { return secret.New("other"), nil }, ErrUnauthorized, 1},
		{"source fails", func(context.Context) (secret.Value, error) { return secret.Value{}, ErrUnauthorized }, ErrUnauthorized, 1},
		{"no source", nil, ErrUnauthorized, 0},
	}
	for _, cs := range cases {
		t.Run(cs.name, func(t *testing.T) {
			srv := newSrv("new")
			c, _ := testClient(t, nil)
			s := c.Server(Resource{Name: "H", ClientIdentifier: testMachineID, Owned: true, AccessToken: secret.New("old"),
				Connections: []Connection{{URI: srv.URL, Local: true}}}, "")
			var calls atomic.Int32
			if cs.source != nil {
				s.SetTokenSource(func(ctx context.Context) (secret.Value, error) {
					calls.Add(1)
					return cs.source(ctx)
				})
			}
			_, err := s.Sections(context.Background())
			if cs.wantErr == nil && err != nil || cs.wantErr != nil && !errors.Is(err, cs.wantErr) {
				t.Fatalf("got %v, want %v", err, cs.wantErr)
			}
			if calls.Load() != cs.calls {
				t.Errorf("token source called %d times", calls.Load())
			}
			if err != nil && strings.Contains(err.Error(), "old") {
				t.Errorf("error may show a token: %v", err)
			}
			if cs.wantErr == nil && !s.Resource().AccessToken.Equal(secret.New("new")) {
				t.Error("fresh token not kept")
			}
		})
	}
}

package plex_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

func TestContractConnectOwned(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	// The local https connection is dead and the local http one is slower
	// to answer than remote and relay: local http still wins.
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Conn: "local", Path: "/identity", Latency: 50e6})
	s := e.c.Server(e.resource(t, owned), "")
	if s.URI() != "" {
		t.Error("URI before Connect")
	}
	uri, err := s.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if uri != owned.URL("local") || s.URI() != uri {
		t.Errorf("chose %s, want local %s", uri, owned.URL("local"))
	}
	// Requests go to the chosen connection, with the server's token.
	e.f.ResetRequests()
	if _, err := s.Sections(context.Background()); err != nil {
		t.Fatal(err)
	}
	reqs := e.f.Requests()
	if len(reqs) != 1 || reqs[0].Conn != "local" || reqs[0].Header.Get("X-Plex-Token") != owned.AccessToken() {
		t.Errorf("requests %+v", reqs)
	}
}

func TestContractSharedServerSkipsLocal(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	shared := e.f.Shared()
	s := e.c.Server(e.resource(t, shared), "")
	uri, err := s.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if uri != shared.URL("remote") {
		t.Errorf("chose %s, want remote %s", uri, shared.URL("remote"))
	}
	for _, r := range e.f.Requests() {
		if r.Host == shared.MachineID() && r.Conn == "local" {
			t.Errorf("contacted the shared server's local connection: %s", r.Path)
		}
	}
	// The shared server has its own token.
	if _, err := s.Sections(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestContractHTTPSRequired(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	res := e.resource(t, owned)
	res.HTTPSRequired = true
	uri, err := e.c.Server(res, "").Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if uri != owned.URL("relay") || !strings.HasPrefix(uri, "https://") {
		t.Errorf("chose %s, want the https relay %s", uri, owned.URL("relay"))
	}
	for _, r := range e.f.Requests() {
		if r.Host == owned.MachineID() && r.Conn != "relay" {
			t.Errorf("plain http to %s connection of an https-only server", r.Conn)
		}
	}
}

func TestContractOverrideURL(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	res := e.resource(t, owned)
	s := e.c.Server(res, owned.URL("remote")+"/")
	uri, err := s.Connect(context.Background())
	if err != nil || uri != owned.URL("remote") {
		t.Fatalf("override: %s %v", uri, err)
	}
	for _, r := range e.f.Requests() {
		if r.Host == owned.MachineID() && r.Conn != "remote" {
			t.Errorf("override set, but %s was contacted", r.Conn)
		}
	}

	// An override that reaches another server is rejected.
	_, err = e.c.Server(res, e.f.Shared().URL("remote")).Connect(context.Background())
	if !errors.Is(err, plex.ErrNoConnection) || !strings.Contains(err.Error(), e.f.Shared().MachineID()) {
		t.Errorf("mismatched override: %v", err)
	}
}

func TestContractMachineIdentifierMismatchRejected(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned, shared := e.f.Owned(), e.f.Shared()
	res := e.resource(t, owned)
	// plex.tv lists, first, an address where another server now answers.
	res.Connections = append([]plex.Connection{{Protocol: "http", URI: shared.URL("remote"), Local: true}}, res.Connections...)
	uri, err := e.c.Server(res, "").Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if uri != owned.URL("local") {
		t.Errorf("chose %s, want %s", uri, owned.URL("local"))
	}
	for _, r := range e.f.Requests() {
		if r.Host == shared.MachineID() && r.Header.Get("X-Plex-Token") != "" {
			t.Error("token sent to the wrong server")
		}
	}
}

func TestContract503FallsBackToNextConnection(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Conn: "local", Path: "/library", Status: http.StatusServiceUnavailable, RetryAfter: "120"})
	secs, err := s.Sections(context.Background())
	if err != nil || len(secs) != len(owned.Sections()) {
		t.Fatalf("%d sections, %v", len(secs), err)
	}
	if s.URI() != owned.URL("remote") {
		t.Errorf("in use %s, want remote %s", s.URI(), owned.URL("remote"))
	}
	if sl := e.clock.Sleeps(); len(sl) != 0 {
		t.Errorf("waited %v although the next connection was ready", sl)
	}
	// Every connection failing: the server is re-probed, and the probe
	// reports what each candidate said.
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/", Status: http.StatusServiceUnavailable})
	_, err = e.c.Server(e.resource(t, owned), "").Connect(context.Background())
	if !errors.Is(err, plex.ErrNoConnection) || !strings.Contains(err.Error(), "503") || !plex.IsTransient(err) {
		t.Errorf("all down: %v", err)
	}
}

func TestContractIdentityAndSections(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	id, err := s.Identity(context.Background())
	if err != nil || id.MachineIdentifier != owned.MachineID() || !id.Claimed || id.Version == "" {
		t.Errorf("identity %+v %v", id, err)
	}
	secs, err := s.Sections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := owned.Sections()
	if len(secs) != len(want) {
		t.Fatalf("%d sections, want %d", len(secs), len(want))
	}
	for i, w := range want {
		g := secs[i]
		if g.Key.V != w.Key || g.UUID.V != w.UUID || g.Type.V != w.Type || g.Title.V != w.Title || g.Agent.V != w.Agent ||
			g.Scanner.V != w.Scanner || g.Language.V != w.Language || g.CreatedAt.V != w.CreatedAt ||
			g.UpdatedAt.V != w.UpdatedAt || g.ScannedAt.V != w.ScannedAt || g.ContentChangedAt.V != w.ContentChangedAt ||
			!g.Hidden.Valid || g.Hidden.V || !g.Refreshing.Valid {
			t.Errorf("section %d: %+v, want %+v", i, g, w)
		}
	}
	if got := s.Resource(); got.ClientIdentifier != owned.MachineID() {
		t.Errorf("Resource() %+v", got)
	}
}

func TestContractConcurrentFirstRequestsProbeOnce(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, nil)
	owned := e.f.Owned()
	s := e.c.Server(e.resource(t, owned), "")
	s.SetTokenSource(e.tokenSource(owned))
	e.f.ResetRequests()
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := s.Sections(context.Background())
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	probes := map[string]int{}
	for _, r := range e.f.Requests() {
		if r.Path == "/identity" {
			probes[r.Conn]++
		}
	}
	for conn, n := range probes {
		if n != 1 {
			t.Errorf("connection %s probed %d times", conn, n)
		}
	}
	if n := len(fakeRequests(e.f, owned.MachineID(), "/library/sections")); n != 8 {
		t.Errorf("%d section requests", n)
	}
}

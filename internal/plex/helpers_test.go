package plex

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

var testIdentity = Identity{
	Product: "PlexM8 sync", Version: "1.2.3", ClientID: "test-client-id", Platform: "Linux",
	PlatformVersion: "6.1", Device: "PC", DeviceName: "Wohnzimmer-Rechner ✓",
}

const testMachineID = "0123456789abcdef0123456789abcdef01234567"

// testClient returns a Client with a fake clock and fast timeouts.
func testClient(t testing.TB, mod func(*Options)) (*Client, *FakeClock) {
	t.Helper()
	clk := NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	o := Options{Identity: testIdentity, Clock: clk, TVURL: "http://127.0.0.1:1/api/v2", ClientsURL: "http://127.0.0.1:1/api/v2",
		Timeout: 5 * time.Second, ProbeTimeout: 2 * time.Second}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

// pms is a scripted stand-in for a media server: /identity answers as
// testMachineID, everything else goes to the handler.
type pms struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newPMS(t *testing.T, h http.HandlerFunc) *pms {
	t.Helper()
	p := &pms{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.reqs = append(p.reqs, r.Clone(r.Context()))
		p.mu.Unlock()
		if r.URL.Path == "/identity" {
			fmt.Fprintf(w, `{"MediaContainer":{"size":0,"claimed":true,"machineIdentifier":%q,"version":"1.41"}}`, testMachineID)
			return
		}
		h(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// requests returns what reached the server, except probes.
func (p *pms) requests() []*http.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*http.Request
	for _, r := range p.reqs {
		if r.URL.Path != "/identity" {
			out = append(out, r)
		}
	}
	return out
}

func (p *pms) resource() Resource {
	host, port, _ := strings.Cut(strings.TrimPrefix(p.URL, "http://"), ":")
	var n int
	fmt.Sscan(port, &n)
	return Resource{
		Name: "Test", ClientIdentifier: testMachineID, Owned: true, AccessToken: secret.New("server-token"),
		Connections: []Connection{{Protocol: "http", Address: host, Port: n, URI: p.URL, Local: true}},
	}
}

package plextest

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

type resource struct {
	Name             string  `json:"name"`
	ClientIdentifier string  `json:"clientIdentifier"`
	Provides         string  `json:"provides"`
	AccessToken      string  `json:"accessToken"`
	Owned            bool    `json:"owned"`
	OwnerID          *int64  `json:"ownerId"`
	SourceTitle      *string `json:"sourceTitle"`
	HTTPSRequired    *bool   `json:"httpsRequired"`
	Presence         *bool   `json:"presence"`
	PublicAddress    string  `json:"publicAddress"`
	Connections      []struct {
		Protocol string `json:"protocol"`
		Address  string `json:"address"`
		Port     int    `json:"port"`
		URI      string `json:"uri"`
		Local    bool   `json:"local"`
		Relay    bool   `json:"relay"`
		IPv6     bool   `json:"IPv6"`
	} `json:"connections"`
}

func (h *harness) resources(u string) []resource {
	h.t.Helper()
	rep := h.do(req{url: u, token: h.f.AccountToken()})
	var out []resource
	if err := json.Unmarshal(rep.body, &out); err != nil || rep.status != http.StatusOK {
		h.t.Fatalf("resources: %d %v %.200s", rep.status, err, rep.body)
	}
	return out
}

func resourceByID(t *testing.T, list []resource, id string) resource {
	t.Helper()
	for _, r := range list {
		if r.ClientIdentifier == id {
			return r
		}
	}
	t.Fatalf("no resource %s", id)
	return resource{}
}

func TestResources(t *testing.T) {
	h := start(t, Options{Seed: 6})
	o, s := h.f.Owned(), h.f.Shared()
	all := h.resources(h.f.TVURL() + "/resources?includeHttps=1&includeRelay=1&includeIPv6=1")

	var servers, players int
	for _, r := range all {
		if strings.Contains(r.Provides, "server") {
			servers++
		} else {
			players++
			if !strings.Contains(r.Provides, "player") {
				t.Errorf("device %q provides %q", r.Name, r.Provides)
			}
		}
	}
	if servers != 2 || players < 2 {
		t.Errorf("%d servers, %d other devices; want 2 and at least 2", servers, players)
	}

	own := resourceByID(t, all, o.MachineID())
	if own.Name != o.Name() || !own.Owned || own.OwnerID != nil || own.SourceTitle != nil || own.AccessToken != o.AccessToken() ||
		own.HTTPSRequired == nil || own.Presence == nil || !*own.Presence {
		t.Errorf("owned resource = %+v", own)
	}
	sh := resourceByID(t, all, s.MachineID())
	if sh.Owned || sh.OwnerID == nil || sh.SourceTitle == nil || *sh.SourceTitle == "" || sh.AccessToken != s.AccessToken() {
		t.Errorf("shared resource = %+v", sh)
	}
	// ownerId/sourceTitle are null (not absent) for the owned server.
	rep := h.do(req{url: h.f.TVURL() + "/resources", token: h.f.AccountToken()})
	if !strings.Contains(string(rep.body), `"ownerId":null`) || strings.Contains(string(rep.body), "MediaContainer") {
		t.Error("resources must be a bare array with ownerId null for owned servers")
	}

	type flags struct{ local, relay, ipv6 bool }
	conns := func(r resource) map[string]flags {
		m := map[string]flags{}
		for _, c := range r.Connections {
			m[c.Protocol+" "+c.URI] = flags{c.Local, c.Relay, c.IPv6}
		}
		return m
	}
	ownConns := conns(own)
	wantOwned := map[string]flags{
		"https " + o.URL("local-https"): {local: true},
		"http " + o.URL("local"):        {local: true},
		"http " + o.URL("remote"):       {},
		"https " + o.URL("relay"):       {relay: true},
		"http " + o.URL("ipv6"):         {ipv6: true},
	}
	if len(ownConns) != len(wantOwned) {
		t.Errorf("owned connections = %v", ownConns)
	}
	for k, v := range wantOwned {
		if got, ok := ownConns[k]; !ok || got != v {
			t.Errorf("owned connection %s = %+v (present %v), want %+v", k, got, ok, v)
		}
	}
	shConns := conns(sh)
	if len(shConns) != 2 || shConns["http "+s.URL("local")] != (flags{local: true}) || shConns["http "+s.URL("remote")] != (flags{}) {
		t.Errorf("shared connections = %v", shConns)
	}

	// The include* flags default to 0 and drop https, relay and IPv6.
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"local", "remote"}},
		{"?includeHttps=1", []string{"local-https", "local", "remote"}},
		{"?includeRelay=1", []string{"local", "remote", "relay"}},
		{"?includeIPv6=1", []string{"local", "remote", "ipv6"}},
	} {
		r := resourceByID(t, h.resources(h.f.TVURL()+"/resources"+tc.query), o.MachineID())
		var got []string
		for _, c := range r.Connections {
			for _, name := range o.ConnNames() {
				if o.URL(name) == c.URI {
					got = append(got, name)
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("resources%s: connections %v, want %v", tc.query, got, tc.want)
		}
	}
	// clients.plex.tv answers the same.
	if got := h.resources(h.f.ClientsURL() + "/resources"); len(got) != len(all) {
		t.Errorf("ClientsURL resources: %d devices", len(got))
	}
}

// TestConnectionsLiveAndDead checks that every connection but local-https
// reaches the same server, and that local-https refuses connections.
func TestConnectionsLiveAndDead(t *testing.T) {
	h := start(t, Options{Seed: 6})
	for _, s := range h.f.Servers() {
		var first []byte
		for _, name := range s.ConnNames() {
			u := s.URL(name)
			rep, err := h.try(req{url: u + "/library/sections", token: s.AccessToken()})
			if name == "local-https" {
				if err == nil {
					t.Errorf("%s %s answered %d; it must be dead", s.Name(), name, rep.status)
				}
				continue
			}
			if err != nil || rep.status != http.StatusOK {
				t.Errorf("%s %s (%s): %v %d", s.Name(), name, u, err, rep.status)
				continue
			}
			if first == nil {
				first = rep.body
			} else if string(rep.body) != string(first) {
				t.Errorf("%s: connection %s serves a different library", s.Name(), name)
			}
		}
	}
	if h.f.RootCAs() == nil || !strings.HasPrefix(h.f.Owned().URL("relay"), "https://") {
		t.Error("the relay connection is TLS and RootCAs trusts it")
	}
	if h.f.Owned().URL("nope") != "" {
		t.Error("URL of an unknown connection must be empty")
	}
}

var uriPattern = regexp.MustCompile(`https?://[^"\s<>\\]+`)

// TestEveryURIIsLoopback scans every body the fake hands out for http(s)
// URIs and addresses: all must be loopback.
func TestEveryURIIsLoopback(t *testing.T) {
	h := start(t, Options{Seed: 6})
	var bodies [][]byte
	tv := h.f.TVURL()
	for _, u := range []string{"/resources?includeHttps=1&includeRelay=1&includeIPv6=1", "/user"} {
		bodies = append(bodies, h.do(req{url: tv + u, token: h.f.AccountToken()}).body)
	}
	bodies = append(bodies, h.do(req{method: "POST", url: tv + "/pins?strong=true"}).body)
	for _, p := range []string{"/library/sections", "/playlists", "/library/sections/1/all?type=10&X-Plex-Container-Size=1000&includeGuids=1",
		"/library/sections/1/all?type=9&X-Plex-Container-Size=1000", "/library/sections/1/all?X-Plex-Container-Size=1000", "/"} {
		bodies = append(bodies, h.pms(p).body)
	}
	urls := []string{tv, h.f.ClientsURL()}
	for _, b := range bodies {
		urls = append(urls, uriPattern.FindAllString(string(b), -1)...)
	}
	for _, s := range h.f.Servers() {
		for _, n := range s.ConnNames() {
			urls = append(urls, s.URL(n))
		}
	}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("unparsable URI %q", raw)
			continue
		}
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			t.Errorf("URI %q is not loopback", raw)
		}
	}
	var res []resource
	_ = json.Unmarshal(bodies[0], &res)
	for _, r := range res {
		if ip := net.ParseIP(r.PublicAddress); ip == nil || !ip.IsLoopback() {
			t.Errorf("publicAddress %q is not loopback", r.PublicAddress)
		}
		for _, c := range r.Connections {
			if ip := net.ParseIP(c.Address); ip == nil || !ip.IsLoopback() {
				t.Errorf("address %q is not loopback", c.Address)
			}
		}
	}
	if len(urls) < 10 {
		t.Errorf("found only %d URIs; the scan is not looking", len(urls))
	}
}

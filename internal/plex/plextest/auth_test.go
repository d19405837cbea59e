package plextest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPMSAuth(t *testing.T) {
	h := start(t, Options{Seed: 4})
	o, s := h.f.Owned(), h.f.Shared()
	url := o.URL("local") + "/library/sections"

	unauthorized := func(name string, r req) {
		t.Helper()
		rep := h.do(r)
		if rep.status != http.StatusUnauthorized || rep.header.Get("Content-Type") != "text/html" || string(rep.body) != html401 {
			t.Errorf("%s: %d %q %s, want PMS's HTML 401", name, rep.status, rep.header.Get("Content-Type"), rep.body)
		}
	}
	unauthorized("no token", req{url: url})
	unauthorized("wrong token", req{url: url, token: "nope"})
	unauthorized("account token", req{url: url, token: h.f.AccountToken()})
	unauthorized("other server's token", req{url: url, token: s.AccessToken()})
	unauthorized("XML client", req{url: url, xml: true})

	if rep := h.do(req{url: url, token: o.AccessToken()}); rep.status != http.StatusOK {
		t.Errorf("header token: %d", rep.status)
	}
	if rep := h.do(req{url: url + "?X-Plex-Token=" + o.AccessToken()}); rep.status != http.StatusOK {
		t.Errorf("query token: %d", rep.status)
	}

	// /identity needs no token.
	rep := h.do(req{url: o.URL("local") + "/identity"})
	var id struct {
		MediaContainer struct {
			Size              *int   `json:"size"`
			Claimed           bool   `json:"claimed"`
			MachineIdentifier string `json:"machineIdentifier"`
			Version           string `json:"version"`
		} `json:"MediaContainer"`
	}
	if err := json.Unmarshal(rep.body, &id); err != nil || rep.status != 200 {
		t.Fatalf("identity: %d %v", rep.status, err)
	}
	if mc := id.MediaContainer; mc.Size == nil || *mc.Size != 0 || !mc.Claimed || mc.MachineIdentifier != o.MachineID() || mc.Version == "" {
		t.Errorf("identity = %+v", mc)
	}

	// Rotation: the old token gets the HTML 401, the new one works and
	// /resources hands it out.
	old := o.AccessToken()
	o.RotateToken()
	if o.AccessToken() == old {
		t.Fatal("RotateToken kept the token")
	}
	unauthorized("rotated token", req{url: url, token: old})
	if rep := h.do(req{url: url, token: o.AccessToken()}); rep.status != http.StatusOK {
		t.Errorf("new token: %d", rep.status)
	}
	res := h.resources(h.f.TVURL() + "/resources")
	if tok := resourceByID(t, res, o.MachineID()).AccessToken; tok != o.AccessToken() {
		t.Errorf("resources token %q, want the rotated one", tok)
	}
}

func TestTVAuthAndRevocation(t *testing.T) {
	h := start(t, Options{Seed: 4})
	tv := h.f.TVURL()
	for _, path := range []string{"/user", "/ping", "/resources"} {
		rep := h.do(req{url: tv + path})
		assertTVError(t, rep, 401, 1001)
		if rep := h.do(req{url: tv + path, token: h.f.AccountToken()}); rep.status != http.StatusOK {
			t.Errorf("%s with token: %d", path, rep.status)
		}
		if rep := h.do(req{url: tv + path + "?X-Plex-Token=" + h.f.AccountToken()}); rep.status != http.StatusOK {
			t.Errorf("%s with query token: %d", path, rep.status)
		}
	}
	assertTVError(t, h.do(req{url: tv + "/user", token: h.f.AccountToken(), noClient: true}), 400, 1000)

	var u map[string]any
	rep := h.do(req{url: tv + "/user", token: h.f.AccountToken()})
	if err := json.Unmarshal(rep.body, &u); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"authToken", "email", "friendlyName", "hasPassword", "id", "joinedAt", "title", "twoFactorEnabled", "username", "uuid"} {
		if _, ok := u[k]; !ok {
			t.Errorf("/user lacks required field %q", k)
		}
	}
	if u["authToken"] != h.f.AccountToken() {
		t.Errorf("/user authToken = %v", u["authToken"])
	}
	if _, wrapped := u["MediaContainer"]; wrapped {
		t.Error("plex.tv bodies are bare, not MediaContainer")
	}

	old := h.f.AccountToken()
	h.f.RevokeAccountToken()
	assertTVError(t, h.do(req{url: tv + "/user", token: old}), 401, 1001)
	if h.f.AccountToken() == old {
		t.Fatal("RevokeAccountToken kept the token")
	}
	if rep := h.do(req{url: tv + "/user", token: h.f.AccountToken()}); rep.status != http.StatusOK {
		t.Errorf("new account token: %d", rep.status)
	}
	// PMS access tokens survive the revocation.
	o := h.f.Owned()
	if rep := h.do(req{url: o.URL("local") + "/library/sections", token: o.AccessToken()}); rep.status != http.StatusOK {
		t.Errorf("PMS after revocation: %d", rep.status)
	}
}

func assertTVError(t *testing.T, rep reply, status, code int) {
	t.Helper()
	var body struct {
		Errors []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rep.body, &body); err != nil || rep.status != status || len(body.Errors) != 1 || body.Errors[0].Code != code {
		t.Errorf("got %d %s (%v), want %d with code %d", rep.status, rep.body, err, status, code)
	}
	if !strings.HasPrefix(rep.header.Get("Content-Type"), "application/json") {
		t.Errorf("error content type %q", rep.header.Get("Content-Type"))
	}
}

type pinBody struct {
	ID               int64   `json:"id"`
	Code             string  `json:"code"`
	ClientIdentifier string  `json:"clientIdentifier"`
	ExpiresIn        int64   `json:"expiresIn"`
	CreatedAt        string  `json:"createdAt"`
	ExpiresAt        string  `json:"expiresAt"`
	AuthToken        *string `json:"authToken"`
	QR               string  `json:"qr"`
}

func decodePIN(t *testing.T, rep reply) pinBody {
	t.Helper()
	var p pinBody
	if err := json.Unmarshal(rep.body, &p); err != nil {
		t.Fatalf("decode PIN: %v (%s)", err, rep.body)
	}
	return p
}

func TestPINFlow(t *testing.T) {
	clk := newManualClock()
	h := start(t, Options{Seed: 4, Now: clk.Now})
	tv := h.f.TVURL()

	rep := h.do(req{method: "POST", url: tv + "/pins?strong=true", clientID: "me"})
	if rep.status != http.StatusCreated {
		t.Fatalf("POST strong pin: %d %s", rep.status, rep.body)
	}
	p := decodePIN(t, rep)
	if len(p.Code) != 25 || p.ExpiresIn != 1800 || p.AuthToken != nil || p.ClientIdentifier != "me" {
		t.Errorf("strong PIN = %+v", p)
	}
	if !strings.Contains(string(rep.body), `"authToken":null`) {
		t.Error("authToken must be null before the claim, not absent")
	}
	created, _ := time.Parse(time.RFC3339, p.CreatedAt)
	expires, _ := time.Parse(time.RFC3339, p.ExpiresAt)
	if !created.Equal(clk.Now()) || expires.Sub(created) != 30*time.Minute {
		t.Errorf("PIN times %s..%s, clock %s", p.CreatedAt, p.ExpiresAt, clk.Now())
	}

	poll := func(id int64, client string) reply {
		return h.do(req{url: tv + "/pins/" + strconv.FormatInt(id, 10), clientID: client})
	}
	if got := decodePIN(t, poll(p.ID, "me")); got.AuthToken != nil {
		t.Error("unclaimed PIN has a token")
	}
	assertTVError(t, poll(p.ID, "someone-else"), 404, 1020)
	assertTVError(t, h.do(req{url: tv + "/pins/" + strconv.FormatInt(p.ID, 10), noClient: true}), 400, 1000)
	assertTVError(t, h.do(req{method: "POST", url: tv + "/pins", noClient: true}), 400, 1000)
	assertTVError(t, poll(12345, "me"), 404, 1020)

	if err := h.f.ClaimPIN(p.ID); err != nil {
		t.Fatalf("ClaimPIN: %v", err)
	}
	clk.Advance(10 * time.Minute)
	got := decodePIN(t, poll(p.ID, "me"))
	if got.AuthToken == nil || *got.AuthToken != h.f.AccountToken() || got.ExpiresIn != 1200 {
		t.Errorf("claimed PIN = %+v", got)
	}
	// The token is a working account token.
	if rep := h.do(req{url: tv + "/user", token: *got.AuthToken}); rep.status != http.StatusOK {
		t.Errorf("claimed token on /user: %d", rep.status)
	}

	// Non-strong PIN: 4 characters, 900 s, and it expires.
	short := decodePIN(t, h.do(req{method: "POST", url: tv + "/pins", clientID: "me"}))
	if len(short.Code) != 4 || short.ExpiresIn != 900 {
		t.Errorf("short PIN = %+v", short)
	}
	clk.Advance(900 * time.Second)
	assertTVError(t, poll(short.ID, "me"), 404, 1020)
	if err := h.f.ClaimPIN(short.ID); !errors.Is(err, ErrNoPIN) {
		t.Errorf("ClaimPIN(expired) = %v, want ErrNoPIN", err)
	}
	clk.Advance(20 * time.Minute)
	assertTVError(t, poll(p.ID, "me"), 404, 1020)
	if err := h.f.ClaimPIN(999); !errors.Is(err, ErrNoPIN) {
		t.Errorf("ClaimPIN(unknown) = %v", err)
	}

	// PINLifetime sets the strong lifetime.
	h2 := start(t, Options{Seed: 4, Now: clk.Now, PINLifetime: time.Minute})
	if p := decodePIN(t, h2.do(req{method: "POST", url: h2.f.TVURL() + "/pins?strong=true"})); p.ExpiresIn != 60 {
		t.Errorf("PINLifetime 1m: expiresIn %d", p.ExpiresIn)
	}
}

func TestClaimPendingPINs(t *testing.T) {
	h := start(t, Options{Seed: 5})
	tv := h.f.TVURL()
	a := decodePIN(t, h.do(req{method: "POST", url: tv + "/pins?strong=true", clientID: "me"}))
	b := decodePIN(t, h.do(req{method: "POST", url: tv + "/pins?strong=true", clientID: "me"}))
	if err := h.f.ClaimPIN(a.ID); err != nil {
		t.Fatal(err)
	}
	if n := h.f.ClaimPendingPINs(); n != 1 {
		t.Fatalf("ClaimPendingPINs = %d, want 1 (only the unclaimed PIN)", n)
	}
	got := decodePIN(t, h.do(req{url: tv + "/pins/" + strconv.FormatInt(b.ID, 10), clientID: "me"}))
	if got.AuthToken == nil || *got.AuthToken != h.f.AccountToken() {
		t.Fatalf("pending PIN not claimed: %+v", got)
	}
	if n := h.f.ClaimPendingPINs(); n != 0 {
		t.Fatalf("second ClaimPendingPINs = %d, want 0", n)
	}
}

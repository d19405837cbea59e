package plextest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// pin is one plex.tv PIN, bound to the client identifier that created it.
type pin struct {
	id        int64
	code      string
	clientID  string
	product   string
	createdAt time.Time
	expiresAt time.Time
	claimed   bool
}

func (p *pin) expired(now time.Time) bool { return !now.Before(p.expiresAt) }

// tvHandler serves plex.tv under /api/v2 (TVURL and ClientsURL).
func (f *Fake) tvHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/pins", f.handleCreatePIN)
	mux.HandleFunc("GET /api/v2/pins/{id}", f.handleGetPIN)
	mux.HandleFunc("GET /api/v2/user", f.authed(f.handleUser))
	mux.HandleFunc("GET /api/v2/ping", f.authed(f.handlePing))
	mux.HandleFunc("GET /api/v2/resources", f.authed(f.handleResources))
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		if pattern == "" {
			writeTVError(w, r, http.StatusNotFound, 1004, "Resource not found")
			return
		}
		// Every plex.tv call needs the client identifier (docs/plex-api.md, "Headers").
		if xPlex(r, "X-Plex-Client-Identifier") == "" {
			writeTVError(w, r, http.StatusBadRequest, 1000, "X-Plex-Client-Identifier is missing")
			return
		}
		mux.ServeHTTP(w, r)
	})
	return f.logged(HostPlexTV, "", inner)
}

// xPlex reads an X-Plex-* value from the header or, as plex.tv also
// accepts, the query string.
func xPlex(r *http.Request, name string) string {
	if v := r.Header.Get(name); v != "" {
		return v
	}
	return r.URL.Query().Get(name)
}

func (f *Fake) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := xPlex(r, "X-Plex-Token")
		f.mu.RLock()
		ok := tok != "" && tok == f.accountToken
		f.mu.RUnlock()
		if !ok {
			writeTVError(w, r, http.StatusUnauthorized, 1001, "User could not be authenticated")
			return
		}
		h(w, r)
	}
}

// tvWrite answers with v as bare JSON, or as XML when JSON was not asked
// for (plex.tv's default, like PMS's).
func tvWrite(w http.ResponseWriter, r *http.Request, status int, v any) {
	var body []byte
	var err error
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		body, err = json.Marshal(v)
	} else {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		if list, ok := v.([]tvResource); ok {
			v = tvResources{Resources: list}
		}
		body, err = xml.Marshal(v)
		body = append([]byte(xml.Header), body...)
	}
	if err != nil {
		http.Error(w, "plextest: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeTVError(w http.ResponseWriter, r *http.Request, status, code int, msg string) {
	tvWrite(w, r, status, tvErrors{Errors: []tvError{{Code: code, Message: msg, Status: status}}})
}

func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// handleCreatePIN answers POST /pins[?strong=true] with 201.
func (f *Fake) handleCreatePIN(w http.ResponseWriter, r *http.Request) {
	strong := r.URL.Query().Get("strong")
	isStrong := strong == "true" || strong == "1"
	f.mu.Lock()
	now := f.clock.Now()
	f.nextPIN++
	p := &pin{id: f.nextPIN, clientID: xPlex(r, "X-Plex-Client-Identifier"), product: xPlex(r, "X-Plex-Product"), createdAt: now}
	if isStrong {
		p.code = randomCode(f, "abcdefghijklmnopqrstuvwxyz0123456789", 25)
		p.expiresAt = now.Add(f.opts.PINLifetime)
	} else {
		p.code = randomCode(f, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 4)
		p.expiresAt = now.Add(shortPINLifetime)
	}
	f.pins[p.id] = p
	body := f.pinJSON(p, now)
	f.mu.Unlock()
	tvWrite(w, r, http.StatusCreated, body)
}

func randomCode(f *Fake, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[f.pinRand.IntN(len(alphabet))]
	}
	return string(b)
}

// pinJSON renders p; the caller holds f.mu.
func (f *Fake) pinJSON(p *pin, now time.Time) tvPin {
	out := tvPin{
		ID: p.id, Code: p.code, Product: p.product, QR: f.TVURL() + "/pins/qr/" + p.code,
		ClientIdentifier: p.clientID,
		Location: tvLocation{Code: "NL", ContinentCode: "EU", EuropeanUnionMember: true, Country: "The Netherlands",
			City: "Breda", TimeZone: "Europe/Amsterdam", PostalCode: "4811", Subdivisions: "North Brabant", Coordinates: "51.5866,4.7760"},
		ExpiresIn: max(0, int64(p.expiresAt.Sub(now).Seconds())),
		CreatedAt: isoTime(p.createdAt),
		ExpiresAt: isoTime(p.expiresAt),
	}
	if p.claimed {
		out.AuthToken = ptr(f.accountToken)
	}
	return out
}

// handleGetPIN answers GET /pins/{id}: 404 code 1020 when the PIN is
// unknown, expired, or was made by another client identifier.
func (f *Fake) handleGetPIN(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	f.mu.RLock()
	now := f.clock.Now()
	p, ok := f.pins[id]
	if err != nil || !ok || p.expired(now) || p.clientID != xPlex(r, "X-Plex-Client-Identifier") {
		f.mu.RUnlock()
		writeTVError(w, r, http.StatusNotFound, 1020, "Code not found or expired")
		return
	}
	body := f.pinJSON(p, now)
	f.mu.RUnlock()
	tvWrite(w, r, http.StatusOK, body)
}

func (f *Fake) handleUser(w http.ResponseWriter, r *http.Request) {
	f.mu.RLock()
	tok := f.accountToken
	f.mu.RUnlock()
	tvWrite(w, r, http.StatusOK, tvUser{
		ID: f.userID, UUID: f.userUUID, Username: "plexm8_user", Title: "PlexM8 User", Email: "plexm8_user@example.com",
		FriendlyName: "PlexM8 Test User", Confirmed: true, JoinedAt: genBase.AddDate(-5, 0, 0).Unix(), HasPassword: true,
		Thumb: f.tv.URL + "/users/" + f.userUUID + "/avatar?c=1", AuthToken: tok, Country: "NL",
		Subscription: tvSubscription{Active: true, Status: "Active", Plan: "lifetime", Features: []string{"music_videos", "premium_music_metadata"}},
		HomeSize:     1, MaxHomeSize: 15,
		Profile:      tvProfile{AutoSelectAudio: true, DefaultAudioLanguage: "en", DefaultSubtitleLanguage: "en"},
		Entitlements: []string{}, Roles: []string{}, Services: []string{},
	})
}

func (f *Fake) handlePing(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte("{}"))
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write([]byte(xml.Header + "<response code=\"200\" status=\"OK\"/>"))
}

func flag01(r *http.Request, name string) bool {
	v := r.URL.Query().Get(name)
	return v == "1" || strings.EqualFold(v, "true")
}

// handleResources answers GET /resources: every device of the account,
// servers and players, with connections filtered by includeHttps,
// includeRelay and includeIPv6 (all default 0).
func (f *Fake) handleResources(w http.ResponseWriter, r *http.Request) {
	https, relay, ipv6 := flag01(r, "includeHttps"), flag01(r, "includeRelay"), flag01(r, "includeIPv6")
	f.mu.RLock()
	now := f.clock.Now()
	var list []tvResource
	list = append(list, f.playerResource("Living Room TV", "Plex for Android (TV)", "Android", "SHIELD Android TV",
		"client,player,pubsub-player", 1, now))
	for _, s := range f.servers {
		res := tvResource{
			Name: s.name, Product: "Plex Media Server", ProductVersion: s.version, Platform: "Linux",
			PlatformVersion: "6.1.0", Device: "PC", ClientIdentifier: s.machineID,
			CreatedAt: isoTime(genBase.AddDate(-2, 0, s.index)), LastSeenAt: isoTime(now),
			Provides: "server", PublicAddress: "127.0.0.1", AccessToken: s.token, Owned: s.owned,
			Relay: true, Presence: true, PublicAddressMatches: true, Connections: []tvConnection{},
		}
		if !s.owned {
			res.OwnerID, res.SourceTitle = ptr(s.ownerID), ptr(s.sourceTitle)
		}
		for _, c := range s.conns {
			if c.protocol == "https" && !c.relay && !https || c.relay && !relay || c.ipv6 && !ipv6 {
				continue
			}
			res.Connections = append(res.Connections, tvConnection{Protocol: c.protocol, Address: c.address, Port: c.port,
				URI: c.url, Local: c.local, Relay: c.relay, IPv6: c.ipv6})
		}
		list = append(list, res)
	}
	list = append(list, f.playerResource("Phone", "Plexamp", "iOS", "iPhone", "client,player", 2, now))
	f.mu.RUnlock()
	tvWrite(w, r, http.StatusOK, list)
}

func (f *Fake) playerResource(name, product, platform, device, provides string, n int, now time.Time) tvResource {
	return tvResource{
		Name: name, Product: product, ProductVersion: "4.1." + strconv.Itoa(n), Platform: platform,
		PlatformVersion: "14", Device: device, ClientIdentifier: fmt.Sprintf("%016x", mix(uint64(f.opts.Seed)+uint64(n)*31)),
		CreatedAt: isoTime(genBase.AddDate(-1, n, 0)), LastSeenAt: isoTime(now.Add(-time.Duration(n) * time.Hour)),
		Provides: provides, PublicAddress: "127.0.0.1", AccessToken: fmt.Sprintf("%020x", mix(uint64(f.opts.Seed)^uint64(n)))[:20],
		Owned: true, PublicAddressMatches: true, Connections: []tvConnection{},
	}
}

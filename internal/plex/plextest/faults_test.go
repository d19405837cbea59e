package plextest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFaultStatusSkipTimes(t *testing.T) {
	h := start(t, Options{Seed: 31})
	o := h.f.Owned()
	h.f.Inject(Fault{Host: o.MachineID(), Path: "/library/sections", Skip: 1, Times: 2, Status: 503, RetryAfter: "3"})
	var got []int
	for range 5 {
		rep := h.pms("/library/sections")
		got = append(got, rep.status)
		if rep.status == 503 {
			if rep.header.Get("Retry-After") != "3" || !strings.HasPrefix(rep.header.Get("Content-Type"), "text/html") {
				t.Errorf("503 headers: %v", rep.header)
			}
		}
	}
	if want := []int{200, 503, 503, 200, 200}; !equalInts(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	// The log records what was answered.
	var logged []int
	for _, r := range h.f.Requests() {
		if r.Path == "/library/sections" {
			logged = append(logged, r.Status)
		}
	}
	if !equalInts(logged, got) {
		t.Errorf("logged statuses %v, answered %v", logged, got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFaultFilters(t *testing.T) {
	h := start(t, Options{Seed: 32})
	o, s := h.f.Owned(), h.f.Shared()
	h.f.Inject(Fault{Host: "plex.tv", Path: "/api/v2/resources", Status: 503, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT",
		Body: `{"errors":[{"code":503,"message":"down"}]}`})
	h.f.Inject(Fault{Conn: "remote", Status: 500})
	h.f.Inject(Fault{Host: s.MachineID(), Method: http.MethodPost, Status: 502})
	h.f.Inject(Fault{Match: func(r *http.Request) bool { return r.URL.Query().Get("boom") == "1" }, Status: 418})

	rep := h.do(req{url: h.f.TVURL() + "/resources", token: h.f.AccountToken()})
	if rep.status != 503 || rep.header.Get("Content-Type") != "application/json" || rep.header.Get("Retry-After") == "" {
		t.Errorf("plex.tv fault: %d %v", rep.status, rep.header)
	}
	if rep := h.do(req{url: h.f.TVURL() + "/user", token: h.f.AccountToken()}); rep.status != 200 {
		t.Errorf("plex.tv /user hit by a /resources fault: %d", rep.status)
	}
	if rep := h.do(req{url: o.URL("remote") + "/library/sections", token: o.AccessToken()}); rep.status != 500 {
		t.Errorf("remote fault: %d", rep.status)
	}
	if rep := h.do(req{url: o.URL("local") + "/library/sections", token: o.AccessToken()}); rep.status != 200 {
		t.Errorf("local hit by a remote fault: %d", rep.status)
	}
	if rep := h.do(req{url: s.URL("local") + "/library/sections", token: s.AccessToken()}); rep.status != 200 {
		t.Errorf("GET hit by a POST fault: %d", rep.status)
	}
	if rep := h.do(req{method: http.MethodPost, url: s.URL("local") + "/playlists", token: s.AccessToken()}); rep.status != 502 {
		t.Errorf("POST fault: %d", rep.status)
	}
	if rep := h.pms("/library/sections?boom=1"); rep.status != 418 {
		t.Errorf("Match fault: %d", rep.status)
	}
	h.f.ClearFaults()
	if rep := h.do(req{url: o.URL("remote") + "/library/sections", token: o.AccessToken()}); rep.status != 200 {
		t.Errorf("after ClearFaults: %d", rep.status)
	}
}

func TestFaultTruncateAndMalformed(t *testing.T) {
	h := start(t, Options{Seed: 33})
	o := h.f.Owned()
	h.f.Inject(Fault{Path: "/library/sections/1/all", Times: 1, Truncate: true})
	_, err := h.try(req{url: o.URL("local") + "/library/sections/1/all?type=10&X-Plex-Container-Size=100", token: o.AccessToken()})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated body: err %v, want unexpected EOF", err)
	}
	if rep := h.pms("/library/sections/1/all?type=10&X-Plex-Container-Size=100"); rep.status != 200 {
		t.Errorf("after Times: 1: %d", rep.status)
	}

	h.f.Inject(Fault{Path: "/playlists", Times: 1, Malformed: true})
	rep := h.pms("/playlists")
	var v any
	if rep.status != 200 || json.Unmarshal(rep.body, &v) == nil {
		t.Errorf("malformed: %d, body decodes: %s", rep.status, rep.body)
	}
}

func TestFaultLatencyAndBefore(t *testing.T) {
	h := start(t, Options{Seed: 34, Tracks: 60})
	o := h.f.Owned()
	const delay = 40 * time.Millisecond
	h.f.Inject(Fault{Path: "/identity", Times: 1, Latency: delay})
	t0 := time.Now()
	h.pms("/identity")
	if el := time.Since(t0); el < delay {
		t.Errorf("latency fault: answered after %v, want ≥ %v", el, delay)
	}

	// Before makes totalSize drift in the middle of a listing.
	al := o.Albums("1")[0].RatingKey
	h.f.Inject(Fault{Path: "/library/sections/1/all", Skip: 1, Times: 1, Before: func() { o.AddTrack(al, "Drifted in") }})
	page := func(startAt int) container {
		return decodeContainer(t, h.pms("/library/sections/1/all?type=10&X-Plex-Container-Size=20&X-Plex-Container-Start="+strconv.Itoa(startAt)).body)
	}
	first, second := page(0), page(20)
	if deref(first.TotalSize) != 60 || deref(second.TotalSize) != 61 {
		t.Errorf("totalSize %d then %d, want 60 then 61", deref(first.TotalSize), deref(second.TotalSize))
	}
}

func TestLatencyOptions(t *testing.T) {
	const per = 20 * time.Millisecond
	h := start(t, Options{Seed: 35, Latency: per, ItemLatency: time.Millisecond})
	t0 := time.Now()
	h.pms("/library/sections/1/all?type=10&X-Plex-Container-Size=30")
	if el := time.Since(t0); el < per+30*time.Millisecond {
		t.Errorf("latency: %v, want ≥ %v", el, per+30*time.Millisecond)
	}
	// plex.tv is not slowed down; Close cuts sleeps short.
	arrived := make(chan struct{})
	h.f.Inject(Fault{Path: "/identity", Times: 1, Latency: time.Hour,
		Match: func(*http.Request) bool { close(arrived); return true }})
	done := make(chan error, 1)
	go func() {
		_, err := h.try(req{url: h.f.Owned().URL("local") + "/identity"})
		done <- err
	}()
	<-arrived
	h.f.Close()
	if err := <-done; err != nil {
		t.Errorf("request cut short by Close: %v", err)
	}
}

func TestRequestLog(t *testing.T) {
	h := start(t, Options{Seed: 36})
	o := h.f.Owned()
	h.do(req{url: h.f.TVURL() + "/user", token: h.f.AccountToken()})
	h.do(req{url: o.URL("relay") + "/library/sections?X-Plex-Container-Size=5", token: o.AccessToken()})
	h.do(req{url: o.URL("remote") + "/nope"})
	rs := h.f.Requests()
	if len(rs) != 3 {
		t.Fatalf("%d requests logged", len(rs))
	}
	if r := rs[0]; r.Host != "plex.tv" || r.Conn != "" || r.Method != "GET" || r.Path != "/api/v2/user" || r.Status != 200 ||
		r.Header.Get("X-Plex-Token") != h.f.AccountToken() {
		t.Errorf("plex.tv entry = %+v", r)
	}
	if r := rs[1]; r.Host != o.MachineID() || r.Conn != "relay" || r.Path != "/library/sections" ||
		r.Query.Get("X-Plex-Container-Size") != "5" || r.Header.Get("X-Plex-Token") != o.AccessToken() || r.Status != 200 {
		t.Errorf("relay entry = %+v", r)
	}
	if r := rs[2]; r.Conn != "remote" || r.Status != 401 {
		t.Errorf("remote entry = %+v", r)
	}
	if rs[0].At.After(rs[1].At) || rs[1].At.After(rs[2].At) {
		t.Error("log is not in arrival order")
	}
	h.f.ResetRequests()
	if n := len(h.f.Requests()); n != 0 {
		t.Errorf("after reset: %d", n)
	}
}

package plextest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestRateLimitWindowCoversTheWholeServer(t *testing.T) {
	for _, date := range []bool{false, true} {
		t.Run("date="+strconv.FormatBool(date), func(t *testing.T) {
			clk := newManualClock()
			clk.Advance(300 * time.Millisecond) // off the whole second, so the date rounds
			h := start(t, Options{Seed: 41, WindowClock: clk.Now})
			o := h.f.Owned()
			h.f.Inject(Fault{Host: o.MachineID(), Conn: ConnLocal, Path: "/library/sections", Skip: 1, Times: 1,
				Status: http.StatusTooManyRequests, Window: 2 * time.Second, WindowDate: date})
			get := func(conn, path string) reply {
				return h.do(req{url: o.URL(conn) + path, token: o.AccessToken()})
			}
			if r := get(ConnLocal, "/library/sections"); r.status != 200 {
				t.Fatalf("first request: %d", r.status)
			}
			opened := clk.Now()
			r := get(ConnLocal, "/library/sections")
			if r.status != http.StatusTooManyRequests {
				t.Fatalf("second request: %d, want 429", r.status)
			}
			wantEnd := opened.Add(2 * time.Second)
			if date {
				wantEnd = opened.Add(2*time.Second + time.Second - 1).Truncate(time.Second)
				got, err := http.ParseTime(r.header.Get("Retry-After"))
				if err != nil || !got.Equal(wantEnd) {
					t.Fatalf("Retry-After %q, want the date %v", r.header.Get("Retry-After"), wantEnd)
				}
			} else if ra := r.header.Get("Retry-After"); ra != "2" {
				t.Fatalf("Retry-After %q, want 2", ra)
			}
			// Inside the window every request to that server is refused, on
			// every connection, whatever the path, even /identity.
			clk.Advance(time.Second)
			for _, conn := range []string{ConnLocal, ConnRemote, ConnRelay} {
				for _, path := range []string{"/identity", "/library/sections/1/all?type=10"} {
					r := get(conn, path)
					if r.status != http.StatusTooManyRequests {
						t.Errorf("%s %s inside the window: %d, want 429", conn, path, r.status)
						continue
					}
					if !date && r.header.Get("Retry-After") != "1" {
						t.Errorf("%s %s: Retry-After %q, want the 1 s left", conn, path, r.header.Get("Retry-After"))
					}
				}
			}
			// Another server is not affected.
			s := h.f.Shared()
			if r := h.do(req{url: s.URL(ConnLocal) + "/library/sections", token: s.AccessToken()}); r.status != 200 {
				t.Errorf("shared server inside the owned one's window: %d", r.status)
			}
			// At the end of the window the server answers again.
			clk.Advance(wantEnd.Sub(clk.Now()))
			if r := get(ConnRemote, "/library/sections"); r.status != 200 {
				t.Errorf("at the window's end: %d, want 200", r.status)
			}

			ws := h.f.Windows()
			if len(ws) != 1 || ws[0].Host != o.MachineID() || ws[0].Conn != ConnLocal || !ws[0].Start.Equal(opened) || !ws[0].End.Equal(wantEnd) {
				t.Fatalf("windows %+v, want one from %v to %v", ws, opened, wantEnd)
			}
			refused := 0
			for _, q := range h.f.Requests() {
				if q.Refused {
					refused++
					if q.Clock.Before(ws[0].Start) || !q.Clock.Before(ws[0].End) {
						t.Errorf("refused at %v, outside the window", q.Clock)
					}
				}
			}
			if refused != 6 {
				t.Errorf("%d requests logged as refused by the window, want 6", refused)
			}
		})
	}
}

func TestPlexTVRateLimitIsJSONAndAWindow(t *testing.T) {
	clk := newManualClock()
	h := start(t, Options{Seed: 42, WindowClock: clk.Now})
	h.f.Inject(Fault{Host: HostPlexTV, Path: "/api/v2/user", Times: 1, Status: http.StatusTooManyRequests, RetryAfter: "5"})
	tok := h.f.AccountToken()
	r := h.do(req{url: h.f.TVURL() + "/user", token: tok})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "5" {
		t.Fatalf("got %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	var body struct {
		Errors []struct {
			Code   int    `json:"code"`
			Status int    `json:"status"`
			Msg    string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Code != 1003 || body.Errors[0].Status != 429 {
		t.Fatalf("body %s (%v), want errors[] with code 1003", r.body, err)
	}
	// The window holds every plex.tv endpoint until it ends.
	clk.Advance(4 * time.Second)
	if r := h.do(req{url: h.f.TVURL() + "/resources", token: tok}); r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "1" {
		t.Errorf("resources inside the window: %d, Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	clk.Advance(time.Second)
	if r := h.do(req{url: h.f.TVURL() + "/resources", token: tok}); r.status != 200 {
		t.Errorf("resources after the window: %d", r.status)
	}
}

func TestFaultEvery(t *testing.T) {
	h := start(t, Options{Seed: 43})
	h.f.Inject(Fault{Host: h.f.Owned().MachineID(), Path: "/library/sections", Every: 3, Status: 500})
	var got []int
	for range 7 {
		got = append(got, h.pms("/library/sections").status)
	}
	if want := []int{200, 200, 500, 200, 200, 500, 200}; !equalInts(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

func TestLoadModelQueuesBeyondItsCores(t *testing.T) {
	const lat = 20 * time.Millisecond
	h := start(t, Options{Seed: 44, Cores: 2, Latency: lat})
	o := h.f.Owned()
	var wg sync.WaitGroup
	begin := time.Now()
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := h.try(req{url: o.URL(ConnLocal) + "/library/sections", token: o.AccessToken()}); err != nil || r.status != 200 {
				t.Errorf("%v %d", err, r.status)
			}
		}()
	}
	wg.Wait()
	// Six requests of 20 ms of work on two cores cannot finish in less than
	// three rounds (a lower bound, so real time cannot make it flaky).
	if el := time.Since(begin); el < 3*lat {
		t.Errorf("6 requests on 2 cores took %v, want at least %v", el, 3*lat)
	}
}

func TestGzipWhenAccepted(t *testing.T) {
	h := start(t, Options{Seed: 45, Tracks: 300, Gzip: true})
	o := h.f.Owned()
	url := o.URL(ConnLocal) + "/library/sections/1/all?type=10&X-Plex-Container-Start=0&X-Plex-Container-Size=300"
	plain := h.do(req{url: url, token: o.AccessToken(), header: map[string]string{"Accept-Encoding": "identity"}})
	zipped := h.do(req{url: url, token: o.AccessToken(), header: map[string]string{"Accept-Encoding": "gzip"}})
	if plain.header.Get("Content-Encoding") != "" || zipped.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q / %q", plain.header.Get("Content-Encoding"), zipped.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
	if err != nil {
		t.Fatal(err)
	}
	unz, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unz, plain.body) {
		t.Fatal("gzipped body differs from the plain one")
	}
	log := h.f.Requests()
	if log[0].Bytes != int64(len(plain.body)) || log[1].Bytes != int64(len(zipped.body)) || log[1].Bytes*3 > log[0].Bytes {
		t.Errorf("logged bytes %d / %d for bodies of %d / %d", log[0].Bytes, log[1].Bytes, len(plain.body), len(zipped.body))
	}
}

func TestExcludeFieldsLeavesItemAttributesOff(t *testing.T) {
	h := start(t, Options{Seed: 46, Tracks: 20})
	o := h.f.Owned()
	base := "/library/sections/1/all?type=10&X-Plex-Container-Start=0&X-Plex-Container-Size=5"
	type page struct {
		MediaContainer struct {
			TotalSize int              `json:"totalSize"`
			Title1    string           `json:"title1"`
			Metadata  []map[string]any `json:"Metadata"`
		}
	}
	get := func(path string) page {
		var p page
		r := h.do(req{url: o.URL(ConnLocal) + path, token: o.AccessToken()})
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fp := get(base)
	sp := get(base + "&excludeFields=parentThumb,grandparentKey,title1")
	full, slim := fp.MediaContainer, sp.MediaContainer
	if slim.Title1 == "" {
		t.Error("excludeFields reached the container's attributes")
	}
	if len(slim.Metadata) != 5 || slim.TotalSize != full.TotalSize {
		t.Fatalf("slim listing: %d items of %d", len(slim.Metadata), slim.TotalSize)
	}
	for i, it := range slim.Metadata {
		if _, ok := it["parentThumb"]; ok {
			t.Errorf("item %d kept parentThumb", i)
		}
		if _, ok := it["grandparentKey"]; ok {
			t.Errorf("item %d kept grandparentKey", i)
		}
		if it["ratingKey"] != full.Metadata[i]["ratingKey"] || it["title"] != full.Metadata[i]["title"] {
			t.Errorf("item %d lost fields it was not asked to", i)
		}
		if _, ok := full.Metadata[i]["parentThumb"]; !ok {
			t.Errorf("item %d: no parentThumb without excludeFields", i)
		}
	}
}

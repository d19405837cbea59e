package plex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/secret"
)

func TestNewValidatesURLs(t *testing.T) {
	bad := []string{
		"http://example.com/api/v2", // plain http to a public name: refused without dialling
		"http://10.0.0.1/api/v2",
		"http://plex.tv/api/v2",
		"ftp://plex.tv/api/v2",
		"https://user:pw@plex.tv/api/v2",
		"https://plex.tv/api/v2?X-Plex-Token=abc",
		"https:///api/v2",
		"://nope",
	}
	for _, u := range bad {
		for _, field := range []string{"TVURL", "ClientsURL"} {
			o := Options{Identity: testIdentity}
			if field == "TVURL" {
				o.TVURL = u
			} else {
				o.ClientsURL = u
			}
			_, err := New(o)
			if err == nil {
				t.Errorf("%s %q accepted", field, u)
				continue
			}
			if strings.Contains(err.Error(), "pw") || strings.Contains(err.Error(), "abc") {
				t.Errorf("error leaks credentials: %v", err)
			}
		}
	}
	for _, u := range []string{"https://plex.tv/api/v2", "http://127.0.0.1:8080/api/v2", "http://127.3.4.5/x", "http://[::1]:9/api/v2", "http://localhost:1/api/v2/"} {
		if _, err := New(Options{Identity: testIdentity, TVURL: u, ClientsURL: u}); err != nil {
			t.Errorf("%q refused: %v", u, err)
		}
	}
	c, err := New(Options{Identity: testIdentity})
	if err != nil || c.tvURL != defaultTVURL || c.clientsURL != defaultClientsURL {
		t.Errorf("defaults: %v %+v", err, c)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("empty client identifier accepted")
	}
	id := testIdentity
	id.DeviceName = "evil\r\nX-Injected: 1"
	if _, err := New(Options{Identity: id}); err == nil {
		t.Error("CR/LF in a header value accepted")
	}
	if _, err := New(Options{Identity: testIdentity, RequestsPerSecond: -1}); err == nil {
		t.Error("negative rate accepted")
	}
}

func TestHeadersOnEveryRequestAndNoTokenInURL(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"MediaContainer":{"size":0,"totalSize":0,"offset":0}}`)
	})
	var logs bytes.Buffer
	c, _ := testClient(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	s := c.Server(p.resource(), "")
	ctx := context.Background()
	if _, err := s.Sections(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Count(ctx, SectionItems("1", TypeTrack)); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	all := p.reqs
	p.mu.Unlock()
	if len(all) < 3 {
		t.Fatalf("%d requests", len(all))
	}
	for _, r := range all {
		want := map[string]string{
			"Accept": "application/json", "X-Plex-Product": "PlexM8 sync", "X-Plex-Version": "1.2.3",
			"X-Plex-Client-Identifier": "test-client-id", "X-Plex-Platform": "Linux", "X-Plex-Platform-Version": "6.1",
			"X-Plex-Device": "PC", "X-Plex-Device-Name": "Wohnzimmer-Rechner ✓",
		}
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s %s: header %s = %q, want %q", r.Method, r.URL, k, got, v)
			}
		}
		if strings.Contains(r.URL.String(), "server-token") || r.URL.Query().Has("X-Plex-Token") {
			t.Errorf("token in URL %s", r.URL)
		}
		// The probe must not hand the token to a server before it has
		// proved who it is.
		if tok := r.Header.Get("X-Plex-Token"); (r.URL.Path == "/identity") != (tok == "") {
			t.Errorf("%s: token header %q", r.URL.Path, tok)
		}
	}
	if n := strings.Count(logs.String(), "plex request"); n != len(all) {
		t.Errorf("%d log lines for %d requests:\n%s", n, len(all), logs.String())
	}
	if strings.Contains(logs.String(), "server-token") {
		t.Error("token in logs")
	}
	for _, want := range []string{"method=GET", "status=200", "/library/sections", "duration="} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

func TestResponseTooLarge(t *testing.T) {
	big := `{"MediaContainer":{"size":0,"pad":"` + strings.Repeat("x", 4096) + `"}}`
	for _, chunked := range []bool{false, true} {
		p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
			if chunked {
				io.WriteString(w, big[:10])
				w.(http.Flusher).Flush()
				io.WriteString(w, big[10:])
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		})
		c, _ := testClient(t, func(o *Options) { o.MaxResponseBytes = 1024 })
		_, err := c.Server(p.resource(), "").Sections(context.Background())
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("chunked=%v: %v", chunked, err)
		}
		if n := len(p.requests()); n != 1 {
			t.Errorf("chunked=%v: %d requests, too large must not be retried", chunked, n)
		}
		if IsTransient(err) {
			t.Error("too large is not transient")
		}
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	c, _ := testClient(t, nil)
	_, err := c.Server(p.resource(), "").Sections(context.Background())
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusFound {
		t.Fatalf("got %v", err)
	}
	for _, r := range p.requests() {
		if r.URL.Path == "/elsewhere" {
			t.Error("redirect followed (it would carry the token)")
		}
	}
}

func TestServerErrorsRetriedWithBackoff(t *testing.T) {
	var n atomic.Int32
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, `{"MediaContainer":{"size":0}}`)
	})
	c, clk := testClient(t, func(o *Options) { o.MaxRetryWait = 10 * time.Second })
	if _, err := c.Server(p.resource(), "").Sections(context.Background()); err != nil {
		t.Fatal(err)
	}
	sl := clk.Sleeps()
	if len(sl) != 2 || sl[0] > 500*time.Millisecond || sl[1] > time.Second {
		t.Errorf("sleeps %v, want two jittered backoffs within 0.5s and 1s", sl)
	}
	if st := c.Stats(); st.Retries != 2 || st.Requests != 4 { // probe + 3 attempts
		t.Errorf("stats %+v", st)
	}
}

func TestRetryBudgetIsBounded(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	})
	c, _ := testClient(t, func(o *Options) { o.MaxRetries = 3 })
	_, err := c.Server(p.resource(), "").Sections(context.Background())
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusBadGateway || !IsTransient(err) {
		t.Fatalf("got %v", err)
	}
	if n := len(p.requests()); n != 4 {
		t.Errorf("%d attempts, want 1 + 3 retries", n)
	}
	if !strings.Contains(se.Body, "down") || len(se.Body) > 200 {
		t.Errorf("body %q", se.Body)
	}
}

func TestBadRequestAndNotFoundNotRetried(t *testing.T) {
	for _, code := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusForbidden} {
		p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, strings.Repeat("é", 300), code)
		})
		c, _ := testClient(t, nil)
		_, err := c.Server(p.resource(), "").Sections(context.Background())
		var se *StatusError
		if !errors.As(err, &se) || se.Status != code {
			t.Fatalf("%d: got %v", code, err)
		}
		if n := len(p.requests()); n != 1 {
			t.Errorf("%d: %d attempts", code, n)
		}
		if errors.Is(err, ErrNotFound) != (code == http.StatusNotFound) {
			t.Errorf("%d: ErrNotFound mismatch", code)
		}
		if IsTransient(err) {
			t.Errorf("%d is not transient", code)
		}
		if len(se.Body) > 200 || !strings.HasPrefix(se.Body, "é") {
			t.Errorf("body snippet %q", se.Body)
		}
	}
}

// hangUp closes the connection without an answer, as a reset would look.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestCreateNotRetriedAfterItMayHaveArrived(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) { hangUp(w) })
	c, _ := testClient(t, nil)
	_, err := c.Server(p.resource(), "").CreatePlaylist(context.Background(), "Mix", []string{"1", "2"})
	if err == nil {
		t.Fatal("no error")
	}
	if n := len(p.requests()); n != 1 {
		t.Errorf("POST sent %d times after a reset", n)
	}
	if !IsTransient(err) {
		t.Errorf("a reset is transient: %v", err)
	}
}

func TestCreateRetriedAfter429(t *testing.T) {
	var n atomic.Int32
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, `{"MediaContainer":{"size":1,"Metadata":[{"ratingKey":"77","type":"playlist","title":"Mix"}]}}`)
	})
	c, clk := testClient(t, nil)
	pl, err := c.Server(p.resource(), "").CreatePlaylist(context.Background(), "Mix", []string{"1"})
	if err != nil || pl.RatingKey.V != "77" {
		t.Fatalf("%+v %v", pl, err)
	}
	if sl := clk.Sleeps(); len(sl) != 1 || sl[0] != 3*time.Second {
		t.Errorf("sleeps %v", sl)
	}
}

func TestDeleteAfterUnknownOutcomeAccepts404(t *testing.T) {
	var n atomic.Int32
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			hangUp(w) // deleted, but the answer was lost
			return
		}
		http.NotFound(w, r)
	})
	c, _ := testClient(t, nil)
	s := c.Server(p.resource(), "")
	if err := s.DeletePlaylist(context.Background(), "5"); err != nil {
		t.Fatalf("retry of a delete that had happened: %v", err)
	}
	// Without an earlier unknown outcome, 404 is an error.
	if err := s.DeletePlaylist(context.Background(), "5"); !errors.Is(err, ErrNotFound) {
		t.Errorf("plain 404: %v", err)
	}
}

func TestRateLimitPerHostUsesClock(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"MediaContainer":{"size":0}}`)
	})
	c, clk := testClient(t, func(o *Options) { o.RequestsPerSecond = 2 })
	s := c.Server(p.resource(), "")
	for range 3 {
		if _, err := s.Sections(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Probe, then three requests: four slots 500 ms apart.
	want := []time.Duration{500 * time.Millisecond, 500 * time.Millisecond, 500 * time.Millisecond}
	if sl := clk.Sleeps(); fmt.Sprint(sl) != fmt.Sprint(want) {
		t.Errorf("sleeps %v, want %v", sl, want)
	}
}

func TestContextDeadlineWithSlowServer(t *testing.T) {
	release := make(chan struct{})
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c, _ := testClient(t, nil)
	s := c.Server(p.resource(), "")
	if _, err := s.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Sections(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v after the deadline", d)
	}
	if n := len(p.requests()); n != 1 {
		t.Errorf("%d attempts after the caller's deadline", n)
	}
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	var n atomic.Int32
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // first attempt hangs past Options.Timeout
			return
		}
		io.WriteString(w, `{"MediaContainer":{"size":0}}`)
	})
	c, _ := testClient(t, func(o *Options) { o.Timeout = 100 * time.Millisecond })
	if _, err := c.Server(p.resource(), "").Sections(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("%d attempts", n.Load())
	}
}

func TestMetadataChunks(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		keys := strings.Split(strings.TrimPrefix(r.URL.Path, "/library/metadata/"), ",")
		var items []string
		for _, k := range keys {
			if !strings.HasPrefix(k, "nope") {
				items = append(items, fmt.Sprintf(`{"ratingKey":%q}`, k))
			}
		}
		if len(items) == 0 {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"MediaContainer":{"size":%d,"Metadata":[%s]}}`, len(items), strings.Join(items, ","))
	})
	c, _ := testClient(t, nil)
	var keys []string
	for i := range 250 {
		keys = append(keys, strconv.Itoa(i+1))
	}
	for i := range 100 {
		keys = append(keys, fmt.Sprintf("nope%d", i))
	}
	got, err := c.Server(p.resource(), "").Metadata(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || got[249].RatingKey.V != "250" {
		t.Errorf("%d items", len(got))
	}
	var sizes []int
	for _, r := range p.requests() {
		sizes = append(sizes, len(strings.Split(strings.TrimPrefix(r.URL.Path, "/library/metadata/"), ",")))
	}
	if fmt.Sprint(sizes) != "[100 100 100 50]" {
		t.Errorf("chunks %v", sizes)
	}
}

func TestCreatePlaylistChunks(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		n := strings.Count(r.URL.Query().Get("uri"), ",") + 1
		fmt.Fprintf(w, `{"MediaContainer":{"size":1,"Metadata":[{"ratingKey":"9","leafCount":%d,"title":"Mix"}]}}`, n)
	})
	c, _ := testClient(t, nil)
	var keys []string
	for i := range 450 {
		keys = append(keys, strconv.Itoa(1000+i))
	}
	pl, err := c.Server(p.resource(), "").CreatePlaylist(context.Background(), "Mix & Más", keys)
	if err != nil {
		t.Fatal(err)
	}
	if pl.LeafCount.V != 50 {
		t.Errorf("returned playlist is not the last answer: %+v", pl)
	}
	reqs := p.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	post := reqs[0].URL.Query()
	wantURI := "server://" + testMachineID + "/com.plexapp.plugins.library/library/metadata/" + strings.Join(keys[:200], ",")
	if reqs[0].Method != http.MethodPost || reqs[0].URL.Path != "/playlists" || post.Get("uri") != wantURI ||
		post.Get("title") != "Mix & Más" || post.Get("type") != "audio" || post.Get("smart") != "0" {
		t.Errorf("create request %s %s", reqs[0].Method, reqs[0].URL)
	}
	for i, r := range reqs[1:] {
		want := "server://" + testMachineID + "/com.plexapp.plugins.library/library/metadata/" +
			strings.Join(keys[200+200*i:min(450, 400+200*i)], ",")
		if r.Method != http.MethodPut || r.URL.Path != "/playlists/9/items" || r.URL.Query().Get("uri") != want {
			t.Errorf("add request %d: %s %s", i, r.Method, r.URL)
		}
	}
}

func TestPlaylistEdits(t *testing.T) {
	p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && r.URL.Path == "/playlists/3" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		io.WriteString(w, `{"MediaContainer":{"size":0}}`)
	})
	c, _ := testClient(t, nil)
	s := c.Server(p.resource(), "")
	ctx := context.Background()
	for _, err := range []error{
		s.MovePlaylistItem(ctx, "3", 11, 12),
		s.MovePlaylistItem(ctx, "3", 11, 0),
		s.DeletePlaylistItem(ctx, "3", 11),
		s.DeletePlaylist(ctx, "3"),
		s.AddPlaylistItems(ctx, "3", []string{"5", "6"}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, r := range p.requests() {
		got = append(got, r.Method+" "+r.URL.RequestURI())
	}
	want := []string{
		"PUT /playlists/3/items/11/move?after=12",
		"PUT /playlists/3/items/11/move",
		"DELETE /playlists/3/items/11",
		"DELETE /playlists/3",
		"PUT /playlists/3/items?uri=server%3A%2F%2F" + testMachineID + "%2Fcom.plexapp.plugins.library%2Flibrary%2Fmetadata%2F5%2C6",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests\n%v\nwant\n%v", got, want)
	}
}

func TestSmartRules(t *testing.T) {
	cases := []struct{ content, section, want string }{
		{"library://x/directory/%2Flibrary%2Fsections%2F1%2Fall%3Ftype%3D10%26title%3Da", "7", "/library/sections/7/all?type=10&title=a"},
		{"/library/sections/3/all?type=10&userRating>>=8", "3", "/library/sections/3/all?type=10&userRating>>=8"},
		{"library://abc/directory/%2Flibrary%2Fsections%2F12%2Fall%3Ftype%3D10", "4", "/library/sections/4/all?type=10"},
	}
	for _, c := range cases {
		got, err := smartRules(c.content, c.section)
		if err != nil || got != c.want {
			t.Errorf("smartRules(%q, %q) = %q, %v; want %q", c.content, c.section, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "library://x/item/%2Flibrary%2Fmetadata%2F5", "/library/sections/", "library://x/directory/%zz"} {
		if _, err := smartRules(bad, "1"); err == nil {
			t.Errorf("smartRules(%q) accepted", bad)
		}
	}
}

func TestUserErrorsAreTransientUnlessUnauthorized(t *testing.T) {
	cases := []struct {
		status       int
		body         string
		unauthorized bool
	}{
		{401, `{"errors":[{"code":1001,"message":"User could not be authenticated","status":401}]}`, true},
		{422, `{"errors":[{"code":1002,"message":"Invalid token"}]}`, true},
		{422, `{"errors":[{"code":1003,"message":"Something else"}]}`, false},
		{500, `oops`, false},
		{418, `teapot`, false},
		{498, `{"errors":[{"message":"Token expired"}]}`, false},
	}
	for _, cs := range cases {
		p := newPMS(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(cs.status)
			io.WriteString(w, cs.body)
		})
		c, _ := testClient(t, func(o *Options) { o.TVURL = p.URL + "/api/v2"; o.MaxRetries = 1 })
		_, err := c.User(context.Background(), secret.New("account-token"))
		if errors.Is(err, ErrUnauthorized) != cs.unauthorized {
			t.Errorf("%d %s: unauthorized=%v (%v)", cs.status, cs.body, !cs.unauthorized, err)
		}
		if IsTransient(err) == cs.unauthorized {
			t.Errorf("%d: transient=%v", cs.status, IsTransient(err))
		}
		want := 1
		if cs.status == 500 {
			want = 2
		}
		if n := len(p.requests()); n != want {
			t.Errorf("%d: %d attempts, want %d", cs.status, n, want)
		}
	}
}

func TestIsTransient(t *testing.T) {
	yes := []error{
		ErrNoConnection, fmt.Errorf("x: %w", ErrInconsistent), ErrRateLimited, context.DeadlineExceeded,
		&StatusError{Status: 503}, &StatusError{Status: 429}, &StatusError{Status: 408},
		&DecodeError{Err: errors.New("bad")}, &requestError{Err: io.ErrUnexpectedEOF},
		&transientError{errors.New("plex.tv hiccup")},
	}
	no := []error{
		nil, context.Canceled, ErrUnauthorized, ErrPINExpired, ErrTooLarge, errors.New("bug"),
		&StatusError{Status: 400}, &StatusError{Status: 404, kind: ErrNotFound}, &StatusError{Status: 501},
		fmt.Errorf("cancelled while waiting: %w", context.Canceled),
	}
	for _, e := range yes {
		if !IsTransient(e) {
			t.Errorf("%v should be transient", e)
		}
	}
	for _, e := range no {
		if IsTransient(e) {
			t.Errorf("%v should not be transient", e)
		}
	}
}

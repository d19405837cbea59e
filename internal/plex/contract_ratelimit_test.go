package plex_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// insideWindows counts the requests the fake received strictly inside a
// rate-limit window of host: after the 429 that opened it, before its end.
func insideWindows(f *plextest.Fake, host string) (n int, where []string) {
	ws := f.Windows()
	for _, r := range f.Requests() {
		for _, w := range ws {
			if r.Host == host && w.Host == host && r.Clock.After(w.Start) && r.Clock.Before(w.End) {
				n++
				where = append(where, r.Conn+" "+r.Path+" at "+r.Clock.Format("15:04:05.000"))
			}
		}
	}
	return n, where
}

// A 429 is not a dead connection: with windows covering every connection
// of the server, the client waits them out on the connection in use and
// every request completes.
func TestContract429WindowIsWaitedOutOnTheWorkingConnection(t *testing.T) {
	for _, date := range []bool{false, true} {
		name := "seconds"
		if date {
			name = "http-date"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, plextest.Options{}, false, func(o *plex.Options) { o.MaxRetryWait = time.Minute })
			owned := e.f.Owned()
			s := e.server(t, owned)
			first := s.URI()
			e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library", Every: 4, Status: http.StatusTooManyRequests,
				Window: time.Second, WindowDate: date})
			for i := range 20 {
				if _, err := s.Count(context.Background(), plex.SectionItems("1", plex.TypeTrack)); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			if s.URI() != first {
				t.Errorf("moved from %s to %s: a 429 is not a connection failure", first, s.URI())
			}
			ws := e.f.Windows()
			if len(ws) < 4 {
				t.Fatalf("%d windows, want at least 4", len(ws))
			}
			if n, where := insideWindows(e.f, owned.MachineID()); n != 0 {
				t.Errorf("%d requests inside a window: %v", n, where)
			}
			st := e.c.Stats()
			if st.RateLimited != int64(len(ws)) || st.Paused < time.Duration(len(ws))*time.Second {
				t.Errorf("stats %+v for %d windows", st, len(ws))
			}
		})
	}
}

// Probes of a server that is rate-limiting us wait the window out too, and
// still find the connection.
func TestContractProbesWaitOutAWindow(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, func(o *plex.Options) { o.MaxRetryWait = time.Minute })
	owned := e.f.Owned()
	s := e.server(t, owned)
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections", Times: 1, Status: http.StatusTooManyRequests,
		Window: 3 * time.Second, WindowDate: true})
	var once atomic.Bool
	probed := make(chan error, 1)
	e.clock.OnSleep = func(time.Duration) {
		if once.CompareAndSwap(false, true) {
			// While the request sleeps out the window, a fresh handle on the
			// same server probes every connection.
			again := e.c.Server(s.Resource(), "")
			_, err := again.Connect(context.Background())
			probed <- err
		}
	}
	if _, err := s.Sections(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-probed; err != nil {
		t.Fatalf("probe during a window: %v", err)
	}
	if n, where := insideWindows(e.f, owned.MachineID()); n != 0 {
		t.Errorf("%d requests inside the window: %v", n, where)
	}
	if len(fakeRequests(e.f, owned.MachineID(), "/identity")) < 2 {
		t.Error("the probe sent nothing")
	}
}

// plex.tv's JSON 429 is waited out like a server's, and its window holds
// every plex.tv call.
func TestContractPlexTV429(t *testing.T) {
	e := newEnv(t, plextest.Options{}, false, func(o *plex.Options) { o.MaxRetryWait = time.Minute })
	e.f.Inject(plextest.Fault{Host: plextest.HostPlexTV, Path: "/api/v2/resources", Times: 1, Status: http.StatusTooManyRequests,
		Window: 2 * time.Second})
	if _, err := e.c.Resources(context.Background(), e.tok); err != nil {
		t.Fatal(err)
	}
	if n, where := insideWindows(e.f, plextest.HostPlexTV); n != 0 || len(e.f.Windows()) != 1 {
		t.Errorf("%d requests inside the window: %v", n, where)
	}
}

// A connection that starts hanging is left after a multiple of the
// latency observed on it, not after the fixed timeout, and the log says so.
func TestContractStalledConnectionIsLeftEarly(t *testing.T) {
	var logs syncBuffer
	e := newEnv(t, plextest.Options{}, false, func(o *plex.Options) {
		o.Timeout = time.Minute
		o.StallFloor = 50 * time.Millisecond
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	})
	owned := e.f.Owned()
	s := e.server(t, owned)
	first := s.URI()
	q := plex.SectionItems("1", plex.TypeTrack)
	// Exactly the history stall detection needs (8 answers), so that only
	// the hanging request runs with a derived timeout: a loaded test
	// machine cannot make a warm-up request look stalled.
	for range 8 {
		if _, err := s.Page(context.Background(), q, 0, 50); err != nil {
			t.Fatal(err)
		}
	}
	// From now on the connection in use accepts requests and never answers.
	conn := e.f.Requests()[len(e.f.Requests())-1].Conn
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Conn: conn, Latency: time.Hour})
	begin := time.Now()
	if _, err := s.Page(context.Background(), q, 50, 50); err != nil {
		t.Fatal(err)
	}
	if time.Since(begin) >= time.Minute {
		t.Error("waited out the fixed timeout")
	}
	if s.URI() == first {
		t.Errorf("still on %s", first)
	}
	if st := e.c.Stats(); st.Stalls != 1 {
		t.Errorf("stalls %d, want 1", st.Stalls)
	}
	if !strings.Contains(logs.String(), "stopped answering") || !strings.Contains(logs.String(), "next_connection=true") {
		t.Errorf("log does not say it moved on:\n%s", logs.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The client asks for gzip and reads it; a gzipped body cut short is
// retried like any other.
func TestContractGzip(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 400, Gzip: true}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections/1/all", Times: 1, Truncate: true})
	var n int
	for start := 0; start < 400; start += 200 {
		p, err := s.Page(context.Background(), plex.SectionItems("1", plex.TypeTrack), start, 200)
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Items)
	}
	if n != 400 {
		t.Fatalf("listed %d tracks, want 400", n)
	}
	var zipped int
	for _, r := range fakeRequests(e.f, owned.MachineID(), "/library/sections/1/all") {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("request without Accept-Encoding: gzip: %v", r.Header)
		}
		if r.Status == 200 {
			zipped++
		}
	}
	if zipped < 3 { // two pages, one of them twice (the cut one)
		t.Errorf("%d answered requests, want 3", zipped)
	}
}

package sync_test

import (
	"context"
	"fmt"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// quietClock is a virtual clock shared by the client and the fake's
// rate-limit windows. Sleep moves time forward, but only while no request
// is on the wire (let go by the client's gate and not yet handled), so a
// request arrives at the fake at the very instant the client let it go:
// the fake's log then tells exactly whether the client sent anything inside
// a window, however the goroutines interleave.
type quietClock struct {
	mu  gosync.Mutex
	now time.Time
	c   *plex.Client
}

func (c *quietClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *quietClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		c.mu.Lock()
		if !c.now.Before(end) {
			c.mu.Unlock()
			return nil
		}
		if c.c == nil || c.c.Stats().InFlight == 0 {
			c.now = end
			c.mu.Unlock()
			return nil
		}
		cl := c.c
		c.mu.Unlock()
		// Requests on the wire finish on their own (loopback, no latency).
		select {
		case <-cl.Idle():
		case <-ctx.Done():
		}
	}
}

// Under a 429 storm (every 37th request Retry-After: 1; every 23rd with
// Retry-After as an HTTP-date, both windows covering every connection of
// the server) and every 5th body cut short, a full sync of a two-server
// account completes exactly and the servers see no request inside a window,
// with several page fetchers and the playlist goroutine running at once.
//
// Without a rate cap the fetchers really overlap (the log shows requests
// refused because they were in flight when a window opened: sent before the
// client could know); with one, requests also queue in the pacer when a
// window opens, which is where they once leaked.
func TestStormIsWaitedOutExactly(t *testing.T) {
	for _, rps := range []float64{0, 50} {
		t.Run(fmt.Sprintf("rps=%v", rps), func(t *testing.T) { stormSync(t, rps) })
	}
}

func stormSync(t *testing.T, rps float64) {
	clk := &quietClock{now: time.Date(2026, 3, 1, 12, 0, 0, 300_000_000, time.UTC)}
	f, err := plextest.Start(plextest.Options{Seed: 9, Tracks: 1200, SharedTracks: 300, WindowClock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	f.Inject(plextest.Fault{Every: 37, Status: 429, Window: time.Second})
	f.Inject(plextest.Fault{Every: 23, Status: 429, Window: time.Second, WindowDate: true})
	f.Inject(plextest.Fault{Every: 5, Truncate: true})

	d, err := db.Open(context.Background(), filepath.Join(t.TempDir(), "storm.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	c, err := plex.New(plex.Options{
		TVURL: f.TVURL(), ClientsURL: f.ClientsURL(), RootCAs: f.RootCAs(), Clock: clk,
		Identity:     plex.Identity{Product: "PlexM8 test", Version: "test", ClientID: "storm", DeviceName: "test"},
		MaxRetryWait: time.Minute, MaxRetries: 10, RequestsPerSecond: rps,
	})
	if err != nil {
		t.Fatal(err)
	}
	clk.mu.Lock()
	clk.c = c
	clk.mu.Unlock()
	var stamp int64 = 1_800_000_000
	var stampMu gosync.Mutex
	syncer := mirror.New(d, c, mirror.Options{PageSize: 25, Concurrency: 4, BatchRows: 500, Now: func() time.Time {
		stampMu.Lock()
		defer stampMu.Unlock()
		stamp++
		return time.Unix(stamp, 0)
	}})
	servers, err := syncer.Servers(context.Background(), secret.New(f.AccountToken()), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	var reported int64
	for _, srv := range servers {
		r, err := syncer.Server(context.Background(), srv, true)
		if err != nil {
			t.Fatalf("sync %s: %v", srv.Resource().Name, err)
		}
		if len(r.Problems) != 0 {
			t.Fatalf("sync %s partial: %v", srv.Resource().Name, r.Err())
		}
		reported += r.RateLimited
	}
	synced := time.Since(begin)
	assertMirror(t, d, f)
	t.Logf("sync took %v (real time), check %v", synced, time.Since(begin)-synced)

	ws := f.Windows()
	var dated int
	for _, w := range ws {
		if w.Date {
			dated++
		}
	}
	if len(ws) < 6 || dated < 3 {
		t.Fatalf("%d windows (%d dated): the storm did not happen", len(ws), dated)
	}
	var inside, refused, truncated int
	for _, r := range f.Requests() {
		if r.Refused {
			refused++
		}
		if r.Status == 200 && r.Bytes == 0 {
			truncated++
		}
		for _, w := range ws {
			if r.Host == w.Host && r.Clock.After(w.Start) && r.Clock.Before(w.End) {
				inside++
				t.Errorf("%s %s %s at %s, inside the window %s–%s", r.Host[:8], r.Conn, r.Path,
					r.Clock.Format("05.000"), w.Start.Format("05.000"), w.End.Format("05.000"))
			}
		}
	}
	st := c.Stats()
	t.Logf("%d requests, %d windows (%d dated), %d refused as in flight when a window opened, %d inside a window; client: %d 429s, paused %v",
		len(f.Requests()), len(ws), dated, refused, inside, st.RateLimited, st.Paused)
	if reported == 0 || reported > st.RateLimited {
		t.Errorf("results report %d 429s, the client counted %d", reported, st.RateLimited)
	}
	if st.Paused < time.Duration(len(ws)-refused)*time.Second/2 {
		t.Errorf("client paused %v for %d windows", st.Paused, len(ws))
	}
}

package sync_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// The fake profiles the adaptive client is measured on.
type profile struct {
	name string
	opts plextest.Options
}

func benchProfiles(tracks int) []profile {
	base := plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10}
	zero, lat, loaded := base, base, base
	lat.Latency = 20 * time.Millisecond
	// A small server: 4 cores, 10 ms of work per request plus 20 µs per
	// item, so a 1000-item page is 30 ms of one core, and requests beyond
	// four queue.
	loaded.Cores, loaded.Latency, loaded.ItemLatency = 4, 10*time.Millisecond, 20*time.Microsecond
	return []profile{{"zero", zero}, {"latency=20ms", lat}, {"loaded", loaded}}
}

// pageTimer is a transport that times each library page from the request
// leaving to its body's end.
type pageTimer struct {
	base http.RoundTripper
	mu   gosync.Mutex
	lat  []time.Duration // to the body's end
	ttfb []time.Duration // to the headers: the server's share
}

func (p *pageTimer) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := p.base.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/all") || r.URL.Query().Get("X-Plex-Container-Size") == "0" {
		return resp, err
	}
	ttfb := time.Since(start)
	p.mu.Lock()
	p.ttfb = append(p.ttfb, ttfb)
	p.mu.Unlock()
	resp.Body = &timedBody{ReadCloser: resp.Body, done: func() {
		p.mu.Lock()
		p.lat = append(p.lat, time.Since(start))
		p.mu.Unlock()
	}}
	return resp, nil
}

func (p *pageTimer) medians() (full, ttfb time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return median(p.lat), median(p.ttfb)
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

type timedBody struct {
	io.ReadCloser
	once gosync.Once
	done func()
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.done)
	}
	return n, err
}

func (b *timedBody) Close() error { b.once.Do(b.done); return b.ReadCloser.Close() }

// setting is how one run is configured: the defaults (adaptive), or a
// fixed page size and number of requests in flight.
type setting struct {
	name     string
	pageSize int // 0: the default
	conc     int // 0: the default (adaptive, bounded by 8); else fixed
}

type runResult struct {
	dur      time.Duration
	median   time.Duration // page latency, to the body's end
	ttfb     time.Duration // page latency, to the headers
	requests int
	limit    int // the adaptive limit at the end
}

// fullSync mirrors the owned server of f into a fresh database with st.
func fullSync(b *testing.B, f *plextest.Fake, st setting) runResult {
	b.Helper()
	d, err := db.Open(context.Background(), filepath.Join(b.TempDir(), fmt.Sprintf("a-%d.db", time.Now().UnixNano())), db.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	pt := &pageTimer{base: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.RootCAs()}, MaxIdleConnsPerHost: 16}}
	po := plex.Options{
		TVURL: f.TVURL(), ClientsURL: f.ClientsURL(), RootCAs: f.RootCAs(), Transport: pt,
		Identity: plex.Identity{Product: "PlexM8 bench", Version: "bench", ClientID: "bench", DeviceName: "bench"},
	}
	so := mirror.Options{PageSize: st.pageSize}
	if st.conc > 0 {
		po.MaxConcurrency, po.FixedConcurrency = st.conc, true
		so.Concurrency = st.conc
	}
	c, err := plex.New(po)
	if err != nil {
		b.Fatal(err)
	}
	s := mirror.New(d, c, so)
	servers, err := s.Servers(context.Background(), secret.New(f.AccountToken()), []string{f.Owned().MachineID()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	f.ResetRequests()
	begin := time.Now()
	r, err := s.Server(context.Background(), servers[0], true)
	if err != nil {
		b.Fatal(err)
	}
	res := runResult{dur: time.Since(begin), requests: int(r.Requests)}
	res.median, res.ttfb = pt.medians()
	res.limit, _ = servers[0].Concurrency()
	return res
}

// BenchmarkAdaptive runs, in one run, a first full sync with the defaults
// and with every fixed setting of a small sweep (page size × requests in
// flight) on three fake profiles, and reports the defaults' tracks/s as a
// share of the best fixed setting's. Set PLEXM8_BENCH_TRACKS to change the
// library size (default 50,000).
func BenchmarkAdaptive(b *testing.B) {
	tracks := 50_000
	if v := os.Getenv("PLEXM8_BENCH_TRACKS"); v != "" {
		fmt.Sscan(v, &tracks)
	}
	// The defaults run first, in the middle and last, and their best is
	// compared with the best fixed setting: the machine is noisy, and the
	// best of twelve noisy runs would otherwise be held against a single one.
	def := setting{name: "defaults"}
	sweep := []setting{def}
	for _, ps := range []int{200, 500, 1000} {
		for _, conc := range []int{1, 2, 4, 8} {
			sweep = append(sweep, setting{name: fmt.Sprintf("page=%d/conc=%d", ps, conc), pageSize: ps, conc: conc})
		}
		if ps == 500 {
			sweep = append(sweep, def)
		}
	}
	sweep = append(sweep, def)
	for _, p := range benchProfiles(tracks) {
		b.Run(p.name, func(b *testing.B) {
			f, err := plextest.Start(p.opts)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			// Warm up: the fake builds its sorted listings on first use.
			fullSync(b, f, setting{name: "warm-up", pageSize: 1000, conc: 2})
			for range b.N {
				def := runResult{dur: time.Hour}
				best, bestName := runResult{dur: time.Hour}, ""
				var single runResult
				for _, st := range sweep {
					r := fullSync(b, f, st)
					rate := float64(tracks) / r.dur.Seconds()
					fmt.Fprintf(os.Stderr, "%-14s %-18s %8.0f tracks/s  %4d requests  median page %6.1f ms (headers %6.1f ms)  limit %d\n",
						p.name, st.name, rate, r.requests, float64(r.median)/1e6, float64(r.ttfb)/1e6, r.limit)
					if st.conc == 0 {
						if r.dur < def.dur {
							def = r
						}
						continue
					}
					if r.dur < best.dur {
						best, bestName = r, st.name
					}
					if st.conc == 1 && st.pageSize == 1000 {
						single = r // the defaults' page size, one request at a time
					}
				}
				share := best.dur.Seconds() / def.dur.Seconds()
				fmt.Fprintf(os.Stderr, "%s: defaults %.0f tracks/s = %.0f%% of the best fixed (%s, %.0f tracks/s); median page %.1f ms vs %.1f ms alone (%.2f×), headers %.1f vs %.1f ms (%.2f×)\n",
					p.name, float64(tracks)/def.dur.Seconds(), 100*share, bestName, float64(tracks)/best.dur.Seconds(),
					float64(def.median)/1e6, float64(single.median)/1e6, float64(def.median)/float64(single.median),
					float64(def.ttfb)/1e6, float64(single.ttfb)/1e6, float64(def.ttfb)/float64(single.ttfb))
				b.ReportMetric(100*share, "%-of-best")
				b.ReportMetric(float64(tracks)/def.dur.Seconds(), "default-tracks/s")
				b.ReportMetric(float64(def.median)/float64(single.median), "median/single")
			}
		})
	}
}

package sync_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// BenchmarkStorm runs a first full sync with the defaults, fault-free and
// then under a 429 storm (every 37th request Retry-After: 1; every 23rd
// with Retry-After as an HTTP-date; windows cover every connection of the
// server) with every 5th body cut short, on the real clock. It reports the
// storm's time against the bound (windows × their length) + 1.5 × the
// fault-free time.
func BenchmarkStorm(b *testing.B) {
	tracks := 50_000
	if v := os.Getenv("PLEXM8_BENCH_TRACKS"); v != "" {
		fmt.Sscan(v, &tracks)
	}
	f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	for range b.N {
		clean := fullSync(b, f, setting{name: "defaults"})
		f.Inject(plextest.Fault{Every: 37, Status: 429, Window: time.Second})
		f.Inject(plextest.Fault{Every: 23, Status: 429, Window: time.Second, WindowDate: true})
		f.Inject(plextest.Fault{Every: 5, Truncate: true})
		storm := fullSync(b, f, setting{name: "defaults"})
		f.ClearFaults()
		ws := f.Windows()
		var length time.Duration
		for _, w := range ws {
			length += w.End.Sub(w.Start)
		}
		inside := 0
		for _, r := range f.Requests() {
			for _, w := range ws {
				if r.Host == w.Host && r.Clock.Sub(w.Start) > 50*time.Millisecond && r.Clock.Before(w.End) {
					inside++
				}
			}
		}
		bound := length + clean.dur*3/2
		b.Logf("fault-free %v (%d requests); storm %v (%d requests), %d windows totalling %v; bound %v (%.0f%% used); %d requests arrived >50 ms into a window",
			clean.dur.Round(time.Millisecond), clean.requests, storm.dur.Round(time.Millisecond), storm.requests, len(ws),
			length.Round(time.Millisecond), bound.Round(time.Millisecond), 100*storm.dur.Seconds()/bound.Seconds(), inside)
		b.ReportMetric(storm.dur.Seconds()/bound.Seconds(), "storm/bound")
		b.ReportMetric(float64(len(ws)), "windows")
		b.ReportMetric(float64(inside), "inside-windows")
	}
}

// BenchmarkBytesPerThousandTracks reports the bytes on the wire per 1,000
// tracks of a track listing, with and without excludeFields and gzip.
func BenchmarkBytesPerThousandTracks(b *testing.B) {
	const tracks = 10_000
	f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10, Gzip: true})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	o := f.Owned()
	tr := &http.Transport{DisableCompression: true}
	hc := &http.Client{Transport: tr}
	const slim = "&excludeFields=key,parentKey,grandparentKey,thumb,parentThumb,grandparentThumb,art,parentGuid,grandparentGuid,musicAnalysisVersion"
	for _, v := range []struct {
		name, extra, enc string
	}{
		{"all-fields/identity", "", "identity"},
		{"all-fields/gzip", "", "gzip"},
		{"excludeFields/identity", slim, "identity"},
		{"excludeFields/gzip", slim, "gzip"},
	} {
		b.Run(v.name, func(b *testing.B) {
			for range b.N {
				f.ResetRequests()
				for start := 0; start < tracks; start += 1000 {
					req, _ := http.NewRequest("GET", fmt.Sprintf("%s/library/sections/1/all?type=10&includeGuids=1%s&X-Plex-Container-Start=%d&X-Plex-Container-Size=1000",
						o.URL(plextest.ConnLocal), v.extra, start), nil)
					req.Header.Set("Accept", "application/json")
					req.Header.Set("Accept-Encoding", v.enc)
					req.Header.Set("X-Plex-Token", o.AccessToken())
					resp, err := hc.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				var n int64
				for _, r := range f.Requests() {
					n += r.Bytes
				}
				b.ReportMetric(float64(n)/tracks*1000, "bytes/1k-tracks")
			}
		})
	}
}

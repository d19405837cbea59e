package db_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/migrations"
)

// searchMix is the query mix of BenchmarkSearch: 100 searches as people
// type them — common and rare words, prefixes while typing, several words,
// artist names, accents left out, CJK, emoji, and misses.
var searchMix = func() []string {
	base := []string{
		"love", "night", "fire", "dream", "heart", "rain", "summer", "river", "shadow", "light",
		"blue", "gold", "moon", "star", "ocean", "city", "road", "home", "time", "wild",
		"l", "lo", "lov", "ni", "nig", "dre", "su", "sum", "ri", "sha",
		"love night", "golden river", "silver moon", "electric dream", "broken heart", "lost highway",
		"midnight train", "summer rain", "neon city", "secret garden",
		"black keys", "arctic", "silver wolves", "the", "velvet", "royal kings", "lunar", "solar echoes",
		"big", "young lions",
		"bjork", "sigur ros", "motorhead", "bjork love", "sigur", "ros", "zwolf", "olgemalde", "fairuz", "kino",
		"坂本", "龍一", "坂本龍一", "東京の夜", "東京", "夜", "🦄", "unicorns", "🦄 unicorns", "fire guitar",
		"zzzz", "xylophone", "qqq", "nothing here", "aardvark", "love zzzz", "moon xq", "999", "2024", "live",
		"love night fire", "gold star moon", "ro", "ci", "ho", "wi", "ocean drive", "home again", "time machine", "wild rebel",
		"whiskey", "cherry lemon", "paper", "glass", "sugar honey", "coffee", "angel", "ghost", "soldier", "sailor",
	}
	if len(base) != 100 {
		panic(fmt.Sprintf("searchMix has %d queries, want 100", len(base)))
	}
	return base
}()

// millionMirror is a 1M-track mirror, built by syncing the fake (minutes),
// and cached in the system's temporary directory for the next run (remove
// plexm8-search-bench-*.db there to reclaim its ~1 GB).
func millionMirror(b *testing.B) *db.DB {
	b.Helper()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("plexm8-search-bench-v%d-1m.db", db.LatestVersion()))
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		tmp := path + ".building"
		_ = os.Remove(tmp)
		m := newMirror(b, plextest.Options{Seed: 1, Tracks: 1_000_000, SharedTracks: 10}, tmp)
		if _, err := m.syncer.Server(context.Background(), m.servers[0], true); err != nil {
			b.Fatal(err)
		}
		if err := m.db.Close(); err != nil {
			b.Fatal(err)
		}
		m.fake.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
		b.Logf("built a 1M-track mirror in %s", time.Since(start).Round(time.Second))
	}
	d, err := db.Open(context.Background(), path, db.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = d.Close() })
	return d
}

// BenchmarkSearch times `tracks --search` (ranked, first 100 rows, as the
// command asks) for each query of the mix on a 1,000,000-track mirror, and
// reports the median and 95th percentile over all of them. Run it alone:
//
//	go test -run '^$' -bench BenchmarkSearch -benchtime 3x ./internal/db/
func BenchmarkSearch(b *testing.B) {
	d := millionMirror(b)
	ctx := context.Background()
	var lat []time.Duration
	hits := 0
	for b.Loop() {
		for _, q := range searchMix {
			start := time.Now()
			ts, err := d.Tracks(ctx, db.TrackFilter{Search: q, Limit: 101})
			lat = append(lat, time.Since(start))
			if err != nil {
				b.Fatalf("search %q: %v", q, err)
			}
			hits += len(ts)
		}
	}
	slices.Sort(lat)
	ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(ms(0.5), "median-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
	b.ReportMetric(ms(1), "max-ms")
	b.ReportMetric(float64(hits)/float64(len(lat)), "rows/query")
	// The slowest queries, for the record.
	if testing.Verbose() {
		type qt struct {
			q string
			d time.Duration
		}
		var one []qt
		for _, q := range searchMix {
			start := time.Now()
			if _, err := d.Tracks(ctx, db.TrackFilter{Search: q, Limit: 101}); err != nil {
				b.Fatal(err)
			}
			one = append(one, qt{q, time.Since(start)})
		}
		slices.SortFunc(one, func(a, b qt) int { return int(b.d - a.d) })
		for _, x := range one[:8] {
			b.Logf("%-20q %s", x.q, x.d.Round(100*time.Microsecond))
		}
	}
}

// searchTriggers are the triggers that keep the search indexes.
var searchTriggers = []string{"tracks_search_insert", "tracks_search_update", "tracks_search_delete",
	"albums_search_insert", "albums_search_update", "albums_search_delete",
	"artists_search_insert", "artists_search_update", "artists_search_delete"}

// rowTriggers are the triggers of *_query.sql, which wrote the indexes row
// by row before the search queue: the benchmarks put them back (index=row)
// to compare with the queue in the same run.
func rowTriggers(b *testing.B) []string {
	names, err := fs.Glob(migrations.FS, "*_query.sql")
	if err != nil || len(names) != 1 {
		b.Fatalf("query migration: %v %v", names, err)
	}
	body, err := fs.ReadFile(migrations.FS, names[0])
	if err != nil {
		b.Fatal(err)
	}
	out := regexp.MustCompile(`(?s)CREATE TRIGGER .*?\nEND;`).FindAllString(string(body), -1)
	if len(out) != len(searchTriggers) {
		b.Fatalf("%s has %d triggers, want %d", names[0], len(out), len(searchTriggers))
	}
	return out
}

// setIndex makes a freshly opened mirror keep its search indexes as index
// says: "on" (the queue, as shipped), "row" (the old row triggers) or "off"
// (no triggers).
func setIndex(b *testing.B, d *db.DB, index string, row []string) {
	if index == "on" {
		return
	}
	for _, tr := range searchTriggers {
		if _, err := d.W().Exec("DROP TRIGGER " + tr); err != nil {
			b.Fatal(err)
		}
	}
	if index == "row" {
		for _, tr := range row {
			if _, err := d.W().Exec(tr); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFullSyncSearchIndex is the first full sync of a 100k-track
// library into an empty database with the search indexes kept through the
// queue (index=on), by the old row triggers (index=row) and with the
// triggers dropped first (index=off), in one run so they compare on the
// same machine load. It reports throughput and the database
// size after a checkpoint.
//
//	go test -run '^$' -bench BenchmarkFullSyncSearchIndex -benchtime 3x ./internal/db/
func BenchmarkFullSyncSearchIndex(b *testing.B) {
	const tracks = 100_000
	f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	row := rowTriggers(b)
	for _, index := range []string{"on", "row", "off"} {
		b.Run("index="+index, func(b *testing.B) {
			var size int64
			var synced time.Duration
			n := 0
			for b.Loop() {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), fmt.Sprintf("sync-%d.db", n))
				m := attachMirror(b, f, path)
				setIndex(b, m.db, index, row)
				b.StartTimer()
				start := time.Now()
				if _, err := m.syncer.Server(context.Background(), m.servers[0], true); err != nil {
					b.Fatal(err)
				}
				synced += time.Since(start)
				b.StopTimer()
				if _, err := m.db.W().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
					b.Fatal(err)
				}
				st, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				size += st.Size()
				_ = m.db.Close()
				n++
				b.StartTimer()
			}
			b.ReportMetric(float64(tracks*n)/synced.Seconds(), "tracks/s")
			b.ReportMetric(float64(size)/float64(n)/(1<<20), "MiB")
		})
	}
}

// BenchmarkOneEditSyncSearchIndex is an incremental sync after one track's
// title changed on a 100k-track mirror, with the indexes kept through the
// queue, by the old row triggers, or not at all (see
// BenchmarkFullSyncSearchIndex).
//
//	go test -run '^$' -bench BenchmarkOneEditSyncSearchIndex -benchtime 5x ./internal/db/
func BenchmarkOneEditSyncSearchIndex(b *testing.B) {
	const tracks = 100_000
	row := rowTriggers(b)
	for _, index := range []string{"on", "row", "off"} {
		b.Run("index="+index, func(b *testing.B) {
			m := newMirror(b, plextest.Options{Seed: 1, Tracks: tracks, SharedTracks: 10}, filepath.Join(b.TempDir(), "m.db"))
			setIndex(b, m.db, index, row)
			if _, err := m.syncer.Server(context.Background(), m.servers[0], true); err != nil {
				b.Fatal(err)
			}
			s := m.fake.Owned()
			rk := s.Tracks("1")[0].RatingKey
			i := 0
			for b.Loop() {
				b.StopTimer()
				s.EditTrack(rk, func(t *plextest.Track) { t.Title = fmt.Sprintf("edit %d", i) })
				i++
				b.StartTimer()
				r, err := m.syncer.Server(context.Background(), m.servers[0], false)
				if err != nil {
					b.Fatal(err)
				}
				if r.Counts["tracks"].Updated != 1 {
					b.Fatalf("updated %d tracks, want 1", r.Counts["tracks"].Updated)
				}
			}
		})
	}
}

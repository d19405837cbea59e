package sync_test

import (
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

func historyBytes(tb testing.TB, e *env) (rows, payload int) {
	tb.Helper()
	rows = historyRows(tb, e)
	payload = count(tb, e.db, `SELECT coalesce(sum(payload), 0) FROM dbstat WHERE name IN
		('playlist_versions', 'playlist_version_items', 'history_items', 'history_items_hash', 'playlist_version_items_order')`)
	return rows, payload
}

// BenchmarkHistoryGrowth is the database growth of playlist history over 10
// syncs against the fake, with a 5,000-item playlist: with nothing changed
// (incremental and full passes; it must be zero), and with one item of the
// big playlist changed before each sync.
func BenchmarkHistoryGrowth(b *testing.B) {
	for _, c := range []struct {
		name   string
		full   bool
		change bool
	}{{"no-change/incremental", false, false}, {"no-change/full", true, false}, {"one-change/incremental", false, true}} {
		b.Run(c.name, func(b *testing.B) {
			e := newEnv(b, plextest.Options{Seed: 9, Tracks: 5200, SharedTracks: 20}, opts())
			s := e.fake.Owned()
			trs := s.Tracks("1")
			keys := make([]string, 5000)
			for i := range keys {
				keys[i] = trs[i].RatingKey
			}
			big := s.CreatePlaylist("Five thousand", keys)
			e.sync(true, false)
			var rows, payload, syncs int
			next := 5000
			for b.Loop() {
				r0, p0 := historyBytes(b, e)
				for range 10 {
					if c.change {
						// Replace one entry with a track not yet in it.
						s.ReplacePlaylistItem(big, next%5000, trs[next%200+5000].RatingKey)
						next += 37
					}
					e.sync(c.full, false)
					syncs++
				}
				r1, p1 := historyBytes(b, e)
				rows += r1 - r0
				payload += p1 - p0
			}
			b.ReportMetric(float64(rows)/float64(b.N), "rows/10syncs")
			b.ReportMetric(float64(payload)/float64(b.N), "payload-B/10syncs")
			if !c.change && rows != 0 {
				b.Fatalf("%d syncs without changes added %d history rows", syncs, rows)
			}
		})
	}
}

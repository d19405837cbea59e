package db

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// historySize is what the history tables hold: rows, and bytes as SQLite
// stores them (dbstat: payload bytes, and whole pages).
func historySize(tb testing.TB, d *DB) (rows, payload, pages int64) {
	tb.Helper()
	err := d.R().QueryRow(`SELECT (SELECT count(*) FROM playlist_versions) + (SELECT count(*) FROM playlist_version_items)
		+ (SELECT count(*) FROM history_items)`).Scan(&rows)
	if err == nil {
		err = d.R().QueryRow(`SELECT coalesce(sum(payload), 0), coalesce(sum(pgsize), 0) FROM dbstat WHERE name IN
			('playlist_versions', 'playlist_version_items', 'history_items', 'history_items_hash', 'playlist_version_items_order')`).Scan(&payload, &pages)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return rows, payload, pages
}

// newPlaylist opens a database holding one audio playlist, "p" of server
// "s", without items or history.
func newPlaylist(tb testing.TB) *DB {
	d, err := Open(tb.Context(), filepath.Join(tb.TempDir(), "m.db"), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = d.Close() })
	tx, _ := d.Begin(tb.Context())
	row := PlaylistRow(&Playlist{ServerID: "s", RatingKey: "p", Title: sql.Null[string]{V: "Big", Valid: true}, PlaylistType: sql.Null[string]{V: "audio", Valid: true}})
	if _, err := tx.PutPage(tb.Context(), []Row{row}, false); err != nil {
		tb.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return d
}

func bigPlaylist(tb testing.TB, n int) (*DB, []Entry) {
	d := newPlaylist(tb)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint(100000 + i)
	}
	es := entries("bench", 1, keys...)
	stageReplace(tb, d, 1, es)
	return d, es
}

func stageReplace(tb testing.TB, d *DB, now int64, es []Entry) {
	if err := d.StageEntries(tb.Context(), "s", "p", 0, es); err != nil {
		tb.Fatal(err)
	}
	if _, err := d.ReplacePlaylistItems(tb.Context(), "s", "p", len(es), fmt.Sprint(now), now); err != nil {
		tb.Fatal(err)
	}
}

// oneChange replaces the entry at position i by a new one (a new track under
// a new playlist item id), as removing one track and adding another does.
func oneChange(es []Entry, i int, id int64) []Entry {
	out := append([]Entry(nil), es...)
	out[i] = entries("new", id, fmt.Sprint(900000+id))[0]
	return out
}

// BenchmarkHistoryRebuild5000 rebuilds a version of a 5,000-item playlist
// that has 50 versions of history behind it.
func BenchmarkHistoryRebuild5000(b *testing.B) {
	d, es := bigPlaylist(b, 5000)
	for v := int64(2); v <= 50; v++ {
		es = oneChange(es, int(v*97)%len(es), 10000+v)
		stageReplace(b, d, v, es)
	}
	for _, v := range []int{50, 1} {
		b.Run(fmt.Sprintf("version%d", v), func(b *testing.B) {
			for b.Loop() {
				items, err := d.VersionItems(b.Context(), "s", "p", v)
				if err != nil || len(items) != 5000 {
					b.Fatalf("%d items, %v", len(items), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/5000, "ns/item")
		})
	}
}

// BenchmarkHistoryOneChange5000 is a sync of a 5,000-item playlist in which
// one item changed: staging the whole listing, comparing it, updating the
// mirror and recording the version, with the history rows and bytes each
// version adds.
func BenchmarkHistoryOneChange5000(b *testing.B) {
	d, es := bigPlaylist(b, 5000)
	rows0, payload0, pages0 := historySize(b, d)
	v := int64(1)
	for b.Loop() {
		v++
		es = oneChange(es, int(v*97)%len(es), 10000+v)
		stageReplace(b, d, v, es)
	}
	rows, payload, pages := historySize(b, d)
	n := float64(v - 1)
	b.ReportMetric(float64(rows-rows0)/n, "rows/version")
	b.ReportMetric(float64(payload-payload0)/n, "payload-B/version")
	b.ReportMetric(float64(pages-pages0)/n, "page-B/version")
}

// BenchmarkHistoryFirstVersion stages and stores a 50,000-item playlist that
// has no history yet, recording its version 1 (what a first sync does), and,
// for comparison, the same listing as version 2 after a one-item version 1.
func BenchmarkHistoryFirstVersion(b *testing.B) {
	keys := make([]string, 50_000)
	for i := range keys {
		keys[i] = fmt.Sprint(100000 + i)
	}
	es := entries("bench", 1, keys...)
	for _, c := range []struct {
		name  string
		setup func() *DB
	}{
		{"version1", func() *DB { return newPlaylist(b) }},
		{"after1item", func() *DB { d, _ := bigPlaylist(b, 1); return d }},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				d := c.setup()
				b.StartTimer()
				stageReplace(b, d, 2, es)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(es)), "ns/item")
		})
	}
}

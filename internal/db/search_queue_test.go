package db_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

func queueLen(t *testing.T, q interface {
	QueryRow(string, ...any) *sql.Row
}) int {
	t.Helper()
	var n int
	if err := q.QueryRow(`SELECT count(*) FROM search_queue`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSearchQueueRollback: a write transaction rolled back (or a process
// that dies before COMMIT, which SQLite rolls back) takes its queue entries
// with the row changes: the indexes and the queue are as before, and the
// next sync indexes the change it brings again. The queue and the rows
// commit together, so no update can be lost between enqueue and drain.
func TestSearchQueueRollback(t *testing.T) {
	ctx := context.Background()
	m := newMirror(t, plextest.Options{Seed: 21, Tracks: 300}, filepath.Join(t.TempDir(), "m.db"))
	m.sync(t, false)
	if n := queueLen(t, m.db.R()); n != 0 {
		t.Fatalf("queue after a sync: %d rows", n)
	}
	before := indexState(t, m.db)
	s := m.fake.Owned()
	victim := s.Tracks("1")[5]
	serverID := m.servers[0].Resource().ClientIdentifier
	want := []string{serverID + "/" + victim.RatingKey}

	// The writer's own transaction: a changed title, then Rollback.
	tx, err := m.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tr := db.Track{ServerID: serverID, RatingKey: victim.RatingKey, SectionKey: "1",
		Title: sql.Null[string]{V: "Zanzibar Quokka", Valid: true}}
	ch, err := tx.PutPage(ctx, []db.Row{db.TrackRow(&tr)}, false)
	if err != nil || ch[0] != db.Updated {
		t.Fatalf("put: %v %v", ch, err)
	}
	tx.Rollback()

	// A raw transaction shows the entry is queued before COMMIT, then
	// "crashes" (rolls back) before the drain.
	raw, err := m.db.W().Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE tracks SET title = 'Zanzibar Quokka' WHERE server_id = ? AND rating_key = ?`, serverID, victim.RatingKey); err != nil {
		t.Fatal(err)
	}
	if n := queueLen(t, raw); n != 1 {
		t.Fatalf("queued inside the transaction: %d, want 1", n)
	}
	if err := raw.Rollback(); err != nil {
		t.Fatal(err)
	}

	if n := queueLen(t, m.db.R()); n != 0 {
		t.Errorf("queue after rollbacks: %d rows", n)
	}
	if got := indexState(t, m.db); got != before {
		t.Errorf("rollbacks wrote the index: %s, then %s", before, got)
	}
	if got := keys(t, m.db, db.TrackFilter{Search: "zanzibar quokka"}); len(got) != 0 {
		t.Errorf("a rolled-back title is found: %v", got)
	}
	if got := keys(t, m.db, db.TrackFilter{Search: victim.Title}); !contains(got, want[0]) {
		t.Errorf("the stored title %q is not found after rollbacks: %v", victim.Title, got)
	}

	// The change comes back with the next sync and is indexed with it.
	s.EditTrack(victim.RatingKey, func(tr *plextest.Track) { tr.Title = "Zanzibar Quokka" })
	m.sync(t, false)
	if got := keys(t, m.db, db.TrackFilter{Search: "zanzibar quokka"}); len(got) != 1 || got[0] != want[0] {
		t.Errorf("after the sync: %v, want %v", got, want)
	}
	if n := queueLen(t, m.db.R()); n != 0 {
		t.Errorf("queue after the sync: %d rows", n)
	}
}

// TestSearchQueueHandWrites: rows written outside the writer's transactions
// (here in autocommit, as the sqlite3 shell would) stay queued, durably,
// and the next Open indexes them; an insert after a delete of the same
// rowid, and an update after an insert, leave exactly what a fresh index
// holds, with the same totals for ranking.
func TestSearchQueueHandWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	m := newMirror(t, plextest.Options{Seed: 22, Tracks: 300}, path)
	m.sync(t, false)
	w := m.db.W()
	var maxID int64
	if err := w.QueryRow(`SELECT max(rowid) FROM tracks`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`
		UPDATE tracks SET title = 'Hand Edited Ocelot' WHERE rowid = 7;
		DELETE FROM tracks WHERE rowid = ?1;
		INSERT INTO tracks (rowid, server_id, rating_key, section_key, title, artist_title, album_title, hash)
			VALUES (?1, ?2, 'new-1', '1', 'Reborn Pangolin', 'Björk', 'Début', 0);
		INSERT INTO tracks (server_id, rating_key, section_key, title, hash) VALUES (?2, 'new-2', '1', 'Fresh Axolotl', 0);
		UPDATE tracks SET title = 'Renamed Axolotl 東京タワー' WHERE rating_key = 'new-2'`, maxID, m.servers[0].Resource().ClientIdentifier); err != nil {
		t.Fatal(err)
	}
	if n := queueLen(t, m.db.R()); n != 3 {
		t.Fatalf("queued by hand writes: %d, want 3", n)
	}
	if err := m.db.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if n := queueLen(t, d.R()); n != 0 {
		t.Errorf("queue after Open: %d rows", n)
	}
	for search, want := range map[string]int{"hand edited ocelot": 1, "reborn pangolin bjork debut": 1, "fresh axolotl": 0,
		"renamed axolotl": 1, "東京タワー": 1} {
		if got := keys(t, d, db.TrackFilter{Search: search}); len(got) != want {
			t.Errorf("%q after Open: %v, want %d", search, got, want)
		}
	}
	// The kept word index against one built afresh: same rows, same
	// totals (row count and tokens per column, what bm25 ranks by). The
	// word index is given the names without their symbols.
	if _, err := d.W().Exec(`CREATE VIRTUAL TABLE temp.ref USING fts5(title, artist, album, tokenize='unicode61 remove_diacritics 2');
		INSERT INTO temp.ref (rowid, title, artist, album)
			SELECT rowid, plexm8_search_words(title), plexm8_search_words(artist_title), plexm8_search_words(album_title) FROM tracks`); err != nil {
		t.Fatal(err)
	}
	var kept, fresh []byte
	if err := d.W().QueryRow(`SELECT block FROM track_search_data WHERE id = 1`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if err := d.W().QueryRow(`SELECT block FROM temp.ref_data WHERE id = 1`).Scan(&fresh); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kept, fresh) {
		t.Errorf("index totals %x, a fresh index %x", kept, fresh)
	}
	var missing, extra int
	if err := d.W().QueryRow(`SELECT
		(SELECT count(*) FROM tracks WHERE rowid NOT IN (SELECT id FROM track_search_docsize)),
		(SELECT count(*) FROM track_search_docsize WHERE id NOT IN (SELECT rowid FROM tracks))`).Scan(&missing, &extra); err != nil {
		t.Fatal(err)
	}
	if missing != 0 || extra != 0 {
		t.Errorf("word index: %d tracks missing, %d rows of no track", missing, extra)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

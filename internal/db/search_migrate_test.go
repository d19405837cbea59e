package db

import (
	"bytes"
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/plexm8/plexm8-sync/migrations"
)

// TestQueryMigrationBackfillsSearch upgrades a database that already holds
// a mirror: the migration that adds the search indexes (found by name, so
// renumbering it does not matter) indexes the rows already there.
func TestQueryMigrationBackfillsSearch(t *testing.T) {
	ctx := context.Background()
	path, w := migratedUpTo(t, "_query.sql")
	if _, err := w.ExecContext(ctx, `INSERT INTO servers (id, name, owned) VALUES ('s1', 'Home', 1);
		INSERT INTO artists (server_id, rating_key, section_key, title, hash) VALUES ('s1', '1', '1', 'Sigur Rós', 0);
		INSERT INTO albums (server_id, rating_key, section_key, artist_rating_key, title, artist_title, hash)
			VALUES ('s1', '2', '1', '1', '( )', 'Sigur Rós', 0);
		INSERT INTO tracks (server_id, rating_key, section_key, album_rating_key, artist_rating_key, title, album_title, artist_title, hash)
			VALUES ('s1', '3', '1', '2', '1', 'Untitled 東京の夜', '( )', 'Sigur Rós', 0),
			       ('s1', '4', '1', '2', '1', 'Other', '( )', 'Sigur Rós', 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := migrateFS(ctx, w, migrations.FS); err != nil {
		t.Fatal(err)
	}
	d := &DB{path: path, w: w, r: openPool(readerDSN(path), 2)}
	defer d.r.Close()
	for search, want := range map[string]int{"sigur ros": 2, "untitled": 1, "東京の": 1, "京": 1, "nothing": 0} {
		got, err := d.Tracks(ctx, TrackFilter{Search: search})
		if err != nil || len(got) != want {
			t.Errorf("tracks %q after the upgrade: %d, %v; want %d", search, len(got), err, want)
		}
	}
	if got, err := d.Artists(ctx, ArtistFilter{Search: "ros"}); err != nil || len(got) != 1 {
		t.Errorf("artists after the upgrade: %v %v", got, err)
	}
	if got, err := d.Albums(ctx, AlbumFilter{Artist: "sigur ros"}); err != nil || len(got) != 1 {
		t.Errorf("albums after the upgrade: %v %v", got, err)
	}
	// Views and the new tables leave the documented tables as they were.
	var n int
	if err := d.r.QueryRowContext(ctx, `SELECT count(*) FROM current_tracks WHERE server_name = 'Home'`).Scan(&n); err != nil || n != 2 {
		t.Errorf("current_tracks: %d %v", n, err)
	}
}

// TestSymbolsMigrationReindexes upgrades a database whose indexes were
// written before symbols were searchable (the names as they are in the word
// index, only spaceless text in the trigram index): the migration that
// makes symbols searchable (found by name) re-indexes the rows with symbols,
// and leaves the indexes as a fresh drain writes them.
func TestSymbolsMigrationReindexes(t *testing.T) {
	ctx := context.Background()
	path, w := migratedUpTo(t, "_search_symbols.sql")
	// The rows, indexed as the drain did before: names as they are, and
	// the trigram index for spaceless text only.
	if _, err := w.ExecContext(ctx, `INSERT INTO servers (id, name, owned) VALUES ('s1', 'Home', 1);
		INSERT INTO artists (server_id, rating_key, section_key, title, hash) VALUES ('s1', '1', '1', 'DJ 🐙', 0), ('s1', '9', '1', 'Plain Artist', 0);
		INSERT INTO albums (server_id, rating_key, section_key, artist_rating_key, title, artist_title, hash)
			VALUES ('s1', '2', '1', '1', '🌊 Waves ♫', 'DJ 🐙', 0);
		INSERT INTO tracks (server_id, rating_key, section_key, album_rating_key, artist_rating_key, title, album_title, artist_title, hash)
			VALUES ('s1', '3', '1', '2', '1', 'Octo🦄Zebra', '🌊 Waves ♫', 'DJ 🐙', 0),
			       ('s1', '4', '1', '2', '1', '🎸🔥 Fire Guitar 東京', '🌊 Waves ♫', 'DJ 🐙', 0),
			       ('s1', '5', '1', '2', '1', '〽️ Part', '🌊 Waves ♫', 'DJ 🐙', 0),
			       ('s1', '6', '1', '2', '9', 'Plain Fire', 'Plain Album', 'Plain Artist', 0),
			       ('s1', '7', '1', '2', '9', 'Untitled 東京の夜', 'Plain Album', 'Plain Artist', 0);
		INSERT INTO track_search (rowid, title, artist, album) SELECT rowid, title, artist_title, album_title FROM tracks;
		INSERT INTO track_search_cjk (rowid, title, artist, album) SELECT rowid, title, artist_title, album_title FROM tracks
			WHERE title || artist_title || album_title GLOB '*`+cjkClass+`*';
		INSERT INTO album_search (rowid, title, artist) SELECT rowid, title, artist_title FROM albums;
		INSERT INTO artist_search (rowid, title) SELECT rowid, title FROM artists;
		DELETE FROM search_queue`); err != nil {
		t.Fatal(err)
	}
	d := &DB{path: path, w: w, r: openPool(readerDSN(path), 2)}
	defer d.r.Close()
	if got, err := d.Tracks(ctx, TrackFilter{Search: "zebra"}); err != nil || len(got) != 0 {
		t.Fatalf("before the upgrade, zebra finds %d tracks (%v): the old index is not as it was", len(got), err)
	}
	if _, err := migrateFS(ctx, w, migrations.FS); err != nil {
		t.Fatal(err)
	}
	for search, want := range map[string]int{"zebra": 1, "🦄": 1, "🔥": 1, "fire 🔥": 1, "fire": 2, "東京": 2, "untitled 京の": 1, "♫": 3,
		"〽️": 1, "〽": 1, "🐙 part": 1, "🚗": 0} {
		got, err := d.Tracks(ctx, TrackFilter{Search: search})
		if err != nil || len(got) != want {
			t.Errorf("tracks %q after the upgrade: %d, %v; want %d", search, len(got), err, want)
		}
	}
	if got, err := d.Artists(ctx, ArtistFilter{Search: "🐙"}); err != nil || len(got) != 1 {
		t.Errorf("artists 🐙 after the upgrade: %v %v", got, err)
	}
	if got, err := d.Albums(ctx, AlbumFilter{Search: "🌊"}); err != nil || len(got) != 1 {
		t.Errorf("albums 🌊 after the upgrade: %v %v", got, err)
	}
	// The indexes are as a fresh drain writes them: same rows, same
	// totals (what bm25 ranks by).
	for _, q := range searchQueues {
		var words, cjk []string
		for i, c := range q.src {
			words = append(words, searchWordsFunc+"("+c+")")
			cjk = append(cjk, searchRunsFunc+"("+c+") AS "+q.dst[i])
		}
		cols := strings.Join(q.dst, ", ")
		if _, err := w.ExecContext(ctx, `CREATE VIRTUAL TABLE temp.ref USING fts5(`+cols+`, tokenize='unicode61 remove_diacritics 2');
			INSERT INTO temp.ref (rowid, `+cols+`) SELECT rowid, `+strings.Join(words, ", ")+` FROM `+q.table+`;
			CREATE TABLE temp.ref_cjk AS SELECT rowid AS id, `+strings.Join(cjk, ", ")+` FROM `+q.table+`
				WHERE `+strings.Join(q.src, " || ")+` GLOB '*`+trigramClass+`*'`); err != nil {
			t.Fatal(err)
		}
		var kept, fresh []byte
		if err := w.QueryRowContext(ctx, `SELECT (SELECT block FROM `+q.words+`_data WHERE id = 1), (SELECT block FROM temp.ref_data WHERE id = 1)`).Scan(&kept, &fresh); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(kept, fresh) {
			t.Errorf("%s totals %x, a fresh index %x", q.words, kept, fresh)
		}
		var differ int
		if err := w.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (SELECT rowid, `+cols+` FROM `+q.cjk+` EXCEPT SELECT * FROM temp.ref_cjk))
			+ (SELECT count(*) FROM (SELECT * FROM temp.ref_cjk EXCEPT SELECT rowid, `+cols+` FROM `+q.cjk+`))`).Scan(&differ); err != nil {
			t.Fatal(err)
		}
		if differ != 0 {
			t.Errorf("%s: %d rows differ from a fresh drain's", q.cjk, differ)
		}
		if _, err := w.ExecContext(ctx, `DROP TABLE temp.ref; DROP TABLE temp.ref_cjk`); err != nil {
			t.Fatal(err)
		}
	}
}

// migratedUpTo is a new database with every migration before the one whose
// name ends in suffix (found by name, so renumbering does not matter), and
// its writer pool, closed when the test ends.
func migratedUpTo(t *testing.T, suffix string) (string, *sql.DB) {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	found := false
	for _, n := range names {
		if strings.HasSuffix(n, suffix) {
			found = true
			break
		}
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		before[n] = &fstest.MapFile{Data: b}
	}
	if !found {
		t.Fatalf("no *%s migration", suffix)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	w := openPool(writerDSN(path), 1)
	t.Cleanup(func() { w.Close() })
	if _, err := migrateFS(t.Context(), w, before); err != nil {
		t.Fatal(err)
	}
	return path, w
}

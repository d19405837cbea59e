package db

import (
	"context"
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
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	found := false
	for _, n := range names {
		if strings.HasSuffix(n, "_query.sql") {
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
		t.Fatal("no *_query.sql migration")
	}
	path := filepath.Join(t.TempDir(), "old.db")
	w := openPool(writerDSN(path), 1)
	defer w.Close()
	if _, err := migrateFS(ctx, w, before); err != nil {
		t.Fatal(err)
	}
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

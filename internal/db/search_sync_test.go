package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// syncedFake is a fake Plex synced into a database file by the real sync.
type syncedFake struct {
	fake    *plextest.Fake
	db      *db.DB
	syncer  *mirror.Syncer
	servers []*plex.Server
}

func newMirror(tb testing.TB, fo plextest.Options, path string) *syncedFake {
	tb.Helper()
	f, err := plextest.Start(fo)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(f.Close)
	return attachMirror(tb, f, path)
}

func attachMirror(tb testing.TB, f *plextest.Fake, path string) *syncedFake {
	tb.Helper()
	d, err := db.Open(context.Background(), path, db.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = d.Close() })
	c, err := plex.New(plex.Options{
		TVURL: f.TVURL(), ClientsURL: f.ClientsURL(), RootCAs: f.RootCAs(),
		Identity:     plex.Identity{Product: "PlexM8 test", Version: "test", ClientID: "test-client", DeviceName: "test"},
		MaxRetryWait: time.Millisecond,
	})
	if err != nil {
		tb.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(1_800_000_000)
	m := &syncedFake{fake: f, db: d}
	m.syncer = mirror.New(d, c, mirror.Options{PageSize: 1000, Now: func() time.Time { return time.Unix(clock.Add(1), 0) }})
	if m.servers, err = m.syncer.Servers(context.Background(), secret.New(f.AccountToken()), nil, nil); err != nil {
		tb.Fatal(err)
	}
	return m
}

func (m *syncedFake) sync(tb testing.TB, full bool) {
	tb.Helper()
	for _, s := range m.servers {
		if _, err := m.syncer.Server(context.Background(), s, full); err != nil {
			tb.Fatalf("sync %s: %v", s.Resource().Name, err)
		}
	}
}

func keys(tb testing.TB, d *db.DB, f db.TrackFilter) []string {
	tb.Helper()
	ts, err := d.Tracks(context.Background(), f)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ServerID + "/" + t.RatingKey
	}
	return out
}

// indexState sums up the word index's storage: it moves when FTS5 writes.
func indexState(t *testing.T, d *db.DB) string {
	t.Helper()
	var n, maxID, size int64
	if err := d.R().QueryRow(`SELECT count(*), max(id), sum(length(block)) FROM track_search_data`).Scan(&n, &maxID, &size); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d blocks, max id %d, %d bytes", n, maxID, size)
}

// TestSearchIndexFollowsSync mutates the library through several
// incremental syncs: the trigger-kept indexes answer exactly like indexes
// built afresh from the tracks, and a sync that changes nothing does not
// write to them at all (they are never rebuilt).
func TestSearchIndexFollowsSync(t *testing.T) {
	m := newMirror(t, plextest.Options{Seed: 11, Tracks: 600}, filepath.Join(t.TempDir(), "m.db"))
	m.sync(t, false)
	quiet := indexState(t, m.db)
	m.sync(t, false)
	m.sync(t, true)
	if got := indexState(t, m.db); got != quiet {
		t.Fatalf("syncs that changed nothing wrote the index: %s, then %s", quiet, got)
	}

	s := m.fake.Owned()
	tracks, albums, artists := s.Tracks("1"), s.Albums("1"), s.Artists("1")
	s.EditTrack(tracks[3].RatingKey, func(tr *plextest.Track) { tr.Title = "Ünïcode Wanderer 東京タワー" })
	s.RenameArtist(artists[2].RatingKey, "Sigur Rós Tribute")
	s.RenameAlbum(albums[4].RatingKey, "Ágætis byrjun")
	s.RemoveTrack(tracks[10].RatingKey)
	s.RemoveAlbum(albums[6].RatingKey)
	s.AddTrack(albums[1].RatingKey, "Brand New Beyoncé Cover")
	m.sync(t, false)
	edited := indexState(t, m.db)

	// The reference: the same indexes built from scratch, on the writer
	// (TEMP tables live on its connection only).
	w := m.db.W()
	if _, err := w.Exec(`CREATE VIRTUAL TABLE temp.ref USING fts5(title, artist, album, tokenize='unicode61 remove_diacritics 2');
		INSERT INTO temp.ref (rowid, title, artist, album) SELECT rowid, title, artist_title, album_title FROM tracks;
		CREATE VIRTUAL TABLE temp.ref_cjk USING fts5(title, artist, album, tokenize='trigram remove_diacritics 1');
		INSERT INTO temp.ref_cjk (rowid, title, artist, album) SELECT rowid, title, artist_title, album_title FROM tracks`); err != nil {
		t.Fatal(err)
	}
	rowids := func(q string, args ...any) []int64 {
		t.Helper()
		rows, err := w.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		slices.Sort(out)
		return out
	}
	for _, term := range []string{`"sigur"`, `"ros"* "tribute"`, `"agaetis"`, `"unicode" "wanderer"`, `"beyonce"`, `"love"*`,
		`"night"`, `artist : "keys"`, `album : "the"*`, `"東京タワー"`} {
		got := rowids(`SELECT rowid FROM track_search WHERE track_search MATCH ?`, term)
		want := rowids(`SELECT rowid FROM temp.ref WHERE ref MATCH ?`, term)
		if !slices.Equal(got, want) {
			t.Errorf("word index %s: %d rows, a fresh index %d", term, len(got), len(want))
		}
	}
	for _, term := range []string{`"東京タ"`, `"龍一"`, `"坂本龍"`, `"の夜"`} {
		got := rowids(`SELECT rowid FROM track_search_cjk WHERE track_search_cjk MATCH ?`, term)
		want := rowids(`SELECT rowid FROM temp.ref_cjk WHERE ref_cjk MATCH ?`, term)
		if !slices.Equal(got, want) {
			t.Errorf("trigram index %s: %d rows, a fresh index %d", term, len(got), len(want))
		}
	}
	if got := keys(t, m.db, db.TrackFilter{Search: "wanderer 東京"}); len(got) != 1 {
		t.Errorf("the edited track: %v", got)
	}
	if got := keys(t, m.db, db.TrackFilter{Search: "beyonce"}); len(got) != 1 {
		t.Errorf("the added track: %v", got)
	}
	if got := keys(t, m.db, db.TrackFilter{Artist: "tribute", Removed: true}); len(got) != 0 {
		t.Errorf("removed tracks of the renamed artist: %v", got)
	}
	if got := keys(t, m.db, db.TrackFilter{Search: tracks[10].Title, Removed: true}); !slices.Contains(got, m.servers[0].Resource().ClientIdentifier+"/"+tracks[10].RatingKey) {
		t.Errorf("the removed track is not found with Removed: %v", got)
	}
	if edited == quiet {
		t.Error("the index did not change with the library")
	}
}

// TestSearchSurvivesVacuumAndBackup: the indexes are keyed by rowid, which
// VACUUM keeps for tables with an index (as tracks, albums and artists
// have); a backup (VACUUM INTO) answers the same searches.
func TestSearchSurvivesVacuumAndBackup(t *testing.T) {
	dir := t.TempDir()
	m := newMirror(t, plextest.Options{Seed: 12, Tracks: 400}, filepath.Join(dir, "m.db"))
	m.sync(t, true)
	s := m.fake.Owned()
	for _, tr := range s.Tracks("1")[:40] {
		s.RemoveTrack(tr.RatingKey)
	}
	m.sync(t, true)
	searches := []db.TrackFilter{{Search: "love"}, {Search: "night star"}, {Artist: "björk"}, {Search: "龍一"}, {Search: "the", Removed: true}}
	var before [][]string
	for _, f := range searches {
		before = append(before, keys(t, m.db, f))
	}
	if _, err := m.db.W().Exec(`DELETE FROM tracks WHERE removed_at IS NOT NULL AND rowid % 2 = 0; VACUUM`); err != nil {
		t.Fatal(err)
	}
	before[len(before)-1] = keys(t, m.db, searches[len(searches)-1]) // deleted rows left the index too
	for i, f := range searches {
		if got := keys(t, m.db, f); !slices.Equal(got, before[i]) || (i < 3 && len(got) == 0) {
			t.Errorf("after VACUUM, %+v finds %d tracks, before %d", f, len(got), len(before[i]))
		}
	}
	backup := filepath.Join(dir, "backup.db")
	if err := m.db.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	b, err := db.Open(context.Background(), backup, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for i, f := range searches {
		if got := keys(t, b, f); !slices.Equal(got, before[i]) {
			t.Errorf("in the backup, %+v finds %d tracks, the mirror %d", f, len(got), len(before[i]))
		}
	}
}

// TestBroadSearch: past the rank cap, a search returns the same tracks,
// title hits first, and a limit takes a prefix of that order.
func TestBroadSearch(t *testing.T) {
	m := newMirror(t, plextest.Options{Seed: 13, Tracks: 500}, filepath.Join(t.TempDir(), "m.db"))
	m.sync(t, true)
	ctx := context.Background()
	for _, f := range []db.TrackFilter{{Search: "love"}, {Search: "the", Album: "the"}, {Search: "龍一"}, {Search: "e"}} {
		ranked := keys(t, m.db, f)
		restore := db.SetRankCap(3)
		broad, err := m.db.Tracks(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		lf := f
		lf.Limit = 4
		limited := keys(t, m.db, lf)
		restore()
		if len(ranked) <= 3 {
			t.Fatalf("%+v finds only %d tracks: no test of the cap", f, len(ranked))
		}
		var got []string
		inTitle := true
		for _, tr := range broad {
			got = append(got, tr.ServerID+"/"+tr.RatingKey)
			first := strings.Fields(f.Search)[0]
			hit := slices.ContainsFunc(strings.FieldsFunc(strings.ToLower(tr.Title.String), func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsNumber(r)
			}), func(w string) bool { return strings.HasPrefix(w, first) })
			if hit && !inTitle && !strings.ContainsFunc(f.Search, func(r rune) bool { return r > 0x2E80 }) {
				t.Errorf("%+v: title hit %q after other hits", f, tr.Title.String)
			}
			inTitle = inTitle && hit
		}
		if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(ranked))) {
			t.Errorf("%+v: broad finds %d tracks, ranked %d", f, len(got), len(ranked))
		}
		if !slices.Equal(limited, got[:4]) {
			t.Errorf("%+v: limit 4 gives %v, not the first of %v", f, limited, got[:4])
		}
	}
}

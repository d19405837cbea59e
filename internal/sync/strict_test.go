package sync_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// Tests of the places where a real server is less kind than a naive fake.
// Each runs against the strict fake of newEnv.

// Two servers number their items from the same start, so many rating keys
// name an item on both. Each server's rows must stay its own through
// mirroring, queries and incremental changes.
func TestCoincidingKeysStayApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 31, Tracks: 80, SharedTracks: 40}, opts())
	o, sh := e.fake.Owned(), e.fake.Shared()
	var both []string // keys that are a track on both servers
	for _, tr := range sh.Tracks("1") {
		if _, ok := o.Track(tr.RatingKey); ok {
			both = append(both, tr.RatingKey)
		}
	}
	if len(both) < 10 {
		t.Fatalf("only %d rating keys name a track on both servers; the fake must number servers alike", len(both))
	}
	e.sync(true, false)
	assertMirror(t, e.db, e.fake)
	assertPlaylistJoins(t, e)
	k := both[3]
	if n := count(t, e.db, `SELECT count(DISTINCT server_id) FROM tracks WHERE rating_key = ?`, k); n != 2 {
		t.Fatalf("key %s is mirrored for %d servers, want 2", k, n)
	}

	// Changes on one server leave the other's rows of the same keys alone.
	o.RemoveTrack(k)
	o.EditTrack(both[4], func(tr *plextest.Track) { tr.Title = "Owned edit" })
	sh.EditTrack(both[5], func(tr *plextest.Track) { tr.Title = "Shared edit" })
	ownedArtist := o.Artists("1")[0].RatingKey
	if !slices.ContainsFunc(sh.Artists("1"), func(a plextest.Artist) bool { return a.RatingKey == ownedArtist }) {
		t.Fatalf("artist key %s is not on both servers", ownedArtist)
	}
	o.RenameArtist(ownedArtist, "Owned's renamed artist")
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	assertPlaylistJoins(t, e)
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND rating_key = ? AND removed_at IS NULL`, sh.MachineID(), k); n != 1 {
		t.Fatal("removing a track on one server removed the other server's track of the same key")
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND rating_key = ? AND removed_at IS NOT NULL`, o.MachineID(), k); n != 1 {
		t.Fatal("the removed track is not marked removed")
	}
}

// assertPlaylistJoins runs docs/schema.md's join of playlist items to tracks for
// every playlist of every server and compares the titles with the fake.
func assertPlaylistJoins(t *testing.T, e *env) {
	t.Helper()
	for _, s := range e.fake.Servers() {
		for _, p := range s.Playlists() {
			if p.PlaylistType != "audio" {
				continue
			}
			var want []string
			for i, it := range s.PlaylistItems(p.RatingKey) {
				tr, _ := s.Track(it.TrackRatingKey)
				want = append(want, row(i, tr.Title, tr.SectionKey))
			}
			got := dbRows(t, e.db, `SELECT i.position, t.title, t.section_key FROM playlist_items i
				JOIN playlists p ON p.server_id = i.server_id AND p.rating_key = i.playlist_rating_key
				LEFT JOIN tracks t ON t.server_id = i.server_id AND t.rating_key = i.track_rating_key
				WHERE i.server_id = ? AND i.playlist_rating_key = ?`, s.MachineID(), p.RatingKey)
			sameRows(t, "joined items of "+s.Name()+"'s "+p.Title, got, want)
		}
	}
}

// Edits in the second of the last read leave every stamp as stored: a
// playlist reorder keeps updatedAt, leafCount and duration, and a second
// rename keeps the album's (newest) updatedAt. The next incremental pass must
// still see them, and once the server's clock has moved on, passes become
// cheap again.
func TestEditInTheSecondOfTheLastRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 32, Tracks: 100, SecondTracks: 24}, opts())
	e.sync(true, false)
	o := e.fake.Owned()
	p := playlistByTitle(t, o, "Road Trip 🚗")
	album := o.Albums("4")[1].RatingKey
	o.MovePlaylistItem(p.RatingKey, 0, 2)
	o.RenameAlbum(album, "First rename")
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	first := playlistByTitle(t, o, "Road Trip 🚗")

	// The same second again: nothing a signature holds can move.
	o.MovePlaylistItem(p.RatingKey, 1, 3)
	o.RenameAlbum(album, "Second rename")
	if after := playlistByTitle(t, o, "Road Trip 🚗"); after.UpdatedAt != first.UpdatedAt ||
		after.LeafCount != first.LeafCount || after.Duration != first.Duration {
		t.Fatalf("test setup: the reorder moved a playlist signal: %+v vs %+v", after, first)
	}
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)

	// Time passes: one more pass settles the signatures, then a pass is cheap.
	e.fake.Advance(time.Minute)
	e.sync(false, false)
	e.fake.ResetRequests()
	res := e.sync(false, false)
	for _, r := range e.fake.Requests() {
		if r.Query.Get("sort") != "updatedAt:desc" && strings.HasSuffix(r.Path, "/all") || strings.HasSuffix(r.Path, "/items") {
			t.Fatalf("a settled pass listed %s %v", r.Path, r.Query)
		}
	}
	if res[0].Skipped == 0 {
		t.Fatal("a settled pass skipped nothing")
	}
	assertMirror(t, e.db, e.fake)
}

func playlistByTitle(t *testing.T, s *plextest.Server, title string) plextest.Playlist {
	t.Helper()
	for _, p := range s.Playlists() {
		if p.Title == title {
			return p
		}
	}
	t.Fatalf("no playlist %q on %s", title, s.Name())
	return plextest.Playlist{}
}

// Real servers omit a zero leafCount or duration: the mirror stores NULL,
// never an invented 0, also when a playlist is emptied.
func TestEmptyPlaylistIsNull(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 33, Tracks: 60}, opts())
	e.sync(true, false)
	o := e.fake.Owned()
	empty := playlistByTitle(t, o, "Empty").RatingKey
	emptied := playlistByTitle(t, o, "Same Song Twice").RatingKey
	o.SetPlaylistItems(emptied, nil)
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	for _, k := range []string{empty, emptied} {
		got := dbRows(t, e.db, `SELECT item_count, duration_ms FROM playlists WHERE server_id = ? AND rating_key = ?`, o.MachineID(), k)
		if len(got) != 1 || got[0] != row(nil, nil) {
			t.Fatalf("empty playlist %s stored as %v, want item_count and duration_ms NULL", k, got)
		}
	}
	if n := count(t, e.db, `SELECT count(*) FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`, o.MachineID(), emptied); n != 0 {
		t.Fatalf("the emptied playlist kept %d items", n)
	}
}

// A second music section is mirrored beside the first, a playlist spans
// both, and a change in one section leaves the other unlisted. Pages are
// short all along (the strict fake serves fewer items than asked).
func TestSecondSectionAndSpanningPlaylist(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 34, Tracks: 100, SecondTracks: 40}, opts())
	if max := e.fake.Options().MaxPageSize; max >= opts().PageSize {
		t.Fatalf("the fake serves pages of %d, not fewer than the %d asked", max, opts().PageSize)
	}
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	assertPlaylistJoins(t, e)
	o := e.fake.Owned()
	both := playlistByTitle(t, o, "Both Libraries").RatingKey
	got := dbRows(t, e.db, `SELECT DISTINCT t.section_key FROM playlist_items i
		JOIN tracks t ON t.server_id = i.server_id AND t.rating_key = i.track_rating_key
		WHERE i.server_id = ? AND i.playlist_rating_key = ?`, o.MachineID(), both)
	sameRows(t, "sections of Both Libraries", got, []string{row("1"), row("4")})

	// Remove a section-4 track the playlist holds: the playlist and that
	// section are refetched, section 1 is only probed.
	var victim string
	for _, it := range o.PlaylistItems(both) {
		if tr, _ := o.Track(it.TrackRatingKey); tr.SectionKey == "4" {
			victim = it.TrackRatingKey
			break
		}
	}
	o.RemoveTrack(victim)
	e.fake.ResetRequests()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	assertPlaylistJoins(t, e)
	listed := 0
	for _, r := range e.fake.Requests() {
		if size := r.Query.Get("X-Plex-Container-Size"); r.Path == "/library/sections/1/all" && size != "0" && size != "1" {
			t.Fatalf("section 1 was listed although only section 4 changed: %v", r.Query)
		}
		if size := r.Query.Get("X-Plex-Container-Size"); r.Path == "/library/sections/4/all" && size != "0" && size != "1" {
			listed++
		}
	}
	// The first pass learnt the fake's page cap, so this one asks for pages
	// of that size instead of starting over from short ones.
	if listed == 0 {
		t.Fatal("section 4 was not listed")
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND section_key = '4' AND rating_key = ? AND removed_at IS NOT NULL`, o.MachineID(), victim); n != 1 {
		t.Fatal("the removed track of section 4 is not marked removed")
	}
}

// An edit that moves no stamp of its section (whether PMS moves them is
// unverified) is still seen within one incremental pass, through the
// newest-first probe, at the price of today's count probes.
func TestEditMovingNoSectionStampIsSeen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 35, Tracks: 100}, opts())
	e.sync(true, false)
	e.fake.Advance(time.Minute) // a later second: only the section stamps are at stake
	o := e.fake.Owned()
	before := o.Sections()
	o.EditTrack(o.Tracks("1")[50].RatingKey, func(tr *plextest.Track) { tr.Title = "Retitled quietly" })
	o.RenameArtist(o.Artists("4")[0].RatingKey, "Quietly renamed")
	if after := o.Sections(); !slices.Equal(before, after) {
		t.Fatal("test setup: the edits moved section stamps")
	}
	e.fake.ResetRequests()
	res := e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	if res[0].Counts["tracks"].Updated == 0 {
		t.Fatalf("no track updated: %s", fmtCounts(res[0]))
	}
	var probes int
	for _, r := range e.fake.Requests() {
		// The delta pages newest first too; a probe asks for one item.
		if r.Query.Get("sort") == "updatedAt:desc" && r.Query.Get("X-Plex-Container-Size") == "1" {
			probes++
		}
	}
	// Three probes per music section of each server, as many as counts were.
	if want := 3 * (3 + 1); probes != want {
		t.Fatalf("%d newest-first probes, want %d", probes, want)
	}
}

// Passes over two servers whose keys coincide, started side by side, run one
// after the other: the listing's key set and the playlist stage are TEMP
// tables that name no server, so interleaved passes would count, keep or mark
// removed each other's rows.
func TestPassesOfCoincidingServersDoNotInterleave(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 36, Tracks: 100, SharedTracks: 40}, completeOpts())
	e.sync(true, false)
	o, sh := e.fake.Owned(), e.fake.Shared()
	o.RemoveTrack(o.Tracks("1")[7].RatingKey)
	sh.RemoveTrack(sh.Tracks("1")[9].RatingKey)
	e.fake.ResetRequests()
	var shared *mirror.Result
	var sharedErr error
	done := make(chan struct{})
	// While the owned server's tracks are listed, the shared server's pass
	// is started.
	e.fake.Inject(plextest.Fault{Host: o.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Times: 1,
		Before: func() {
			go func() {
				defer close(done)
				shared, sharedErr = e.syncer.Server(context.Background(), e.servers[1], false)
			}()
		}})
	if _, err := e.syncer.Server(context.Background(), e.servers[0], false); err != nil {
		t.Fatal(err)
	}
	<-done
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	lastOwned, firstShared := -1, -1
	for i, r := range e.fake.Requests() {
		switch {
		// A connection probe the owned pass no longer waited for may land
		// late; it reads nothing.
		case r.Host == o.MachineID() && r.Path != "/identity":
			lastOwned = i
		case r.Host == sh.MachineID() && firstShared < 0:
			firstShared = i
		}
	}
	if firstShared < lastOwned {
		t.Fatalf("the shared server's pass began (request %d) before the owned one's ended (request %d)", firstShared, lastOwned)
	}
	if shared.Counts["tracks"].Removed != 1 {
		t.Fatalf("shared pass removed %d tracks, want 1", shared.Counts["tracks"].Removed)
	}
	assertMirror(t, e.db, e.fake)
}

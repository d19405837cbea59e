package sync_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// The playlist listing is held to the same checks as a section's. A
// playlist created before the page boundary and another deleted after it,
// between two pages, leave totalSize alone and shift the rest by one: a
// playlist is listed twice and one not at all. The listing is reported
// inconsistent and trusted for no removal; the next pass sets all right.
func TestPlaylistShiftDuringListingIsInconsistent(t *testing.T) {
	o := opts()
	o.PageSize, o.Concurrency = 2, 1 // small pages in order
	e := newEnv(t, plextest.Options{Seed: 25, Tracks: 120}, o)
	s := e.fake.Owned()
	last := s.CreatePlaylist("zzzz sorts last", []string{s.Tracks("1")[0].RatingKey})
	e.sync(true, false)

	secondPage := func(r *http.Request) bool {
		return r.URL.Path == "/playlists" && r.URL.Query().Get("X-Plex-Container-Start") == "2"
	}
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/playlists", Match: secondPage, Times: 1, Before: func() {
		s.CreatePlaylist("!!! sorts first", []string{s.Tracks("1")[1].RatingKey})
		s.DeletePlaylist(last)
	}})
	res := e.sync(false, true)
	if !errors.Is(res[0].Err(), plex.ErrInconsistent) {
		t.Fatalf("a playlist listing that shifted was not reported inconsistent: %v", res[0].Err())
	}
	if n := count(t, e.db, `SELECT count(*) FROM playlists WHERE removed_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d playlists marked removed from a listing that shifted", n)
	}
	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	if n := count(t, e.db, `SELECT count(*) FROM playlists WHERE removed_at IS NOT NULL AND rating_key = ?`, last); n != 1 {
		t.Fatal("the deleted playlist was not marked removed by the next pass")
	}
}

// The mirror image of the shift above: a playlist deleted before the page
// boundary and another created after it, between two pages, keep totalSize
// and the distinct count equal, yet the playlist that slid back across the
// boundary is met by no page. Only the server can tell a playlist the
// listing missed from one that is gone: none may be marked removed, nor
// given a "deleted" version, unless the server says it no longer exists.
func TestPlaylistSwapAcrossPageBoundaryRemovesNothingWrongly(t *testing.T) {
	o := opts()
	o.PageSize, o.Concurrency = 2, 1 // small pages in order
	e := newEnv(t, plextest.Options{Seed: 26, Tracks: 120}, o)
	s := e.fake.Owned()
	first := s.CreatePlaylist("!!! sorts first", []string{s.Tracks("1")[0].RatingKey})
	e.sync(true, false)
	before := count(t, e.db, `SELECT count(*) FROM playlists WHERE removed_at IS NULL`)

	secondPage := func(r *http.Request) bool {
		return r.URL.Path == "/playlists" && r.URL.Query().Get("X-Plex-Container-Start") == "2"
	}
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/playlists", Match: secondPage, Times: 1, Before: func() {
		s.DeletePlaylist(first)
		s.CreatePlaylist("zzzz sorts last", []string{s.Tracks("1")[1].RatingKey})
	}})
	res := e.sync(false, true)
	if err := res[0].Err(); !errors.Is(err, plex.ErrInconsistent) {
		t.Fatalf("a listing that missed a live playlist was not reported inconsistent: %v", err)
	}
	if n := count(t, e.db, `SELECT count(*) FROM playlists WHERE removed_at IS NOT NULL AND rating_key != ?`, first); n != 0 {
		t.Fatalf("%d live playlists marked removed from a listing that swapped across a page boundary", n)
	}
	if n := count(t, e.db, `SELECT count(*) FROM playlist_versions WHERE state = 'deleted' AND playlist_rating_key != ?`, first); n != 0 {
		t.Fatalf("history holds %d \"deleted\" versions of playlists that were never deleted", n)
	}
	if n := count(t, e.db, `SELECT count(*) FROM playlists WHERE removed_at IS NULL`); n < before-1 {
		t.Fatalf("%d playlists current after the swapped listing, want at least %d", n, before-1)
	}
	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	if n := count(t, e.db, `SELECT count(*) FROM playlists WHERE removed_at IS NOT NULL AND rating_key = ?`, first); n != 1 {
		t.Fatal("the deleted playlist was not marked removed by the next pass")
	}
	if n := count(t, e.db, `SELECT count(*) FROM playlist_versions WHERE state = 'deleted'`); n != 1 {
		t.Fatalf("%d deleted versions after the next pass, want 1 (the playlist really deleted)", n)
	}
}

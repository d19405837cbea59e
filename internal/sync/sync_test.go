package sync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

var smallLib = plextest.Options{Tracks: 240, SharedTracks: 30}

func opts() mirror.Options { return mirror.Options{PageSize: 37, Concurrency: 3, BatchRows: 100} }

// completeOpts are opts for tests of the complete listing: they fault its
// later pages, which a delta would not ask for.
func completeOpts() mirror.Options {
	o := opts()
	o.CompleteListings = true
	return o
}

func TestFullSyncEqualsFake(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{1, 2, 3} {
		t.Run("seed"+string(rune('0'+seed)), func(t *testing.T) {
			t.Parallel()
			fo := smallLib
			fo.Seed = seed
			e := newEnv(t, fo, opts())
			res := e.sync(true, false)
			assertMirror(t, e.db, e.fake)
			o := e.fake.Owned()
			if got, want := res[0].Counts["tracks"].Added, len(o.Tracks("1"))+len(o.Tracks("4")); got != want {
				t.Fatalf("tracks added = %d, want %d (both music sections)", got, want)
			}
			if n := count(t, e.db, `SELECT count(*) FROM sync_runs WHERE status = 'ok' AND kind = 'full'`); n != len(e.servers) {
				t.Fatalf("ok full runs = %d, want %d", n, len(e.servers))
			}
			// A second full pass over an unchanged library rewrites nothing.
			for _, r := range e.sync(true, false) {
				if tot := r.Totals(); tot != (mirror.Counts{}) {
					t.Fatalf("unchanged full re-sync of %s changed %s", r.Server, fmtCounts(r))
				}
			}
			assertMirror(t, e.db, e.fake)
		})
	}
}

func TestIncrementalFollowsMutations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 7, Tracks: 300, SharedTracks: 20}, opts())
	e.sync(false, false) // the first incremental pass is a full reconcile
	assertMirror(t, e.db, e.fake)

	s := e.fake.Owned()
	tracks := s.Tracks("1")
	albums := s.Albums("1")
	artists := s.Artists("1")
	s.AddTrack(albums[0].RatingKey, "A brand new track ✨")
	s.RemoveTrack(tracks[5].RatingKey)
	s.RemoveTrack(tracks[6].RatingKey)
	s.EditTrack(tracks[7].RatingKey, func(tr *plextest.Track) { tr.Title = "Edited title" })
	s.RenameArtist(artists[1].RatingKey, "Renamed Artist")
	s.RenameAlbum(albums[2].RatingKey, "Renamed Album")
	s.RemoveAlbum(albums[3].RatingKey)
	pl := s.CreatePlaylist("Fresh mix", []string{tracks[10].RatingKey, tracks[11].RatingKey, tracks[10].RatingKey})
	var dumb plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart && p.LeafCount > 3 && p.RatingKey != pl {
			dumb = p
			break
		}
	}
	s.MovePlaylistItem(dumb.RatingKey, 0, 2)
	s.RenamePlaylist(pl, "Fresh mix (renamed)")

	res := e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	removedTracks := 2 + albums[3].LeafCount
	if got := res[0].Counts["tracks"].Removed; got != removedTracks {
		t.Fatalf("tracks removed = %d, want %d", got, removedTracks)
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); n != removedTracks {
		t.Fatalf("tracks carrying removed_at = %d, want %d", n, removedTracks)
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND rating_key = ? AND removed_at IS NOT NULL`, s.MachineID(), tracks[5].RatingKey); n != 1 {
		t.Fatal("a removed track lost its row instead of carrying removed_at")
	}
	// The renamed artist's title reached its tracks' denormalized column.
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND artist_rating_key = ? AND removed_at IS NULL AND artist_title != 'Renamed Artist'`, s.MachineID(), artists[1].RatingKey); n != 0 {
		t.Fatalf("%d tracks of the renamed artist kept the old title", n)
	}

	// Deleting a playlist marks it removed and keeps its items for history.
	s.DeletePlaylist(pl)
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	if n := count(t, e.db, `SELECT count(*) FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`, s.MachineID(), pl); n != 3 {
		t.Fatalf("items of the deleted playlist = %d, want 3 kept", n)
	}
	if n := count(t, e.db, `SELECT count(*) FROM playlists WHERE server_id = ? AND rating_key = ? AND removed_at IS NOT NULL`, s.MachineID(), pl); n != 1 {
		t.Fatal("deleted playlist not marked removed")
	}

	// A full pass afterwards finds nothing more to do.
	for _, r := range e.sync(true, false) {
		tot := r.Totals()
		if tot.Added != 0 || tot.Removed != 0 || tot.Updated != 0 {
			t.Fatalf("full pass after incremental changed %s: incremental missed something", fmtCounts(r))
		}
	}
	assertMirror(t, e.db, e.fake)
}

func TestNoChangeSyncIsCheap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 3, Tracks: 500}, opts())
	e.sync(true, false)
	e.fake.ResetRequests()
	res := e.sync(false, false)
	for _, r := range res {
		if tot := r.Totals(); tot != (mirror.Counts{}) {
			t.Fatalf("no-change sync of %s changed %s", r.Server, fmtCounts(r))
		}
	}
	sections, playlists := 0, 0
	for _, s := range e.fake.Servers() {
		sections += len(s.Sections())
		playlists += len(s.Playlists())
	}
	budget := 3*sections + playlists + 10
	if n := len(e.fake.Requests()); n > budget {
		t.Fatalf("no-change sync made %d requests, budget %d", n, budget)
	}
	for _, r := range e.fake.Requests() {
		// The connection chosen on the first pass is kept.
		if r.Path == "/identity" {
			t.Fatalf("no-change sync probed the connections again: %s %s", r.Conn, r.Path)
		}
		// A change probe asks for no item or one (newest first); a listing
		// for more.
		probe := r.Query.Get("X-Plex-Container-Size") == "0" ||
			r.Query.Get("X-Plex-Container-Size") == "1" && r.Query.Get("sort") == "updatedAt:desc"
		if strings.HasSuffix(r.Path, "/all") && !probe {
			t.Fatalf("no-change sync listed a section: %s %v", r.Path, r.Query)
		}
	}
	assertMirror(t, e.db, e.fake)
}

// sectionTracks matches track listing pages of section 1 after the first.
func laterTrackPages(r *http.Request) bool {
	q := r.URL.Query()
	start := q.Get("X-Plex-Container-Start")
	if start == "" {
		start = r.Header.Get("X-Plex-Container-Start")
	}
	return q.Get("type") == "10" && start != "" && start != "0"
}

func TestFailedPageRemovesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 11, Tracks: 300}, completeOpts())
	e.sync(true, false)
	s := e.fake.Owned()
	s.RemoveTrack(s.Tracks("1")[20].RatingKey)
	s.EditTrack(s.Tracks("1")[30].RatingKey, func(tr *plextest.Track) { tr.Title = "changed meanwhile" })
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Skip: 2, Status: http.StatusInternalServerError})

	res := e.sync(false, true)
	if len(res[0].Problems) == 0 {
		t.Fatal("a failed page did not make the run partial")
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d tracks marked removed from an incomplete listing", n)
	}
	if st := runStatus(t, e, res[0].RunID); st != "partial" {
		t.Fatalf("run status = %q, want partial", st)
	}
	// The other section and the playlists were still mirrored.
	if n := count(t, e.db, `SELECT count(*) FROM playlists WHERE server_id = ?`, s.MachineID()); n != len(s.Playlists()) {
		t.Fatalf("playlists = %d, want %d despite the failed section", n, len(s.Playlists()))
	}

	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); n != 1 {
		t.Fatalf("after recovery %d tracks removed, want 1", n)
	}
}

func TestDriftingTotalRemovesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 12, Tracks: 300}, completeOpts())
	e.sync(true, false)
	s := e.fake.Owned()
	victims := s.Tracks("1")
	s.RemoveTrack(victims[0].RatingKey) // moves the signals, so the section is re-listed
	// While the listing runs, another track disappears: totalSize drifts.
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Times: 1,
		Before: func() { s.RemoveTrack(victims[100].RatingKey) }})
	res := e.sync(false, true)
	err := res[0].Err()
	if !errors.Is(err, plex.ErrInconsistent) {
		t.Fatalf("drift not reported as inconsistent: %v", err)
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d tracks marked removed from an inconsistent listing", n)
	}
	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
}

func TestFailedPlaylistKeepsItsItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 13, Tracks: 200}, opts())
	e.sync(true, false)
	s := e.fake.Owned()
	var a, b plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart && p.LeafCount > 2 {
			if a.RatingKey == "" {
				a = p
			} else if b.RatingKey == "" {
				b = p
			}
		}
	}
	before := dbRows(t, e.db, `SELECT position, track_rating_key FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`, s.MachineID(), a.RatingKey)
	s.MovePlaylistItem(a.RatingKey, 0, 1)
	s.MovePlaylistItem(b.RatingKey, 0, 1)
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/playlists/" + a.RatingKey + "/items", Status: http.StatusInternalServerError})
	res := e.sync(false, true)
	if len(res[0].Problems) != 1 || !strings.Contains(res[0].Err().Error(), a.Title) {
		t.Fatalf("problems = %v, want one naming %q", res[0].Problems, a.Title)
	}
	after := dbRows(t, e.db, `SELECT position, track_rating_key FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`, s.MachineID(), a.RatingKey)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Fatal("items of the failed playlist changed")
	}
	// The other playlist was updated in the same run.
	var want []string
	for i, it := range s.PlaylistItems(b.RatingKey) {
		want = append(want, row(i, it.TrackRatingKey))
	}
	sameRows(t, "items of the healthy playlist", dbRows(t, e.db, `SELECT position, track_rating_key FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`, s.MachineID(), b.RatingKey), want)

	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
}

func TestCancelledRunLeavesLastGoodState(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 14, Tracks: 300}, completeOpts())
	e.sync(true, false)
	s := e.fake.Owned()
	s.RemoveTrack(s.Tracks("1")[3].RatingKey)
	ctx, cancel := context.WithCancel(context.Background())
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Times: 1, Before: cancel})
	r, err := e.syncer.Server(ctx, e.servers[0], false)
	if err == nil {
		t.Fatal("cancelled sync reported success")
	}
	if st := runStatus(t, e, r.RunID); st != "failed" {
		t.Fatalf("cancelled run status = %q, want failed", st)
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d tracks removed by a cancelled run", n)
	}
	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
}

func runStatus(t testing.TB, e *env, id int64) string {
	t.Helper()
	var st string
	if err := e.db.R().QueryRow(`SELECT status FROM sync_runs WHERE id = ?`, id).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func fmtCounts(r *mirror.Result) string {
	var parts []string
	for k, c := range r.Counts {
		if *c != (mirror.Counts{}) {
			parts = append(parts, fmt.Sprintf("%s %+v", k, *c))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "; ")
}

// A server that serves fewer items per page than asked is followed: the
// listing restarts at the size it serves and still comes out whole.
func TestServerCapsPageSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 21, Tracks: 260, MaxPageSize: 25}, opts())
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	s := e.fake.Owned()
	s.RemoveTrack(s.Tracks("1")[40].RatingKey)
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); n != 1 {
		t.Fatalf("removed tracks = %d, want 1", n)
	}
}

func TestRemovedSectionMarksItsItemsRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 22, Tracks: 120}, opts())
	e.sync(false, false)
	s := e.fake.Owned()
	n := len(s.Tracks("1"))
	s.RemoveSection("1")
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
	if got := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND section_key = '1' AND removed_at IS NOT NULL`, s.MachineID()); got != n {
		t.Fatalf("tracks of the removed section carrying removed_at = %d, want %d (rows are kept, not deleted)", got, n)
	}
	if got := count(t, e.db, `SELECT count(*) FROM sections WHERE server_id = ? AND key = '1' AND removed_at IS NOT NULL`, s.MachineID()); got != 1 {
		t.Fatal("removed section not marked removed")
	}
}

// One track removed and one added while a section is listed leave every
// page's total intact, yet shift an item past the pages already served. The
// section's stamps give it away: nothing may be marked removed.
func TestSwapDuringListingRemovesNothing(t *testing.T) {
	t.Parallel()
	o := completeOpts()
	o.Concurrency = 1 // pages in order, so the shift reliably hides an item
	e := newEnv(t, plextest.Options{Seed: 23, Tracks: 300}, o)
	e.sync(true, false)
	s := e.fake.Owned()
	tracks := s.Tracks("1")
	album := s.Albums("1")[0].RatingKey
	s.RemoveTrack(tracks[0].RatingKey) // moves the signals
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/library/sections/1/all", Match: laterTrackPages, Skip: 1, Times: 1,
		Before: func() {
			s.RemoveTrack(tracks[1].RatingKey)
			s.AddTrack(album, "zzzz sorts last")
		}})
	res := e.sync(false, true)
	if !errors.Is(res[0].Err(), plex.ErrInconsistent) {
		t.Fatalf("a listing the library changed under was not reported inconsistent: %v", res[0].Err())
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`); n != 0 {
		t.Fatalf("%d tracks marked removed from a listing the library changed under", n)
	}
	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
}

// A server none of whose connections answers fails its own run and leaves
// its mirror as it was; the other servers are synced as usual.
func TestUnreachableServerFailsAlone(t *testing.T) {
	t.Parallel()
	f, err := plextest.Start(plextest.Options{Seed: 24, Tracks: 60})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	f.Inject(plextest.Fault{Host: f.Shared().MachineID(), Path: "/identity", Status: http.StatusServiceUnavailable})
	e := attachEnv(t, f, t.TempDir()+"/m.db", opts())
	res := e.sync(false, true)
	owned, shared := res[0], res[1]
	if owned.Err() != nil || runStatus(t, e, owned.RunID) != "ok" {
		t.Fatalf("the reachable server's run: %v, %s", owned.Err(), runStatus(t, e, owned.RunID))
	}
	if st := runStatus(t, e, shared.RunID); st != "failed" {
		t.Fatalf("the unreachable server's run is %q, want failed", st)
	}
	var msg string
	if err := e.db.R().QueryRow(`SELECT error FROM sync_runs WHERE id = ?`, shared.RunID).Scan(&msg); err != nil || !strings.Contains(msg, "connect") {
		t.Fatalf("run error %q (%v) does not say it could not connect", msg, err)
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND section_key = '1'`, f.Owned().MachineID()); n != len(f.Owned().Tracks("1")) {
		t.Fatalf("owned server mirrored %d tracks", n)
	}
	// No token reaches the database, its WAL, or a backup of it.
	backup := t.TempDir() + "/backup.db"
	if err := e.db.Backup(context.Background(), backup); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{e.db.Path(), e.db.Path() + "-wal", backup} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{f.AccountToken(), f.Owned().AccessToken(), f.Shared().AccessToken()} {
			if bytes.Contains(b, []byte(tok)) {
				t.Fatalf("%s contains a token", path)
			}
		}
	}
}

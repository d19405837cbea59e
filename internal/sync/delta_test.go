package sync_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// dump is every row of a server's artists, albums and tracks, current or
// not, with the content hash: two mirrors that dump alike are the same
// database as far as a user's query can tell.
func dump(t testing.TB, d *db.DB, serverID string, current bool) []string {
	t.Helper()
	where := ""
	if current {
		where = " AND removed_at IS NULL"
	}
	var out []string
	for _, q := range []string{
		`SELECT 'artist', rating_key, section_key, title, title_sort, guid, guids, summary, thumb, added_at, updated_at, view_count, user_rating, last_viewed_at, hash FROM artists`,
		`SELECT 'album', rating_key, section_key, artist_rating_key, title, title_sort, artist_title, year, originally_available_at, guid, guids, studio, track_count, added_at, updated_at, view_count, user_rating, last_viewed_at, hash FROM albums`,
		`SELECT 'track', rating_key, section_key, album_rating_key, artist_rating_key, title, title_sort, original_title, album_title, artist_title, track_number, disc_number, year, duration_ms, guid, guids, file, size, codec, bitrate, added_at, updated_at, view_count, skip_count, user_rating, last_viewed_at, hash FROM tracks`,
	} {
		out = append(out, dbRows(t, d, q+` WHERE server_id = ?`+where, serverID)...)
	}
	return out
}

// assertSameAsFull checks that the incremental mirror equals, row for row
// and hash for hash, the mirror a full pass into a new database produces.
func assertSameAsFull(t *testing.T, e *env, step int) {
	t.Helper()
	fresh := attachEnv(t, e.fake, filepath.Join(t.TempDir(), fmt.Sprintf("full-%d.db", step)), opts())
	fresh.sync(true, false)
	for _, s := range e.fake.Servers() {
		sameRows(t, fmt.Sprintf("step %d: incremental vs full mirror of %s", step, s.Name()),
			dump(t, e.db, s.MachineID(), true), dump(t, fresh.db, s.MachineID(), true))
		const items = `SELECT i.playlist_rating_key, i.position, i.track_rating_key, i.playlist_item_id FROM playlist_items i
			JOIN playlists p ON p.server_id = i.server_id AND p.rating_key = i.playlist_rating_key AND p.removed_at IS NULL
			WHERE i.server_id = ?`
		sameRows(t, fmt.Sprintf("step %d: incremental vs full playlist items of %s", step, s.Name()),
			dbRows(t, e.db, items, s.MachineID()), dbRows(t, fresh.db, items, s.MachineID()))
	}
}

// mutator applies random library changes to one server of the fake.
type mutator struct {
	t       *testing.T
	r       *rand.Rand
	s       *plextest.Server
	removed []plextest.Track // removed tracks, to restore under their key
	n       int
	log     []string
}

func (m *mutator) pick(n int) int { return m.r.IntN(n) }

// step applies one random mutation and says which.
func (m *mutator) step() {
	m.n++
	secs := []string{"1", "4"}
	sec := secs[m.pick(2)]
	tracks, albums, artists := m.s.Tracks(sec), m.s.Albums(sec), m.s.Artists(sec)
	name := fmt.Sprintf("m%d", m.n)
	op := m.pick(12)
	if len(tracks) == 0 || len(albums) == 0 {
		op = 11 // refill an emptied section
	}
	switch op {
	case 0, 1:
		m.s.AddTrack(albums[m.pick(len(albums))].RatingKey, "added "+name)
		m.log = append(m.log, "add track")
	case 2:
		m.s.AddAlbum(artists[m.pick(len(artists))].RatingKey, "album "+name, 1+m.pick(4))
		m.log = append(m.log, "add album")
	case 3, 4:
		tr := tracks[m.pick(len(tracks))]
		m.s.RemoveTrack(tr.RatingKey)
		m.removed = append(m.removed, tr)
		m.log = append(m.log, "remove track")
	case 5:
		m.s.RemoveAlbum(albums[m.pick(len(albums))].RatingKey)
		m.log = append(m.log, "remove album")
	case 6:
		m.s.EditTrack(tracks[m.pick(len(tracks))].RatingKey, func(tr *plextest.Track) { tr.Title = "edited " + name })
		m.log = append(m.log, "edit track")
	case 7:
		m.s.RenameAlbum(albums[m.pick(len(albums))].RatingKey, "renamed album "+name)
		m.log = append(m.log, "rename album")
	case 8:
		m.s.RenameArtist(artists[m.pick(len(artists))].RatingKey, "renamed artist "+name)
		m.log = append(m.log, "rename artist")
	case 9:
		to := albums[m.pick(len(albums))].RatingKey
		m.s.EditTrack(tracks[m.pick(len(tracks))].RatingKey, func(tr *plextest.Track) { tr.AlbumRatingKey = to })
		m.log = append(m.log, "move track")
	case 10:
		if len(m.removed) == 0 {
			m.log = append(m.log, "nothing")
			return
		}
		i := m.pick(len(m.removed))
		tr := m.removed[i]
		m.removed = append(m.removed[:i], m.removed[i+1:]...)
		if _, ok := m.s.Track(tr.RatingKey); ok {
			return
		}
		// Back into the section it was in, if that still has an album.
		if al := m.s.Albums(tr.SectionKey); len(al) > 0 {
			m.s.RestoreTrack(tr.RatingKey, al[m.pick(len(al))].RatingKey, "restored "+tr.Title)
			m.log = append(m.log, "restore track")
		}
	case 11:
		if len(tracks) > 0 && m.pick(3) > 0 {
			// Empty the section: its albums go, and with them its artists.
			for _, al := range albums {
				m.s.RemoveAlbum(al.RatingKey)
			}
			m.log = append(m.log, "empty section "+sec)
			return
		}
		ar := m.s.AddArtist(sec, "artist "+name)
		m.s.AddAlbum(ar, "refill "+name, 2+m.pick(3))
		m.log = append(m.log, "refill section "+sec)
	}
}

// The delta reconcile is exact: after random sequences of library changes,
// each followed by an incremental pass, the mirror equals the fake's model
// and the mirror a full pass produces.
func TestDeltaPropertyRandomMutations(t *testing.T) {
	t.Parallel()
	seeds, steps := 6, 14
	if testing.Short() {
		seeds = 2
	}
	plans := map[string]int{}
	for seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			e := newEnv(t, plextest.Options{Seed: int64(100 + seed), Tracks: 150, SecondTracks: 20, SharedTracks: 12}, opts())
			// Smart playlists on the names the mutations change, beside
			// the fake's own (title contains "a"): renames and edits move
			// tracks in and out of them, often without moving their
			// leafCount in step with their members.
			o := e.fake.Owned()
			o.CreateSmartPlaylist("Renamed artists", "/library/sections/1/all?type=10&artist.title=renamed&sort=titleSort")
			o.CreateSmartPlaylist("Renamed albums", "/library/sections/4/all?type=10&album.title%3C=renamed")
			o.CreateSmartPlaylist("First edits", "/library/sections/1/all?type=10&track.title=ed&limit=3")
			o.CreateSmartPlaylist("Not an e", "/library/sections/4/all?type=10&title!=e")
			e.sync(true, false)
			m := &mutator{t: t, r: rand.New(rand.NewPCG(uint64(seed), 13)), s: e.fake.Owned()}
			for step := range steps {
				for range 1 + m.pick(3) {
					m.step()
				}
				// Mostly later seconds; sometimes the second of the last read.
				if m.pick(3) > 0 {
					e.fake.Advance(time.Duration(1+m.pick(400)) * time.Second)
				}
				res := e.sync(false, false)
				for _, p := range res[0].Plans {
					plans[p.Action]++
				}
				if t.Failed() {
					return
				}
				func() {
					defer func() {
						if t.Failed() {
							t.Logf("seed %d step %d after %v; plans %+v", seed, step, m.log, res[0].Plans)
						}
					}()
					assertMirror(t, e.db, e.fake)
					assertSameAsFull(t, e, step)
				}()
				if t.Failed() {
					return
				}
			}
		})
	}
	if plans[mirror.PlanDelta] == 0 {
		t.Fatalf("no pass ran a delta: %v", plans)
	}
	t.Logf("plans: %v", plans)
}

// countRequest matches a count: a request for no items.
func countRequest(r *http.Request) bool {
	return r.URL.Query().Get("X-Plex-Container-Size") == "0"
}

// planOf returns the plan a pass chose for section key.
func planOf(t *testing.T, r *mirror.Result, key string) mirror.Plan {
	t.Helper()
	for _, p := range r.Plans {
		if p.Key == key {
			return p
		}
	}
	t.Fatalf("no plan for section %s in %+v", key, r.Plans)
	return mirror.Plan{}
}

// Two changes in the second of the last read: the second one moves no
// signal the first pass stored, yet the next delta reads down to that
// second again and finds it.
func TestDeltaTwoEditsInTheSecondOfTheLastRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 41, Tracks: 120}, opts())
	e.sync(true, false)
	o := e.fake.Owned()
	tr := o.Tracks("1")
	o.EditTrack(tr[10].RatingKey, func(x *plextest.Track) { x.Title = "first" })
	res := e.sync(false, false)
	if p := planOf(t, res[0], "1"); p.Action != mirror.PlanDelta {
		t.Fatalf("plan %+v, want a delta", p)
	}
	assertMirror(t, e.db, e.fake)
	o.EditTrack(tr[20].RatingKey, func(x *plextest.Track) { x.Title = "second" })
	o.EditTrack(tr[30].RatingKey, func(x *plextest.Track) { x.Title = "third" })
	res = e.sync(false, false)
	if p := planOf(t, res[0], "1"); p.Action != mirror.PlanDelta {
		t.Fatalf("plan %+v, want a delta", p)
	}
	assertMirror(t, e.db, e.fake)
}

// The local clock hours ahead of the server's changes nothing: watermarks
// are the server's own stamps.
func TestDeltaServerClockBehindLocal(t *testing.T) {
	t.Parallel()
	so := opts()
	var f *plextest.Fake
	so.Now = func() time.Time { return f.Now().Add(5 * time.Hour) }
	fake, err := plextest.Start(strict(plextest.Options{Seed: 42, Tracks: 120}, so))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	f = fake
	e := attachEnv(t, f, filepath.Join(t.TempDir(), "mirror.db"), so)
	e.sync(true, false)
	o := f.Owned()
	for i := range 3 {
		f.Advance(time.Minute)
		o.EditTrack(o.Tracks("1")[i*7].RatingKey, func(x *plextest.Track) { x.Title = fmt.Sprint("edit ", i) })
		o.RemoveTrack(o.Tracks("1")[i*11+3].RatingKey)
		res := e.sync(false, false)
		if p := planOf(t, res[0], "1"); p.Action != mirror.PlanDelta {
			t.Fatalf("plan %+v, want a delta", p)
		}
		assertMirror(t, e.db, f)
	}
}

// A removal and an addition leave every count as it was; the delta sees the
// addition, and the counts after it then prove the removal.
func TestDeltaRemovalPlusAdditionSameCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 43, Tracks: 200}, opts())
	e.sync(true, false)
	o := e.fake.Owned()
	e.fake.Advance(time.Minute)
	gone := o.Tracks("1")[77].RatingKey
	o.RemoveTrack(gone)
	o.AddTrack(o.Albums("1")[5].RatingKey, "newcomer")
	res := e.sync(false, false)
	if p := planOf(t, res[0], "1"); p.Action != mirror.PlanDelta {
		t.Fatalf("plan %+v, want a delta", p)
	}
	assertMirror(t, e.db, e.fake)
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE server_id = ? AND rating_key = ? AND removed_at IS NOT NULL`, o.MachineID(), gone); n != 1 {
		t.Fatal("the removed track is not marked removed")
	}
	if res[0].Counts["tracks"].Removed != 1 || res[0].Counts["tracks"].Added != 1 {
		t.Fatalf("counts %s, want one track added and one removed", fmtCounts(res[0]))
	}
}

// A server that serves 5 items a page: the delta pages newest first in
// short pages, and the removals it locates by listing ranges too.
func TestDeltaUnderPageCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 44, Tracks: 300, MaxPageSize: 5}, opts())
	e.sync(true, false)
	o := e.fake.Owned()
	e.fake.Advance(time.Minute)
	tr := o.Tracks("1")
	for i := range 12 {
		o.EditTrack(tr[i*20].RatingKey, func(x *plextest.Track) { x.Title = fmt.Sprint("capped ", i) })
	}
	o.RemoveTrack(tr[5].RatingKey)
	o.RemoveTrack(tr[250].RatingKey)
	res := e.sync(false, false)
	if p := planOf(t, res[0], "1"); p.Action != mirror.PlanDelta {
		t.Fatalf("plan %+v, want a delta", p)
	}
	assertMirror(t, e.db, e.fake)
}

// The library changes while the delta runs: a track is swapped for another
// between the delta's newest-first page and its proof. The delta falls back
// to a complete listing, which the changed stamps stop from marking
// anything removed; the next pass is exact.
func TestDeltaListingChangesMidway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 45, Tracks: 200}, opts())
	e.sync(true, false)
	o := e.fake.Owned()
	e.fake.Advance(time.Minute)
	tr := o.Tracks("1")
	o.RemoveTrack(tr[3].RatingKey) // moves the signals
	album := o.Albums("1")[2].RatingKey
	fired := false
	e.fake.Inject(plextest.Fault{Host: o.MachineID(), Path: "/library/sections/1/all", Times: 1,
		Match: countRequest,
		Before: func() {
			fired = true
			o.RemoveTrack(tr[100].RatingKey)
			o.AddTrack(album, "swapped in")
		}})
	res := e.sync(false, true)
	if !fired {
		t.Fatal("test setup: the delta made no count request")
	}
	if p := planOf(t, res[0], "1"); p.Action != mirror.PlanComplete || !strings.Contains(p.Reason, "fell back") {
		t.Fatalf("plan %+v, want a fall back to the complete listing", p)
	}
	if n := count(t, e.db, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL AND rating_key = ?`, tr[100].RatingKey); n != 0 {
		t.Fatal("a track removed during the pass was marked removed without proof")
	}
	if err := res[0].Err(); !errors.Is(err, plex.ErrInconsistent) {
		t.Fatalf("the pass reported %v, want the library's change during the listing", err)
	}
	e.fake.ClearFaults()
	e.sync(false, false)
	assertMirror(t, e.db, e.fake)
}

package sync_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/history"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// fakeItems is what a version of the playlist must rebuild to: the fake's
// current items, described by the fake's current tracks.
func fakeItems(t testing.TB, s *plextest.Server, key string) []history.Item {
	t.Helper()
	var out []history.Item
	for i, pi := range s.PlaylistItems(key) {
		tr, ok := s.Track(pi.TrackRatingKey)
		if !ok {
			t.Fatalf("playlist %s holds unknown track %s", key, pi.TrackRatingKey)
		}
		it := history.Item{Position: i, RatingKey: pi.TrackRatingKey, PlaylistItemID: pi.PlaylistItemID, GUID: tr.GUID,
			Guids: tr.Guids, Title: tr.Title, Artist: tr.ArtistTitle, Album: tr.AlbumTitle}
		if len(it.Guids) == 0 {
			it.Guids = nil
		}
		if tr.Index != nil {
			it.TrackNumber = int64(*tr.Index)
		}
		if tr.ParentIndex != nil {
			it.DiscNumber = int64(*tr.ParentIndex)
		}
		if tr.Duration != nil {
			it.DurationMS = *tr.Duration
		}
		if len(tr.Media) > 0 && len(tr.Media[0].Parts) > 0 {
			it.File = tr.Media[0].Parts[0].File
		}
		out = append(out, it)
	}
	return out
}

// versionLine renders a version for comparing sequences.
func versionLine(v history.Version) string {
	return fmt.Sprintf("v%d %s %q n=%d +%d -%d ~%d", v.Number, v.State, v.Title, v.ItemCount, v.Added, v.Removed, v.Moved)
}

type historyCheck struct {
	e      *env
	server *plextest.Server
	// want holds, per playlist, the items every recorded version must
	// rebuild to, and the version lines.
	items map[string][][]history.Item
	lines map[string][]string
}

func newHistoryCheck(e *env, s *plextest.Server) *historyCheck {
	return &historyCheck{e: e, server: s, items: map[string][][]history.Item{}, lines: map[string][]string{}}
}

// expect records that key's next version has the fake's current items and
// renders as line.
func (h *historyCheck) expect(key, line string) {
	h.e.t.Helper()
	h.items[key] = append(h.items[key], fakeItems(h.e.t, h.server, key))
	h.lines[key] = append(h.lines[key], line)
}

// expectDeleted records a final deleted version with the previous items.
func (h *historyCheck) expectDeleted(key, line string) {
	prev := h.items[key][len(h.items[key])-1]
	h.items[key] = append(h.items[key], prev)
	h.lines[key] = append(h.lines[key], line)
}

// verify compares every playlist's recorded versions with the expectation,
// rebuilding each version.
func (h *historyCheck) verify() {
	t := h.e.t
	t.Helper()
	id := h.server.MachineID()
	for key, lines := range h.lines {
		vs, err := h.e.db.Versions(t.Context(), id, key)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(vs))
		for i, v := range vs {
			got[i] = versionLine(v)
		}
		if strings.Join(got, "\n") != strings.Join(lines, "\n") {
			t.Fatalf("versions of playlist %s:\n%s\nwant:\n%s", key, strings.Join(got, "\n"), strings.Join(lines, "\n"))
		}
		for i, want := range h.items[key] {
			items, err := h.e.db.VersionItems(t.Context(), id, key, i+1)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) == 0 && len(want) == 0 {
				continue
			}
			if !reflect.DeepEqual(items, want) {
				for j := range max(len(items), len(want)) {
					if j >= len(items) || j >= len(want) || !reflect.DeepEqual(items[j], want[j]) {
						var g, w any = "(none)", "(none)"
						if j < len(items) {
							g = items[j]
						}
						if j < len(want) {
							w = want[j]
						}
						t.Fatalf("version %d of playlist %s: %d items, want %d; first difference at %d:\n got %+v\nwant %+v", i+1, key, len(items), len(want), j, g, w)
					}
				}
			}
		}
	}
}

func historyRows(t testing.TB, e *env) int {
	t.Helper()
	return count(t, e.db, `SELECT (SELECT count(*) FROM playlist_versions) + (SELECT count(*) FROM playlist_version_items)
		+ (SELECT count(*) FROM history_items)`)
}

func findPlaylist(t testing.TB, s *plextest.Server, title string) plextest.Playlist {
	t.Helper()
	for _, p := range s.Playlists() {
		if p.Title == title {
			return p
		}
	}
	t.Fatalf("the fake has no playlist %q", title)
	return plextest.Playlist{}
}

func TestHistoryRecordsEveryVersion(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(fmt.Sprintf("full=%v", full), func(t *testing.T) {
			e := newEnv(t, plextest.Options{Seed: 11, Tracks: 1200, SharedTracks: 20}, opts())
			s := e.fake.Owned()
			h := newHistoryCheck(e, s)
			e.sync(full, false)
			long := findPlaylist(t, s, "Everything Long")
			dupes := findPlaylist(t, s, "Same Song Twice")
			road := findPlaylist(t, s, "Road Trip 🚗")
			chill := findPlaylist(t, s, "Chill \"Evening\" / Late")
			smart := findPlaylist(t, s, "Titles with A")
			if long.LeafCount < 1000 {
				t.Fatalf("the long playlist has %d items; the test needs 1,000+", long.LeafCount)
			}
			for _, p := range s.Playlists() {
				if p.PlaylistType == "audio" {
					h.expect(p.RatingKey, fmt.Sprintf("v1 present %q n=%d +%d -0 ~0", p.Title, p.LeafCount, p.LeafCount))
				}
			}
			h.verify()

			// Nothing changed: no row anywhere in history.
			before := historyRows(t, e)
			e.sync(full, false)
			e.sync(!full, false)
			if got := historyRows(t, e); got != before {
				t.Fatalf("syncs without changes added %d history rows", got-before)
			}

			// Reorder the long one, move a duplicate, rename, add, remove.
			s.MovePlaylistItem(long.RatingKey, 0, 700)
			s.MovePlaylistItem(dupes.RatingKey, 2, 0)
			s.RenamePlaylist(road.RatingKey, "Road Trip, \"the\" sequel\t🚗")
			items := s.PlaylistItems(chill.RatingKey)
			keys := make([]string, 0, len(items)+1)
			for _, it := range items {
				keys = append(keys, it.TrackRatingKey)
			}
			keep := s.PlaylistItems(chill.RatingKey)
			e.sync(full, false)
			h.expect(long.RatingKey, fmt.Sprintf("v2 present %q n=%d +0 -0 ~1", long.Title, long.LeafCount))
			h.expect(dupes.RatingKey, fmt.Sprintf("v2 present %q n=3 +0 -0 ~1", dupes.Title))
			h.expect(road.RatingKey, fmt.Sprintf("v2 present %q n=%d +0 -0 ~0", "Road Trip, \"the\" sequel\t🚗", road.LeafCount))
			h.verify()

			// Replacing the items gives every entry a new playlistItemID:
			// all removed, all added.
			tracks := s.Tracks("1")
			s.SetPlaylistItems(chill.RatingKey, append(keys, tracks[3].RatingKey))
			e.sync(full, false)
			h.expect(chill.RatingKey, fmt.Sprintf("v2 present %q n=%d +%d -%d ~0", chill.Title, len(keep)+1, len(keep)+1, len(keep)))
			h.verify()

			// Add to, remove from and edit one item through the playlist
			// API, as a Plex app does.
			var srv *plex.Server
			for _, x := range e.servers {
				if x.Resource().ClientIdentifier == s.MachineID() {
					srv = x
				}
			}
			ctx := t.Context()
			if err := srv.AddPlaylistItems(ctx, road.RatingKey, []string{tracks[20].RatingKey, tracks[21].RatingKey}); err != nil {
				t.Fatal(err)
			}
			if err := srv.DeletePlaylistItem(ctx, long.RatingKey, s.PlaylistItems(long.RatingKey)[5].PlaylistItemID); err != nil {
				t.Fatal(err)
			}
			s.ReplacePlaylistItem(chill.RatingKey, 2, tracks[22].RatingKey)
			e.sync(full, false)
			h.expect(road.RatingKey, fmt.Sprintf("v3 present %q n=%d +2 -0 ~0", "Road Trip, \"the\" sequel\t🚗", road.LeafCount+2))
			h.expect(long.RatingKey, fmt.Sprintf("v3 present %q n=%d +0 -1 ~0", long.Title, long.LeafCount-1))
			h.expect(chill.RatingKey, fmt.Sprintf("v3 present %q n=%d +1 -1 ~0", chill.Title, len(keep)+1))
			h.verify()

			// A track leaving the library leaves the playlists holding it.
			gone := s.PlaylistItems(long.RatingKey)[10].TrackRatingKey
			s.RemoveTrack(gone)
			e.sync(full, false)
			h.expect(long.RatingKey, fmt.Sprintf("v4 present %q n=%d +0 -1 ~0", long.Title, long.LeafCount-2))
			// The smart playlist follows the library.
			prev := len(h.items[smart.RatingKey][0])
			now := len(s.PlaylistItems(smart.RatingKey))
			if now != prev {
				h.expect(smart.RatingKey, fmt.Sprintf("v2 present %q n=%d +0 -%d ~0", smart.Title, now, prev-now))
			}
			h.verify()

			// Deleting keeps every version and adds a final one.
			s.DeletePlaylist(dupes.RatingKey)
			e.sync(full, false)
			h.expectDeleted(dupes.RatingKey, fmt.Sprintf("v3 deleted %q n=3 +0 -0 ~0", dupes.Title))
			h.verify()
			before = historyRows(t, e)
			e.sync(full, false)
			if got := historyRows(t, e); got != before {
				t.Fatalf("a sync after the deletion added %d history rows", got-before)
			}
		})
	}
}

// A pass that fails between fetching a playlist's items and committing them
// records nothing; the next one records the version exactly once. (The
// process-kill case is TestHistoryCrashBeforeCommit in internal/db.)
func TestHistoryFailedFetchRecordsNothing(t *testing.T) {
	e := newEnv(t, plextest.Options{Seed: 4, Tracks: 300, SharedTracks: 20}, opts())
	s := e.fake.Owned()
	e.sync(false, false)
	p := findPlaylist(t, s, "Everything Long")
	s.MovePlaylistItem(p.RatingKey, 3, 100)
	before := historyRows(t, e)
	// The last page of the items fails (400 is not retried): the earlier
	// pages were fetched and staged.
	e.fake.Inject(plextest.Fault{Host: s.MachineID(), Path: "/playlists/" + p.RatingKey + "/items", Skip: 1, Status: 400})
	if res := e.sync(false, true); len(res[0].Problems) == 0 {
		t.Fatal("the fault did not make the pass fail")
	}
	if got := historyRows(t, e); got != before {
		t.Fatalf("a failed item fetch wrote %d history rows", got-before)
	}
	e.fake.ClearFaults()
	e.sync(false, false)
	e.sync(false, false)
	vs, err := e.db.Versions(t.Context(), s.MachineID(), p.RatingKey)
	if err != nil || len(vs) != 2 || vs[1].Moved != 1 {
		t.Fatalf("versions after the retry: %+v %v", vs, err)
	}
}

func TestHistoryRetentionIsOptIn(t *testing.T) {
	so := opts()
	so.KeepVersions = 2
	e := newEnv(t, plextest.Options{Seed: 2, Tracks: 200, SharedTracks: 20}, so)
	s := e.fake.Owned()
	e.sync(false, false)
	p := findPlaylist(t, s, "Road Trip 🚗")
	for i := range 4 {
		s.MovePlaylistItem(p.RatingKey, 0, i+1)
		e.sync(false, false)
	}
	vs, err := e.db.Versions(t.Context(), s.MachineID(), p.RatingKey)
	if err != nil || len(vs) != 2 || vs[0].Number != 4 || vs[1].Number != 5 {
		t.Fatalf("with keep_versions 2: %+v %v", vs, err)
	}
	items, err := e.db.VersionItems(t.Context(), s.MachineID(), p.RatingKey, 5)
	if err != nil || !reflect.DeepEqual(items, fakeItems(t, s, p.RatingKey)) {
		t.Fatalf("newest version after pruning does not rebuild: %v", err)
	}
}

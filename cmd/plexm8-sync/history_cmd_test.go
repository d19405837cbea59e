package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/history"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

func mustRun(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	r := run(t, env, args...)
	if r.code != 0 {
		t.Fatalf("%q: exit %d\n%s\n%s", args, r.code, r.stdout, r.stderr)
	}
	return r
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

func itemKeys(s *plextest.Server, key string) []string {
	var out []string
	for _, it := range s.PlaylistItems(key) {
		out = append(out, it.TrackRatingKey)
	}
	return out
}

func TestHistoryDiffExportCommands(t *testing.T) {
	f, env := fakeConfig(t, 300)
	s := f.Owned()
	mustRun(t, env, "sync")
	road := playlistByTitle(t, s, "Road Trip 🚗")
	s.MovePlaylistItem(road.RatingKey, 0, 5)
	s.RenamePlaylist(road.RatingKey, "Road Trip II")
	mustRun(t, env, "sync")

	r := mustRun(t, env, "history")
	for _, want := range []string{"Road Trip II", "Same Song Twice", "Home Server", "Friend's Picks"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("history lacks %q:\n%s", want, r.stdout)
		}
	}
	// By old title, by new title in another case, by rating key.
	for _, ref := range []string{"Road Trip 🚗", "road trip ii", road.RatingKey} {
		r = mustRun(t, env, "history", ref)
		if !strings.Contains(r.stdout, "~1") || !strings.Contains(r.stdout, "Road Trip II") || strings.Count(r.stdout, "present") != 2 {
			t.Errorf("history %q:\n%s", ref, r.stdout)
		}
	}
	r = mustRun(t, env, "diff", "Road Trip II")
	if !strings.Contains(r.stdout, `title: "Road Trip 🚗" → "Road Trip II"`) || !strings.Contains(r.stdout, "0 added, 0 removed, 1 moved") ||
		!strings.Contains(r.stdout, "(was 1)") {
		t.Errorf("diff:\n%s", r.stdout)
	}
	r = mustRun(t, env, "diff", "Road Trip II", "--from", "1", "--to", "2", "--json")
	var dj struct {
		Moved []history.Change `json:"moved"`
		Added []history.Change `json:"added"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &dj); err != nil || len(dj.Moved) != 1 || dj.Moved[0].From != 0 || dj.Moved[0].To != 5 || dj.Added == nil {
		t.Errorf("diff --json: %v %+v\n%s", err, dj, r.stdout)
	}
	// A date means the end of that day; the fake's clock is in 2024..2026.
	if r := run(t, env, "diff", "Road Trip II", "--from", "1999-01-01"); r.code != 1 || !strings.Contains(r.stderr, "no such version") {
		t.Errorf("diff from before history: %d %s", r.code, r.stderr)
	}
	if r := run(t, env, "diff", "Road Trip II", "--from", "yesterday"); r.code != 2 {
		t.Errorf("diff with a bad TIME: exit %d", r.code)
	}

	// Exports: the newest version and an older one.
	dir := t.TempDir()
	for _, format := range history.Formats {
		out := filepath.Join(dir, "road."+format)
		mustRun(t, env, "export", "Road Trip II", "--format", format, "-o", out)
		b, err := os.ReadFile(out)
		if err != nil || !(strings.Contains(string(b), "Road Trip II") || strings.HasPrefix(string(b), "position,artist,")) {
			t.Errorf("export %s: %v\n%s", format, err, b)
		}
	}
	r = mustRun(t, env, "export", road.RatingKey, "--at", "1", "--format", "m3u8")
	items, err := history.ReadM3U8(strings.NewReader(r.stdout))
	if err != nil || len(items) != road.LeafCount {
		t.Fatalf("export --at 1: %v, %d items", err, len(items))
	}
	var first []string
	for _, it := range items {
		first = append(first, it.RatingKey)
	}
	now := itemKeys(s, road.RatingKey)
	if !slices.Equal(first[1:6], now[0:5]) || first[0] != now[5] {
		t.Errorf("version 1 export is not the order before the move: %v vs %v", first, now)
	}

	// --all rewrites only what changed.
	all := filepath.Join(dir, "all")
	r = mustRun(t, env, "export", "--all", "--dir", all, "--format", "csv")
	if !strings.Contains(r.stdout, "0 unchanged") {
		t.Errorf("first export --all: %s", r.stdout)
	}
	r = mustRun(t, env, "export", "--all", "--dir", all, "--format", "csv")
	if !strings.Contains(r.stdout, "0 files written") {
		t.Errorf("second export --all rewrote files: %s", r.stdout)
	}
	s.MovePlaylistItem(road.RatingKey, 0, 1)
	mustRun(t, env, "sync")
	r = mustRun(t, env, "export", "--all", "--dir", all, "--format", "csv")
	if !strings.Contains(r.stdout, "1 files written") || !strings.Contains(r.stdout, "Road Trip II ["+road.RatingKey+"].csv") {
		t.Errorf("export --all after one change: %s", r.stdout)
	}

	// An ambiguous title lists the candidates and exits 2.
	trs := s.Tracks("1")
	a := s.CreatePlaylist("Twins", []string{trs[0].RatingKey})
	b := s.CreatePlaylist("twins", []string{trs[1].RatingKey})
	mustRun(t, env, "sync")
	r = run(t, env, "history", "TWINS")
	if r.code != 2 || !strings.Contains(r.stderr, a) || !strings.Contains(r.stderr, b) || !strings.Contains(r.stderr, "Home Server") {
		t.Errorf("ambiguous title: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, env, "history", b)
	if r := run(t, env, "history", "no such playlist"); r.code != 1 || !strings.Contains(r.stderr, "plexm8-sync history") {
		t.Errorf("unknown playlist: exit %d %s", r.code, r.stderr)
	}
}

// writes returns the write requests (anything but GET) the fake received.
func writes(f *plextest.Fake) []string {
	var out []string
	for _, r := range f.Requests() {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func newestPlaylist(t *testing.T, s *plextest.Server, title string) plextest.Playlist {
	t.Helper()
	var out plextest.Playlist
	found := false
	for _, p := range s.Playlists() { // sorted by rating key
		if p.Title == title {
			out, found = p, true
		}
	}
	if !found {
		t.Fatalf("no playlist %q on %s", title, s.Name())
	}
	return out
}

func TestRestoreCommand(t *testing.T) {
	var f *plextest.Fake
	var env map[string]string
	var s *plextest.Server
	// Each case starts from its own freshly synced fake.
	fresh := func(t *testing.T) {
		f, env = fakeConfig(t, 300)
		s = f.Owned()
		mustRun(t, env, "sync")
	}

	t.Run("deleted playlist comes back exactly", func(t *testing.T) {
		fresh(t)
		p := playlistByTitle(t, s, "Same Song Twice")
		want := itemKeys(s, p.RatingKey)
		s.DeletePlaylist(p.RatingKey)
		mustRun(t, env, "sync")
		f.ResetRequests()
		r := mustRun(t, env, "restore", "Same Song Twice", "--dry-run")
		if w := writes(f); len(w) != 0 || len(f.Requests()) != 0 {
			t.Fatalf("--dry-run sent requests: %v (%d in all)", w, len(f.Requests()))
		}
		if !strings.Contains(r.stdout, "Matched 3 of 3 items: 3 by rating key") || !strings.Contains(r.stdout, "nothing was sent") {
			t.Fatalf("dry run report:\n%s", r.stdout)
		}
		r = mustRun(t, env, "restore", "Same Song Twice")
		back := newestPlaylist(t, s, "Same Song Twice")
		if got := itemKeys(s, back.RatingKey); !slices.Equal(got, want) || !strings.Contains(r.stdout, "Verified") {
			t.Fatalf("restored %v, want %v\n%s", got, want, r.stdout)
		}
	})

	t.Run("re-keyed tracks are found by guid", func(t *testing.T) {
		fresh(t)
		p := playlistByTitle(t, s, "Chill \"Evening\" / Late")
		before := itemKeys(s, p.RatingKey)
		s.DeletePlaylist(p.RatingKey)
		mustRun(t, env, "sync")
		want := slices.Clone(before)
		for _, i := range []int{0, 3} {
			nk := s.RekeyTrack(before[i])
			for j := range want {
				if want[j] == before[i] {
					want[j] = nk
				}
			}
		}
		mustRun(t, env, "sync")
		r := mustRun(t, env, "restore", p.RatingKey, "--as", "Chill again")
		got := itemKeys(s, newestPlaylist(t, s, "Chill again").RatingKey)
		if !slices.Equal(got, want) || !strings.Contains(r.stdout, "by guid") {
			t.Fatalf("restored %v, want %v\n%s", got, want, r.stdout)
		}
	})

	t.Run("missing tracks are reported by name", func(t *testing.T) {
		fresh(t)
		p := playlistByTitle(t, s, "Road Trip 🚗")
		keys := itemKeys(s, p.RatingKey)
		gone, _ := s.Track(keys[2])
		s.RemoveTrack(keys[2])
		mustRun(t, env, "sync")
		r := run(t, env, "restore", p.RatingKey, "--at", "1", "--as", "Road Trip restored")
		if r.code != 1 || !strings.Contains(r.stdout, "not found on Home Server:") || !strings.Contains(r.stdout, gone.Title) ||
			!strings.Contains(r.stderr, "1 of 20 saved items not found") {
			t.Fatalf("restore with a missing track: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		got := itemKeys(s, newestPlaylist(t, s, "Road Trip restored").RatingKey)
		if want := slices.Delete(slices.Clone(keys), 2, 3); !slices.Equal(got, want) {
			t.Fatalf("restored %v, want the others %v", got, want)
		}
	})

	t.Run("a server that drops items is caught", func(t *testing.T) {
		fresh(t)
		p := playlistByTitle(t, s, "Road Trip 🚗")
		s.DropItemsOnCreate(2)
		defer s.DropItemsOnCreate(0)
		r := run(t, env, "restore", p.RatingKey, "--as", "Dropped")
		if r.code != 1 || strings.Count(r.stdout, "not kept by the server") != 2 || !strings.Contains(r.stderr, "restore incomplete") {
			t.Fatalf("restore onto a dropping server: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("a scrambled order is repaired with moves", func(t *testing.T) {
		fresh(t)
		// (A palindrome like "Same Song Twice" would not notice.)
		p := playlistByTitle(t, s, "Chill \"Evening\" / Late")
		want := itemKeys(s, p.RatingKey)
		long := playlistByTitle(t, s, "Everything Long")
		wantLong := itemKeys(s, long.RatingKey)
		s.ReverseItemsOnCreate(true)
		defer s.ReverseItemsOnCreate(false)
		for _, c := range []struct {
			key, as string
			want    []string
		}{{p.RatingKey, "Chill again", want}, {long.RatingKey, "Long again", wantLong}} {
			r := mustRun(t, env, "restore", c.key, "--as", c.as)
			if !strings.Contains(r.stdout, "fixed it with") || !strings.Contains(r.stdout, "Verified") {
				t.Fatalf("restore onto a reordering server:\n%s", r.stdout)
			}
			if got := itemKeys(s, newestPlaylist(t, s, c.as).RatingKey); !slices.Equal(got, c.want) {
				t.Fatalf("order after repair %v, want %v", got, c.want)
			}
		}
	})

	t.Run("smart playlist from its rules", func(t *testing.T) {
		fresh(t)
		p := playlistByTitle(t, s, "Titles with A")
		if r := mustRun(t, env, "restore", "Titles with A", "--dry-run"); !strings.Contains(r.stdout, "already has a playlist titled \"Titles with A\" (rating key "+p.RatingKey) {
			t.Fatalf("restore beside the existing playlist does not say so:\n%s", r.stdout)
		}
		r := mustRun(t, env, "restore", "Titles with A", "--as", "Smart again")
		n := newestPlaylist(t, s, "Smart again")
		if !n.Smart || n.Content == nil || !strings.Contains(*n.Content, "title%3Da") || n.LeafCount != p.LeafCount {
			t.Fatalf("smart restore: %+v (original %+v)", n, p)
		}
		if want := fmt.Sprintf("they select %d items now (%d when saved)", p.LeafCount, p.LeafCount); !strings.Contains(r.stdout, want) {
			t.Fatalf("smart restore report lacks %q:\n%s", want, r.stdout)
		}
	})

	t.Run("replace only after verification", func(t *testing.T) {
		fresh(t)
		p := playlistByTitle(t, s, "Everything Long")
		want := itemKeys(s, p.RatingKey)
		s.MovePlaylistItem(p.RatingKey, 0, 10)
		mustRun(t, env, "sync")
		s.DropItemsOnCreate(1)
		if r := run(t, env, "restore", p.RatingKey, "--at", "1", "--replace"); r.code != 1 {
			t.Fatalf("replace onto a dropping server: exit %d", r.code)
		}
		s.DropItemsOnCreate(0)
		if _, ok := findKey(s, p.RatingKey); !ok {
			t.Fatal("--replace deleted the original although the new copy failed verification")
		}
		r := mustRun(t, env, "restore", p.RatingKey, "--at", "1", "--replace")
		if _, ok := findKey(s, p.RatingKey); ok || !strings.Contains(r.stdout, "Deleted the playlist it replaces") {
			t.Fatalf("--replace kept the original:\n%s", r.stdout)
		}
		got := itemKeys(s, newestPlaylist(t, s, "Everything Long").RatingKey)
		if !slices.Equal(got, want) {
			t.Fatal("replaced playlist does not hold version 1")
		}
	})
}

func findKey(s *plextest.Server, key string) (plextest.Playlist, bool) {
	for _, p := range s.Playlists() {
		if p.RatingKey == key {
			return p, true
		}
	}
	return plextest.Playlist{}, false
}

func TestRestoreOntoAnotherServer(t *testing.T) {
	f, env := fakeConfig(t, 300)
	home, friend := f.Owned(), f.Shared()
	mustRun(t, env, "sync")
	// A playlist of tracks from two albums, so the copy needs two artists.
	trs := home.Tracks("1")
	var keys []string
	albums := map[string]bool{}
	for _, tr := range trs {
		if len(albums) < 2 || albums[tr.AlbumRatingKey] {
			albums[tr.AlbumRatingKey] = true
			keys = append(keys, tr.RatingKey)
		}
		if len(keys) == 8 {
			break
		}
	}
	src := home.CreatePlaylist("Portable", keys)
	mustRun(t, env, "sync")
	copied := friend.CopyTracks(home, keys)
	// One copy lost its plex guid (found by MusicBrainz id), one lost every
	// guid (found by names and duration), one is a little longer but within
	// 2 s, one is 5 s longer (not the same recording).
	friend.EditTrack(copied[1], func(t *plextest.Track) { t.GUID = "plex://track/elsewhere-1" })
	friend.EditTrack(copied[2], func(t *plextest.Track) { t.GUID, t.Guids = "plex://track/elsewhere-2", nil })
	friend.EditTrack(copied[3], func(t *plextest.Track) {
		t.GUID, t.Guids = "plex://track/elsewhere-3", nil
		t.Duration = ptr64(*t.Duration + 1500)
	})
	friend.EditTrack(copied[4], func(t *plextest.Track) {
		t.GUID, t.Guids = "plex://track/elsewhere-4", nil
		t.Duration = ptr64(*t.Duration + 5000)
	})
	mustRun(t, env, "sync")
	r := run(t, env, "restore", src, "--server", "Friend's Server")
	if r.code != 1 || !strings.Contains(r.stdout, "Matched 7 of 8 items: 0 by rating key, 4 by guid, 1 by musicbrainz id, 2 by artist+album+title") {
		t.Fatalf("restore onto the friend's server: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	got := itemKeys(friend, newestPlaylist(t, friend, "Portable").RatingKey)
	want := slices.Delete(slices.Clone(copied), 4, 5)
	if !slices.Equal(got, want) {
		t.Fatalf("restored %v, want %v", got, want)
	}
	for _, k := range got {
		if slices.Contains(keys, k) {
			t.Fatalf("restored item %s is a rating key of the other server", k)
		}
	}
}

func ptr64(v int64) *int64 { return &v }

// TestDiffOfOneVersion: with nothing before the version to compare, diff
// says so and exits 2, as for any version that does not exist, instead of
// comparing version 1 with itself.
func TestDiffOfOneVersion(t *testing.T) {
	f, env := fakeConfig(t, 300)
	s := f.Owned()
	mustRun(t, env, "sync")
	road := playlistByTitle(t, s, "Road Trip 🚗")
	for _, args := range [][]string{{"diff", "Road Trip 🚗"}, {"diff", road.RatingKey, "--json"}} {
		r := run(t, env, args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, `"Road Trip 🚗" has only one version`) ||
			!strings.Contains(r.stderr, "run diff again after that") {
			t.Errorf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}

	s.MovePlaylistItem(road.RatingKey, 0, 2)
	mustRun(t, env, "sync")
	if r := mustRun(t, env, "diff", "Road Trip 🚗"); !strings.Contains(r.stdout, "version 1 (") || !strings.Contains(r.stdout, "1 moved") {
		t.Errorf("diff after a change:\n%s", r.stdout)
	}
	// --to the first version leaves nothing before it...
	if r := run(t, env, "diff", "Road Trip 🚗", "--to", "1"); r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "--to 1 is version 1, the first") {
		t.Errorf("diff --to 1: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// ...but a version compared with itself on purpose is no error.
	if r := mustRun(t, env, "diff", "Road Trip 🚗", "--from", "1", "--to", "1"); !strings.Contains(r.stdout, "0 added, 0 removed, 0 moved") {
		t.Errorf("diff --from 1 --to 1:\n%s", r.stdout)
	}
}

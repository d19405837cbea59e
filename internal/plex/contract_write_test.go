package plex_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

func itemKeys(items []plextest.PlaylistItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.TrackRatingKey)
	}
	return out
}

func TestContractPlaylistWriteSide(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 500}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	ctx := context.Background()
	tracks := owned.Tracks("1")
	var keys []string
	for i := range 450 {
		keys = append(keys, tracks[(i*7)%len(tracks)].RatingKey)
	}
	keys = append(keys, keys[3]) // a repeat is kept

	e.f.ResetRequests()
	pl, err := s.CreatePlaylist(ctx, "Restored ✓ \"mix\"", keys)
	if err != nil {
		t.Fatal(err)
	}
	rk := pl.RatingKey.V
	if pl.Title.V != "Restored ✓ \"mix\"" || pl.LeafCount.V != int64(len(keys)) || pl.Smart.V {
		t.Errorf("created %+v", pl)
	}
	var methods []string
	for _, r := range e.f.Requests() {
		methods = append(methods, r.Method+" "+r.Path)
	}
	want := fmt.Sprint([]string{"POST /playlists", "PUT /playlists/" + rk + "/items", "PUT /playlists/" + rk + "/items"})
	if fmt.Sprint(methods) != want {
		t.Errorf("requests %v, want %v", methods, want)
	}
	if got := itemKeys(owned.PlaylistItems(rk)); fmt.Sprint(got) != fmt.Sprint(keys) {
		t.Errorf("playlist holds %d items in another order", len(got))
	}

	if err := s.AddPlaylistItems(ctx, rk, []string{tracks[0].RatingKey, tracks[1].RatingKey}); err != nil {
		t.Fatal(err)
	}
	items := owned.PlaylistItems(rk)
	if len(items) != len(keys)+2 || items[len(items)-1].TrackRatingKey != tracks[1].RatingKey {
		t.Fatalf("after add: %d items", len(items))
	}

	// Move the last item right after the first, then the second to the start.
	lastID, firstID := items[len(items)-1].PlaylistItemID, items[0].PlaylistItemID
	if err := s.MovePlaylistItem(ctx, rk, lastID, firstID); err != nil {
		t.Fatal(err)
	}
	if got := owned.PlaylistItems(rk); got[1].PlaylistItemID != lastID {
		t.Errorf("move after: item 1 is %d, want %d", got[1].PlaylistItemID, lastID)
	}
	secondID := owned.PlaylistItems(rk)[1].PlaylistItemID
	if err := s.MovePlaylistItem(ctx, rk, secondID, 0); err != nil {
		t.Fatal(err)
	}
	if got := owned.PlaylistItems(rk); got[0].PlaylistItemID != secondID {
		t.Errorf("move to start: item 0 is %d, want %d", got[0].PlaylistItemID, secondID)
	}

	before := owned.PlaylistItems(rk)
	if err := s.DeletePlaylistItem(ctx, rk, before[5].PlaylistItemID); err != nil {
		t.Fatal(err)
	}
	after := owned.PlaylistItems(rk)
	if len(after) != len(before)-1 || after[5].PlaylistItemID != before[6].PlaylistItemID {
		t.Errorf("delete item: %d → %d items", len(before), len(after))
	}
	if err := s.DeletePlaylistItem(ctx, rk, 987654321); !errors.Is(err, plex.ErrNotFound) {
		t.Errorf("deleting an unknown item: %v", err)
	}

	if err := s.DeletePlaylist(ctx, rk); err != nil {
		t.Fatal(err)
	}
	for _, p := range owned.Playlists() {
		if p.RatingKey == rk {
			t.Error("playlist still there")
		}
	}
	if err := s.DeletePlaylist(ctx, rk); !errors.Is(err, plex.ErrNotFound) {
		t.Errorf("deleting it again: %v", err)
	}
}

func TestContractSmartPlaylistRestore(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 120}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	var orig plextest.Playlist
	for _, p := range owned.Playlists() {
		if p.Smart && p.Content != nil {
			orig = p
		}
	}
	if orig.RatingKey == "" {
		t.Fatal("the fake has no smart playlist")
	}
	pl, err := s.CreateSmartPlaylist(context.Background(), "Restored smart", "1", *orig.Content)
	if err != nil {
		t.Fatal(err)
	}
	if !pl.Smart.V || pl.Title.V != "Restored smart" || !pl.Content.Valid {
		t.Errorf("created %+v", pl)
	}
	if got, want := itemKeys(owned.PlaylistItems(pl.RatingKey.V)), itemKeys(owned.PlaylistItems(orig.RatingKey)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("restored rules select %d tracks, the original %d", len(got), len(want))
	}
	post := fakeRequests(e.f, owned.MachineID(), "/playlists")
	last := post[len(post)-1]
	if last.Method != http.MethodPost || last.Query.Get("smart") != "1" || last.Query.Get("type") != "audio" {
		t.Errorf("create request %s %v", last.Method, last.Query)
	}
}

func TestContractCreateIsNotRepeatedAfterACutAnswer(t *testing.T) {
	e := newEnv(t, plextest.Options{Tracks: 50}, false, nil)
	owned := e.f.Owned()
	s := e.server(t, owned)
	n := len(owned.Playlists())
	e.f.Inject(plextest.Fault{Host: owned.MachineID(), Method: http.MethodPost, Path: "/playlists", Truncate: true, Times: 1})
	_, err := s.CreatePlaylist(context.Background(), "Once", []string{owned.Tracks("1")[0].RatingKey})
	if err == nil || !plex.IsTransient(err) {
		t.Fatalf("got %v", err)
	}
	if got := len(owned.Playlists()); got != n+1 {
		t.Errorf("%d playlists created, want exactly one", got-n)
	}
}

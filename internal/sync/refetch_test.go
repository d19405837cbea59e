package sync_test

import (
	"context"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// A refetch holds the pages that match the stored items and writes only
// the signature when all of them do; a difference on the last page, or a
// new title over the same items, still replaces and records as before.
func TestRefetchKeepsOrReplacesItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t, plextest.Options{Seed: 49, Tracks: 200}, opts())
	f, o := e.fake, e.fake.Owned()
	var keys []string
	for _, tr := range o.Tracks("1")[:150] { // five pages of 37 (opts)
		keys = append(keys, tr.RatingKey)
	}
	pl := o.CreatePlaylist("Held", keys)
	e.sync(true, false)
	f.Advance(time.Minute)
	e.sync(false, false)
	versions := func() []string {
		t.Helper()
		vs, err := e.db.Versions(context.Background(), o.MachineID(), pl)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range vs {
			out = append(out, v.Title)
		}
		return out
	}
	if got := versions(); len(got) != 1 {
		t.Fatalf("versions after the first syncs: %q", got)
	}

	// Nothing changed: a full pass refetches every playlist and records nothing.
	before := historyRows(t, e)
	f.Advance(time.Minute)
	e.sync(true, false)
	assertMirror(t, e.db, f)
	if got := historyRows(t, e); got != before {
		t.Fatalf("a full pass over unchanged playlists added %d history rows", got-before)
	}

	// Only the last item differs: four pages are held before the fifth
	// tells.
	f.Advance(time.Minute)
	keys[len(keys)-1] = o.Tracks("1")[160].RatingKey
	o.SetPlaylistItems(pl, keys)
	e.sync(false, false)
	assertMirror(t, e.db, f)
	if got := versions(); len(got) != 2 {
		t.Fatalf("versions after the last item changed: %q", got)
	}

	// The same items under a new title: a version of its own.
	f.Advance(time.Minute)
	o.RenamePlaylist(pl, "Held, renamed")
	e.sync(false, false)
	assertMirror(t, e.db, f)
	if got := versions(); len(got) != 3 || got[2] != "Held, renamed" {
		t.Fatalf("versions after a rename: %q", got)
	}
	// And a full pass after it finds nothing more to record.
	before = historyRows(t, e)
	f.Advance(time.Minute)
	e.sync(true, false)
	if got := historyRows(t, e); got != before {
		t.Fatalf("a full pass after the rename added %d history rows", got-before)
	}
}

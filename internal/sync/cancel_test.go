package sync_test

import (
	"context"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// A pass cancelled at its very start (its first touch of the mirror) leaves
// the process able to sync: the daemon lives for days on one DB.
func TestPassCancelledAtStartLeavesNextPassWorking(t *testing.T) {
	e := newEnv(t, plextest.Options{Seed: 31, Tracks: 120}, opts())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := e.db.StartListing(ctx, db.KindArtist, db.KindAlbum, db.KindTrack); err == nil {
		t.Fatal("a cancelled start of a listing succeeded")
	}
	if _, err := e.syncer.Server(ctx, e.servers[0], true); err == nil {
		t.Fatal("a cancelled pass reported success")
	}
	e.sync(true, false)
	assertMirror(t, e.db, e.fake)
}

package daemon

import (
	"sync/atomic"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// A token revoked in the middle of a sync (the owned server's token rotated
// and the account token revoked as its first section is probed, so the
// server-token refresh is refused by plex.tv): the sync fails for that
// server, the token check it triggers finds the token rejected, the jobs
// pause, and nothing is marked removed.
func TestRevokedMidSyncPausesJobs(t *testing.T) {
	e := newFakeEnv(t)
	s := e.dm.sched
	s.RunNow(db.JobValidateToken)
	s.RunNow(db.JobSync)
	if got := e.lastStatus(t, db.JobSync); got != db.RunOK {
		t.Fatalf("first sync %s:\n%s", got, e.logs)
	}
	owned := e.fake.Owned()
	owned.RemoveTrack(owned.Tracks("1")[3].RatingKey) // a wrong completion would mark it removed
	var fired atomic.Bool
	e.fake.Inject(plextest.Fault{Host: owned.MachineID(), Path: "/library/sections/1/all", Times: 1, Before: func() {
		fired.Store(true)
		owned.RotateToken()
		e.fake.RevokeAccountToken()
	}})
	s.RunNow(db.JobSync)
	if !fired.Load() {
		t.Fatal("the sync never reached the first section")
	}
	if got := e.lastStatus(t, db.JobSync); got == db.RunOK || got == db.RunPaused {
		t.Fatalf("sync with the token revoked midway = %s, want failed or partial:\n%s", got, e.logs)
	}
	s.triggered.Wait() // the token check the sync asked for
	if st := e.tokenState(t); st.State != db.TokenRejected {
		t.Fatalf("token state after a mid-sync revocation = %+v, want rejected:\n%s", st, e.logs)
	}
	s.RunNow(db.JobSync)
	if got := e.lastStatus(t, db.JobSync); got != db.RunPaused {
		t.Errorf("sync after the revocation = %s, want paused", got)
	}
	if n := e.count(t, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`) +
		e.count(t, `SELECT count(*) FROM playlists WHERE removed_at IS NOT NULL`) +
		e.count(t, `SELECT count(*) FROM servers WHERE removed_at IS NOT NULL`); n != 0 {
		t.Errorf("%d rows marked removed after a mid-sync revocation", n)
	}
}

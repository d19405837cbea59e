package daemon

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
)

// LoudRejected is the one line logged when plex.tv rejects the token.
const LoudRejected = "plex.tv rejected the token: run 'plexm8-sync login', or fix or unset PLEXM8_TOKEN if the token comes from it"

// tokenTracker is the token's state machine. Rejected (by a plex.tv 401) or
// missing credentials pause the jobs that need the token; only a successful
// check ends that. A transient failure changes nothing but the error shown:
// it never discards the token or pauses the jobs.
type tokenTracker struct {
	log     *slog.Logger
	db      *db.DB
	now     func() time.Time
	metrics *Metrics

	mu sync.Mutex
	db.TokenState
	// loud is set once the loud line was logged for the current rejection.
	loud bool
	// noToken is set while there are no usable credentials.
	noToken bool
	// onResume is called (outside the lock) when a paused token works again.
	onResume func()
}

func newTokenTracker(ctx context.Context, log *slog.Logger, d *db.DB, now func() time.Time, m *Metrics) *tokenTracker {
	t := &tokenTracker{log: log, db: d, now: now, metrics: m, TokenState: db.TokenState{State: db.TokenUnknown, Since: now().Unix()}}
	// Keep "rejected since T" across restarts: the rejection is older than
	// this process. A record that cannot be read is as good as none.
	if prev, err := d.TokenState(ctx); err == nil && prev != nil && prev.State != "" {
		t.TokenState = *prev
	}
	m.setToken(t.State)
	return t
}

// paused reports whether jobs that need the token should pause.
func (t *tokenTracker) paused() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pausedLocked()
}

// pausedLocked: rejected by plex.tv, or no usable credentials at all (never
// signed in, or a damaged file: state unknown with no token to try).
func (t *tokenTracker) pausedLocked() bool {
	return t.State == db.TokenRejected || (t.State == db.TokenUnknown && t.noToken)
}

func (t *tokenTracker) snapshot() db.TokenState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.TokenState
}

const errNotSignedIn = "not signed in"

// ok records a successful check of the token id names (account.TokenID),
// signed in as account.
func (t *tokenTracker) ok(ctx context.Context, id, account string) {
	t.mu.Lock()
	wasPaused := t.pausedLocked()
	now := t.now().Unix()
	if t.State != db.TokenOK || t.TokenID != id {
		t.Since = now
	}
	t.State, t.CheckedAt, t.Account, t.Error, t.loud, t.noToken = db.TokenOK, now, account, "", false, false
	t.TokenID = id
	resume := t.onResume
	t.mu.Unlock()
	if wasPaused {
		t.log.Info("plex.tv accepts the token again; jobs resume", "account", account)
	}
	t.save(ctx)
	if wasPaused && resume != nil {
		resume()
	}
}

// rejected records a plex.tv 401 for the token id names. The loud line is
// logged once per rejection of a token, not on every check that confirms
// it.
func (t *tokenTracker) rejected(ctx context.Context, id string, err error) {
	t.mu.Lock()
	now := t.now().Unix()
	if t.State != db.TokenRejected || t.TokenID != id {
		t.Since, t.loud = now, false
	}
	if t.TokenID != id {
		t.Account = "" // the account was another token's
	}
	t.State, t.CheckedAt, t.Error, t.TokenID = db.TokenRejected, now, "plex.tv answered 401 Unauthorized", id
	first := !t.loud
	t.loud = true
	t.mu.Unlock()
	if first {
		t.log.Error(LoudRejected, "err", err, "paused", "refresh_resources, sync, full_sync")
	} else {
		t.log.Debug("the token is still rejected", "err", err)
	}
	t.save(ctx)
}

// noCredentials records that there is no token to try: never signed in
// (err is account.ErrNotSignedIn) or a damaged credentials file.
func (t *tokenTracker) noCredentials(ctx context.Context, err error, neverSignedIn bool) {
	msg := err.Error()
	if neverSignedIn {
		msg = errNotSignedIn
	}
	t.mu.Lock()
	now := t.now().Unix()
	if t.State != db.TokenUnknown || t.Error != msg {
		t.Since = now
		t.loud = false // a new reason deserves its own line
	}
	t.State, t.CheckedAt, t.Error, t.Account, t.noToken, t.TokenID = db.TokenUnknown, now, msg, "", true, ""
	first := !t.loud
	t.loud = true
	t.mu.Unlock()
	if first {
		if neverSignedIn {
			t.log.Error("not signed in to plex.tv: run 'plexm8-sync login'; jobs wait until then")
		} else {
			t.log.Error("the stored credentials cannot be used; jobs wait until 'plexm8-sync login' replaces them", "err", err)
		}
	}
	t.save(ctx)
}

// transient records a failed check that says nothing about the token id
// names. What was known of another token does not carry over to it.
func (t *tokenTracker) transient(ctx context.Context, id string, err error) {
	t.mu.Lock()
	t.CheckedAt = t.now().Unix()
	if t.TokenID != id {
		t.State, t.Since, t.Account, t.TokenID, t.loud = db.TokenUnknown, t.CheckedAt, "", id, false
	}
	if t.State != db.TokenRejected {
		t.Error = err.Error()
	}
	t.noToken = false // a token was read and tried
	t.mu.Unlock()
	t.log.Warn("could not check the token with plex.tv; keeping it and trying again on schedule", "err", err)
	t.save(ctx)
}

func (t *tokenTracker) save(ctx context.Context) {
	rec := t.snapshot()
	t.metrics.setToken(rec.State)
	if err := t.db.SetTokenState(context.WithoutCancel(ctx), rec, t.now().Unix()); err != nil {
		t.log.Warn("could not record the token state", "err", err)
	}
}

package account_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// signInRig is a fake plex.tv, a client for it, and a clock the test
// drives: every reading is step later than the one before. Ticks are
// handed out by the test, so no poll waits on real time.
type signInRig struct {
	f      *plextest.Fake
	client *plex.Client
	dir    string
	ticks  chan time.Time

	mu    sync.Mutex
	start time.Time
	step  time.Duration
	reads int
	// fakeNow is plex.tv's own clock, fixed unless a test moves it.
	fakeNow time.Time
}

func newSignInRig(t *testing.T) *signInRig {
	t.Helper()
	r := &signInRig{
		dir: t.TempDir(), ticks: make(chan time.Time, 100),
		start: time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC), fakeNow: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
	}
	f, err := plextest.Start(plextest.Options{Seed: 1, Tracks: 10, Now: func() time.Time {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.fakeNow
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	r.f = f
	r.client, err = plex.New(plex.Options{
		TVURL: f.TVURL(), ClientsURL: f.ClientsURL(), RootCAs: f.RootCAs(),
		Identity:     plex.Identity{Product: "PlexM8 test", Version: "test", ClientID: "test-client", DeviceName: "test"},
		MaxRetryWait: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *signInRig) now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	return r.start.Add(time.Duration(r.reads-1) * r.step)
}

// options polls again as soon as the caller has been told of a wait, and
// records the times it was told.
func (r *signInRig) options(waits *[]time.Time, also func(n int)) account.SignInOptions {
	return account.SignInOptions{
		Now: r.now, Ticks: r.ticks,
		Waiting: func(now time.Time) {
			*waits = append(*waits, now)
			if also != nil {
				also(len(*waits))
			}
			r.ticks <- now
		},
	}
}

func TestSignInPollsUntilApproved(t *testing.T) {
	r := newSignInRig(t)
	r.step = time.Second
	var shown account.Link
	var waits []time.Time
	o := r.options(&waits, func(n int) {
		if n == 3 { // the user approves while the third wait is shown
			r.f.ClaimPendingPINs()
		}
	})
	o.Show = func(l account.Link) { shown = l }
	c, err := account.SignIn(t.Context(), r.client, r.dir, o)
	if err != nil {
		t.Fatal(err)
	}
	// The expiry is on our clock: the lifetime plex.tv gave, from when we
	// made the PIN, not the fake's 2025 expiresAt.
	if !shown.Start.Equal(r.start) || !shown.Deadline.Equal(r.start.Add(30*time.Minute)) ||
		!strings.HasPrefix(shown.URL, "https://app.plex.tv/auth#?clientID=test-client&code="+shown.PIN.Code) {
		t.Errorf("link %+v", shown)
	}
	want := []time.Time{r.start.Add(time.Second), r.start.Add(2 * time.Second), r.start.Add(3 * time.Second)}
	if len(waits) != 3 || !waits[0].Equal(want[0]) || !waits[2].Equal(want[2]) {
		t.Errorf("waits at %v, want %v", waits, want)
	}
	// Saved at the clock's next reading, after the fourth poll.
	if c.Username != "plexm8_user" || c.Token.IsZero() || !c.SavedAt.Equal(r.start.Add(4*time.Second)) {
		t.Errorf("credentials %+v", c)
	}
	stored, err := account.Load(r.dir)
	if err != nil || stored.Username != c.Username || !stored.Token.Equal(c.Token) || !stored.SavedAt.Equal(c.SavedAt) {
		t.Errorf("stored %+v, %v", stored, err)
	}
}

func TestSignInGivesUpByOurClock(t *testing.T) {
	r := newSignInRig(t)
	r.step = 10 * time.Minute // plex.tv's clock stands still: only ours can expire the link
	var waits []time.Time
	_, err := account.SignIn(t.Context(), r.client, r.dir, r.options(&waits, nil))
	if !errors.Is(err, account.ErrSignInExpired) {
		t.Fatalf("err %v, want ErrSignInExpired", err)
	}
	// Polls at 10, 20 and 30 minutes wait; at 40, past 30m and the grace,
	// it stops.
	if len(waits) != 3 {
		t.Errorf("waits %v, want 3", waits)
	}
	if _, err := account.Load(r.dir); !errors.Is(err, account.ErrNotSignedIn) {
		t.Errorf("credentials after an expired sign-in: %v", err)
	}
}

func TestSignInStopsWhenPlexSaysExpired(t *testing.T) {
	r := newSignInRig(t)
	var waits []time.Time
	_, err := account.SignIn(t.Context(), r.client, r.dir, r.options(&waits, func(int) {
		r.mu.Lock()
		r.fakeNow = r.fakeNow.Add(time.Hour)
		r.mu.Unlock()
	}))
	if !errors.Is(err, account.ErrSignInExpired) || len(waits) != 1 {
		t.Errorf("err %v after %d waits; want ErrSignInExpired after 1", err, len(waits))
	}
}

func TestSignInRetriesAFailedPoll(t *testing.T) {
	r := newSignInRig(t)
	r.f.Inject(plextest.Fault{Host: "plex.tv", Method: http.MethodGet, Path: "/api/v2/pins/", Status: http.StatusBadRequest, Times: 1})
	var waits []time.Time
	var retried []error
	o := r.options(&waits, func(int) { r.f.ClaimPendingPINs() })
	o.Retrying = func(err error) { retried = append(retried, err) }
	if _, err := account.SignIn(t.Context(), r.client, r.dir, o); err != nil {
		t.Fatal(err)
	}
	if len(retried) != 1 || len(waits) != 1 {
		t.Errorf("retried %v, waits %d; want one failed poll, then the approval", retried, len(waits))
	}
}

func TestSignInCancelled(t *testing.T) {
	r := newSignInRig(t)
	ctx, cancel := context.WithCancel(t.Context())
	o := account.SignInOptions{Now: r.now, Ticks: r.ticks, Show: func(account.Link) { cancel() }}
	if _, err := account.SignIn(ctx, r.client, r.dir, o); !errors.Is(err, account.ErrSignInCancelled) {
		t.Fatalf("err %v, want ErrSignInCancelled", err)
	}
	if _, err := account.Load(r.dir); !errors.Is(err, account.ErrNotSignedIn) {
		t.Errorf("credentials after a cancelled sign-in: %v", err)
	}
	// Cancelled before plex.tv answered the first request.
	if _, err := account.SignIn(ctx, r.client, r.dir, o); !errors.Is(err, account.ErrSignInCancelled) {
		t.Errorf("err %v, want ErrSignInCancelled", err)
	}
}

package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex"
)

// ErrSignInExpired is the error of a sign-in whose link expired before the
// user approved it.
var ErrSignInExpired = errors.New("the sign-in link expired before it was approved: run 'plexm8-sync login' again")

// ErrSignInCancelled is the error of a sign-in its context ended: nothing
// was saved.
var ErrSignInCancelled = errors.New("sign-in cancelled; nothing was saved")

// expiryGrace is how long past the PIN's expiry, by our clock, SignIn keeps
// asking plex.tv before it gives up by itself.
const expiryGrace = 10 * time.Second

// Link is what the user needs to approve a sign-in.
type Link struct {
	PIN plex.PIN
	// URL is the page at app.plex.tv where the user approves the sign-in.
	URL string
	// Start is when the PIN was made and Deadline when it expires, both by
	// our clock; Deadline is zero when plex.tv gave no lifetime.
	Start, Deadline time.Time
}

// SignInOptions are the clock of SignIn and what it tells its caller, who
// does the printing.
type SignInOptions struct {
	// Now is our clock; nil means time.Now.
	Now func() time.Time
	// Every is the pause between polls; 0 means a second. Ticks, when set,
	// is used instead of a ticker of Every.
	Every time.Duration
	Ticks <-chan time.Time
	// Show is told the link to open, before the first poll.
	Show func(Link)
	// Waiting is told the time after each poll that found the PIN not yet
	// approved (a countdown's tick).
	Waiting func(now time.Time)
	// Retrying is told of a poll that failed and will be tried again.
	Retrying func(err error)
}

// SignIn runs plex.tv's PIN flow: it creates a strong PIN, shows its link,
// polls until the user approves it, checks the token that yields and saves
// the credentials in stateDir. It gives up with ErrSignInExpired when
// plex.tv says the PIN expired or, by our clock, shortly after its
// lifetime; ErrSignInCancelled when ctx ends first. Nothing is saved unless
// it succeeds.
//
// The expiry is reckoned from the lifetime plex.tv gave (plex.PIN.ExpiresIn)
// and our clock, not from its expiresAt, which is on plex.tv's clock.
func SignIn(ctx context.Context, client *plex.Client, stateDir string, o SignInOptions) (Credentials, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Every <= 0 {
		o.Every = time.Second
	}
	pin, err := client.CreatePIN(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return Credentials{}, ErrSignInCancelled
		}
		return Credentials{}, err // "create sign-in PIN: ..." from plex
	}
	link := Link{PIN: pin, URL: client.AuthURL(pin), Start: o.Now(), Deadline: pin.ExpiresAt}
	if pin.ExpiresIn > 0 {
		link.Deadline = link.Start.Add(pin.ExpiresIn)
	}
	if o.Show != nil {
		o.Show(link)
	}
	ticks := o.Ticks
	if ticks == nil {
		t := time.NewTicker(o.Every)
		defer t.Stop()
		ticks = t.C
	}
	for {
		p, err := client.CheckPIN(ctx, pin.ID)
		switch {
		case ctx.Err() != nil:
			return Credentials{}, ErrSignInCancelled
		case errors.Is(err, plex.ErrPINExpired):
			return Credentials{}, ErrSignInExpired
		case err != nil:
			if o.Retrying != nil {
				o.Retrying(err)
			}
		case !p.AuthToken.IsZero():
			return save(ctx, client, stateDir, p, o.Now)
		}
		now := o.Now()
		if !link.Deadline.IsZero() && now.After(link.Deadline.Add(expiryGrace)) {
			return Credentials{}, ErrSignInExpired
		}
		if o.Waiting != nil {
			o.Waiting(now)
		}
		select {
		case <-ctx.Done():
			return Credentials{}, ErrSignInCancelled
		case <-ticks:
		}
	}
}

// save checks the token of the approved PIN p with plex.tv, which also
// names its account, and stores both.
func save(ctx context.Context, client *plex.Client, stateDir string, p plex.PIN, now func() time.Time) (Credentials, error) {
	user, err := client.User(ctx, p.AuthToken)
	if ctx.Err() != nil {
		return Credentials{}, ErrSignInCancelled
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("the sign-in was approved but could not be completed: %w", err)
	}
	c := Credentials{Token: p.AuthToken, Username: user.Username, SavedAt: now()}
	if err := Save(stateDir, c); err != nil {
		return Credentials{}, err
	}
	return c, nil
}

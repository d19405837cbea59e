package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

func init() {
	register(&command{
		name:    "login",
		summary: "sign in to plex.tv (PIN flow) and store the token",
		help: `Signs this installation in to plex.tv. It prints a link to app.plex.tv and
waits while you open it and approve the sign-in; then it stores the token in
the state directory (credentials.json, mode 0600). The same client identifier
is used forever, so Plex lists one "PlexM8" device however often you log in.

PLEXM8_TOKEN, when set, is used instead of the stored token by every command.

Example:
  plexm8-sync login`,
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usageErrorf("login takes no arguments")
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			client, err := a.newPlexClient(cfg)
			if err != nil {
				return err
			}
			return a.login(ctx, client, cfg.StateDir, time.Second, nil)
		},
	})
	register(&command{
		name:    "logout",
		summary: "forget the stored plex.tv token",
		help: `Deletes the stored credentials. The mirror database is left as it is, and
stays queryable. To also revoke the device, remove "PlexM8" under Authorized
Devices in your Plex account settings.

Example:
  plexm8-sync logout`,
		run: func(_ context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usageErrorf("logout takes no arguments")
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			if err := account.Delete(cfg.StateDir); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Signed out: removed %s\n", account.Path(cfg.StateDir))
			return nil
		},
	})
}

// login runs the PIN flow: create a strong PIN, show the link, poll until the
// user claims it. shown, when set, is told the PIN (the demo claims it).
func (a *app) login(ctx context.Context, client *plex.Client, stateDir string, every time.Duration, shown func(plex.PIN)) error {
	pin, err := client.CreatePIN(ctx)
	if err != nil {
		return fmt.Errorf("start sign-in: %w", err)
	}
	fmt.Fprintf(a.Stdout, "To sign in, open this link in a browser and approve PlexM8:\n\n  %s\n\nWaiting (the link expires at %s)...\n",
		client.AuthURL(pin), pin.ExpiresAt.Local().Format(time.Kitchen))
	if shown != nil {
		shown(pin)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		p, err := client.CheckPIN(ctx, pin.ID)
		switch {
		case errors.Is(err, plex.ErrPINExpired):
			return errors.New("the sign-in link expired before it was approved: run 'plexm8-sync login' again")
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			a.Logger().Warn("checking sign-in failed; retrying", "err", err)
		case !p.AuthToken.IsZero():
			user, err := client.User(ctx, p.AuthToken)
			if err != nil {
				return fmt.Errorf("check the new token: %w", err)
			}
			if err := account.Save(stateDir, account.Credentials{Token: p.AuthToken, Username: user.Username, SavedAt: time.Now()}); err != nil {
				return err
			}
			fmt.Fprintf(a.Stdout, "Signed in as %s. Token saved in %s (mode 0600).\n", user.Username, account.Path(stateDir))
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

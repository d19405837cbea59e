package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/logging"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

// newPlexClient builds the client every command that talks to Plex uses,
// with this installation's stable client identifier.
func (a *app) newPlexClient(cfg *config.Config) (*plex.Client, error) {
	id, err := account.LoadOrCreateClientID(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	o := plex.Options{
		TVURL:      cfg.Plex.TVURL,
		ClientsURL: cfg.Plex.ClientsURL,
		Identity: plex.Identity{
			Product: cfg.Plex.Product, Version: version, ClientID: id,
			Platform: runtime.GOOS, PlatformVersion: runtime.GOARCH, Device: "PlexM8 sync",
			DeviceName: cfg.Plex.DeviceName,
		},
		RequestsPerSecond: cfg.Plex.RequestsPerSecond,
		MaxConcurrency:    cfg.Plex.Concurrency,
		Logger:            a.Logger(),
	}
	for _, f := range a.plexOptions {
		f(&o)
	}
	c, err := plex.New(o)
	if err != nil {
		return nil, fmt.Errorf("plex client: %w", err)
	}
	return c, nil
}

// token is PLEXM8_TOKEN when set, else the stored credentials (with a
// warning on the log when their file is readable by others).
func (a *app) token(cfg *config.Config) (secret.Value, error) {
	if !cfg.Token.IsZero() {
		return cfg.Token, nil
	}
	c, err := account.Load(cfg.StateDir)
	if err != nil {
		return secret.Value{}, err
	}
	if c.Warning != "" {
		a.Logger().Warn(c.Warning)
	}
	return c.Token, nil
}

// explain turns errors a user can act on into what to do next.
func (a *app) explain(err error) error {
	switch {
	case errors.Is(err, plex.ErrUnauthorized) && a.cfg != nil && !a.cfg.Token.IsZero():
		// Signing in again stores a token PLEXM8_TOKEN would still
		// override: the variable is what must change.
		return fmt.Errorf("%w\nplex.tv does not accept the token in %s: correct the variable, or unset it to use the token 'plexm8-sync login' stores", err, config.EnvToken)
	case errors.Is(err, plex.ErrUnauthorized):
		return fmt.Errorf("%w\nplex.tv no longer accepts the stored token: run 'plexm8-sync login' to sign in again", err)
	case errors.Is(err, plex.ErrNoConnection):
		return fmt.Errorf("%w\nnone of the server's connections answered: check that it is running, or set plex.connections in the config", err)
	}
	return err
}

// isTerminal reports whether w is a terminal we may draw on (a progress bar,
// a countdown). It is logging's check, the program's only one.
func isTerminal(w io.Writer) bool { return logging.IsTerminal(w) }

// openDB opens the configured database. Read-only opens take no lock and
// apply no migration, so queries work beside a running sync and while Plex
// is unreachable; a writing open migrates and takes the writer lock.
func (a *app) openDB(ctx context.Context, readOnly bool) (*db.DB, error) {
	cfg, err := a.Config()
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.Database.Path, db.Options{ReadOnly: readOnly})
	return d, explainDamaged(err)
}

// damagedError is an error about a damaged database file with the way back
// appended; its type keeps the advice from being appended twice.
type damagedError struct{ err error }

func (e *damagedError) Error() string {
	msg := e.err.Error() + "\nplexm8-sync cannot repair a damaged database; restore it from a backup:\n" +
		"  plexm8-sync backup --list              # the backups, newest first\n" +
		"  plexm8-sync backup restore FILE        # stop the daemon first; the damaged file is kept beside it"
	if errors.Is(e.err, db.ErrForeignDatabase) {
		msg += "\nIf database.path (or PLEXM8_DB) names the wrong file, correct it instead."
	}
	return msg
}

func (e *damagedError) Unwrap() error { return e.err }

// explainDamaged adds what to do to an error that says the database file is
// damaged. Damage is often met only by the query that reads a bad page, so
// every command's error passes through here, not only opening's.
func explainDamaged(err error) error {
	if !db.IsDamaged(err) {
		return err
	}
	if de := (*damagedError)(nil); errors.As(err, &de) {
		return err
	}
	return &damagedError{err}
}

// plexAndWriter opens what a command that mirrors needs: the Plex client and
// the database for writing, which takes the writer lock (so a second sync
// or daemon is refused here, before any request is made).
func (a *app) plexAndWriter(ctx context.Context, cfg *config.Config) (*plex.Client, *db.DB, error) {
	client, err := a.newPlexClient(cfg)
	if err != nil {
		return nil, nil, err
	}
	d, err := a.openDB(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	return client, d, nil
}

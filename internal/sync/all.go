package sync

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

// ConfigOptions are the Options cfg asks for, with the caller's clock,
// logger and progress. The daemon and the sync command both build theirs
// here, so a setting cannot reach one and miss the other.
func ConfigOptions(cfg *config.Config, now func() time.Time, log *slog.Logger, progress Progress) Options {
	return Options{
		PageSize: cfg.Plex.PageSize, Concurrency: cfg.Plex.Concurrency, KeepVersions: cfg.History.KeepVersions,
		Now: now, Logger: log, Progress: progress,
	}
}

// AllResult is what All did over the servers.
type AllResult struct {
	// Servers is how many servers were selected.
	Servers int
	// Done counts the passes that ended without an error.
	Done int
	// Totals sums the counts of every pass, cut-short ones included.
	Totals Counts
	// Errors are the failed passes' errors, in the order of the servers.
	Errors []error
	// Unauthorized is set when a server refused the token even after the
	// server token was fetched afresh: whether the account token still
	// works is then for plex.tv to say.
	Unauthorized bool
}

// Err joins the failed passes' errors; nil when every pass completed.
func (r *AllResult) Err() error { return errors.Join(r.Errors...) }

// All lists the account's servers (want: names or machine identifiers, all
// when empty; overrides: a connection per server, as Servers takes) and
// runs one pass over each in turn. each, when set, is given every pass's
// Result as soon as the pass ends. A failed pass does not stop the rest,
// but a cancelled ctx ends the loop at the pass it cut short.
//
// When the servers cannot be listed, All returns a nil AllResult and that
// error; otherwise the AllResult and the passes' errors joined (r.Err()).
func (s *Syncer) All(ctx context.Context, tok secret.Value, want []string, overrides map[string]string, full bool, each func(*Result)) (*AllResult, error) {
	servers, err := s.Servers(ctx, tok, want, overrides)
	if err != nil {
		return nil, err
	}
	all := &AllResult{Servers: len(servers)}
	for _, srv := range servers {
		res, err := s.Server(ctx, srv, full)
		if res != nil {
			t := res.Totals()
			all.Totals.Added += t.Added
			all.Totals.Updated += t.Updated
			all.Totals.Removed += t.Removed
			if each != nil {
				each(res)
			}
		}
		if err != nil {
			all.Errors = append(all.Errors, err)
			all.Unauthorized = all.Unauthorized || errors.Is(err, plex.ErrUnauthorized)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		all.Done++
	}
	return all, all.Err()
}

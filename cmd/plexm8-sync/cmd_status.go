package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/status"
)

func statusCommand() *command {
	return &command{
		name:    "status",
		args:    "[--json]",
		summary: "show the token, servers, jobs, mirror and backups (offline)",
		help: `Prints, from the local database and the stored credentials only (no network):

  - the token in use now, and where it comes from (the credentials file
    'login' writes, or PLEXM8_TOKEN): ok, rejected by plex.tv since when,
    not checked yet, signed out, or never signed in;
  - whether the daemon runs, and each job's last run (start, duration,
    result, counts) and, while the daemon runs, its next run;
  - each server with the connection the last sync used, when a sync last
    talked to it, and what is mirrored from it;
  - the database's size and the last good backup.

It works while the daemon runs and while Plex is unreachable. The token state
is what the daemon last saw of the token in use now: 'status' itself never
asks plex.tv. Before the first sync there is no database yet; 'status' says
so and does not create one.

--json prints the same as one JSON object whose shape is documented in
docs/operations.md ("status --json") and only ever grows: fields are added, never
renamed or removed. Times are RFC 3339 in UTC, null when unknown.

Examples:
  plexm8-sync status
  plexm8-sync status --json | jq -r .token.state`,
		setup: func(fs *flag.FlagSet) runFunc {
			asJSON := fs.Bool("json", false, "print one JSON object for scripts and monitoring")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("status takes no arguments")
				}
				cfg, err := a.Config()
				if err != nil {
					return err
				}
				rep, err := a.statusReport(ctx, cfg)
				if err != nil {
					return err
				}
				if *asJSON {
					enc := json.NewEncoder(a.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				}
				return printStatus(a.Stdout, rep, a.terminalWidth(a.Stdout))
			}
		},
	}
}

// statusReport builds the report; before the first sync there is no
// database, which is news to report, not an error.
func (a *app) statusReport(ctx context.Context, cfg *config.Config) (*status.Report, error) {
	if cfg.Database.Path != "" {
		path, err := filepath.Abs(cfg.Database.Path)
		if err != nil {
			return nil, fmt.Errorf("database path %q: %w", cfg.Database.Path, err)
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return status.BuildWithoutDatabase(cfg, path, a.Now()), nil
		}
	}
	d, err := a.openDB(ctx, true)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return status.Build(ctx, d, cfg, a.Now())
}

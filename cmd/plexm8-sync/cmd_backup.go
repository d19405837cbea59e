package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path"
	"time"

	"github.com/plexm8/plexm8-sync/internal/backup"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/table"
)

// exampleBackupPath is where a backup of a user's default setup lives, as
// config and backup name it (state_dir/backups/plexm8-<UTC time>.db), so
// the example cannot drift from the code's default. A fixed time and "~"
// keep the generated reference the same on every machine.
func exampleBackupPath() string {
	return path.Join(config.UserDefaults("~").Backup.Dir, backup.Name(time.Date(2026, 12, 1, 4, 30, 0, 0, time.UTC)))
}

func backupCommand() *command {
	return &command{
		name:    "backup",
		args:    "[-o FILE [--force]] [--json] | --list [--json]",
		summary: "back up the database now, or list the backups",
		help: `Writes a consistent copy of the database while everything else keeps running
(the daemon too: the copy is read from a snapshot and never holds the writer).
The copy counts only once PRAGMA integrity_check passed on it; a bad copy is
discarded and the earlier backups stay. Backups never contain the Plex token:
it is not stored in the database.

Without -o the copy goes into backup.dir as plexm8-YYYYMMDDTHHMMSSZ.db (UTC,
so the names sort by age), and only the backup.keep newest are kept, exactly
as the daemon's scheduled backup does. With -o it goes to FILE, outside the
rotation; an existing FILE is refused unless --force is given. --list shows
the backups in backup.dir, newest first. --json prints the result as JSON:
the backup taken ({"file", "taken", "bytes", "removed", "recorded"}), or with
--list the backups ([{"file", "taken", "bytes"}], taken in Unix seconds).

To restore one, see 'plexm8-sync backup restore --help'.

Examples:
  plexm8-sync backup
  plexm8-sync backup -o /mnt/usb/plexm8.db
  plexm8-sync backup --list`,
		setup: func(fs *flag.FlagSet) runFunc {
			out := fs.String("o", "", "write the backup to `FILE` instead of backup.dir (no rotation)")
			force := fs.Bool("force", false, "with -o: replace FILE if it exists")
			list := fs.Bool("list", false, "list the backups in backup.dir, newest first")
			asJSON := fs.Bool("json", false, "print JSON: the backup taken, or with --list the backups")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("backup takes no arguments (to restore one: plexm8-sync backup restore FILE)")
				}
				if *list && *out != "" {
					return usageErrorf("--list and -o do not go together")
				}
				if *force && *out == "" {
					return usageErrorf("--force goes with -o FILE (backups in backup.dir never replace one another)")
				}
				if *list {
					return a.listBackups(*asJSON)
				}
				return a.takeBackup(ctx, *out, *force, *asJSON)
			}
		},
	}
}

func backupRestoreCommand() *command {
	return &command{
		name:    "backup restore",
		args:    "FILE",
		summary: "replace the database with a backup (the daemon must be stopped)",
		help: `Replaces the database with FILE, a backup taken by 'plexm8-sync backup' or the
daemon. FILE is checked (PRAGMA integrity_check) before anything is touched,
and the current database is kept beside it as <database>.before-restore.
It refuses while the daemon or a sync has the database open: stop it first,
restore, then start it again. It works on a damaged database too: that is
what it is for.

Examples:
  plexm8-sync backup --list
  plexm8-sync service stop      # or Ctrl-C the foreground 'run'
  plexm8-sync backup restore ` + exampleBackupPath() + `
  plexm8-sync service start`,
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) != 1 {
				return usageErrorf("backup restore needs one FILE (see plexm8-sync backup --list)")
			}
			cfg, err := a.Config()
			if err != nil {
				return err
			}
			if err := db.Restore(ctx, cfg.Database.Path, args[0]); err != nil {
				var le *db.LockedError
				switch {
				case errors.As(err, &le):
					return fmt.Errorf("%w\nnothing was restored: stop the daemon (plexm8-sync service stop, or Ctrl-C 'plexm8-sync run') and try again", err)
				case errors.Is(err, db.ErrCorrupt):
					// The backup is what is wrong, not database.path: the
					// way on is another backup.
					return fmt.Errorf("%w\n%s is not a valid, intact PlexM8 database, so nothing was restored.\n"+
						"Choose another backup: plexm8-sync backup --list", err, args[0])
				}
				return err
			}
			fmt.Fprintf(a.Stdout, "Restored %s from %s.\nThe previous database is kept as %s.before-restore; delete it once you are happy.\n",
				cfg.Database.Path, args[0], cfg.Database.Path)
			return nil
		},
	}
}

func (a *app) takeBackup(ctx context.Context, out string, force, asJSON bool) error {
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	// The writer open records the run for status, as the daemon's backup
	// job does; with the daemon running it is taken from the read-only
	// side, unrecorded.
	d, err := a.openDB(ctx, false)
	recorded := true
	if le := (*db.LockedError)(nil); errors.As(err, &le) {
		recorded = false
		d, err = a.openDB(ctx, true)
	}
	if err != nil {
		return err
	}
	defer d.Close()
	take := backup.Run
	if !recorded {
		take = backup.Take
	}
	res, err := take(ctx, d, cfg.Backup.Dir, backup.Options{Keep: cfg.Backup.Keep, File: out, Overwrite: force})
	if errors.Is(err, backup.ErrExists) {
		return fmt.Errorf("%w\nchoose another FILE, or add --force to replace it", err)
	}
	if err != nil {
		return err
	}
	if asJSON {
		removed := res.Removed
		if removed == nil {
			removed = []string{}
		}
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			File     string   `json:"file"`
			Taken    int64    `json:"taken"`
			Bytes    int64    `json:"bytes"`
			Removed  []string `json:"removed"`
			Recorded bool     `json:"recorded"`
		}{res.Path, res.Time.Unix(), res.Bytes, removed, recorded})
	}
	fmt.Fprintf(a.Stdout, "Backup written: %s (%s, integrity ok)\n", res.Path, format.Bytes(res.Bytes))
	for _, r := range res.Removed {
		fmt.Fprintf(a.Stdout, "Removed old backup %s (backup.keep is %d)\n", r, cfg.Backup.Keep)
	}
	if !recorded {
		fmt.Fprintln(a.Stdout, "The daemon holds the database, so this backup is not in its job history ('status'); 'backup --list' shows it.")
	}
	return nil
}

func (a *app) listBackups(asJSON bool) error {
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	list, err := backup.List(cfg.Backup.Dir)
	if err != nil {
		return err
	}
	if asJSON {
		type item struct {
			File  string `json:"file"`
			Taken int64  `json:"taken"`
			Bytes int64  `json:"bytes"`
		}
		items := make([]item, 0, len(list))
		for _, b := range list {
			items = append(items, item{b.Path, b.Time.Unix(), b.Bytes})
		}
		enc := json.NewEncoder(a.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	if len(list) == 0 {
		fmt.Fprintf(a.Stdout, "No backups in %s yet. Take one with: plexm8-sync backup\n", cfg.Backup.Dir)
		return nil
	}
	if err := backupTable(a.Stdout, list, a.terminalWidth(a.Stdout)); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "%d backups (backup.keep is %d)\n", len(list), cfg.Backup.Keep)
	return nil
}

// backupTable writes the backups as a table fitted to width cells (0: no
// limit); a path too long for the line is cut, keeping the name's start.
func backupTable(out io.Writer, list []backup.Info, width int) error {
	w := table.New(out, []table.Column{
		{Key: "taken", Header: "TAKEN (local)"},
		{Key: "size", Header: "SIZE", Right: true},
		{Key: "file", Header: "FILE", Flex: true},
	}, table.Options{Width: width})
	for _, b := range list {
		if err := w.Row(format.Time(b.Time), format.Bytes(b.Bytes), b.Path); err != nil {
			return err
		}
	}
	return w.Close()
}

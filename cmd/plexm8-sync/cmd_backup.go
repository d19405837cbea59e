package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/plexm8/plexm8-sync/internal/backup"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
)

func backupCommand() *command {
	return &command{
		name:    "backup",
		args:    "[-o FILE] | --list",
		summary: "back up the database now, or list the backups",
		help: `Writes a consistent copy of the database while everything else keeps running
(the daemon too: the copy is read from a snapshot and never holds the writer).
The copy counts only once PRAGMA integrity_check passed on it; a bad copy is
discarded and the earlier backups stay. Backups never contain the Plex token:
it is not stored in the database.

Without -o the copy goes into backup.dir as plexm8-YYYYMMDDTHHMMSSZ.db (UTC,
so the names sort by age), and only the backup.keep newest are kept, exactly
as the daemon's scheduled backup does. With -o it goes to FILE, outside the
rotation. --list shows the backups in backup.dir, newest first.

To restore one, see 'plexm8-sync backup restore --help'.

Examples:
  plexm8-sync backup
  plexm8-sync backup -o /mnt/usb/plexm8.db
  plexm8-sync backup --list`,
		setup: func(fs *flag.FlagSet) runFunc {
			out := fs.String("o", "", "write the backup to `FILE` instead of backup.dir (no rotation)")
			list := fs.Bool("list", false, "list the backups in backup.dir, newest first")
			asJSON := fs.Bool("json", false, "with --list: print JSON")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("backup takes no arguments (to restore one: plexm8-sync backup restore FILE)")
				}
				if *list && *out != "" {
					return usageErrorf("--list and -o do not go together")
				}
				if *list {
					return a.listBackups(*asJSON)
				}
				return a.takeBackup(ctx, *out)
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
restore, then start it again.

Examples:
  plexm8-sync backup --list
  plexm8-sync service stop      # or Ctrl-C the foreground 'run'
  plexm8-sync backup restore ~/.local/state/plexm8-sync/backups/plexm8-20261201T043000Z.db
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
				if errors.As(err, &le) {
					return fmt.Errorf("%w\nnothing was restored: stop the daemon (plexm8-sync service stop, or Ctrl-C 'plexm8-sync run') and try again", err)
				}
				return err
			}
			fmt.Fprintf(a.Stdout, "Restored %s from %s.\nThe previous database is kept as %s.before-restore; delete it once you are happy.\n",
				cfg.Database.Path, args[0], cfg.Database.Path)
			return nil
		},
	}
}

func (a *app) takeBackup(ctx context.Context, out string) error {
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
	res, err := take(ctx, d, cfg.Backup.Dir, backup.Options{Keep: cfg.Backup.Keep, File: out})
	if err != nil {
		return err
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
	tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TAKEN (local)\tSIZE\tFILE")
	for _, b := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", format.Time(b.Time), format.Bytes(b.Bytes), b.Path)
	}
	_ = tw.Flush()
	fmt.Fprintf(a.Stdout, "%d backups (backup.keep is %d)\n", len(list), cfg.Backup.Keep)
	return nil
}

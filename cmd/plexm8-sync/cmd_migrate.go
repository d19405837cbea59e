package main

import (
	"context"
	"fmt"

	"github.com/plexm8/plexm8-sync/internal/db"
)

func migrateCommand() *command {
	return &command{
		name:    "migrate",
		summary: "create or upgrade the database schema",
		help: `Applies every pending schema migration to the database, each in its own
transaction, and prints the resulting version. Other commands migrate on open
too; run this by hand after an upgrade to see what changed. A database made by
a newer plexm8-sync is refused and left untouched.

Examples:
  plexm8-sync migrate
  PLEXM8_DB=/tmp/test.db plexm8-sync migrate`,
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usageErrorf("migrate takes no arguments")
			}
			d, err := a.openDB(ctx, false)
			if err != nil {
				return err
			}
			defer d.Close()
			v, err := d.SchemaVersion(ctx)
			if err != nil {
				return err
			}
			for _, m := range d.Applied() {
				fmt.Fprintf(a.Stdout, "applied migration %04d\n", m)
			}
			fmt.Fprintf(a.Stdout, "database %s is at schema version %d (latest %d)\n", d.Path(), v, db.LatestVersion())
			return nil
		},
	}
}

package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/plexm8/plexm8-sync/internal/table"
)

func sqlCommand() *command {
	return &command{
		name:    "sql",
		args:    "[--json|--csv] QUERY",
		summary: "run a read-only SQL query on the mirror (offline)",
		help: `Runs one SQL statement against the mirror and prints the result as aligned
columns (NULL shown as NULL), or with --json as an array of objects keyed by
the result's column names, or with --csv as CSV with a header row. The query
is exactly one statement (a trailing ";" is fine); an empty query, or several
statements, is refused with exit code 2. A query may begin with a comment
("-- top artists" and a newline): an argument starting with "-" that holds a
space is never a flag. Any other query starting with "-" goes after "--". It never
writes and never blocks a running sync: the connection is read-only, and
SQLite refuses anything but reading (INSERT, UPDATE, DELETE, ATTACH,
VACUUM INTO, CREATE, setting a PRAGMA), whatever the statement's wording.

The schema is documented in docs/schema.md: the views current_tracks,
current_albums, current_artists, current_playlists and playlist_tracks hold
the current state; tables keep removed rows with removed_at set.

Examples:
  plexm8-sync sql "SELECT artist_title, count(*) FROM current_tracks GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
  plexm8-sync sql "SELECT position, title, artist_title FROM playlist_tracks WHERE playlist_title = 'Road trip' ORDER BY position"
  plexm8-sync sql --csv "SELECT * FROM current_albums" > albums.csv
  plexm8-sync sql "$(cat top-artists.sql)"`,
		setup: func(fs *flag.FlagSet) runFunc {
			var out outputFlags
			out.define(fs)
			return func(ctx context.Context, a *app, args []string) error {
				// Flags may follow the query too.
				args, err := a.positionals(fs, args)
				if err != nil {
					return err
				}
				if len(args) != 1 {
					return usageErrorf("sql takes exactly one argument, the query (quote it)")
				}
				if err := oneStatement(args[0]); err != nil {
					return err
				}
				f, err := out.format()
				if err != nil {
					return err
				}
				d, err := a.openDB(ctx, true)
				if err != nil {
					return err
				}
				defer d.Close()
				return d.UserQuery(ctx, args[0], func(rows *sql.Rows) error {
					return printRows(a.Stdout, rows, f, a.terminalWidth(a.Stdout))
				})
			}
		},
	}
}

// printRows writes a query's result in format f; a table ends with its row
// count.
func printRows(w io.Writer, rows *sql.Rows, f table.Format, width int) error {
	names, err := rows.Columns()
	if err != nil {
		return err
	}
	cols := make([]table.Column, len(names))
	for i, n := range names {
		cols[i] = table.Column{Key: n, Header: n, Flex: true}
		if n == "" {
			cols[i].Header = "?"
		}
	}
	tw := table.New(w, cols, table.Options{Format: f, Width: width, Null: "NULL"})
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := tw.Row(vals...); err != nil {
			return err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if f == table.Text {
		_, err = fmt.Fprintf(w, "(%d rows)\n", n)
	}
	return err
}

// oneStatement refuses a query that is not exactly one statement: SQLite
// would run every statement and show only the last one's rows.
func oneStatement(q string) error {
	switch stmts := sqlStatements(q); len(stmts) {
	case 0:
		what := "empty"
		if strings.TrimSpace(q) != "" {
			what = "only a comment"
		}
		return usageErrorf("the query is %s: give one SQL statement, such as: plexm8-sync sql \"SELECT count(*) FROM current_tracks\"", what)
	case 1:
		return nil
	default:
		second := []rune(strings.Join(strings.Fields(stmts[1]), " "))
		if len(second) > 40 {
			second = append(second[:39], '…')
		}
		return usageErrorf("the query holds %d statements, and sql runs exactly one: run each with its own 'plexm8-sync sql' (the second begins %q)", len(stmts), string(second))
	}
}

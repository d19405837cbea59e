package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

func init() {
	register(&command{
		name:    "sql",
		args:    "QUERY",
		summary: "run a read-only SQL query on the mirror (offline)",
		help: `Runs one SQL statement against the mirror through a read-only connection and
prints the result as aligned columns (NULL shown as NULL). It never writes and
never blocks a running sync. The schema is documented in README.md; current
rows are those with removed_at IS NULL.

Examples:
  plexm8-sync sql "SELECT artist_title, count(*) FROM tracks WHERE removed_at IS NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 10"
  plexm8-sync sql "SELECT title, item_count FROM playlists WHERE removed_at IS NULL"`,
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) != 1 {
				return usageErrorf("sql takes exactly one argument, the query (quote it)")
			}
			d, err := a.openDB(ctx, true)
			if err != nil {
				return err
			}
			defer d.Close()
			return runSQL(ctx, a.Stdout, d.R(), args[0])
		},
	})
}

func runSQL(ctx context.Context, w io.Writer, r *sql.DB, q string) error {
	rows, err := r.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
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
		cells := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				cells[i] = "NULL"
			case []byte:
				cells[i] = string(v)
			default:
				cells[i] = fmt.Sprint(v)
			}
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(cells[i])
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(%d rows)\n", n)
	return nil
}

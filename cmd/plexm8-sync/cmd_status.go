package main

import (
	"context"
	"database/sql"
	"fmt"
	"text/tabwriter"
	"time"
)

func init() {
	register(&command{
		name:    "status",
		summary: "show what the mirror holds and how the last syncs went (offline)",
		help: `Prints, from the local database only (no network), each mirrored server with
its counts of current artists, albums, tracks and playlists, and the most
recent sync runs. Works while the daemon runs and while Plex is unreachable.

Example:
  plexm8-sync status`,
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usageErrorf("status takes no arguments")
			}
			d, err := a.openDB(ctx, true)
			if err != nil {
				return err
			}
			defer d.Close()
			return printStatus(ctx, a, d.R())
		},
	})
}

func printStatus(ctx context.Context, a *app, r *sql.DB) error {
	rows, err := r.QueryContext(ctx, `SELECT s.name, s.id, s.owned,
		(SELECT count(*) FROM artists WHERE server_id = s.id AND removed_at IS NULL),
		(SELECT count(*) FROM albums WHERE server_id = s.id AND removed_at IS NULL),
		(SELECT count(*) FROM tracks WHERE server_id = s.id AND removed_at IS NULL),
		(SELECT count(*) FROM playlists WHERE server_id = s.id AND removed_at IS NULL)
		FROM servers s WHERE s.removed_at IS NULL ORDER BY s.name`)
	if err != nil {
		return fmt.Errorf("read servers: %w", err)
	}
	defer rows.Close()
	tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tOWNED\tARTISTS\tALBUMS\tTRACKS\tPLAYLISTS")
	n := 0
	for rows.Next() {
		var name, id string
		var owned bool
		var ar, al, tr, pl int
		if err := rows.Scan(&name, &id, &owned, &ar, &al, &tr, &pl); err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%v\t%d\t%d\t%d\t%d\n", name, owned, ar, al, tr, pl)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	_ = tw.Flush()
	if n == 0 {
		fmt.Fprintln(a.Stdout, "(nothing mirrored yet: run 'plexm8-sync sync')")
	}
	runs, err := r.QueryContext(ctx, `SELECT r.id, r.kind, coalesce(s.name, r.server_id, 'all'), r.started_at, r.finished_at,
		r.status, r.added, r.updated, r.removed, r.requests, coalesce(r.error, '')
		FROM sync_runs r LEFT JOIN servers s ON s.id = r.server_id ORDER BY r.id DESC LIMIT 5`)
	if err != nil {
		return fmt.Errorf("read runs: %w", err)
	}
	defer runs.Close()
	fmt.Fprintln(a.Stdout, "\nRecent syncs:")
	tw = tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tKIND\tSERVER\tSTARTED\tTOOK\tSTATUS\tADDED\tUPDATED\tREMOVED\tREQUESTS")
	for runs.Next() {
		var id, started, added, updated, removed, requests int64
		var finished sql.NullInt64
		var kind, server, status, errText string
		if err := runs.Scan(&id, &kind, &server, &started, &finished, &status, &added, &updated, &removed, &requests, &errText); err != nil {
			return err
		}
		took := "-"
		if finished.Valid {
			took = (time.Duration(finished.Int64-started) * time.Second).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", id, kind, server,
			time.Unix(started, 0).Local().Format("2006-01-02 15:04:05"), took, status, added, updated, removed, requests)
		if errText != "" {
			fmt.Fprintf(tw, "\t\t\t\t\t%s\n", firstLine(errText))
		}
	}
	_ = tw.Flush()
	return runs.Err()
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}

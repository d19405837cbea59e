package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	mirror "github.com/plexm8/plexm8-sync/internal/sync"
	"github.com/plexm8/plexm8-sync/internal/table"
)

func syncCommand() *command {
	return &command{
		name:    "sync",
		args:    "[--full] [--server NAME]...",
		summary: "mirror the servers into the database now",
		help: `Runs one sync pass now and prints what changed.

By default the pass is incremental: libraries and playlists whose change
signals did not move are skipped, and everything else is reconciled completely
(additions, edits and deletions), so afterwards the mirror equals the server.
The first sync of a server lists everything, and is reported as a full one.
--full re-lists everything, which also refreshes per-user fields (play counts,
ratings, last played). Rows that disappeared from the server are kept with
removed_at set; nothing is deleted because of a failed or partial listing.

Shows a progress bar per phase on a terminal and log lines otherwise. The
counts are rows committed: a pass interrupted (Ctrl-C) or failed counts only
what it committed before it stopped. Exit code 1 when any part failed; run it
again to finish the job.

Examples:
  plexm8-sync sync
  plexm8-sync sync --full --server "Home Server"`,
		setup: func(fs *flag.FlagSet) runFunc {
			full := fs.Bool("full", false, "re-list everything, not only what changed")
			var servers stringList
			fs.Var(&servers, "server", "sync only this server (`name` or machine identifier); repeatable")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("sync takes no arguments (did you mean --server %s?)", args[0])
				}
				return a.syncOnce(ctx, *full, servers)
			}
		},
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint([]string(*s)) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func (a *app) syncOnce(ctx context.Context, full bool, only []string) error {
	cfg, err := a.Config()
	if err != nil {
		return err
	}
	tok, err := a.token(cfg)
	if err != nil {
		return err
	}
	client, d, err := a.plexAndWriter(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	syncer := mirror.New(d, client, mirror.ConfigOptions(cfg, a.Now, a.Logger(), a.progress()))
	want := cfg.Plex.Servers
	if len(only) > 0 {
		want = only
	}
	all, err := syncer.All(ctx, tok, want, cfg.Plex.Connections, full, func(res *mirror.Result) { printSummary(a.Stdout, res, a.terminalWidth(a.Stdout)) })
	if all == nil {
		return a.explain(err)
	}
	var failed []error
	for _, err := range all.Errors {
		failed = append(failed, a.explain(err))
	}
	return errors.Join(failed...)
}

func (a *app) progress() mirror.Progress {
	if isTerminal(a.Stderr) && !a.service {
		return &termProgress{w: a.Stderr, now: time.Now}
	}
	return &logProgress{log: a.Logger(), now: time.Now, interval: 10 * time.Second}
}

func printSummary(w io.Writer, r *mirror.Result, width int) {
	status := "complete"
	switch {
	case r.Stopped != nil && errors.Is(r.Stopped, context.Canceled):
		status = "interrupted"
	case r.Stopped != nil:
		status = "failed"
	case len(r.Problems) > 0:
		status = fmt.Sprintf("partial (%d problems)", len(r.Problems))
	}
	kind := r.Kind()
	if r.First {
		kind = "first " + kind
	}
	fmt.Fprintf(w, "%s: %s sync %s in %s; %d requests, %d retries, %d unchanged skipped\n",
		r.Server, kind, status, r.Duration.Round(time.Millisecond), r.Requests, r.Retries, r.Skipped)
	// Which way each music section was reconciled, and why: a delta costs
	// what changed, a complete listing what the section holds.
	for _, p := range r.Plans {
		fmt.Fprintf(w, "  section %q: %s (%s)\n", p.Section, p.Action, p.Reason)
	}
	if r.Stopped != nil {
		fmt.Fprintln(w, "  counts below: what was committed before the pass stopped; the rest was rolled back")
	}
	tw := table.New(w, []table.Column{
		{Key: "kind", Header: "WHAT"},
		{Key: "added", Header: "ADDED", Right: true},
		{Key: "updated", Header: "UPDATED", Right: true},
		{Key: "removed", Header: "REMOVED", Right: true},
	}, table.Options{Width: width})
	for _, k := range []string{"artists", "albums", "tracks", "playlists", "playlist_items"} {
		c := r.Counts[k]
		if c == nil {
			c = &mirror.Counts{}
		}
		_ = tw.Row(k, c.Added, c.Updated, c.Removed)
	}
	_ = tw.Close()
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  problem: %v\n", p)
	}
}

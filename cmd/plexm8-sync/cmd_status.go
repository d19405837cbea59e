package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/status"
	"github.com/plexm8/plexm8-sync/internal/table"
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

// printStatus is the human form of the report; width is the terminal's (0:
// not a terminal).
func printStatus(w io.Writer, r *status.Report, width int) error {
	now := r.GeneratedAt
	fmt.Fprintf(w, "Token:      %s\n", tokenLine(r, now))
	running := r.Daemon != nil && r.Daemon.Running
	switch d := r.Daemon; {
	case d == nil:
		fmt.Fprintln(w, "Daemon:     never ran on this database (start it with 'plexm8-sync run' or 'plexm8-sync service install')")
	case d.Running:
		fmt.Fprintf(w, "Daemon:     running, pid %d, version %s, started %s", d.PID, d.Version, when(d.StartedAt, now))
		if d.HTTP != "" {
			fmt.Fprintf(w, ", http on %s", d.HTTP)
		}
		fmt.Fprintln(w)
	default:
		// Its record outlives it; the pid may belong to another process by now.
		fmt.Fprintf(w, "Daemon:     stopped (it last ran as pid %d, version %s, started %s); start it with 'plexm8-sync run' or 'plexm8-sync service start'\n",
			d.PID, d.Version, when(d.StartedAt, now))
	}
	if !r.Database.Exists {
		fmt.Fprintf(w, "Database:   %s does not exist yet: the first 'plexm8-sync sync' (or the daemon) creates it\n", r.Database.Path)
		fmt.Fprintln(w)
		switch r.Token.State {
		case status.StateNeverSignedIn, status.StateSignedOut, status.StateCredentialsUnreadable:
			fmt.Fprintln(w, "Nothing synced yet: sign in with 'plexm8-sync login', then run 'plexm8-sync sync'.")
		default:
			fmt.Fprintln(w, "Nothing synced yet: run 'plexm8-sync sync'.")
		}
		printProblems(w, r)
		return nil
	}
	fmt.Fprintf(w, "Database:   %s, %s, schema version %d\n", r.Database.Path, format.Bytes(r.Database.Bytes), r.Database.SchemaVersion)
	m := r.Mirror
	fmt.Fprintf(w, "Mirror:     %d artists, %d albums, %d tracks, %d playlists (%d items) in %d libraries\n",
		m.Artists, m.Albums, m.Tracks, m.Playlists, m.PlaylistItems, m.Sections)
	switch b := r.LastBackup; {
	case b == nil:
		fmt.Fprintln(w, "Backup:     none yet")
	default:
		fmt.Fprintf(w, "Backup:     %s, %s, integrity %s, taken %s", b.File, format.Bytes(b.Bytes), b.Integrity, when(&b.At, now))
		if !b.Exists {
			fmt.Fprint(w, " (the file is gone)")
		}
		fmt.Fprintln(w)
	}

	opts := table.Options{Width: width}
	fmt.Fprintln(w)
	if len(r.Servers) == 0 {
		fmt.Fprintln(w, "(nothing mirrored yet: run 'plexm8-sync sync')")
	} else {
		tw := table.New(w, []table.Column{
			{Key: "server", Header: "SERVER", Flex: true}, {Key: "owned", Header: "OWNED"},
			{Key: "connection", Header: "CONNECTION", Flex: true}, {Key: "last_contact", Header: "LAST CONTACT"},
			{Key: "last_sync", Header: "LAST SYNC"}, {Key: "artists", Header: "ARTISTS", Right: true},
			{Key: "albums", Header: "ALBUMS", Right: true}, {Key: "tracks", Header: "TRACKS", Right: true},
			{Key: "playlists", Header: "PLAYLISTS", Right: true},
		}, opts)
		for _, s := range r.Servers {
			name := s.Name
			if s.Removed {
				name += " (removed)"
			}
			conn := "-"
			if s.Connection != nil {
				conn = *s.Connection
			}
			last := "-"
			if s.LastSync != nil {
				last = s.LastSync.Status
			}
			if err := tw.Row(name, yesNo(s.Owned), conn, when(s.LastContact, now), last,
				s.Counts.Artists, s.Counts.Albums, s.Counts.Tracks, s.Counts.Playlists); err != nil {
				return err
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
	}

	if len(r.Jobs) > 0 {
		fmt.Fprintln(w)
		if err := printJobs(w, r.Jobs, running, now, opts); err != nil {
			return err
		}
	}

	if len(r.RecentSyncs) > 0 {
		fmt.Fprintln(w, "\nRecent syncs:")
		// The status comes last so that an error can go on a line of its
		// own beneath it without pushing any column out of line.
		tw := table.New(w, []table.Column{
			{Key: "run", Header: "RUN", Right: true}, {Key: "kind", Header: "KIND"}, {Key: "server", Header: "SERVER", Flex: true},
			{Key: "started", Header: "STARTED"}, {Key: "took", Header: "TOOK", Right: true},
			{Key: "added", Header: "ADDED", Right: true}, {Key: "updated", Header: "UPDATED", Right: true},
			{Key: "removed", Header: "REMOVED", Right: true}, {Key: "requests", Header: "REQUESTS", Right: true},
			{Key: "status", Header: "STATUS"},
		}, opts)
		for _, s := range r.RecentSyncs {
			server := "all"
			if s.Server != nil {
				server = *s.Server
			} else if s.ServerID != nil {
				server = *s.ServerID
			}
			took := "-"
			if s.Duration != nil {
				took = format.Duration(time.Duration(*s.Duration) * time.Second)
			}
			if err := tw.Row(s.ID, s.Kind, server, format.Time(s.StartedAt), took, s.Added, s.Updated, s.Removed, s.Requests, s.Status); err != nil {
				return err
			}
			if s.Error != "" {
				if err := tw.Row("", "", "", "", "", "", "", "", "", firstLine(s.Error)); err != nil {
					return err
				}
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
	}
	printProblems(w, r)
	return nil
}

// printJobs is the JOB table. The next runs are the running daemon's plan,
// so without a daemon there is no such column. The result comes last so
// that an error can go on a line of its own beneath it.
func printJobs(w io.Writer, jobs []status.Job, running bool, now time.Time, opts table.Options) error {
	cols := []table.Column{{Key: "job", Header: "JOB"}, {Key: "schedule", Header: "SCHEDULE"}}
	if running {
		cols = append(cols, table.Column{Key: "next_run", Header: "NEXT RUN"})
	}
	cols = append(cols, table.Column{Key: "last_run", Header: "LAST RUN"}, table.Column{Key: "took", Header: "TOOK", Right: true},
		table.Column{Key: "result", Header: "RESULT"})
	tw := table.New(w, cols, opts)
	row := func(job, spec, next, last, took, result string) error {
		vals := []any{job, spec}
		if running {
			vals = append(vals, next)
		}
		return tw.Row(append(vals, last, took, result)...)
	}
	for _, j := range jobs {
		spec, lastAt, took, result := "off", "never", "-", "-"
		if j.Schedule != nil {
			spec = *j.Schedule
		}
		if l := j.LastRun; l != nil {
			lastAt, result = when(&l.StartedAt, now), l.Status
			if c := detailText(l.Details); c != "" {
				result += ": " + c
			}
			if l.Duration != nil {
				took = format.Duration(time.Duration(*l.Duration) * time.Second)
			}
		}
		if err := row(j.Name, spec, when(j.NextRun, now), lastAt, took, result); err != nil {
			return err
		}
		if j.LastRun != nil && j.LastRun.Error != "" {
			if err := row("", "", "", "", "", firstLine(j.LastRun.Error)); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

// printProblems lists what could not be read, but not what the token line
// already said.
func printProblems(w io.Writer, r *status.Report) {
	for _, p := range r.Problems {
		if r.Token.State == status.StateCredentialsUnreadable && p == r.Token.Error {
			continue
		}
		fmt.Fprintf(w, "problem: %s\n", p)
	}
}

func tokenLine(r *status.Report, now time.Time) string {
	t := r.Token
	acct := ""
	if r.Account != nil {
		acct = ", account " + *r.Account
	}
	src, fix := "the credentials file", "run 'plexm8-sync login'"
	if t.Source == status.SourceEnv {
		// login writes the file, which PLEXM8_TOKEN overrides: it cannot help.
		src, fix = "PLEXM8_TOKEN", "fix or unset PLEXM8_TOKEN"
	}
	switch t.State {
	case status.StateNeverSignedIn:
		return "never signed in: run 'plexm8-sync login' (or set PLEXM8_TOKEN)"
	case status.StateSignedOut:
		return "signed out: run 'plexm8-sync login' (or set PLEXM8_TOKEN); until then the daemon's jobs wait"
	case status.StateCredentialsUnreadable:
		if strings.Contains(t.Error, "plexm8-sync login") {
			return t.Error // it names the file and what to do
		}
		return t.Error + ": fix the file's permissions, or run 'plexm8-sync login' to replace it"
	case status.StateUnchecked:
		return fmt.Sprintf("from %s%s, not checked by the daemon yet (a running daemon checks a new token by itself)", src, acct)
	case db.TokenOK:
		return fmt.Sprintf("ok, from %s%s (last checked %s)", src, acct, when(t.CheckedAt, now))
	case db.TokenRejected:
		return fmt.Sprintf("REJECTED by plex.tv since %s, from %s%s: jobs are paused; %s", when(t.Since, now), src, acct, fix)
	default: // unknown: plex.tv could not be asked; the token is kept
		s := fmt.Sprintf("%s since %s, from %s%s: plex.tv could not be asked; the token is kept and checked again on schedule", t.State, when(t.Since, now), src, acct)
		if t.Error != "" {
			s += " (" + firstLine(t.Error) + ")"
		}
		return s
	}
}

// when is a moment and how long ago or ahead it is; "-" when unknown.
func when(t *time.Time, now time.Time) string {
	if t == nil {
		return "-"
	}
	return format.Since(*t, now)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// detailText renders the counts in a job's details: "servers 2, added 3".
func detailText(raw json.RawMessage) string {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber() // 1000000 stays 1000000, not 1e+06
	if len(raw) == 0 || dec.Decode(&m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if _, ok := v.(json.Number); ok {
			keys = append(keys, k)
		}
	}
	// The sync counts read best in their natural order; others by name.
	rank := func(k string) int {
		if i := slices.Index([]string{"servers", "added", "updated", "removed", "bytes"}, k); i >= 0 {
			return i
		}
		return 99
	}
	sort.Slice(keys, func(i, j int) bool {
		if ri, rj := rank(keys[i]), rank(keys[j]); ri != rj {
			return ri < rj
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}

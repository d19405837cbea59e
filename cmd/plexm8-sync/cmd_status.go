package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/status"
)

func statusCommand() *command {
	return &command{
		name:    "status",
		args:    "[--json]",
		summary: "show the token, servers, jobs, mirror and backups (offline)",
		help: `Prints, from the local database and the stored credentials only (no network):

  - the token: ok, rejected by plex.tv since when, or never signed in;
  - the daemon that last ran, and each job's last run (start, duration,
    result, counts) and next run;
  - each server with the connection the last sync used, when a sync last
    talked to it, and what is mirrored from it;
  - the database's size and the last good backup.

It works while the daemon runs and while Plex is unreachable. The token state
is what the daemon last saw: 'status' itself never asks plex.tv.

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
				d, err := a.openDB(ctx, true)
				if err != nil {
					return err
				}
				defer d.Close()
				rep, err := status.Build(ctx, d, cfg, a.Now())
				if err != nil {
					return err
				}
				if *asJSON {
					enc := json.NewEncoder(a.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(rep)
				}
				printStatus(a.Stdout, rep)
				return nil
			}
		},
	}
}

// printStatus is the human form of the report.
func printStatus(w io.Writer, r *status.Report) {
	now := r.GeneratedAt
	fmt.Fprintf(w, "Token:      %s\n", tokenLine(r, now))
	if r.Daemon != nil {
		d := r.Daemon
		// This is the daemon's own record: it stays after the daemon exits.
		fmt.Fprintf(w, "Daemon:     pid %d, version %s, last started %s", d.PID, d.Version, when(d.StartedAt, now))
		if d.HTTP != "" {
			fmt.Fprintf(w, ", http on %s", d.HTTP)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "Daemon:     never ran on this database (start it with 'plexm8-sync run' or 'plexm8-sync service install')")
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

	fmt.Fprintln(w)
	if len(r.Servers) == 0 {
		fmt.Fprintln(w, "(nothing mirrored yet: run 'plexm8-sync sync')")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SERVER\tOWNED\tCONNECTION\tLAST CONTACT\tLAST SYNC\tARTISTS\tALBUMS\tTRACKS\tPLAYLISTS")
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
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", name, yesNo(s.Owned), conn, when(s.LastContact, now), last,
				s.Counts.Artists, s.Counts.Albums, s.Counts.Tracks, s.Counts.Playlists)
		}
		_ = tw.Flush()
	}

	if len(r.Jobs) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "JOB\tSCHEDULE\tLAST RUN\tTOOK\tRESULT\tCOUNTS\tNEXT RUN")
		for _, j := range r.Jobs {
			spec, lastAt, took, result, cnt := "off", "never", "-", "-", ""
			if j.Schedule != nil {
				spec = *j.Schedule
			}
			if l := j.LastRun; l != nil {
				lastAt, result, cnt = when(&l.StartedAt, now), l.Status, detailText(l.Details)
				if l.Duration != nil {
					took = format.Duration(time.Duration(*l.Duration) * time.Second)
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, spec, lastAt, took, result, cnt, when(j.NextRun, now))
			if j.LastRun != nil && j.LastRun.Error != "" {
				fmt.Fprintf(tw, "\t\t\t\t%s\n", firstLine(j.LastRun.Error))
			}
		}
		_ = tw.Flush()
	}

	if len(r.RecentSyncs) > 0 {
		fmt.Fprintln(w, "\nRecent syncs:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "RUN\tKIND\tSERVER\tSTARTED\tTOOK\tSTATUS\tADDED\tUPDATED\tREMOVED\tREQUESTS")
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
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", s.ID, s.Kind, server,
				format.Time(s.StartedAt), took, s.Status, s.Added, s.Updated, s.Removed, s.Requests)
			if s.Error != "" {
				fmt.Fprintf(tw, "\t\t\t\t\t%s\n", firstLine(s.Error))
			}
		}
		_ = tw.Flush()
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "problem: %s\n", p)
	}
}

func tokenLine(r *status.Report, now time.Time) string {
	t := r.Token
	acct := ""
	if r.Account != nil {
		acct = ", account " + *r.Account
	}
	switch t.State {
	case status.StateNeverSignedIn:
		return "never signed in: run 'plexm8-sync login' (or set PLEXM8_TOKEN)"
	case status.StateUnchecked:
		src := "stored credentials"
		if t.Source == status.SourceEnv {
			src = "PLEXM8_TOKEN"
		}
		return fmt.Sprintf("from %s%s, not checked by the daemon yet", src, acct)
	case db.TokenOK:
		return fmt.Sprintf("ok%s (last checked %s)", acct, when(t.CheckedAt, now))
	case db.TokenRejected:
		s := fmt.Sprintf("REJECTED by plex.tv since %s%s: jobs are paused; run 'plexm8-sync login'", when(t.Since, now), acct)
		if t.SignedInAt != nil && t.Since != nil && t.SignedInAt.After(*t.Since) {
			s += fmt.Sprintf(" (new credentials were saved %s; the daemon picks them up by itself)", when(t.SignedInAt, now))
		}
		return s
	default: // unknown: plex.tv could not be asked; the token is kept
		s := fmt.Sprintf("%s since %s%s: plex.tv could not be asked; the token is kept and checked again on schedule", t.State, when(t.Since, now), acct)
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

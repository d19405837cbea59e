package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/status"
	"github.com/plexm8/plexm8-sync/internal/table"
)

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

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
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
README ("status --json") and only ever grows: fields are added, never
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
				st, err := d.Status(ctx)
				if err != nil {
					return err
				}
				rep := buildStatus(st, cfg, d.Path(), a.Now())
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

// statusFormat is the version of the --json shape. It changes only if a
// field ever has to change meaning; adding fields does not change it.
const statusFormat = 1

// statusReport is the `status --json` shape: a documented interface (README),
// so fields are only ever added. Every field is always present; unknown
// values are null rather than missing, so scripts need no existence tests.
type statusReport struct {
	Format      int           `json:"format"`
	GeneratedAt time.Time     `json:"generated_at"`
	Token       tokenReport   `json:"token"`
	Account     *string       `json:"account"`
	Daemon      *daemonReport `json:"daemon"`
	Database    dbReport      `json:"database"`
	Mirror      countsReport  `json:"mirror"`
	Servers     []serverRep   `json:"servers"`
	Jobs        []jobReport   `json:"jobs"`
	LastBackup  *backupReport `json:"last_backup"`
	RecentSyncs []syncReport  `json:"recent_syncs"`
	Problems    []string      `json:"problems"`
}

type tokenReport struct {
	// State is ok | rejected | unknown (plex.tv could not be asked) as the
	// daemon last saw it; unchecked when signed in but never checked by the
	// daemon; never_signed_in when there are no credentials at all.
	State string `json:"state"`
	// Source is credentials (the file 'login' writes), env (PLEXM8_TOKEN)
	// or none.
	Source     string     `json:"source"`
	Since      *time.Time `json:"since"`
	CheckedAt  *time.Time `json:"checked_at"`
	SignedInAt *time.Time `json:"signed_in_at"` // when 'login' saved the credentials
	Error      string     `json:"error"`
}

type daemonReport struct {
	PID       int        `json:"pid"`
	StartedAt *time.Time `json:"started_at"`
	Version   string     `json:"version"`
	HTTP      string     `json:"http"`
	UpdatedAt *time.Time `json:"updated_at"`
}

type dbReport struct {
	Path          string `json:"path"`
	Bytes         int64  `json:"bytes"`
	SchemaVersion int    `json:"schema_version"`
}

type countsReport struct {
	Sections      int64 `json:"sections"`
	Artists       int64 `json:"artists"`
	Albums        int64 `json:"albums"`
	Tracks        int64 `json:"tracks"`
	Playlists     int64 `json:"playlists"`
	PlaylistItems int64 `json:"playlist_items"`
}

type serverRep struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Owned       bool         `json:"owned"`
	Removed     bool         `json:"removed"`
	RemovedAt   *time.Time   `json:"removed_at"`
	Connection  *string      `json:"connection"`
	LastContact *time.Time   `json:"last_contact"`
	RefreshedAt *time.Time   `json:"refreshed_at"`
	Counts      countsReport `json:"counts"`
	LastSync    *syncReport  `json:"last_sync"`
}

type syncReport struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	ServerID   *string    `json:"server_id"`
	Server     *string    `json:"server"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Duration   *float64   `json:"duration_seconds"`
	Status     string     `json:"status"`
	Added      int64      `json:"added"`
	Updated    int64      `json:"updated"`
	Removed    int64      `json:"removed"`
	Requests   int64      `json:"requests"`
	Error      string     `json:"error"`
}

type jobReport struct {
	Name     string     `json:"name"`
	Schedule *string    `json:"schedule"` // the cron spec; null when the job is off
	NextRun  *time.Time `json:"next_run"` // as the daemon planned it; null without a daemon record
	LastRun  *jobRunRep `json:"last_run"`
}

type jobRunRep struct {
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Duration   *float64        `json:"duration_seconds"`
	Status     string          `json:"status"`
	Error      string          `json:"error"`
	Details    json.RawMessage `json:"details"` // the job's own counts; null if none
}

type backupReport struct {
	At        time.Time `json:"at"`
	File      string    `json:"file"`
	Bytes     int64     `json:"bytes"`
	Integrity string    `json:"integrity"`
	Exists    bool      `json:"exists"` // the file is still there
}

// jobOrder lists the daemon's jobs in the order they are shown; jobs a
// later version adds come after, by name.
var jobOrder = []string{"validate_token", "refresh_resources", "sync", "full_sync", "backup", "maintenance"}

func unixTime(s int64) *time.Time {
	if s == 0 {
		return nil
	}
	t := time.Unix(s, 0).UTC()
	return &t
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func seconds(start, end int64) *float64 {
	if end == 0 {
		return nil
	}
	d := float64(end - start)
	return &d
}

func counts(c db.MirrorCounts) countsReport {
	return countsReport{c.Sections, c.Artists, c.Albums, c.Tracks, c.Playlists, c.PlaylistItems}
}

func syncRep(r db.SyncRun) syncReport {
	return syncReport{
		ID: r.ID, Kind: r.Kind, ServerID: nonEmpty(r.ServerID), Server: nonEmpty(r.Server),
		StartedAt: time.Unix(r.StartedAt, 0).UTC(), FinishedAt: unixTime(r.FinishedAt), Duration: seconds(r.StartedAt, r.FinishedAt),
		Status: r.Status, Added: r.Added, Updated: r.Updated, Removed: r.Removed, Requests: r.Requests, Error: r.Error,
	}
}

// buildStatus joins what the database says with the credentials file and
// the config, which are local too.
func buildStatus(st *db.Status, cfg *config.Config, dbPath string, now time.Time) *statusReport {
	rep := &statusReport{
		Format: statusFormat, GeneratedAt: now.UTC().Truncate(time.Second),
		Database:    dbReport{Path: dbPath, Bytes: st.Bytes, SchemaVersion: st.SchemaVersion},
		Mirror:      counts(st.Totals),
		Servers:     []serverRep{},
		Jobs:        []jobReport{},
		RecentSyncs: []syncReport{},
		Problems:    slices.Clone(st.Problems),
	}
	if rep.Problems == nil {
		rep.Problems = []string{}
	}
	rep.Token, rep.Account = tokenStatus(st.Token, cfg, &rep.Problems)
	if d := st.Daemon; d != nil {
		rep.Daemon = &daemonReport{PID: d.PID, StartedAt: unixTime(d.StartedAt), Version: d.Version, HTTP: d.HTTP, UpdatedAt: unixTime(d.UpdatedAt)}
	}
	for _, s := range st.Servers {
		sr := serverRep{
			ID: s.ID, Name: s.Name, Owned: s.Owned, Removed: s.RemovedAt != 0, RemovedAt: unixTime(s.RemovedAt),
			Connection: nonEmpty(s.Connection), LastContact: unixTime(s.LastContact), RefreshedAt: unixTime(s.RefreshedAt),
			Counts: counts(s.Counts),
		}
		if s.LastSync != nil {
			r := syncRep(*s.LastSync)
			sr.LastSync = &r
		}
		rep.Servers = append(rep.Servers, sr)
	}
	for _, r := range st.RecentSyncs {
		rep.RecentSyncs = append(rep.RecentSyncs, syncRep(r))
	}
	rep.Jobs = jobStatus(st, cfg)
	if b := st.LastGoodBackup; b != nil {
		var d struct {
			File      string `json:"file"`
			Bytes     int64  `json:"bytes"`
			Integrity string `json:"integrity"`
		}
		_ = json.Unmarshal(b.Details, &d) // missing details leave the fields empty
		at := b.FinishedAt
		if at == 0 {
			at = b.StartedAt
		}
		br := &backupReport{At: time.Unix(at, 0).UTC(), File: d.File, Bytes: d.Bytes, Integrity: d.Integrity}
		if d.File != "" {
			_, err := os.Stat(d.File)
			br.Exists = err == nil
		}
		rep.LastBackup = br
	}
	return rep
}

func tokenStatus(ts *db.TokenState, cfg *config.Config, problems *[]string) (tokenReport, *string) {
	tr := tokenReport{State: "never_signed_in", Source: "none"}
	var username string
	creds, err := account.Load(cfg.StateDir)
	switch {
	case err == nil:
		tr.Source, tr.State = "credentials", "unchecked"
		if creds.Warning != "" {
			*problems = append(*problems, creds.Warning)
		}
		tr.SignedInAt = unixTime(creds.SavedAt.Unix())
		username = creds.Username
	case !errors.Is(err, account.ErrNotSignedIn):
		*problems = append(*problems, err.Error())
	}
	if !cfg.Token.IsZero() {
		// PLEXM8_TOKEN wins over the file for every command (and for a
		// daemon started with it).
		tr.Source, tr.State = "env", "unchecked"
	}
	if ts != nil {
		tr.State, tr.Since, tr.CheckedAt, tr.Error = ts.State, unixTime(ts.Since), unixTime(ts.CheckedAt), ts.Error
		if ts.Account != "" {
			username = ts.Account
		}
	}
	return tr, nonEmpty(username)
}

func jobStatus(st *db.Status, cfg *config.Config) []jobReport {
	configured := map[string]string{
		"validate_token": cfg.Schedule.ValidateToken, "refresh_resources": cfg.Schedule.RefreshResources,
		"sync": cfg.Schedule.Sync, "full_sync": cfg.Schedule.FullSync, "backup": cfg.Schedule.Backup,
	}
	last := map[string]db.JobRun{}
	for _, j := range st.Jobs {
		last[j.Job] = j
	}
	names := map[string]bool{}
	for n, spec := range configured {
		if spec != "" {
			names[n] = true
		}
	}
	for n := range st.Schedule {
		names[n] = true
	}
	for n := range last {
		names[n] = true
	}
	var extra []string
	for n := range names {
		if !slices.Contains(jobOrder, n) {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	var out []jobReport
	for _, n := range append(slices.Clone(jobOrder), extra...) {
		if !names[n] {
			continue
		}
		jr := jobReport{Name: n, Schedule: nonEmpty(configured[n])}
		// The running daemon's plan is what will happen; the config may
		// have been edited since it started.
		if s, ok := st.Schedule[n]; ok {
			jr.Schedule, jr.NextRun = nonEmpty(s.Spec), unixTime(s.Next)
		}
		if r, ok := last[n]; ok {
			jr.LastRun = &jobRunRep{
				StartedAt: time.Unix(r.StartedAt, 0).UTC(), FinishedAt: unixTime(r.FinishedAt),
				Duration: seconds(r.StartedAt, r.FinishedAt), Status: r.Status, Error: r.Error, Details: r.Details,
			}
		}
		out = append(out, jr)
	}
	if out == nil {
		out = []jobReport{}
	}
	return out
}

// printStatus is the human form of the report.
func printStatus(w io.Writer, r *statusReport) {
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
	fmt.Fprintf(w, "Database:   %s, %s, schema version %d\n", r.Database.Path, humanBytes(r.Database.Bytes), r.Database.SchemaVersion)
	m := r.Mirror
	fmt.Fprintf(w, "Mirror:     %d artists, %d albums, %d tracks, %d playlists (%d items) in %d libraries\n",
		m.Artists, m.Albums, m.Tracks, m.Playlists, m.PlaylistItems, m.Sections)
	switch b := r.LastBackup; {
	case b == nil:
		fmt.Fprintln(w, "Backup:     none yet")
	default:
		fmt.Fprintf(w, "Backup:     %s, %s, integrity %s, taken %s", b.File, humanBytes(b.Bytes), b.Integrity, when(&b.At, now))
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
					took = (time.Duration(*l.Duration) * time.Second).String()
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
				took = (time.Duration(*s.Duration) * time.Second).String()
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", s.ID, s.Kind, server,
				s.StartedAt.Local().Format(timeLayout), took, s.Status, s.Added, s.Updated, s.Removed, s.Requests)
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

const timeLayout = "2006-01-02 15:04:05"

func tokenLine(r *statusReport, now time.Time) string {
	t := r.Token
	acct := ""
	if r.Account != nil {
		acct = ", account " + *r.Account
	}
	switch t.State {
	case "never_signed_in":
		return "never signed in: run 'plexm8-sync login' (or set PLEXM8_TOKEN)"
	case "unchecked":
		src := "stored credentials"
		if t.Source == "env" {
			src = "PLEXM8_TOKEN"
		}
		return fmt.Sprintf("from %s%s, not checked by the daemon yet", src, acct)
	case "ok":
		return fmt.Sprintf("ok%s (last checked %s)", acct, when(t.CheckedAt, now))
	case "rejected":
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

// when is an absolute local time, with how long ago or ahead it is.
func when(t *time.Time, now time.Time) string {
	if t == nil {
		return "-"
	}
	d := now.Sub(*t).Round(time.Second)
	rel := d.String() + " ago"
	if d < 0 {
		rel = "in " + (-d).String()
	}
	return t.Local().Format(timeLayout) + " (" + rel + ")"
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

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i] + " …"
		}
	}
	return s
}

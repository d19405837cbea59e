package status

import (
	"context"
	"errors"
	"os"
	"slices"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

// Build reads the status of d and joins it with the credentials file, the
// config and whether a daemon runs, which are local too. It works on a
// read-only d, beside a running daemon. What is odd but not fatal (a damaged
// credentials file, a daemon record that does not decode) becomes a line in
// Problems.
func Build(ctx context.Context, d *db.DB, cfg *config.Config, now time.Time) (*Report, error) {
	st, err := d.Status(ctx)
	if err != nil {
		return nil, err // "read status: ..." says enough
	}
	running, err := db.DaemonRunning(d.Path())
	rep := build(st, cfg, d.Path(), running, now)
	rep.Database.Exists = true
	if err != nil {
		rep.Problems = append(rep.Problems, "cannot tell whether the daemon runs: "+err.Error())
	}
	return rep, nil
}

// BuildWithoutDatabase is the report before the first sync or daemon
// created the database at dbPath: the token and the configured jobs, and
// nothing mirrored. It creates nothing; a status that made an empty
// database would only hide that nothing was ever synced.
func BuildWithoutDatabase(cfg *config.Config, dbPath string, now time.Time) *Report {
	return build(&db.Status{Schedule: db.Schedule{}}, cfg, dbPath, false, now)
}

func build(st *db.Status, cfg *config.Config, dbPath string, running bool, now time.Time) *Report {
	rep := &Report{
		Format: Format, GeneratedAt: now.UTC().Truncate(time.Second),
		Database:    Database{Path: dbPath, Bytes: st.Bytes, SchemaVersion: st.SchemaVersion},
		Mirror:      counts(st.Totals),
		Servers:     []Server{},
		Jobs:        []Job{},
		RecentSyncs: []Sync{},
		Problems:    slices.Clone(st.Problems),
	}
	if rep.Problems == nil {
		rep.Problems = []string{}
	}
	rep.Token, rep.Account = token(st.Token, cfg, &rep.Problems)
	if d := st.Daemon; d != nil {
		rep.Daemon = &Daemon{Running: running, PID: d.PID, StartedAt: unixTime(d.StartedAt), Version: d.Version, HTTP: d.HTTP, UpdatedAt: unixTime(d.UpdatedAt)}
	}
	for _, s := range st.Servers {
		sr := Server{
			ID: s.ID, Name: s.Name, Owned: s.Owned, Removed: s.RemovedAt != 0, RemovedAt: unixTime(s.RemovedAt),
			Connection: nonEmpty(s.Connection), LastContact: unixTime(s.LastContact), RefreshedAt: unixTime(s.RefreshedAt),
			Counts: counts(s.Counts),
		}
		if s.LastSync != nil {
			r := syncRun(*s.LastSync)
			sr.LastSync = &r
		}
		rep.Servers = append(rep.Servers, sr)
	}
	for _, r := range st.RecentSyncs {
		rep.RecentSyncs = append(rep.RecentSyncs, syncRun(r))
	}
	rep.Jobs = jobs(st, cfg, running)
	if b := st.LastGoodBackup; b != nil {
		d, _ := b.BackupDetails() // missing details leave the fields empty
		at := b.FinishedAt
		if at == 0 {
			at = b.StartedAt
		}
		br := &Backup{At: time.Unix(at, 0).UTC(), File: d.File, Bytes: d.Bytes, Integrity: d.Integrity}
		if d.File != "" {
			_, err := os.Stat(d.File)
			br.Exists = err == nil
		}
		rep.LastBackup = br
	}
	return rep
}

// token says where the token in use now comes from and what is known of
// it. The daemon's record counts only if it is about this very token (the
// same account.TokenID): after a logout, a new login or a PLEXM8_TOKEN set
// since, it describes a token that is no longer used.
func token(ts *db.TokenState, cfg *config.Config, problems *[]string) (Token, *string) {
	tr := Token{State: StateNeverSignedIn, Source: SourceNone}
	var (
		current  secret.Value
		username string
		credErr  error
	)
	creds, err := account.Load(cfg.StateDir)
	switch {
	case err == nil:
		tr.Source, current = SourceCredentials, creds.Token
		if creds.Warning != "" {
			*problems = append(*problems, creds.Warning)
		}
		tr.SignedInAt = unixTime(creds.SavedAt.Unix())
		username = creds.Username
	case !errors.Is(err, account.ErrNotSignedIn):
		credErr = err
		*problems = append(*problems, err.Error())
	}
	if !cfg.Token.IsZero() {
		// PLEXM8_TOKEN wins over the file for every command (and for a
		// daemon started with it); the file's account is not its account.
		tr.Source, current, username = SourceEnv, cfg.Token, ""
	}
	switch {
	case current.IsZero() && credErr != nil:
		tr.Source, tr.State, tr.Error = SourceCredentials, StateCredentialsUnreadable, credErr.Error()
		return tr, nil
	case current.IsZero() && ts != nil && (ts.TokenID != "" || ts.Account != ""):
		// A token was checked here once, and none is left.
		tr.State = StateSignedOut
		return tr, nil
	case current.IsZero():
		return tr, nil
	}
	tr.State = StateUnchecked
	if id := account.TokenID(cfg.StateDir, current); ts != nil && id != "" && ts.TokenID == id {
		tr.State, tr.Since, tr.CheckedAt, tr.Error = ts.State, unixTime(ts.Since), unixTime(ts.CheckedAt), ts.Error
		if ts.Account != "" {
			username = ts.Account
		}
	}
	return tr, nonEmpty(username)
}

// jobs lists every job that is configured, planned by the daemon or has
// run: the known ones in db.JobNames order, then any a later version
// added, by name.
//
// The next runs are the running daemon's plan; a daemon that stopped has
// none, whatever its last record says.
func jobs(st *db.Status, cfg *config.Config, running bool) []Job {
	configured := map[db.JobName]string{}
	for job, spec := range cfg.Schedule.ByJob() {
		configured[db.JobName(job)] = spec
	}
	last := map[db.JobName]db.JobRun{}
	for _, j := range st.Jobs {
		last[j.Job] = j
	}
	names := map[db.JobName]bool{}
	for n, spec := range configured {
		if spec != "" {
			names[n] = true
		}
	}
	if running {
		for n := range st.Schedule {
			names[n] = true
		}
	}
	for n := range last {
		names[n] = true
	}
	order := db.JobNames()
	var extra []db.JobName
	for n := range names {
		if !slices.Contains(order, n) {
			extra = append(extra, n)
		}
	}
	slices.Sort(extra)
	out := []Job{}
	for _, n := range append(order, extra...) {
		if !names[n] {
			continue
		}
		jr := Job{Name: string(n), Schedule: nonEmpty(configured[n])}
		// The running daemon's plan is what will happen; the config may
		// have been edited since it started.
		if s, ok := st.Schedule[n]; ok && running {
			jr.Schedule, jr.NextRun = nonEmpty(s.Spec), unixTime(s.Next)
		}
		if r, ok := last[n]; ok {
			jr.LastRun = &JobRun{
				StartedAt: time.Unix(r.StartedAt, 0).UTC(), FinishedAt: unixTime(r.FinishedAt),
				Duration: seconds(r.StartedAt, r.FinishedAt), Status: string(r.Status), Error: r.Error, Details: r.Details,
			}
		}
		out = append(out, jr)
	}
	return out
}

func counts(c db.MirrorCounts) Counts {
	return Counts{c.Sections, c.Artists, c.Albums, c.Tracks, c.Playlists, c.PlaylistItems}
}

func syncRun(r db.SyncRun) Sync {
	return Sync{
		ID: r.ID, Kind: r.Kind, ServerID: nonEmpty(r.ServerID), Server: nonEmpty(r.Server),
		StartedAt: time.Unix(r.StartedAt, 0).UTC(), FinishedAt: unixTime(r.FinishedAt), Duration: seconds(r.StartedAt, r.FinishedAt),
		Status: string(r.Status), Added: r.Added, Updated: r.Updated, Removed: r.Removed, Requests: r.Requests, Error: r.Error,
	}
}

// unixTime is nil for 0, the database's "never".
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

// seconds is nil for a run that has not finished.
func seconds(start, end int64) *float64 {
	if end == 0 {
		return nil
	}
	d := float64(end - start)
	return &d
}

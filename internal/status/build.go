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
)

// Build reads the status of d and joins it with the credentials file and
// the config, which are local too. It works on a read-only d, beside a
// running daemon. What is odd but not fatal (a damaged credentials file, a
// daemon record that does not decode) becomes a line in Problems.
func Build(ctx context.Context, d *db.DB, cfg *config.Config, now time.Time) (*Report, error) {
	st, err := d.Status(ctx)
	if err != nil {
		return nil, err // "read status: ..." says enough
	}
	return build(st, cfg, d.Path(), now), nil
}

func build(st *db.Status, cfg *config.Config, dbPath string, now time.Time) *Report {
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
		rep.Daemon = &Daemon{PID: d.PID, StartedAt: unixTime(d.StartedAt), Version: d.Version, HTTP: d.HTTP, UpdatedAt: unixTime(d.UpdatedAt)}
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
	rep.Jobs = jobs(st, cfg)
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

// token says where the token comes from and what the daemon last saw of it;
// the account is the daemon's, or else the one 'login' saved.
func token(ts *db.TokenState, cfg *config.Config, problems *[]string) (Token, *string) {
	tr := Token{State: StateNeverSignedIn, Source: SourceNone}
	var username string
	creds, err := account.Load(cfg.StateDir)
	switch {
	case err == nil:
		tr.Source, tr.State = SourceCredentials, StateUnchecked
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
		tr.Source, tr.State = SourceEnv, StateUnchecked
	}
	if ts != nil {
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
func jobs(st *db.Status, cfg *config.Config) []Job {
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
	for n := range st.Schedule {
		names[n] = true
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
		if s, ok := st.Schedule[n]; ok {
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

package status_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/secret"
	"github.com/plexm8/plexm8-sync/internal/status"
)

var now = time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)

func at(d time.Duration) int64 { return now.Add(d).Unix() }

// env is a state directory with a database and a config pointing at it.
type env struct {
	cfg *config.Config
	db  *db.DB
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := config.Default()
	cfg.StateDir = t.TempDir()
	cfg.Database.Path = filepath.Join(cfg.StateDir, "plexm8.db")
	d, err := db.Open(t.Context(), cfg.Database.Path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return &env{cfg: cfg, db: d}
}

func (e *env) build(t *testing.T) *status.Report {
	t.Helper()
	rep, err := status.Build(t.Context(), e.db, e.cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (e *env) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := e.db.W().ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (e *env) record(t *testing.T, runs ...db.JobRun) {
	t.Helper()
	for _, r := range runs {
		if err := e.db.RecordJob(t.Context(), r); err != nil {
			t.Fatal(err)
		}
	}
}

func jobNames(rep *status.Report) []string {
	var out []string
	for _, j := range rep.Jobs {
		out = append(out, j.Name)
	}
	return out
}

func TestEmptyDatabase(t *testing.T) {
	e := newEnv(t)
	rep := e.build(t)
	if rep.Format != status.Format || !rep.GeneratedAt.Equal(now) || rep.Database.Path != e.db.Path() ||
		rep.Database.Bytes <= 0 || rep.Database.SchemaVersion != db.LatestVersion() {
		t.Errorf("header %+v %v %+v", rep.Format, rep.GeneratedAt, rep.Database)
	}
	if rep.Token != (status.Token{State: status.StateNeverSignedIn, Source: status.SourceNone}) || rep.Account != nil {
		t.Errorf("token %+v account %v", rep.Token, rep.Account)
	}
	if rep.Daemon != nil || rep.LastBackup != nil || rep.Mirror != (status.Counts{}) {
		t.Errorf("daemon %+v, last backup %+v, mirror %+v", rep.Daemon, rep.LastBackup, rep.Mirror)
	}
	// Lists are empty, never nil: the JSON has [] for scripts.
	if rep.Servers == nil || rep.RecentSyncs == nil || rep.Problems == nil || len(rep.Servers)+len(rep.RecentSyncs)+len(rep.Problems) != 0 {
		t.Errorf("servers %v, recent syncs %v, problems %v", rep.Servers, rep.RecentSyncs, rep.Problems)
	}
	// The default config schedules every job but maintenance, which the
	// daemon adds by itself.
	if got, want := jobNames(rep), []string{"validate_token", "refresh_resources", "sync", "full_sync", "backup"}; !slices.Equal(got, want) {
		t.Errorf("jobs %q, want %q", got, want)
	}
	for _, j := range rep.Jobs {
		if j.Schedule == nil || j.NextRun != nil || j.LastRun != nil {
			t.Errorf("job %+v of an empty database", j)
		}
	}
}

func TestTokenStates(t *testing.T) {
	e := newEnv(t)
	dir := e.cfg.StateDir
	// The key of the token ids; any command that talks to Plex makes it.
	if _, err := account.LoadOrCreateClientID(dir); err != nil {
		t.Fatal(err)
	}
	saved := now.Add(-2 * time.Hour)
	fileTok, envTok := secret.New("tok"), secret.New("env-token")
	if err := account.Save(dir, account.Credentials{Token: fileTok, Username: "alice", SavedAt: saved}); err != nil {
		t.Fatal(err)
	}
	rep := e.build(t)
	if tr := rep.Token; tr.State != status.StateUnchecked || tr.Source != status.SourceCredentials ||
		tr.SignedInAt == nil || !tr.SignedInAt.Equal(saved) || tr.Since != nil || rep.Account == nil || *rep.Account != "alice" {
		t.Errorf("signed in, never checked: %+v, account %v", tr, rep.Account)
	}
	setRecord := func(ts db.TokenState) {
		t.Helper()
		if err := e.db.SetTokenState(t.Context(), ts, at(-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}

	// The daemon found the file's token good.
	setRecord(db.TokenState{State: db.TokenOK, Since: at(-time.Hour), CheckedAt: at(-time.Minute), Account: "alice", TokenID: account.TokenID(dir, fileTok)})
	if tr := e.build(t).Token; tr.State != db.TokenOK || tr.Source != status.SourceCredentials || !tr.CheckedAt.Equal(now.Add(-time.Minute)) {
		t.Errorf("checked: %+v", tr)
	}

	// PLEXM8_TOKEN wins over the file; that check was not about it, nor is
	// the file's account its account.
	e.cfg.Token = envTok
	if rep := e.build(t); rep.Token.State != status.StateUnchecked || rep.Token.Source != status.SourceEnv || rep.Token.CheckedAt != nil || rep.Account != nil {
		t.Errorf("with PLEXM8_TOKEN: %+v, account %v", rep.Token, rep.Account)
	}

	// A record of the env token counts, and names the account it checked.
	ts := db.TokenState{State: db.TokenRejected, Since: at(-time.Hour), CheckedAt: at(-time.Minute), Account: "bob",
		Error: "plex.tv answered 401 Unauthorized", TokenID: account.TokenID(dir, envTok)}
	setRecord(ts)
	rep = e.build(t)
	if tr := rep.Token; tr.State != db.TokenRejected || tr.Source != status.SourceEnv || !tr.Since.Equal(now.Add(-time.Hour)) ||
		!tr.CheckedAt.Equal(now.Add(-time.Minute)) || tr.Error != ts.Error || !tr.SignedInAt.Equal(saved) || deref(rep.Account) != "bob" {
		t.Errorf("rejected: %+v, account %v", tr, rep.Account)
	}
	// Without PLEXM8_TOKEN, the rejection of that token says nothing about
	// the file's.
	e.cfg.Token = secret.Value{}
	if rep := e.build(t); rep.Token.State != status.StateUnchecked || rep.Token.Source != status.SourceCredentials || rep.Token.Since != nil || rep.Token.Error != "" {
		t.Errorf("a record of another token: %+v", rep.Token)
	}
	// A record without an account keeps the one 'login' saved.
	setRecord(db.TokenState{State: db.TokenUnknown, Since: at(-time.Hour), CheckedAt: at(-time.Minute), Error: "no such host", TokenID: account.TokenID(dir, fileTok)})
	if rep := e.build(t); rep.Token.State != db.TokenUnknown || deref(rep.Account) != "alice" {
		t.Errorf("unknown: %+v, account %v, want the saved one", rep.Token, rep.Account)
	}
	// A record from before token ids cannot be matched to any token.
	setRecord(db.TokenState{State: db.TokenOK, Since: at(-time.Hour), CheckedAt: at(-time.Minute), Account: "alice"})
	if tr := e.build(t).Token; tr.State != status.StateUnchecked {
		t.Errorf("a record without a token id: %+v", tr)
	}

	// What is wrong with the credentials file is a problem, not a failure.
	if runtime.GOOS != "windows" { // no mode bits there: the ACL decides
		if err := os.Chmod(account.Path(dir), 0o644); err != nil {
			t.Fatal(err)
		}
		if rep := e.build(t); len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "other users can read it") {
			t.Errorf("readable credentials: problems %q", rep.Problems)
		}
	}
	if err := os.WriteFile(account.Path(dir), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep = e.build(t)
	if tr := rep.Token; tr.State != status.StateCredentialsUnreadable || tr.Source != status.SourceCredentials || !strings.Contains(tr.Error, "damaged") ||
		!strings.Contains(tr.Error, "plexm8-sync login") || tr.SignedInAt != nil || rep.Account != nil || len(rep.Problems) != 1 {
		t.Errorf("damaged credentials: token %+v, account %v, problems %q", tr, rep.Account, rep.Problems)
	}
	// PLEXM8_TOKEN does not need the file; the file is still worth fixing.
	e.cfg.Token = envTok
	if rep := e.build(t); rep.Token.State != status.StateUnchecked || rep.Token.Source != status.SourceEnv || len(rep.Problems) != 1 {
		t.Errorf("damaged credentials and PLEXM8_TOKEN: token %+v, problems %q", rep.Token, rep.Problems)
	}

	// Signed out: no token now, though one was checked here.
	e.cfg.Token = secret.Value{}
	if err := account.Delete(dir); err != nil {
		t.Fatal(err)
	}
	if rep := e.build(t); rep.Token != (status.Token{State: status.StateSignedOut, Source: status.SourceNone}) || rep.Account != nil {
		t.Errorf("signed out: %+v, account %v", rep.Token, rep.Account)
	}
	// A daemon that never had a token to check leaves no trace of one.
	setRecord(db.TokenState{State: db.TokenUnknown, Since: at(-time.Hour), CheckedAt: at(-time.Minute), Error: "not signed in"})
	if tr := e.build(t).Token; tr != (status.Token{State: status.StateNeverSignedIn, Source: status.SourceNone}) {
		t.Errorf("never signed in: %+v", tr)
	}
}

func TestJobs(t *testing.T) {
	e := newEnv(t)
	e.cfg.Schedule.RefreshResources = "" // off in the config
	e.cfg.Schedule.Sync = "@every 1h"
	// The running daemon's plan wins over a config edited since.
	if err := e.db.SetSchedule(t.Context(), db.Schedule{
		db.JobSync:        {Spec: "@every 15m", Next: at(5 * time.Minute)},
		db.JobFullSync:    {Spec: "", Next: 0},
		db.JobMaintenance: {Spec: "0 5 * * *", Next: at(9 * time.Hour)},
	}, at(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	e.record(t,
		db.JobRun{Job: db.JobSync, StartedAt: at(-20 * time.Minute), FinishedAt: at(-19 * time.Minute), Status: db.RunFailed, Error: "old"},
		db.JobRun{Job: db.JobSync, StartedAt: at(-10 * time.Minute), FinishedAt: at(-10*time.Minute + 7*time.Second), Status: db.RunPartial,
			Error: "one server failed", Details: json.RawMessage(`{"servers":2,"added":5,"updated":1,"removed":0}`)},
		// Jobs a later version adds come after the known ones, by name.
		db.JobRun{Job: "zeta", StartedAt: at(-time.Hour), FinishedAt: at(-time.Hour), Status: db.RunOK},
		db.JobRun{Job: "archive", StartedAt: at(-time.Hour), Status: db.RunRunning},
	)
	lock, err := db.HoldDaemonLock(e.db.Path()) // the daemon runs
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	rep := e.build(t)
	if got, want := jobNames(rep), []string{"validate_token", "sync", "full_sync", "backup", "maintenance", "archive", "zeta"}; !slices.Equal(got, want) {
		t.Fatalf("jobs %q, want %q", got, want)
	}
	sync, full, maint, archive := rep.Jobs[1], rep.Jobs[2], rep.Jobs[4], rep.Jobs[5]
	if sync.Schedule == nil || *sync.Schedule != "@every 15m" || sync.NextRun == nil || !sync.NextRun.Equal(now.Add(5*time.Minute)) {
		t.Errorf("sync schedule %v, next %v; want the daemon's", deref(sync.Schedule), sync.NextRun)
	}
	if l := sync.LastRun; l == nil || l.Status != "partial" || l.Error != "one server failed" || l.Duration == nil || *l.Duration != 7 ||
		!l.StartedAt.Equal(now.Add(-10*time.Minute)) || string(l.Details) != `{"servers":2,"added":5,"updated":1,"removed":0}` {
		t.Errorf("sync last run %+v", sync.LastRun)
	}
	// Off in the daemon's plan although the config schedules it.
	if full.Schedule != nil || full.NextRun != nil || full.LastRun != nil {
		t.Errorf("full sync %+v", full)
	}
	if maint.Schedule == nil || *maint.Schedule != "0 5 * * *" {
		t.Errorf("maintenance %+v", maint)
	}
	if l := archive.LastRun; archive.Schedule != nil || l == nil || l.Status != "running" || l.FinishedAt != nil || l.Duration != nil || l.Details != nil {
		t.Errorf("a running job of a later version %+v %+v", archive, archive.LastRun)
	}

	// Once the daemon stopped, its plan is gone: no next runs, and the
	// schedule is the config's, which the next start will follow.
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	rep = e.build(t)
	if got, want := jobNames(rep), []string{"validate_token", "sync", "full_sync", "backup", "archive", "zeta"}; !slices.Equal(got, want) {
		t.Fatalf("jobs of a stopped daemon %q, want %q", got, want)
	}
	for _, j := range rep.Jobs {
		if j.NextRun != nil {
			t.Errorf("%s: next run %v while no daemon runs", j.Name, j.NextRun)
		}
	}
	if sync := rep.Jobs[1]; deref(sync.Schedule) != "@every 1h" {
		t.Errorf("sync schedule %v, want the config's", deref(sync.Schedule))
	}
}

func TestLastBackup(t *testing.T) {
	e := newEnv(t)
	file := filepath.Join(e.cfg.StateDir, "backups", "plexm8-20261201T193000Z.db")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("a backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.record(t,
		// A row written before backups recorded what rotation removed.
		db.JobRun{Job: db.JobBackup, StartedAt: at(-time.Hour), FinishedAt: at(-time.Hour), Status: db.RunOK,
			Details: json.RawMessage(`{"file":"/gone.db","bytes":4,"integrity":"ok"}`)},
		db.JobRun{Job: db.JobBackup, StartedAt: at(-30 * time.Minute), FinishedAt: at(-30*time.Minute + 2*time.Second), Status: db.RunOK,
			Details: db.BackupDetails{File: file, Bytes: 8, Integrity: db.IntegrityOK, Rotated: 1}.JSON()},
		db.JobRun{Job: db.JobBackup, StartedAt: at(-5 * time.Minute), FinishedAt: at(-5 * time.Minute), Status: db.RunFailed,
			Error: "integrity_check failed: the copy was discarded"},
	)
	rep := e.build(t)
	// The newest backup failed: the job shows that, the last good one stays.
	if b := rep.LastBackup; b == nil || b.File != file || b.Bytes != 8 || b.Integrity != "ok" || !b.Exists ||
		!b.At.Equal(now.Add(-30*time.Minute+2*time.Second)) {
		t.Errorf("last backup %+v", rep.LastBackup)
	}
	if j := rep.Jobs[4]; j.Name != "backup" || j.LastRun == nil || j.LastRun.Status != "failed" {
		t.Errorf("backup job %+v", j)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if b := e.build(t).LastBackup; b == nil || b.Exists {
		t.Errorf("last backup after its file was deleted %+v", b)
	}
}

func TestServersSyncsAndDaemon(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `INSERT INTO servers (id, name, owned, connection_uri, refreshed_at) VALUES ('a', 'Alpha', 1, 'https://10.0.0.2:32400', ?)`, at(-time.Hour))
	e.exec(t, `INSERT INTO servers (id, name, owned, refreshed_at, removed_at) VALUES ('b', 'Beta', 0, ?, ?)`, at(-2*time.Hour), at(-time.Hour))
	e.exec(t, `INSERT INTO sections (server_id, key, type, hash) VALUES ('a', '1', 'artist', 0), ('b', '1', 'artist', 0)`)
	id, err := e.db.StartRun(t.Context(), "full", "a", at(-3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.FinishRun(t.Context(), db.Run{ID: id, Status: db.RunOK, Added: 3, Requests: 9, FinishedAt: at(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.StartRun(t.Context(), "incremental", "", at(0)); err != nil {
		t.Fatal(err)
	}
	info := db.DaemonInfo{PID: 4242, StartedAt: at(-time.Hour), Version: "v1.0.0", HTTP: "127.0.0.1:9090"}
	if err := e.db.SetDaemonInfo(t.Context(), info, at(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	rep := e.build(t)
	if d := rep.Daemon; d == nil || d.Running || d.PID != 4242 || d.Version != "v1.0.0" || d.HTTP != info.HTTP ||
		!d.StartedAt.Equal(now.Add(-time.Hour)) || !d.UpdatedAt.Equal(now.Add(-time.Hour)) {
		t.Errorf("daemon (its lock is not held) %+v", rep.Daemon)
	}
	lock, err := db.HoldDaemonLock(e.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if d := e.build(t).Daemon; d == nil || !d.Running {
		t.Errorf("daemon holding its lock %+v", d)
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	if len(rep.Servers) != 2 {
		t.Fatalf("servers %+v", rep.Servers)
	}
	a, b := rep.Servers[0], rep.Servers[1]
	if a.ID != "a" || a.Removed || a.RemovedAt != nil || deref(a.Connection) != "https://10.0.0.2:32400" || a.Counts.Sections != 1 ||
		a.LastContact == nil || !a.LastContact.Equal(now.Add(-time.Minute)) || a.LastSync == nil || a.LastSync.Status != "ok" || a.LastSync.Added != 3 {
		t.Errorf("current server %+v, last sync %+v", a, a.LastSync)
	}
	if b.ID != "b" || !b.Removed || b.RemovedAt == nil || b.Connection != nil || b.LastContact != nil || b.LastSync != nil {
		t.Errorf("removed server %+v", b)
	}
	// A removed server's rows are not in the mirror's totals.
	if rep.Mirror.Sections != 1 {
		t.Errorf("mirror %+v", rep.Mirror)
	}
	rs := rep.RecentSyncs
	if len(rs) != 2 || rs[0].Status != "running" || rs[0].ServerID != nil || rs[0].FinishedAt != nil || rs[0].Duration != nil ||
		deref(rs[1].Server) != "Alpha" || rs[1].Kind != "full" || rs[1].Requests != 9 || *rs[1].Duration != 120 {
		t.Errorf("recent syncs %+v", rs)
	}
}

// A daemon record that does not decode is a problem line; the rest reads.
func TestUndecodableDaemonState(t *testing.T) {
	e := newEnv(t)
	e.exec(t, `INSERT INTO daemon_state (key, value, updated_at) VALUES ('token', '{"state":', 1), ('daemon', '[1]', 1)`)
	rep := e.build(t)
	if rep.Token.State != status.StateNeverSignedIn || rep.Daemon != nil || len(rep.Problems) != 2 ||
		!strings.Contains(strings.Join(rep.Problems, "\n"), `"token"`) {
		t.Errorf("token %+v, daemon %+v, problems %q", rep.Token, rep.Daemon, rep.Problems)
	}
}

// The JSON is the documented shape: every key present, null or not.
func TestReportJSONKeys(t *testing.T) {
	b, err := json.Marshal(newEnv(t).build(t))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"format", "generated_at", "token", "account", "daemon", "database", "mirror", "servers", "jobs", "last_backup", "recent_syncs", "problems"} {
		if _, ok := m[k]; !ok {
			t.Errorf("key %q missing from %s", k, b)
		}
	}
	if string(m["account"]) != "null" || string(m["daemon"]) != "null" || string(m["servers"]) != "[]" {
		t.Errorf("unknown values are null and lists empty: %s", b)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/logging"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
	"github.com/plexm8/plexm8-sync/internal/secret"
)

func testConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.StateDir = t.TempDir()
	cfg.Database.Path = filepath.Join(cfg.StateDir, "plexm8.db")
	cfg.Backup.Dir = filepath.Join(cfg.StateDir, "backups")
	cfg.Token = secret.Value{}
	return cfg
}

func newDaemon(t *testing.T, ctx context.Context, cfg *config.Config, d *db.DB, client *plex.Client) (*Daemon, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dm, err := New(ctx, Options{Config: cfg, DB: d, Client: client, Logger: log, Version: "test", Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return dm, logs
}

// TestStartupChecksTokenThenSyncs: Run checks the token and then syncs at
// once, without waiting a whole interval.
func TestStartupChecksTokenThenSyncs(t *testing.T) {
	d := openDB(t)
	cfg := testConfig(t)
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		dm, _ := newDaemon(t, ctx, cfg, d, nil)
		var mu sync.Mutex
		var order []db.JobName
		var at []time.Duration
		t0 := time.Now()
		for _, j := range []db.JobName{db.JobValidateToken, db.JobRefreshResources, db.JobSync, db.JobFullSync, db.JobBackup, db.JobMaintenance} {
			dm.impl[j] = func(context.Context) Outcome {
				mu.Lock()
				defer mu.Unlock()
				order = append(order, j)
				at = append(at, time.Since(t0))
				return Outcome{}
			}
		}
		done := make(chan error)
		go func() { done <- dm.Run(ctx) }()
		synctest.Wait()
		mu.Lock()
		if len(order) != 2 || order[0] != db.JobValidateToken || order[1] != db.JobSync || at[1] != 0 {
			t.Errorf("start-up runs = %v at %v, want validate_token then sync, at once", order, at)
		}
		mu.Unlock()
		// The schedule goes on: the next sync is 30 minutes later.
		time.Sleep(30*time.Minute + time.Second)
		synctest.Wait()
		mu.Lock()
		syncs := 0
		for _, j := range order {
			if j == db.JobSync {
				syncs++
			}
		}
		mu.Unlock()
		if syncs != 2 {
			t.Errorf("%d syncs after 30 minutes, want 2 (start-up and one scheduled): %v", syncs, order)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		info, err := d.DaemonInfo(context.Background())
		if err != nil || info == nil || info.PID != os.Getpid() || info.Version != "test" {
			t.Errorf("daemon state = %+v, %v", info, err)
		}
		sched, err := d.Schedule(context.Background())
		if err != nil || sched[db.JobSync].Spec != "@every 30m" || sched[db.JobSync].Next == 0 {
			t.Errorf("schedule state = %+v, %v", sched, err)
		}
	})
}

// TestCredentialsFileWakesTheDaemon: a rewrite of the credentials file (a
// login elsewhere) runs the token check without waiting for its schedule.
func TestCredentialsFileWakesTheDaemon(t *testing.T) {
	d := openDB(t)
	cfg := testConfig(t)
	cfg.Schedule.ValidateToken = "@every 24h"
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		dm, logs := newDaemon(t, ctx, cfg, d, nil)
		checks := make(chan string, 10)
		dm.impl[db.JobValidateToken] = func(context.Context) Outcome {
			c, err := account.Load(cfg.StateDir)
			if err != nil {
				checks <- "none"
			} else {
				checks <- c.Username
			}
			return Outcome{}
		}
		dm.impl[db.JobSync] = func(context.Context) Outcome { return Outcome{} }
		done := make(chan error)
		go func() { done <- dm.Run(ctx) }()
		synctest.Wait()
		if got := <-checks; got != "none" {
			t.Fatalf("start-up check saw %q", got)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if len(checks) != 0 {
			t.Fatalf("a check ran with no change to the file")
		}
		if err := account.Save(cfg.StateDir, account.Credentials{Token: secret.New("tok-1"), Username: "alice", SavedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(dm.o.CredentialsPoll + time.Millisecond)
		synctest.Wait()
		select {
		case got := <-checks:
			if got != "alice" {
				t.Errorf("check after login saw %q", got)
			}
		default:
			t.Fatal("writing the credentials file did not wake the token check")
		}
		if len(logs.lines("credentials file changed")) != 1 {
			t.Errorf("want one line saying the file changed:\n%s", logs)
		}
		cancel()
		<-done
	})
}

// fakeEnv is a daemon wired to a fake Plex, not running its schedule: tests
// drive its jobs with RunNow.
type fakeEnv struct {
	fake *plextest.Fake
	cfg  *config.Config
	db   *db.DB
	dm   *Daemon
	logs *syncBuffer
}

func newFakeEnv(t *testing.T) *fakeEnv {
	t.Helper()
	f, err := plextest.Start(plextest.Options{Seed: 5, Tracks: 200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	client, err := plex.New(plex.Options{TVURL: f.TVURL(), ClientsURL: f.ClientsURL(), RootCAs: f.RootCAs(),
		Identity:   plex.Identity{Product: "PlexM8 test", Version: "test", ClientID: "daemon-test", DeviceName: "test"},
		MaxRetries: 1, MaxRetryWait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	d := openDB(t)
	dm, logs := newDaemon(t, t.Context(), cfg, d, client)
	t.Cleanup(func() { dm.sched.Stop(10 * time.Second) })
	e := &fakeEnv{fake: f, cfg: cfg, db: d, dm: dm, logs: logs}
	e.login()
	return e
}

func (e *fakeEnv) login() {
	if err := account.Save(e.cfg.StateDir, account.Credentials{Token: secret.New(e.fake.AccountToken()), Username: "plexm8_user", SavedAt: time.Now()}); err != nil {
		panic(err)
	}
}

func (e *fakeEnv) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	if err := e.db.R().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *fakeEnv) lastStatus(t *testing.T, job db.JobName) db.RunStatus {
	t.Helper()
	var s db.RunStatus
	if err := e.db.R().QueryRow(`SELECT status FROM job_runs WHERE job = ? ORDER BY id DESC LIMIT 1`, job).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *fakeEnv) tokenState(t *testing.T) db.TokenState {
	t.Helper()
	r, err := e.db.TokenState(t.Context())
	if err != nil || r == nil {
		t.Fatalf("token state %+v: %v", r, err)
	}
	return *r
}

func TestTokenLifecycle(t *testing.T) {
	e := newFakeEnv(t)
	s := e.dm.sched
	s.RunNow(db.JobValidateToken)
	if st := e.tokenState(t); st.State != db.TokenOK || st.Account != "plexm8_user" {
		t.Fatalf("token state = %+v, want ok", st)
	}
	s.RunNow(db.JobSync)
	if got := e.lastStatus(t, db.JobSync); got != db.RunOK {
		t.Fatalf("first sync %s:\n%s", got, e.logs)
	}
	current := e.count(t, `SELECT count(*) FROM tracks WHERE removed_at IS NULL`)

	// A PMS 401 (rotated server token) re-fetches the resources first.
	e.fake.Owned().RotateToken()
	e.fake.Owned().AddTrack(e.fake.Owned().Albums("1")[0].RatingKey, "after the rotation")
	s.RunNow(db.JobSync)
	if got := e.lastStatus(t, db.JobSync); got != db.RunOK {
		t.Fatalf("sync after a server token rotation: %s\n%s", got, e.logs)
	}
	current++

	// Transient plex.tv trouble: the token is kept and nothing pauses.
	e.fake.Inject(plextest.Fault{Host: "plex.tv", Status: http.StatusServiceUnavailable})
	s.RunNow(db.JobValidateToken)
	if st := e.tokenState(t); st.State != db.TokenOK || e.dm.tokens.paused() {
		t.Fatalf("after a 503 the token state = %+v, paused %v; want ok, running", st, e.dm.tokens.paused())
	}
	s.RunNow(db.JobSync) // plex.tv down: the sync fails, nothing is removed
	if got := e.lastStatus(t, db.JobSync); got != db.RunFailed {
		t.Errorf("sync with plex.tv down = %s, want failed", got)
	}
	e.fake.ClearFaults()
	if _, err := account.Load(e.cfg.StateDir); err != nil {
		t.Fatalf("the credentials were discarded after a transient error: %v", err)
	}

	// Revoked: one loud line however many checks confirm it; jobs pause.
	e.fake.RevokeAccountToken()
	errorsBefore := len(e.logs.lines("level=ERROR"))
	for range 3 {
		s.RunNow(db.JobValidateToken)
		s.RunNow(db.JobSync)
		s.RunNow(db.JobRefreshResources)
	}
	if st := e.tokenState(t); st.State != db.TokenRejected || st.Since == 0 {
		t.Fatalf("token state = %+v, want rejected", st)
	}
	if n := len(e.logs.lines(LoudRejected)); n != 1 {
		t.Errorf("%d loud lines, want exactly 1:\n%s", n, e.logs)
	}
	if n := len(e.logs.lines("level=ERROR")) - errorsBefore; n != 1 {
		t.Errorf("%d error lines while the token was rejected, want only the loud one:\n%s", n, e.logs)
	}
	if got := e.lastStatus(t, db.JobSync); got != db.RunPaused {
		t.Errorf("sync while rejected = %s, want paused", got)
	}
	if got := e.lastStatus(t, db.JobRefreshResources); got != db.RunPaused {
		t.Errorf("refresh_resources while rejected = %s, want paused", got)
	}
	if n := e.count(t, `SELECT count(*) FROM tracks WHERE removed_at IS NOT NULL`) +
		e.count(t, `SELECT count(*) FROM servers WHERE removed_at IS NOT NULL`); n != 0 {
		t.Errorf("%d rows marked removed after auth and network failures", n)
	}
	if h := e.dm.Health(); h.Status == "ok" || !strings.Contains(strings.Join(h.Reasons, ";"), "plexm8-sync login") {
		t.Errorf("health while rejected = %+v", h)
	}

	// A new login: the check passes, the jobs resume and a sync runs by
	// itself (triggered on resume).
	e.login()
	s.RunNow(db.JobValidateToken)
	if st := e.tokenState(t); st.State != db.TokenOK {
		t.Fatalf("token state after login = %+v", st)
	}
	s.triggered.Wait()
	if got := e.lastStatus(t, db.JobSync); got != db.RunOK {
		t.Errorf("the resumed sync = %s, want ok:\n%s", got, e.logs)
	}
	if n := e.count(t, `SELECT count(*) FROM tracks WHERE removed_at IS NULL`); n != current {
		t.Errorf("%d current tracks, want %d", n, current)
	}
	if len(e.logs.lines("jobs resume")) != 1 {
		t.Errorf("want one resume line:\n%s", e.logs)
	}
	if h := e.dm.Health(); h.Status != "ok" {
		t.Errorf("health after resume = %+v", h)
	}
}

func TestNeverSignedInWaitsForLogin(t *testing.T) {
	e := newFakeEnv(t)
	if err := account.Delete(e.cfg.StateDir); err != nil {
		t.Fatal(err)
	}
	s := e.dm.sched
	for range 2 {
		s.RunNow(db.JobValidateToken)
		s.RunNow(db.JobSync)
	}
	if st := e.tokenState(t); st.State != db.TokenUnknown || st.Error != errNotSignedIn {
		t.Fatalf("token state = %+v, want unknown, not signed in", st)
	}
	if got := e.lastStatus(t, db.JobSync); got != db.RunPaused {
		t.Errorf("sync before any login = %s, want paused", got)
	}
	if n := len(e.logs.lines("level=ERROR")); n != 1 || len(e.logs.lines("run 'plexm8-sync login'")) == 0 {
		t.Errorf("want one error line saying to log in:\n%s", e.logs)
	}
	// A damaged file pauses too, with its own message, and is not called a
	// rejection by plex.tv.
	if err := os.WriteFile(account.Path(e.cfg.StateDir), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.RunNow(db.JobValidateToken)
	s.RunNow(db.JobSync)
	if got := e.lastStatus(t, db.JobSync); got != db.RunPaused {
		t.Errorf("sync with a damaged credentials file = %s, want paused", got)
	}
	if len(e.logs.lines("cannot be used", "level=ERROR")) != 1 || len(e.logs.lines(LoudRejected)) != 0 {
		t.Errorf("want one error about the damaged file and no rejection line:\n%s", e.logs)
	}
	e.login()
	s.RunNow(db.JobValidateToken)
	s.triggered.Wait()
	if got := e.lastStatus(t, db.JobSync); got != db.RunOK {
		t.Errorf("sync after the first login = %s, want ok:\n%s", got, e.logs)
	}
}

func TestMetricsAndHealthEndpoints(t *testing.T) {
	e := newFakeEnv(t)
	h := e.dm.Handler()
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if rec := get("/healthz"); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "no sync has finished yet") {
		t.Errorf("healthz before any sync = %d %s", rec.Code, rec.Body)
	}
	e.dm.sched.RunNow(db.JobValidateToken)
	e.dm.sched.RunNow(db.JobSync)
	e.dm.sched.RunNow(db.JobBackup)
	rec := get("/healthz")
	var health Health
	if err := json.Unmarshal(rec.Body.Bytes(), &health); err != nil || rec.Code != http.StatusOK || health.Status != "ok" || health.LastSync == 0 {
		t.Errorf("healthz after a sync = %d %s (%v)", rec.Code, rec.Body, err)
	}

	rec = get("/metrics")
	body := rec.Body.String()
	for _, tok := range []string{e.fake.AccountToken(), e.fake.Owned().AccessToken(), e.fake.Shared().AccessToken()} {
		if strings.Contains(body, tok) {
			t.Fatal("/metrics shows a token")
		}
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		f, ok := fams[name]
		if !ok {
			t.Errorf("metric %s missing", name)
			return -1
		}
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if v, ok := labels[l.GetName()]; ok && v != l.GetValue() {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
		t.Errorf("metric %s%v missing", name, labels)
		return -1
	}
	tracks := float64(len(e.fake.Owned().MusicTracks()) + len(e.fake.Shared().MusicTracks()))
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"plexm8_job_runs_total", map[string]string{"job": "sync", "status": "ok"}, 1},
		{"plexm8_job_runs_total", map[string]string{"job": "backup", "status": "ok"}, 1},
		{"plexm8_job_duration_seconds", map[string]string{"job": "sync"}, 1},
		{"plexm8_items_changed_total", map[string]string{"kind": "tracks", "change": "added"}, tracks},
		{"plexm8_items_changed_total", map[string]string{"kind": "tracks", "change": "removed"}, 0},
		{"plexm8_token_state", map[string]string{"state": "ok"}, 1},
		{"plexm8_token_state", map[string]string{"state": "rejected"}, 0},
		{"plexm8_plex_rate_limited_total", nil, 0},
	} {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if v := value("plexm8_plex_requests_total", nil); v < 5 {
		t.Errorf("plexm8_plex_requests_total = %v", v)
	}
	if v := value("plexm8_job_last_success_timestamp_seconds", map[string]string{"job": "sync"}); v < float64(time.Now().Add(-time.Hour).Unix()) {
		t.Errorf("last success of sync = %v", v)
	}
	if _, ok := fams["plexm8_plex_retries_total"]; !ok {
		t.Error("plexm8_plex_retries_total missing")
	}
}

func TestBackupJobRecordsFileAndIntegrity(t *testing.T) {
	e := newFakeEnv(t)
	e.dm.sched.RunNow(db.JobBackup)
	var details string
	if err := e.db.R().QueryRow(`SELECT details FROM job_runs WHERE job = 'backup' AND status = 'ok'`).Scan(&details); err != nil {
		t.Fatalf("no ok backup run: %v\n%s", err, e.logs)
	}
	var d struct {
		File      string `json:"file"`
		Bytes     int64  `json:"bytes"`
		Integrity string `json:"integrity"`
	}
	if err := json.Unmarshal([]byte(details), &d); err != nil || d.Integrity != "ok" || d.Bytes == 0 {
		t.Fatalf("details = %s", details)
	}
	if fi, err := os.Stat(d.File); err != nil || fi.Size() != d.Bytes || filepath.Dir(d.File) != e.cfg.Backup.Dir {
		t.Errorf("backup file %s: %v", d.File, err)
	}
	// A backup that cannot be written is a failed run, visible to status.
	if err := os.WriteFile(filepath.Join(e.cfg.StateDir, "not-a-dir"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e.dm.cfg.Backup.Dir = filepath.Join(e.cfg.StateDir, "not-a-dir", "backups")
	e.dm.sched.RunNow(db.JobBackup)
	if got := e.lastStatus(t, db.JobBackup); got != db.RunFailed {
		t.Errorf("backup into a file's path = %s, want failed", got)
	}
	e.dm.sched.RunNow(db.JobMaintenance)
	if got := e.lastStatus(t, db.JobMaintenance); got != db.RunOK {
		t.Errorf("maintenance = %s:\n%s", got, e.logs)
	}
}

func TestCheckHTTPAddr(t *testing.T) {
	for _, c := range []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:9090", false, true},
		{"[::1]:9090", false, true},
		{"localhost:9090", false, true},
		{":9090", false, false},
		{"0.0.0.0:9090", false, false},
		{"192.168.1.5:9090", false, false},
		{"0.0.0.0:9090", true, true},
		{"nonsense", true, false},
	} {
		if err := CheckHTTPAddr(c.addr, c.remote); (err == nil) != c.ok {
			t.Errorf("CheckHTTPAddr(%q, %v) = %v", c.addr, c.remote, err)
		}
	}
}

func TestReloadAppliesTheScheduleOrNothing(t *testing.T) {
	d := openDB(t)
	cfg := testConfig(t)
	dm, logs := newDaemon(t, t.Context(), cfg, d, nil)
	defer dm.sched.Stop(time.Second)
	next := *cfg
	next.Schedule.Sync = "@every 5m"
	next.Schedule.FullSync = ""
	next.Plex.PageSize = 50
	next.Database.Path = filepath.Join(t.TempDir(), "elsewhere.db")
	if err := dm.Reload(&next); err != nil {
		t.Fatal(err)
	}
	sched, err := d.Schedule(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if sched[db.JobSync].Spec != "@every 5m" || sched[db.JobFullSync].Spec != "" || sched[db.JobFullSync].Next != 0 {
		t.Errorf("schedule after reload = %+v", sched)
	}
	if got := dm.config(); got.Plex.PageSize != 50 || got.Database.Path != cfg.Database.Path {
		t.Errorf("reloaded config: page size %d, database %s; want 50 and the running database", got.Plex.PageSize, got.Database.Path)
	}
	if len(logs.lines("take effect at the next start")) != 1 {
		t.Errorf("no warning that database.path needs a restart:\n%s", logs)
	}
	bad := next
	bad.Schedule.Sync = "@every 1m"
	bad.Schedule.Backup = "not a spec"
	if err := dm.Reload(&bad); err == nil {
		t.Fatal("a bad schedule was accepted")
	}
	if dm.sched.jobs[db.JobSync].Spec != "@every 5m" {
		t.Errorf("a refused reload changed the sync spec to %q", dm.sched.jobs[db.JobSync].Spec)
	}
}

// TestHealthDuringTheFirstSync: healthy while the first sync runs (with a
// note), then by the result of the last finished sync.
func TestHealthDuringTheFirstSync(t *testing.T) {
	d := openDB(t)
	cfg := testConfig(t)
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		dm, _ := newDaemon(t, ctx, cfg, d, nil)
		release := make(chan struct{})
		fail := false
		dm.impl[db.JobValidateToken] = func(ctx context.Context) Outcome { dm.tokens.ok(ctx, "", "alice"); return Outcome{} }
		dm.impl[db.JobSync] = func(ctx context.Context) Outcome {
			select {
			case <-release:
			case <-ctx.Done():
			}
			if fail {
				return Outcome{Err: errors.New("server down")}
			}
			return Outcome{}
		}
		done := make(chan error)
		go func() { done <- dm.Run(ctx) }()
		synctest.Wait()
		if h := dm.Health(); h.Status != "ok" || h.Note == "" || h.LastSync != 0 {
			t.Errorf("health during the first sync = %+v, want ok with a note", h)
		}
		close(release)
		synctest.Wait()
		if h := dm.Health(); h.Status != "ok" || h.Note != "" || h.LastSync == 0 {
			t.Errorf("health after the first sync = %+v", h)
		}
		fail = true
		dm.sched.RunNow(db.JobSync)
		if h := dm.Health(); h.Status != "unhealthy" || !strings.Contains(strings.Join(h.Reasons, ";"), "server down") {
			t.Errorf("health after a failed sync = %+v", h)
		}
		cancel()
		<-done
	})
}

// TestReadableCredentialsWarnOnce: the daemon keeps working with a
// credentials file others can read, says so once (not at every token
// check), and again if the file becomes readable again after a fix.
func TestReadableCredentialsWarnOnce(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	e := newFakeEnv(t)
	path := account.Path(e.cfg.StateDir)
	chmod := func(m os.FileMode) {
		if err := os.Chmod(path, m); err != nil {
			t.Fatal(err)
		}
	}
	warnings := func() int { return strings.Count(e.logs.String(), "chmod 600 "+path) }
	chmod(0o644)
	for range 3 {
		e.dm.sched.RunNow(db.JobValidateToken)
	}
	if st := e.tokenState(t); st.State != db.TokenOK {
		t.Fatalf("token state %+v: a readable file must still be used", st)
	}
	if n := warnings(); n != 1 {
		t.Fatalf("%d warnings after three checks, want 1:\n%s", n, e.logs)
	}
	if !strings.Contains(e.logs.String(), "level=WARN") {
		t.Errorf("the warning is not at WARN level:\n%s", e.logs)
	}
	chmod(0o600)
	e.dm.sched.RunNow(db.JobValidateToken)
	chmod(0o640)
	e.dm.sched.RunNow(db.JobValidateToken)
	if n := warnings(); n != 2 {
		t.Fatalf("%d warnings, want a second one once the file is readable again:\n%s", n, e.logs)
	}
}

// statusRuns returns the statuses of job's recorded runs, oldest first; a
// tick skipped because the job's own run was still going reads "busy".
func statusRuns(t *testing.T, d *db.DB, job db.JobName) []db.RunStatus {
	t.Helper()
	rows, err := d.R().Query(`SELECT CASE WHEN error = 'the previous run was still going' THEN 'busy' ELSE status END
		FROM job_runs WHERE job = ? ORDER BY id`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []db.RunStatus
	for rows.Next() {
		var s db.RunStatus
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDefaultScheduleStarvesNoJob: a simulated day of the default schedule,
// where refresh_resources falls due with the sync at every hour and the
// full sync, backup and maintenance with it at 4:00, 4:30 and 5:00, after a
// first sync that takes 70 minutes (a large library). Every job's first
// attempt waits its turn and succeeds, none is skipped twice in a row, and
// writers never overlap.
func TestDefaultScheduleStarvesNoJob(t *testing.T) {
	d := openDB(t)
	cfg := testConfig(t)
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		dm, logs := newDaemon(t, ctx, cfg, d, nil)
		var writing, overlaps sync.Map
		took := map[db.JobName]time.Duration{
			db.JobValidateToken: time.Second, db.JobRefreshResources: 3 * time.Second, db.JobSync: 2 * time.Minute,
			db.JobFullSync: 25 * time.Minute, db.JobBackup: time.Minute, db.JobMaintenance: 10 * time.Second,
		}
		var syncs atomic.Int32
		for job, dur := range took {
			dm.impl[job] = func(ctx context.Context) Outcome {
				dur := dur
				if job == db.JobSync && syncs.Add(1) == 1 {
					dur = 70 * time.Minute
				}
				if job != db.JobValidateToken {
					if other, busy := writing.LoadOrStore("holder", job); busy {
						overlaps.Store(job, other)
					}
					defer writing.Delete("holder")
				}
				if err := sleepCtx(ctx, dur); err != nil {
					return Outcome{Err: err}
				}
				return Outcome{}
			}
		}
		done := make(chan error)
		go func() { done <- dm.Run(ctx) }()
		time.Sleep(24*time.Hour + time.Minute)
		synctest.Wait()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		overlaps.Range(func(k, v any) bool {
			t.Errorf("%v ran while %v was writing", k, v)
			return true
		})
		fams, err := dm.metrics.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		succeeded := map[string]bool{}
		for _, f := range fams {
			if f.GetName() != "plexm8_job_last_success_timestamp_seconds" {
				continue
			}
			for _, m := range f.GetMetric() {
				succeeded[m.GetLabel()[0].GetValue()] = true
			}
		}
		// Ticks in the day (the sync also runs at start-up, and its first
		// run spans two ticks; the last attempt may be cut short by the
		// end of the test); a job may yield one tick in two to the job that
		// does its work anyway.
		ticks := map[db.JobName]int{db.JobValidateToken: 96, db.JobRefreshResources: 24, db.JobSync: 49, db.JobFullSync: 1, db.JobBackup: 1, db.JobMaintenance: 1}
		for job, n := range ticks {
			if !succeeded[string(job)] {
				t.Errorf("%s never succeeded: no last-success metric", job)
			}
			if job == db.JobBackup {
				continue // it records itself, and the stand-in here does not
			}
			runs := statusRuns(t, d, job)
			if len(runs) == 0 || runs[0] != db.RunOK {
				t.Errorf("%s: first attempt not ok: %v", job, runs)
			}
			ok, twice := 0, false
			for i, st := range runs {
				if st == db.RunOK {
					ok++
				}
				twice = twice || i > 0 && st == db.RunSkipped && runs[i-1] == db.RunSkipped
			}
			if twice {
				t.Errorf("%s skipped twice in a row: %v", job, runs)
			}
			if ok < (n+1)/2 || len(runs) < n-1 {
				t.Errorf("%s: %d ok of %d recorded runs, want at least %d of %d ticks ok: %v", job, ok, len(runs), (n+1)/2, n, runs)
			}
		}
		if t.Failed() {
			t.Logf("skips:\n%s", strings.Join(logs.lines("job skipped"), "\n"))
		}
	})
}

// TestReloadLineShowsTheSchedule: the SIGHUP reload line, through the
// daemon's own redacting handler, shows every job's schedule; a job named
// validate_token is not a secret.
func TestReloadLineShowsTheSchedule(t *testing.T) {
	d := openDB(t)
	cfg := testConfig(t)
	var buf syncBuffer
	dm, err := New(t.Context(), Options{Config: cfg, DB: d, Logger: logging.New(logging.Options{Format: "json", W: &buf}), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer dm.sched.Stop(time.Second)
	next := *cfg
	next.Schedule.ValidateToken = "@every 20m"
	if err := dm.Reload(&next); err != nil {
		t.Fatal(err)
	}
	lines := buf.lines("configuration reloaded")
	if len(lines) != 1 {
		t.Fatalf("reload lines:\n%s", buf.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	for job, spec := range next.Schedule.ByJob() {
		if got[job] != spec {
			t.Errorf("reload line: %s=%v, want %q:\n%s", job, got[job], spec, lines[0])
		}
	}
}

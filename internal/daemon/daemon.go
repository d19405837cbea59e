// Package daemon is `plexm8-sync run`: the scheduler and its jobs (validate
// the token, refresh the servers, incremental and full syncs, backups and
// database maintenance), the token state machine, the watch on the
// credentials file, and the health and metrics endpoints.
package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/plexm8/plexm8-sync/internal/account"
	"github.com/plexm8/plexm8-sync/internal/backup"
	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/secret"
	mirror "github.com/plexm8/plexm8-sync/internal/sync"
)

// MaintenanceSpec is when PRAGMA optimize and the WAL checkpoint run: daily,
// after the default backup.
const MaintenanceSpec = "0 5 * * *"

// ShutdownTimeout bounds the wait for running jobs at shutdown, leaving the
// rest of the 10 s a service manager allows for closing the database.
const ShutdownTimeout = 7 * time.Second

// Options configure a Daemon.
type Options struct {
	Config  *config.Config
	DB      *db.DB
	Client  *plex.Client
	Logger  *slog.Logger
	Version string
	// HTTPAddr is recorded in daemon_state; the caller serves Handler.
	HTTPAddr string
	// CredentialsPoll is how often the credentials file is looked at;
	// default 2s.
	CredentialsPoll time.Duration
	Now             func() time.Time
	Location        *time.Location
	// Observe, when set, is told of every finished run (the demo waits on
	// it).
	Observe func(job db.JobName, status db.RunStatus, details map[string]any)
}

// Daemon is a running `plexm8-sync run`.
type Daemon struct {
	o       Options
	log     *slog.Logger
	db      *db.DB
	client  *plex.Client
	now     func() time.Time
	metrics *Metrics
	sched   *Scheduler
	tokens  *tokenTracker
	// impl holds each job's work; tests replace entries before Run.
	impl map[db.JobName]JobFunc

	mu          sync.Mutex
	cfg         *config.Config
	credWarning string // the last credentials warning logged
}

// New wires the jobs. ctx bounds every run; cancel it (or call Stop) to
// shut down.
func New(ctx context.Context, o Options) (*Daemon, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CredentialsPoll <= 0 {
		o.CredentialsPoll = 2 * time.Second
	}
	d := &Daemon{o: o, log: o.Logger, db: o.DB, client: o.Client, now: o.Now, cfg: o.Config}
	var stats func() plex.Stats
	if o.Client != nil {
		stats = o.Client.Stats
	}
	d.metrics = NewMetrics(stats)
	d.sched = NewScheduler(ctx, SchedulerOptions{DB: o.DB, Logger: o.Logger, Location: o.Location, Now: o.Now, Metrics: d.metrics, Observe: o.Observe})
	d.tokens = newTokenTracker(ctx, o.Logger, o.DB, o.Now, d.metrics)
	// Once the token works again, sync at once rather than at the next tick.
	d.tokens.onResume = func() { d.sched.Trigger(db.JobSync) }
	d.impl = map[db.JobName]JobFunc{
		db.JobValidateToken:    d.validateToken,
		db.JobRefreshResources: d.refreshResources,
		db.JobSync:             func(ctx context.Context) Outcome { return d.sync(ctx, false) },
		db.JobFullSync:         func(ctx context.Context) Outcome { return d.sync(ctx, true) },
		db.JobBackup:           d.backup,
		db.JobMaintenance:      d.maintenance,
	}
	s := o.Config.Schedule
	for _, j := range []Job{
		{Name: db.JobValidateToken, Spec: s.ValidateToken},
		{Name: db.JobRefreshResources, Spec: s.RefreshResources, Writes: true, YieldTo: []db.JobName{db.JobSync, db.JobFullSync}},
		{Name: db.JobSync, Spec: s.Sync, Writes: true, YieldTo: []db.JobName{db.JobFullSync}},
		{Name: db.JobFullSync, Spec: s.FullSync, Writes: true},
		{Name: db.JobBackup, Spec: s.Backup, Writes: true, RecordsItself: true},
		{Name: db.JobMaintenance, Spec: MaintenanceSpec, Writes: true},
	} {
		j.Run = func(ctx context.Context) Outcome { return d.impl[j.Name](ctx) }
		if err := d.sched.Add(j); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Metrics returns the daemon's metrics.
func (d *Daemon) Metrics() *Metrics { return d.metrics }

// Scheduler returns the daemon's scheduler.
func (d *Daemon) Scheduler() *Scheduler { return d.sched }

func (d *Daemon) config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Run starts the schedule, checks the token and syncs once at start-up,
// then runs until ctx is done; it then stops within ShutdownTimeout.
func (d *Daemon) Run(ctx context.Context) error {
	// The lock is what tells 'status' the daemon runs; the record below
	// outlives the process. Without the lock the daemon still does its
	// work: status then calls it stopped, which the warning explains.
	if lock, err := db.HoldDaemonLock(d.db.Path()); err != nil {
		d.log.Warn("status will not see this daemon as running", "err", err)
	} else {
		defer lock.Release()
	}
	started := d.now()
	info := db.DaemonInfo{PID: os.Getpid(), StartedAt: started.Unix(), Version: d.o.Version, HTTP: d.o.HTTPAddr}
	if err := d.db.SetDaemonInfo(ctx, info, started.Unix()); err != nil {
		return err
	}
	d.sched.Start()
	d.log.Info("daemon started", "database", d.db.Path(), "http", d.o.HTTPAddr)
	// The token check first, so the start-up sync knows whether to pause;
	// then the sync, without waiting a whole interval.
	d.sched.RunNow(db.JobValidateToken)
	d.sched.Trigger(db.JobSync)

	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		d.watchCredentials(ctx)
	}()
	<-ctx.Done()
	d.log.Info("shutting down: stopping the schedule and the running jobs")
	clean := d.sched.Stop(ShutdownTimeout)
	<-watchDone
	if !clean {
		d.log.Warn("some jobs did not stop in time; their runs are closed as interrupted at the next start")
	}
	d.log.Info("daemon stopped")
	return nil
}

// Reload applies a re-read config: the schedule, and the Plex settings of
// later runs. The database path and state directory need a restart.
func (d *Daemon) Reload(cfg *config.Config) error {
	old := d.config()
	if cfg.Database.Path != old.Database.Path || cfg.StateDir != old.StateDir {
		d.log.Warn("database.path and state_dir changes take effect at the next start")
	}
	specs := map[db.JobName]string{}
	var logged []any
	byJob := cfg.Schedule.ByJob()
	for _, job := range slices.Sorted(maps.Keys(byJob)) {
		specs[db.JobName(job)] = byJob[job]
		logged = append(logged, job, byJob[job])
	}
	if err := d.sched.SetSchedule(specs); err != nil {
		return err
	}
	d.mu.Lock()
	keepDB, keepState := old.Database.Path, old.StateDir
	d.cfg = cfg
	d.cfg.Database.Path, d.cfg.StateDir = keepDB, keepState
	d.mu.Unlock()
	d.log.Info("configuration reloaded", logged...)
	return nil
}

// loadToken returns PLEXM8_TOKEN or the stored credentials, read afresh
// each time so a `login` elsewhere is picked up.
func (d *Daemon) loadToken() (secret.Value, string, error) {
	cfg := d.config()
	if !cfg.Token.IsZero() {
		return cfg.Token, "", nil
	}
	c, err := account.Load(cfg.StateDir)
	if err != nil {
		return secret.Value{}, "", err
	}
	d.warnCredentials(c.Warning)
	return c.Token, c.Username, nil
}

// warnCredentials logs a problem with the credentials file once, not at
// every token check, and again if it comes back after a fix.
func (d *Daemon) warnCredentials(w string) {
	d.mu.Lock()
	changed := w != d.credWarning
	d.credWarning = w
	d.mu.Unlock()
	if changed && w != "" {
		d.log.Warn(w)
	}
}

func (d *Daemon) validateToken(ctx context.Context) Outcome {
	tok, _, err := d.loadToken()
	if err != nil {
		// Never signed in, or a damaged file: the user's to fix, and
		// nothing to ask plex.tv about.
		d.tokens.noCredentials(ctx, err, errors.Is(err, account.ErrNotSignedIn))
		return Outcome{Status: db.RunPaused, Err: err, Details: map[string]any{"state": db.TokenUnknown}}
	}
	id := d.tokenID(tok)
	user, err := d.client.User(ctx, tok)
	switch {
	case err == nil:
		d.tokens.ok(ctx, id, user.Username)
		return Outcome{Details: map[string]any{"state": db.TokenOK, "account": user.Username}}
	case ctx.Err() != nil:
		return Outcome{Err: err}
	case errors.Is(err, plex.ErrUnauthorized):
		d.tokens.rejected(ctx, id, err)
		return Outcome{Err: err, Details: map[string]any{"state": db.TokenRejected}, Explained: true}
	default:
		d.tokens.transient(ctx, id, err)
		return Outcome{Err: err, Details: map[string]any{"state": d.tokens.snapshot().State}}
	}
}

// tokenFor returns the token for a job that needs it, or the paused outcome.
func (d *Daemon) tokenFor() (secret.Value, *Outcome) {
	if d.tokens.paused() {
		err := errPaused
		if d.tokens.snapshot().State != db.TokenRejected {
			err = errNoCredentials
		}
		return secret.Value{}, &Outcome{Status: db.RunPaused, Err: err}
	}
	tok, _, err := d.loadToken()
	if err != nil {
		return secret.Value{}, &Outcome{Status: db.RunPaused, Err: err}
	}
	return tok, nil
}

// tokenID names tok in the token record, so 'status' can tell whether the
// record is about the token in use when it looks.
func (d *Daemon) tokenID(tok secret.Value) string {
	return account.TokenID(d.config().StateDir, tok)
}

// plexFailed is the outcome of a job whose plex.tv call with tok failed: a
// 401 there is the token's rejection; anything else is left for the next
// run.
func (d *Daemon) plexFailed(ctx context.Context, tok secret.Value, err error) Outcome {
	if errors.Is(err, plex.ErrUnauthorized) && ctx.Err() == nil {
		d.tokens.rejected(ctx, d.tokenID(tok), err)
		return Outcome{Err: err, Explained: true}
	}
	return Outcome{Err: err}
}

func (d *Daemon) syncer() *mirror.Syncer {
	return mirror.New(d.db, d.client, mirror.ConfigOptions(d.config(), d.now, d.log, nil))
}

func (d *Daemon) refreshResources(ctx context.Context) Outcome {
	tok, paused := d.tokenFor()
	if paused != nil {
		return *paused
	}
	cfg := d.config()
	servers, err := d.syncer().Servers(ctx, tok, cfg.Plex.Servers, cfg.Plex.Connections)
	if err != nil {
		return d.plexFailed(ctx, tok, err)
	}
	return Outcome{Details: map[string]any{"servers": len(servers)}}
}

func (d *Daemon) sync(ctx context.Context, full bool) Outcome {
	tok, paused := d.tokenFor()
	if paused != nil {
		return *paused
	}
	cfg := d.config()
	all, err := d.syncer().All(ctx, tok, cfg.Plex.Servers, cfg.Plex.Connections, full, func(res *mirror.Result) {
		// A pass's counts are what it committed, interrupted or not.
		for kind, c := range res.Counts {
			d.metrics.observeItems(kind, c.Added, c.Updated, c.Removed)
		}
	})
	if all == nil {
		return d.plexFailed(ctx, tok, err)
	}
	o := Outcome{Details: map[string]any{"servers": all.Servers, "added": all.Totals.Added, "updated": all.Totals.Updated, "removed": all.Totals.Removed}}
	if err != nil {
		o.Err = err
		o.Status = db.RunFailed
		if all.Done > 0 && ctx.Err() == nil {
			o.Status = db.RunPartial
		}
	}
	if all.Unauthorized && ctx.Err() == nil {
		// A server refused us even with a fresh server token: whether the
		// account token itself still works is for the token check to say.
		d.sched.Trigger(db.JobValidateToken)
	}
	return o
}

// backup takes a backup through backup.Run, which records the run itself
// (the job is RecordsItself).
func (d *Daemon) backup(ctx context.Context) Outcome {
	cfg := d.config()
	res, err := backup.Run(ctx, d.db, cfg.Backup.Dir, backup.Options{Keep: cfg.Backup.Keep, Now: d.now})
	switch {
	case errors.Is(err, backup.ErrNotRecorded):
		// The copy is good: the run stays ok, as any run the scheduler
		// fails to record does.
		d.log.Warn("could not record the end of the run", "job", db.JobBackup, "err", err)
	case err != nil:
		return Outcome{Err: err}
	}
	return Outcome{Details: detailsAttrs(res.Details().JSON())}
}

// detailsAttrs turns a run's recorded details into the attributes of its
// log line, so the two say the same. Numbers stay json.Number, which slog
// and fmt print as written (1646592, not 1.646592e+06).
func detailsAttrs(raw json.RawMessage) map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}

// JobRunsKept is how long job_runs rows are kept (each job's latest is kept
// regardless).
const JobRunsKept = 90 * 24 * time.Hour

func (d *Daemon) maintenance(ctx context.Context) Outcome {
	start := d.now()
	pruned, err := d.db.PruneJobRuns(ctx, start.Add(-JobRunsKept).Unix())
	if err != nil {
		return Outcome{Err: err}
	}
	if err := d.db.Optimize(ctx); err != nil {
		return Outcome{Err: err}
	}
	optimized := d.now().Sub(start)
	busy, wal, done, err := d.db.Checkpoint(ctx)
	if err != nil {
		return Outcome{Err: err}
	}
	return Outcome{Details: map[string]any{"optimize": optimized.Round(time.Millisecond).String(), "wal_pages": wal,
		"checkpointed": done, "checkpoint_busy": busy, "job_runs_pruned": pruned}}
}

// fileStamp is what the watch compares; a rewrite by `login` (a rename over
// the file) changes at least the modification time or the size.
type fileStamp struct {
	exists  bool
	size    int64
	modTime time.Time
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{exists: true, size: fi.Size(), modTime: fi.ModTime()}
}

// watchCredentials checks the token as soon as the credentials file
// changes, so a `login` in another terminal wakes a paused daemon.
func (d *Daemon) watchCredentials(ctx context.Context) {
	path := account.Path(d.config().StateDir)
	seen := stampOf(path)
	t := time.NewTicker(d.o.CredentialsPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := stampOf(path)
		if now == seen {
			continue
		}
		d.log.Info("credentials file changed; checking the token now", "file", path)
		// Only a check that ran counts: one already under way may have read
		// the old file, so a skipped check is tried again next poll.
		if d.sched.RunNow(db.JobValidateToken) {
			seen = now
		}
	}
}

// Health is the /healthz answer.
type Health struct {
	Status  string   `json:"status"` // ok | unhealthy
	Reasons []string `json:"reasons,omitempty"`
	Token   string   `json:"token"`
	// LastSync is the unix time of the last successful sync (incremental
	// or full); 0 before the first.
	LastSync int64 `json:"last_sync"`
	// Note says why an answer is ok without a finished sync: the first one
	// is under way (a large library takes minutes, and a container's health
	// check must not call that unhealthy).
	Note string `json:"note,omitempty"`
}

// Health says whether the last sync and token check are good.
func (d *Daemon) Health() Health {
	h := Health{Status: "ok", Token: d.tokens.snapshot().State}
	tok := d.tokens.snapshot()
	switch tok.State {
	case db.TokenRejected:
		h.Reasons = append(h.Reasons, LoudRejected)
	case db.TokenUnknown:
		r := "the token has not been checked yet"
		if tok.Error != "" {
			r = "the token could not be checked: " + tok.Error
		}
		h.Reasons = append(h.Reasons, r)
	}
	var latest lastRun
	for _, j := range []db.JobName{db.JobSync, db.JobFullSync} {
		if l, ok := d.sched.Last(j); ok {
			if l.FinishedAt.After(latest.FinishedAt) {
				latest = l
			}
			if l.LastSuccess.Unix() > h.LastSync && !l.LastSuccess.IsZero() {
				h.LastSync = l.LastSuccess.Unix()
			}
		}
	}
	switch {
	case latest.FinishedAt.IsZero() && (d.sched.Running(db.JobSync) || d.sched.Running(db.JobFullSync)):
		h.Note = "the first sync is under way"
	case latest.FinishedAt.IsZero():
		h.Reasons = append(h.Reasons, "no sync has finished yet")
	case latest.Status != db.RunOK:
		r := fmt.Sprintf("the last sync was %s", latest.Status)
		if latest.Err != "" {
			r += ": " + latest.Err
		}
		h.Reasons = append(h.Reasons, r)
	}
	if len(h.Reasons) > 0 {
		h.Status = "unhealthy"
	}
	return h
}

package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/plexm8/plexm8-sync/internal/config"
	"github.com/plexm8/plexm8-sync/internal/db"
)

// Outcome is what one run of a job did.
type Outcome struct {
	// Status is ok, partial, failed or paused; empty means ok, or failed
	// when Err is set.
	Status db.RunStatus
	Err    error
	// Details is stored as JSON in job_runs.details and logged as
	// attributes of the run's line.
	Details map[string]any
	// Explained marks a failure another line already explained (a rejected
	// token's one loud line): the run's own line is then info, not error,
	// so the rejection is not repeated on every tick.
	Explained bool
}

// JobFunc runs a job once. ctx is cancelled when the daemon shuts down.
type JobFunc func(ctx context.Context) Outcome

// Job is a unit of scheduled work.
type Job struct {
	Name db.JobName
	// Spec is the cron spec; empty leaves the job unscheduled (it can still
	// be triggered).
	Spec string
	// Writes makes the run hold the writer slot: no two such runs overlap.
	Writes bool
	// YieldTo lists jobs whose run, when it holds the writer slot, makes
	// this run skip instead of waiting: an incremental sync after a full
	// one would only repeat its work, and a sync refreshes the servers as
	// refresh_resources does. A job yields only after its previous attempt
	// ran and once it has succeeded at all, so yielding never starves it.
	YieldTo []db.JobName
	// RecordsItself marks a job that writes its own job_runs row (the
	// backup, through backup.Run, which the command line shares): the
	// scheduler writes none, not even a running one, unless the run
	// panicked before it could.
	RecordsItself bool
	Run           JobFunc
}

// Scheduler runs jobs on their cron schedules through the same chain for
// every run, scheduled or triggered: SkipIfStillRunning, then cron.Recover,
// then the writer slot, the job_runs record and the run's log line.
type Scheduler struct {
	log     *slog.Logger
	db      *db.DB
	now     func() time.Time
	metrics *Metrics
	observe func(job db.JobName, status db.RunStatus, details map[string]any)

	root   context.Context
	cancel context.CancelFunc
	cron   *cron.Cron
	writer writerSlot

	mu      sync.Mutex
	jobs    map[db.JobName]*scheduled
	last    map[db.JobName]lastRun
	running map[db.JobName]bool
	// triggered tracks runs started by Trigger, which cron's Stop does
	// not wait for.
	triggered sync.WaitGroup
}

type scheduled struct {
	Job
	wrapped cron.Job
	entry   cron.EntryID
	sched   cron.Schedule // nil when unscheduled
	// ranLast says the job's previous attempt got the writer slot; a job
	// that skipped its last attempt does not yield again. Guarded by
	// Scheduler.mu.
	ranLast bool
	// runs counts runs that got past SkipIfStillRunning.
	runs atomic.Int64
}

type lastRun struct {
	Status      db.RunStatus
	Err         string
	FinishedAt  time.Time
	LastSuccess time.Time
}

// SchedulerOptions configure NewScheduler.
type SchedulerOptions struct {
	DB       *db.DB
	Logger   *slog.Logger
	Location *time.Location // default time.Local
	Now      func() time.Time
	Metrics  *Metrics // nil: none
	// Observe, when set, is told of every finished run.
	Observe func(job db.JobName, status db.RunStatus, details map[string]any)
}

// NewScheduler returns a stopped scheduler; its runs' contexts derive from
// ctx.
func NewScheduler(ctx context.Context, o SchedulerOptions) *Scheduler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	root, cancel := context.WithCancel(ctx)
	return &Scheduler{
		log: o.Logger, db: o.DB, now: o.Now, metrics: o.Metrics, observe: o.Observe,
		root: root, cancel: cancel,
		cron:    cron.New(cron.WithLocation(o.Location), cron.WithLogger(cronLogger{o.Logger})),
		writer:  writerSlot{sem: make(chan struct{}, 1)},
		jobs:    map[db.JobName]*scheduled{},
		last:    map[db.JobName]lastRun{},
		running: map[db.JobName]bool{},
	}
}

// cronLogger adapts slog to cron.Logger. cron logs every wake-up at Info,
// which is debug detail here.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}

// skipLogger is the logger of one job's SkipIfStillRunning, whose only Info
// message is "skip": it names the job, which cron's own line does not, and
// records the skipped tick.
type skipLogger struct {
	s   *Scheduler
	job db.JobName
}

func (k skipLogger) Info(string, ...any) {
	k.s.log.Info("job skipped: the previous run is still going", "job", k.job)
	now := k.s.now().Unix()
	if err := k.s.db.RecordJob(k.s.root, db.JobRun{Job: k.job, StartedAt: now, FinishedAt: now, Status: db.RunSkipped,
		Error: "the previous run was still going"}); err != nil && k.s.root.Err() == nil {
		k.s.log.Warn("could not record a skipped run", "job", k.job, "err", err)
	}
	k.s.metrics.observeRun(k.job, db.RunSkipped, 0)
}

func (k skipLogger) Error(err error, msg string, kv ...any) {
	k.s.log.Error(msg, append(kv, "job", k.job, "err", err)...)
}

// Add registers j, scheduling it when j.Spec is set. Call before Start.
func (s *Scheduler) Add(j Job) error {
	sj := &scheduled{Job: j}
	// Recover sits inside SkipIfStillRunning: the other way round, a panic
	// skips past Skip's hand-back of its token and every later run of the
	// job is skipped forever.
	sj.wrapped = cron.NewChain(cron.SkipIfStillRunning(skipLogger{s, j.Name}), cron.Recover(cronLogger{s.log.With("job", j.Name)})).
		Then(cron.FuncJob(func() { s.execute(sj) }))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.jobs[j.Name]; dup {
		return fmt.Errorf("job %s added twice", j.Name)
	}
	s.jobs[j.Name] = sj
	return s.scheduleLocked(sj, j.Spec)
}

func (s *Scheduler) scheduleLocked(sj *scheduled, spec string) error {
	if sj.entry != 0 {
		s.cron.Remove(sj.entry)
		sj.entry = 0
	}
	sj.Spec, sj.sched = spec, nil
	if spec == "" {
		return nil
	}
	sched, err := config.ParseSchedule(spec)
	if err != nil {
		return fmt.Errorf("schedule of %s: bad cron spec %q: %w", sj.Name, spec, err)
	}
	sj.sched = sched
	sj.entry = s.cron.Schedule(sched, sj.wrapped)
	return nil
}

// SetSchedule replaces the specs of the named jobs (a config reload). Every
// spec is checked before any is applied, so a bad one changes nothing.
func (s *Scheduler) SetSchedule(specs map[db.JobName]string) error {
	for name, spec := range specs {
		if spec == "" {
			continue
		}
		if _, err := config.ParseSchedule(spec); err != nil {
			return fmt.Errorf("schedule of %s: bad cron spec %q: %w", name, spec, err)
		}
	}
	s.mu.Lock()
	for name, spec := range specs {
		sj, ok := s.jobs[name]
		if !ok || sj.Spec == spec {
			continue
		}
		if err := s.scheduleLocked(sj, spec); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	s.mu.Unlock()
	s.saveSchedule()
	return nil
}

// Start starts the cron loop.
func (s *Scheduler) Start() {
	s.cron.Start()
	s.saveSchedule()
}

// Trigger runs the named job now, in the background, through the same
// chain as its scheduled runs (so it is skipped if a run is under way).
func (s *Scheduler) Trigger(name db.JobName) {
	s.mu.Lock()
	sj := s.jobs[name]
	s.mu.Unlock()
	if sj == nil || s.root.Err() != nil {
		return
	}
	s.triggered.Add(1)
	go func() {
		defer s.triggered.Done()
		sj.wrapped.Run()
	}()
}

// RunNow runs the named job in the calling goroutine and reports whether
// it ran (false when a run was already under way and this one was skipped).
func (s *Scheduler) RunNow(name db.JobName) bool {
	s.mu.Lock()
	sj := s.jobs[name]
	s.mu.Unlock()
	if sj == nil || s.root.Err() != nil {
		return false
	}
	before := sj.runs.Load()
	sj.wrapped.Run()
	return sj.runs.Load() != before
}

// Stop cancels every run's context, stops scheduling and waits up to
// timeout for the runs to end. It reports whether they all did.
func (s *Scheduler) Stop(timeout time.Duration) bool {
	s.cancel()
	cronDone := s.cron.Stop()
	all := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.triggered.Wait()
		close(all)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-all:
		return true
	case <-t.C:
		return false
	}
}

// Running reports whether a run of job is under way (past the writer slot).
func (s *Scheduler) Running(job db.JobName) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[job]
}

func (s *Scheduler) setRunning(job db.JobName, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running[job] = on
}

// Last returns the latest finished run of job.
func (s *Scheduler) Last(job db.JobName) (lastRun, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.last[job]
	return l, ok
}

// execute is the innermost link of a job's chain.
func (s *Scheduler) execute(sj *scheduled) {
	sj.runs.Add(1)
	if s.root.Err() != nil {
		return // shutting down: start nothing new
	}
	ctx, cancel := context.WithCancel(s.root)
	defer cancel()
	log := s.log.With("job", sj.Name)
	if sj.Writes {
		limit := s.writerWait(sj)
		holder, waited, err := s.writer.acquire(ctx, sj.Name, func(holder db.JobName) bool { return s.mayYield(sj, holder) }, limit)
		if err != nil {
			return // shut down while waiting; nothing was started
		}
		s.mu.Lock()
		sj.ranLast = holder == ""
		s.mu.Unlock()
		if holder != "" {
			reason := string(holder) + " was running"
			if waited {
				reason = fmt.Sprintf("waited %s for %s to finish writing", limit, holder)
				log.Warn("job skipped: another job wrote for longer than this one can wait", "writer", holder, "waited", limit.String())
			} else {
				log.Info("job skipped: another job is writing", "writer", holder)
			}
			now := s.now().Unix()
			if err := s.db.RecordJob(ctx, db.JobRun{Job: sj.Name, StartedAt: now, FinishedAt: now, Status: db.RunSkipped,
				Error: reason}); err != nil && ctx.Err() == nil {
				log.Warn("could not record a skipped run", "err", err)
			}
			s.metrics.observeRun(sj.Name, db.RunSkipped, 0)
			return
		}
		defer s.writer.release()
	}
	start := s.now()
	var id int64
	if !sj.RecordsItself {
		var err error
		id, err = s.db.StartJob(ctx, sj.Name, start.Unix())
		if err != nil && ctx.Err() == nil {
			log.Warn("could not record the start of the run; running it anyway", "err", err)
		}
	}
	s.setRunning(sj.Name, true)
	defer s.setRunning(sj.Name, false)
	done := false
	defer func() {
		if done {
			return
		}
		// A panic: record the run as failed, then let cron.Recover log it
		// with its stack.
		r := recover()
		s.finish(ctx, sj, id, start, Outcome{Status: db.RunFailed, Err: fmt.Errorf("panic: %v", r)}, true)
		panic(r)
	}()
	o := sj.Run(ctx)
	done = true
	s.finish(ctx, sj, id, start, o, false)
}

func (s *Scheduler) finish(ctx context.Context, sj *scheduled, id int64, start time.Time, o Outcome, panicked bool) {
	end := s.now()
	dur := end.Sub(start)
	status := o.Status
	if status == "" {
		status = db.RunOK
		if o.Err != nil {
			status = db.RunFailed
		}
	}
	errText := ""
	if o.Err != nil {
		errText = o.Err.Error()
		if ctx.Err() != nil && s.root.Err() != nil && status == db.RunFailed {
			errText = "interrupted by shutdown: " + errText
		}
	}
	var details json.RawMessage
	if len(o.Details) > 0 {
		if b, err := json.Marshal(o.Details); err == nil {
			details = b
		}
	}
	// Recorded even when shutting down: it is how status learns the run
	// was interrupted.
	wctx := context.WithoutCancel(ctx)
	run := db.JobRun{ID: id, Job: sj.Name, StartedAt: start.Unix(), FinishedAt: end.Unix(), Status: status, Error: errText, Details: details}
	var err error
	switch {
	case id != 0:
		err = s.db.FinishJob(wctx, run)
	case sj.RecordsItself && panicked:
		err = s.db.RecordJob(wctx, run)
	}
	if err != nil {
		s.log.Warn("could not record the end of the run", "job", sj.Name, "err", err)
	}
	s.mu.Lock()
	l := s.last[sj.Name]
	l.Status, l.Err, l.FinishedAt = status, errText, end
	if status == db.RunOK {
		l.LastSuccess = end
	}
	s.last[sj.Name] = l
	s.mu.Unlock()
	s.metrics.observeRun(sj.Name, status, dur)

	attrs := []any{"job", sj.Name, "status", status, "duration", dur.Round(time.Millisecond).String()}
	for _, k := range sortedKeys(o.Details) {
		attrs = append(attrs, k, o.Details[k])
	}
	level := slog.LevelInfo
	switch status {
	case db.RunPartial:
		level = slog.LevelWarn
	case db.RunFailed:
		level = slog.LevelError
		if s.root.Err() != nil {
			level = slog.LevelWarn // an interrupted run is expected at shutdown
		}
		if o.Explained {
			level = slog.LevelInfo
		}
	}
	if errText != "" {
		attrs = append(attrs, "err", errText)
	}
	s.log.Log(wctx, level, "job finished", attrs...)
	s.saveSchedule()
	if s.observe != nil {
		s.observe(sj.Name, status, o.Details)
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// saveSchedule writes every job's spec and next run for status.
func (s *Scheduler) saveSchedule() {
	s.mu.Lock()
	out := make(db.Schedule, len(s.jobs))
	for name, sj := range s.jobs {
		e := db.ScheduledJob{Spec: sj.Spec}
		if sj.entry != 0 {
			if n := s.cron.Entry(sj.entry).Next; !n.IsZero() {
				e.Next = n.Unix()
			}
		}
		out[name] = e
	}
	s.mu.Unlock()
	if err := s.db.SetSchedule(context.WithoutCancel(s.root), out, s.now().Unix()); err != nil {
		s.log.Warn("could not record the schedule", "err", err)
	}
}

// MaxWriterWait bounds how long any run waits for the writer slot, so a
// writer that hangs costs a daily job one skipped day at most, not all of
// them.
const MaxWriterWait = 6 * time.Hour

// writerWait is how long a run of sj waits for the writer slot: half its
// interval, so that it gives up before its next tick and that tick starts
// a wait of its own rather than being skipped as still running.
func (s *Scheduler) writerWait(sj *scheduled) time.Duration {
	s.mu.Lock()
	sched := sj.sched
	s.mu.Unlock()
	if sched == nil {
		return MaxWriterWait
	}
	next := sched.Next(s.now())
	interval := sched.Next(next).Sub(next)
	if interval <= 0 {
		return MaxWriterWait
	}
	return min(interval/2, MaxWriterWait)
}

// mayYield says whether a run of sj skips, rather than waits, while holder
// writes. A job that has never succeeded, or skipped its previous attempt,
// waits: a yield saves repeated work, and must never cost the job every run
// (refresh_resources falls due with the sync at every hour of the default
// schedule).
func (s *Scheduler) mayYield(sj *scheduled, holder db.JobName) bool {
	if !slices.Contains(sj.YieldTo, holder) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return sj.ranLast && !s.last[sj.Name].LastSuccess.IsZero()
}

// writerSlot lets one writing job run at a time. Waiting is in acquire's
// caller goroutine, so SkipIfStillRunning still sees a waiting run as
// running and skips its next tick: a job never queues more than one run.
type writerSlot struct {
	sem    chan struct{}
	mu     sync.Mutex
	holder db.JobName
}

// acquire takes the slot for job. While another job holds it, acquire
// returns that holder at once, without the slot, when yield(holder) says
// so; otherwise it waits up to limit, and returns the holder at the time
// with waited set if the slot did not come free. A cancelled ctx ends the
// wait with ctx's error.
func (w *writerSlot) acquire(ctx context.Context, job db.JobName, yield func(holder db.JobName) bool, limit time.Duration) (holder db.JobName, waited bool, err error) {
	w.mu.Lock()
	select {
	case w.sem <- struct{}{}:
		w.holder = job
		w.mu.Unlock()
		return "", false, nil
	default:
	}
	holder = w.holder
	w.mu.Unlock()
	if yield(holder) {
		return holder, false, nil
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case w.sem <- struct{}{}:
		w.mu.Lock()
		w.holder = job
		w.mu.Unlock()
		return "", false, nil
	case <-t.C:
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.holder != "" {
			holder = w.holder
		}
		return holder, true, nil
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}

func (w *writerSlot) release() {
	w.mu.Lock()
	w.holder = ""
	<-w.sem
	w.mu.Unlock()
}

// errPaused is the error of a run paused because the token is rejected.
var errPaused = errors.New("paused until the token works again (see the error logged when plex.tv rejected it)")

// errNoCredentials is the error of a run paused for want of credentials.
var errNoCredentials = errors.New("paused until 'plexm8-sync login' stores usable credentials")

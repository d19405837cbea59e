package daemon

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
)

// syncBuffer is a log sink safe for the scheduler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines returns the log lines containing every one of parts.
func (s *syncBuffer) lines(parts ...string) []string {
	var out []string
	for _, l := range strings.Split(s.String(), "\n") {
		ok := l != ""
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func openDB(t *testing.T) *db.DB {
	t.Helper()
	d, err := db.Open(t.Context(), filepath.Join(t.TempDir(), "plexm8.db"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func newTestScheduler(t *testing.T, ctx context.Context, d *db.DB) (*Scheduler, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return NewScheduler(ctx, SchedulerOptions{DB: d, Logger: log, Location: time.UTC}), logs
}

// runCounts returns job_runs statuses of job, counted.
func runCounts(t *testing.T, d *db.DB, job db.JobName) map[db.RunStatus]int {
	t.Helper()
	rows, err := d.R().QueryContext(context.Background(), `SELECT status, count(*) FROM job_runs WHERE job = ? GROUP BY status`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[db.RunStatus]int{}
	for rows.Next() {
		var s db.RunStatus
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

func TestSkipIfStillRunning(t *testing.T) {
	d := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		s, logs := newTestScheduler(t, t.Context(), d)
		var runs atomic.Int32
		if err := s.Add(Job{Name: "slow", Spec: "@every 1m", Run: func(ctx context.Context) Outcome {
			runs.Add(1)
			if err := sleepCtx(ctx, 150*time.Second); err != nil { // longer than two intervals
				return Outcome{Err: err}
			}
			return Outcome{Details: map[string]any{"added": 3}}
		}}); err != nil {
			t.Fatal(err)
		}
		s.Start()
		time.Sleep(10*time.Minute + time.Second)
		synctest.Wait()
		if !s.Stop(time.Minute) {
			t.Fatal("Stop timed out")
		}
		// Ticks at 1..10 min: runs start at 1, 4, 7, 10 (each lasts 2.5
		// ticks); the 6 ticks in between are skipped.
		if got := runs.Load(); got != 4 {
			t.Errorf("runs = %d, want 4", got)
		}
		c := runCounts(t, d, "slow")
		if c[db.RunSkipped] != 6 || c[db.RunOK]+c[db.RunFailed] != 4 {
			t.Errorf("job_runs = %v, want 6 skipped and 4 runs", c)
		}
		if n := len(logs.lines("job skipped", "job=slow")); n != 6 {
			t.Errorf("%d skip lines naming the job, want 6:\n%s", n, logs)
		}
		if n := len(logs.lines("job finished", "job=slow", "status=ok", "added=3", "duration=2m30s")); n != 3 {
			// The run started at 10 min is cut short by Stop.
			t.Errorf("%d finished lines with counts and duration, want 3:\n%s", n, logs)
		}
	})
}

func TestPanickingJobIsRecoveredAndRecorded(t *testing.T) {
	d := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		s, logs := newTestScheduler(t, t.Context(), d)
		var runs atomic.Int32
		if err := s.Add(Job{Name: "boom", Spec: "@every 1m", Writes: true, Run: func(ctx context.Context) Outcome {
			if runs.Add(1) == 1 {
				panic("kaboom")
			}
			return Outcome{}
		}}); err != nil {
			t.Fatal(err)
		}
		s.Start()
		time.Sleep(3*time.Minute + time.Second)
		synctest.Wait()
		// The writer slot was released by the panicking run.
		if !s.RunNow("boom") {
			t.Error("RunNow after the panic did not run: writer slot leaked?")
		}
		s.Stop(time.Minute)
		if got := runs.Load(); got != 4 {
			t.Errorf("runs = %d, want 4: the scheduler must survive the panic", got)
		}
		c := runCounts(t, d, "boom")
		if c[db.RunFailed] != 1 || c[db.RunOK] != 3 {
			t.Errorf("job_runs = %v, want 1 failed and 3 ok", c)
		}
		var msg string
		if err := d.R().QueryRow(`SELECT error FROM job_runs WHERE job = 'boom' AND status = 'failed'`).Scan(&msg); err != nil || !strings.Contains(msg, "panic: kaboom") {
			t.Errorf("failed run error = %q, %v", msg, err)
		}
		if len(logs.lines("panic", "job=boom")) == 0 {
			t.Errorf("no panic line naming the job:\n%s", logs)
		}
	})
}

// A job that records itself (the backup) gets no row from the scheduler,
// not even a running one, unless it panicked before it could write its own.
func TestJobThatRecordsItself(t *testing.T) {
	d := openDB(t)
	s, logs := newTestScheduler(t, t.Context(), d)
	defer s.Stop(time.Second)
	var rowsDuringRun int
	boom := false
	if err := s.Add(Job{Name: "self", Writes: true, RecordsItself: true, Run: func(ctx context.Context) Outcome {
		if boom {
			panic("kaboom")
		}
		rowsDuringRun = len(runCounts(t, d, "self"))
		return Outcome{Details: map[string]any{"bytes": 8}}
	}}); err != nil {
		t.Fatal(err)
	}
	if !s.RunNow("self") {
		t.Fatal("did not run")
	}
	if c := runCounts(t, d, "self"); rowsDuringRun != 0 || len(c) != 0 {
		t.Errorf("rows during the run %d, after it %v; want none", rowsDuringRun, c)
	}
	if l, ok := s.Last("self"); !ok || l.Status != db.RunOK || len(logs.lines("job finished", "job=self", "bytes=8")) != 1 {
		t.Errorf("last run %+v; the run is still logged and remembered:\n%s", l, logs)
	}
	boom = true
	s.RunNow("self") // cron.Recover in the chain logs the panic and ends it
	if c := runCounts(t, d, "self"); c[db.RunFailed] != 1 || len(c) != 1 {
		t.Errorf("job_runs after a panic = %v, want the one failed run", c)
	}
}

// TestNoTwoWriters: writing jobs never overlap; a full sync due while an
// incremental one runs waits for it; an incremental one due while a full
// one runs is skipped.
func TestNoTwoWriters(t *testing.T) {
	d := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		s, logs := newTestScheduler(t, t.Context(), d)
		var active, maxActive atomic.Int32
		var mu sync.Mutex
		starts := map[db.JobName][]time.Duration{}
		t0 := time.Now()
		writer := func(name db.JobName, d time.Duration) JobFunc {
			return func(ctx context.Context) Outcome {
				n := active.Add(1)
				for {
					m := maxActive.Load()
					if n <= m || maxActive.CompareAndSwap(m, n) {
						break
					}
				}
				mu.Lock()
				starts[name] = append(starts[name], time.Since(t0))
				mu.Unlock()
				defer active.Add(-1)
				if err := sleepCtx(ctx, d); err != nil {
					return Outcome{Err: err}
				}
				return Outcome{}
			}
		}
		for _, j := range []Job{
			{Name: db.JobSync, Writes: true, YieldTo: []db.JobName{db.JobFullSync}, Run: writer(db.JobSync, 100*time.Second)},
			{Name: db.JobFullSync, Writes: true, Run: writer(db.JobFullSync, 60*time.Second)},
			{Name: db.JobBackup, Writes: true, Run: writer(db.JobBackup, 30*time.Second)},
			{Name: db.JobMaintenance, Writes: true, Run: writer(db.JobMaintenance, 10*time.Second)},
		} {
			if err := s.Add(j); err != nil {
				t.Fatal(err)
			}
		}
		s.Start()
		s.Trigger(db.JobSync)
		time.Sleep(10 * time.Second)
		s.Trigger(db.JobFullSync) // due while the incremental sync runs: waits
		synctest.Wait()
		time.Sleep(95 * time.Second) // t=105s: full sync now holds the slot
		synctest.Wait()
		s.Trigger(db.JobSync) // due while the full sync runs: skipped
		s.Trigger(db.JobBackup)
		s.Trigger(db.JobMaintenance)
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		s.Stop(time.Minute)

		if m := maxActive.Load(); m != 1 {
			t.Errorf("%d writing jobs ran at once, want 1", m)
		}
		mu.Lock()
		defer mu.Unlock()
		if got := starts[db.JobFullSync]; len(got) != 1 || got[0] != 100*time.Second {
			t.Errorf("full sync started at %v, want once at 100s (when the incremental one ended)", got)
		}
		if got := starts[db.JobSync]; len(got) != 1 {
			t.Errorf("incremental sync started at %v, want once (the second skipped for the full sync)", got)
		}
		if len(starts[db.JobBackup]) != 1 || len(starts[db.JobMaintenance]) != 1 {
			t.Errorf("backup/maintenance starts = %v/%v, want one each after the full sync", starts[db.JobBackup], starts[db.JobMaintenance])
		}
		for _, j := range []db.JobName{db.JobBackup, db.JobMaintenance} {
			if got := starts[j]; len(got) == 1 && got[0] < 160*time.Second {
				t.Errorf("%s started at %v, before the full sync ended at 160s", j, got[0])
			}
		}
		if n := len(logs.lines("job skipped", "job=sync", "writer=full_sync")); n != 1 {
			t.Errorf("%d lines for the skipped incremental sync, want 1:\n%s", n, logs)
		}
		if c := runCounts(t, d, db.JobSync); c[db.RunSkipped] != 1 || c[db.RunOK] != 1 {
			t.Errorf("sync job_runs = %v", c)
		}
	})
}

// TestShutdownCancelsRunsAndRecordsThem: Stop cancels a running job's
// context and the interrupted run is recorded as failed.
func TestShutdownCancelsRunsAndRecordsThem(t *testing.T) {
	d := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		s, _ := newTestScheduler(t, t.Context(), d)
		if err := s.Add(Job{Name: db.JobFullSync, Writes: true, Run: func(ctx context.Context) Outcome {
			<-ctx.Done()
			return Outcome{Err: ctx.Err()}
		}}); err != nil {
			t.Fatal(err)
		}
		s.Start()
		s.Trigger(db.JobFullSync)
		time.Sleep(time.Hour)
		synctest.Wait()
		start := time.Now()
		if !s.Stop(ShutdownTimeout) {
			t.Fatal("the job did not stop")
		}
		if time.Since(start) != 0 {
			t.Errorf("stop took %v", time.Since(start))
		}
		var status db.RunStatus
		var msg string
		if err := d.R().QueryRow(`SELECT status, error FROM job_runs WHERE job = 'full_sync'`).Scan(&status, &msg); err != nil {
			t.Fatal(err)
		}
		if status != db.RunFailed || !strings.Contains(msg, "interrupted by shutdown") {
			t.Errorf("run = %s %q, want failed, interrupted by shutdown", status, msg)
		}
		// Nothing starts after Stop.
		if s.RunNow(db.JobFullSync) {
			t.Error("a run started after Stop")
		}
	})
}

func TestSetScheduleChecksEverySpecFirst(t *testing.T) {
	d := openDB(t)
	s, _ := newTestScheduler(t, t.Context(), d)
	for _, n := range []db.JobName{"a", "b"} {
		if err := s.Add(Job{Name: n, Spec: "@every 1h", Run: func(context.Context) Outcome { return Outcome{} }}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetSchedule(map[db.JobName]string{"a": "@every 5m", "b": "61 * * * *"}); err == nil {
		t.Fatal("a bad spec was accepted")
	}
	if s.jobs["a"].Spec != "@every 1h" {
		t.Errorf("a's spec changed to %q although b's was bad", s.jobs["a"].Spec)
	}
	if err := s.SetSchedule(map[db.JobName]string{"a": "@every 5m", "b": ""}); err != nil {
		t.Fatal(err)
	}
	sched, err := d.Schedule(t.Context())
	if err != nil || sched["a"].Spec != "@every 5m" || sched["b"] != (db.ScheduledJob{}) {
		t.Errorf("schedule state = %+v, %v", sched, err)
	}
	s.Stop(time.Second)
}

// TestYieldingNeverStarves: a job yields to the one that does its work
// anyway, but never twice in a row: after a yield it waits its turn.
func TestYieldingNeverStarves(t *testing.T) {
	d := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		s, logs := newTestScheduler(t, t.Context(), d)
		took := func(d time.Duration) JobFunc {
			return func(ctx context.Context) Outcome {
				if err := sleepCtx(ctx, d); err != nil {
					return Outcome{Err: err}
				}
				return Outcome{}
			}
		}
		for _, j := range []Job{
			{Name: db.JobSync, Spec: "@every 1h", Writes: true, YieldTo: []db.JobName{db.JobFullSync}, Run: took(time.Minute)},
			{Name: db.JobFullSync, Writes: true, Run: took(20 * time.Minute)},
		} {
			if err := s.Add(j); err != nil {
				t.Fatal(err)
			}
		}
		s.Start()
		s.RunNow(db.JobSync) // t=1m: ok
		time.Sleep(49 * time.Minute)
		s.Trigger(db.JobFullSync) // 50m to 70m: the 1h tick yields
		time.Sleep(time.Hour)
		s.Trigger(db.JobFullSync) // 110m to 130m: the 2h tick waits for it
		time.Sleep(25 * time.Minute)
		synctest.Wait()
		s.Stop(time.Minute)
		var got []string
		rows, err := d.R().Query(`SELECT status, started_at FROM job_runs WHERE job = 'sync' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		t0 := time.Now().Add(-135 * time.Minute).Unix()
		for rows.Next() {
			var st string
			var at int64
			if err := rows.Scan(&st, &at); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s@%dm", st, (at-t0)/60))
		}
		want := []string{"ok@0m", "skipped@60m", "ok@130m"}
		if !slices.Equal(got, want) {
			t.Errorf("sync runs = %v, want %v:\n%s", got, want, logs)
		}
	})
}

// TestWriterWaitIsBounded: behind a writer that never ends, a run waits half
// its interval, then is skipped with a line and a record saying why; the
// next tick waits afresh (no run is queued behind another), and shutdown
// ends a wait at once.
func TestWriterWaitIsBounded(t *testing.T) {
	d := openDB(t)
	synctest.Test(t, func(t *testing.T) {
		s, logs := newTestScheduler(t, t.Context(), d)
		var runs atomic.Int32
		for _, j := range []Job{
			{Name: "hog", Writes: true, Run: func(ctx context.Context) Outcome {
				<-ctx.Done()
				return Outcome{Err: ctx.Err()}
			}},
			{Name: "refresh", Spec: "@every 1h", Writes: true, Run: func(context.Context) Outcome {
				runs.Add(1)
				return Outcome{}
			}},
		} {
			if err := s.Add(j); err != nil {
				t.Fatal(err)
			}
		}
		s.Start()
		s.Trigger("hog")
		time.Sleep(3*time.Hour + time.Minute) // ticks at 1h, 2h, 3h
		synctest.Wait()
		start := time.Now()
		if !s.Stop(ShutdownTimeout) {
			t.Fatal("Stop timed out with a run waiting for the writer")
		}
		if time.Since(start) != 0 {
			t.Errorf("stop took %v with a run waiting for the writer", time.Since(start))
		}
		if n := runs.Load(); n != 0 {
			t.Errorf("refresh ran %d times while hog wrote", n)
		}
		// 1h and 2h gave up half an hour later; 3h was waiting at Stop.
		if c := runCounts(t, d, "refresh"); c[db.RunSkipped] != 2 || len(c) != 1 {
			t.Errorf("refresh job_runs = %v, want 2 skipped", c)
		}
		var msg string
		if err := d.R().QueryRow(`SELECT error FROM job_runs WHERE job = 'refresh' LIMIT 1`).Scan(&msg); err != nil || msg != "waited 30m0s for hog to finish writing" {
			t.Errorf("skipped run error = %q, %v", msg, err)
		}
		if n := len(logs.lines("level=WARN", "job skipped", "job=refresh", "writer=hog", "waited=30m0s")); n != 2 {
			t.Errorf("%d lines for the runs that waited in vain, want 2:\n%s", n, logs)
		}
		if n := len(logs.lines("previous run is still going", "job=refresh")); n != 0 {
			t.Errorf("a tick found the previous one still waiting:\n%s", logs)
		}
	})
}

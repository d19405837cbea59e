package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// JobRun is a job_runs row: one run of a daemon job (or of `backup` from
// the command line). Details is the job's own JSON (for sync: servers,
// added, updated, removed; for backup: BackupDetails), passed through
// undecoded because each job defines its shape.
type JobRun struct {
	ID                    int64
	Job                   JobName
	StartedAt, FinishedAt int64 // FinishedAt is 0 while running or after a crash
	Status                RunStatus
	Error                 string
	Details               json.RawMessage
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// StartJob records a job run as running and returns its id.
func (db *DB) StartJob(ctx context.Context, job JobName, now int64) (int64, error) {
	res, err := db.W().ExecContext(ctx, `INSERT INTO job_runs (job, started_at, status) VALUES (?, ?, ?)`, job, now, RunRunning)
	if err != nil {
		return 0, fmt.Errorf("record start of job %s: %w", job, err)
	}
	return res.LastInsertId()
}

// FinishJob records how the run r.ID ended.
func (db *DB) FinishJob(ctx context.Context, r JobRun) error {
	_, err := db.W().ExecContext(ctx, `UPDATE job_runs SET finished_at = ?, status = ?, error = ?, details = ? WHERE id = ?`,
		r.FinishedAt, r.Status, nullString(r.Error), nullString(string(r.Details)), r.ID)
	if err != nil {
		return fmt.Errorf("record end of job run %d: %w", r.ID, err)
	}
	return nil
}

// RecordJob writes a run that had no duration of its own, such as a tick
// skipped because the job was still running, or one paused for the token;
// and a backup's run, written only once the copy is taken so that the copy
// holds no "running" row of its own.
func (db *DB) RecordJob(ctx context.Context, r JobRun) error {
	_, err := db.W().ExecContext(ctx, `INSERT INTO job_runs (job, started_at, finished_at, status, error, details) VALUES (?, ?, ?, ?, ?, ?)`,
		r.Job, r.StartedAt, r.FinishedAt, r.Status, nullString(r.Error), nullString(string(r.Details)))
	if err != nil {
		return fmt.Errorf("record %s run of job %s: %w", r.Status, r.Job, err)
	}
	return nil
}

const jobRunColumns = `id, job, started_at, coalesce(finished_at, 0), status, coalesce(error, ''), details`

func scanJobRun(sc interface{ Scan(...any) error }) (JobRun, error) {
	var r JobRun
	var details sql.NullString
	if err := sc.Scan(&r.ID, &r.Job, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Error, &details); err != nil {
		return r, err
	}
	// Details that are not JSON would make every encoder of the status
	// fail; keep them out rather than pass them on.
	if details.Valid && json.Valid([]byte(details.String)) {
		r.Details = json.RawMessage(details.String)
	}
	return r, nil
}

// PruneJobRuns deletes job runs that started before before, keeping each
// job's latest run whatever its age, and returns how many it deleted. The
// daemon records several runs an hour, so without this the table grows for
// ever.
func (db *DB) PruneJobRuns(ctx context.Context, before int64) (int64, error) {
	res, err := db.W().ExecContext(ctx, `DELETE FROM job_runs WHERE started_at < ?
		AND id NOT IN (SELECT max(id) FROM job_runs GROUP BY job)`, before)
	if err != nil {
		return 0, fmt.Errorf("prune job runs: %w", err)
	}
	return res.RowsAffected()
}

// closeInterruptedJobs marks failed the job runs a stopped process left
// running, as closeInterruptedRuns does for sync_runs.
func closeInterruptedJobs(ctx context.Context, w *sql.DB) error {
	if _, err := w.ExecContext(ctx, `UPDATE job_runs SET status = ?, error = coalesce(error, ?) WHERE status = ?`,
		RunFailed, interruptedRun, RunRunning); err != nil {
		return fmt.Errorf("close interrupted job runs: %w", err)
	}
	return nil
}

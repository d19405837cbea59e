package db

import (
	"context"
	"database/sql"
	"fmt"
)

// JobRecord is a job_runs row: one run of a daemon job (or of `backup` from the
// command line). Details is JSON.
type JobRecord struct {
	ID         int64
	Job        string
	StartedAt  int64
	FinishedAt int64  // 0 while running
	Status     string // running | ok | partial | failed | skipped | paused
	Error      string
	Details    string
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// StartJob records a job run as running and returns its id.
func (db *DB) StartJob(ctx context.Context, job string, now int64) (int64, error) {
	res, err := db.W().ExecContext(ctx, `INSERT INTO job_runs (job, started_at, status) VALUES (?, ?, 'running')`, job, now)
	if err != nil {
		return 0, fmt.Errorf("record start of job %s: %w", job, err)
	}
	return res.LastInsertId()
}

// FinishJob records how the run r.ID ended.
func (db *DB) FinishJob(ctx context.Context, r JobRecord) error {
	_, err := db.W().ExecContext(ctx, `UPDATE job_runs SET finished_at = ?, status = ?, error = ?, details = ? WHERE id = ?`,
		r.FinishedAt, r.Status, nullString(r.Error), nullString(r.Details), r.ID)
	if err != nil {
		return fmt.Errorf("record end of job run %d: %w", r.ID, err)
	}
	return nil
}

// RecordJob writes a run that had no duration of its own, such as a tick
// skipped because the job was still running, or one paused for the token.
func (db *DB) RecordJob(ctx context.Context, r JobRecord) error {
	_, err := db.W().ExecContext(ctx, `INSERT INTO job_runs (job, started_at, finished_at, status, error, details) VALUES (?, ?, ?, ?, ?, ?)`,
		r.Job, r.StartedAt, r.FinishedAt, r.Status, nullString(r.Error), nullString(r.Details))
	if err != nil {
		return fmt.Errorf("record %s run of job %s: %w", r.Status, r.Job, err)
	}
	return nil
}

// LastJobRuns returns the latest run of each job, newest first.
func (db *DB) LastJobRuns(ctx context.Context) ([]JobRecord, error) {
	rows, err := db.R().QueryContext(ctx, `SELECT id, job, started_at, coalesce(finished_at, 0), status, coalesce(error, ''), coalesce(details, '')
		FROM job_runs WHERE id IN (SELECT max(id) FROM job_runs GROUP BY job) ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("read job runs: %w", err)
	}
	defer rows.Close()
	var out []JobRecord
	for rows.Next() {
		var r JobRecord
		if err := rows.Scan(&r.ID, &r.Job, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Error, &r.Details); err != nil {
			return nil, fmt.Errorf("read job runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
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
// "running", as closeInterruptedRuns does for sync_runs.
func closeInterruptedJobs(ctx context.Context, w *sql.DB) error {
	if _, err := w.ExecContext(ctx, `UPDATE job_runs SET status = 'failed',
		error = coalesce(error, 'interrupted: the process stopped before the run finished') WHERE status = 'running'`); err != nil {
		return fmt.Errorf("close interrupted job runs: %w", err)
	}
	return nil
}

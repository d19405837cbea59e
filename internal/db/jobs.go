package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// SetDaemonState stores value (JSON) under key in daemon_state.
func (db *DB) SetDaemonState(ctx context.Context, key, value string, now int64) error {
	_, err := db.W().ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, now)
	if err != nil {
		return fmt.Errorf("store daemon state %q: %w", key, err)
	}
	return nil
}

// DaemonState returns the JSON stored under key; ok is false when there is
// none.
func (db *DB) DaemonState(ctx context.Context, key string) (value string, ok bool, err error) {
	err = db.R().QueryRowContext(ctx, `SELECT value FROM daemon_state WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read daemon state %q: %w", key, err)
	}
	return value, true, nil
}

// Optimize runs PRAGMA optimize, which analyses only the indexes whose
// statistics are stale and bounds the work it does (analysis_limit), unlike
// a plain ANALYZE that can hold the writer for minutes on a large mirror.
func (db *DB) Optimize(ctx context.Context) error {
	if _, err := db.W().ExecContext(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	if _, err := db.W().ExecContext(ctx, `PRAGMA optimize`); err != nil {
		return fmt.Errorf("optimize: %w", err)
	}
	return nil
}

// Checkpoint copies the WAL into the database and truncates it. busy is
// true when a reader kept part of the WAL in use, which is harmless: the
// next checkpoint finishes the job.
func (db *DB) Checkpoint(ctx context.Context) (busy bool, walPages, checkpointed int, err error) {
	var b int
	if err := db.W().QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&b, &walPages, &checkpointed); err != nil {
		return false, 0, 0, fmt.Errorf("checkpoint: %w", err)
	}
	return b != 0, walPages, checkpointed, nil
}

// ErrCorrupt is matched by the error VerifyFile returns for a file that
// fails PRAGMA integrity_check or is not a plexm8-sync database.
var ErrCorrupt = errors.New("database copy failed its integrity check")

// VerifyFile opens the database file at path on its own, read-only, and runs
// PRAGMA integrity_check on it. A backup counts only once this passed.
func VerifyFile(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("verify %q: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("verify %q: %w", abs, err)
	}
	// No WAL or shared memory for a check of a closed copy: immutable makes
	// SQLite read the file as it is and create nothing beside it.
	pool := openPool(fileURI(abs)+"?mode=ro&immutable=1", 1)
	defer pool.Close()
	st, err := readState(ctx, pool)
	if err != nil {
		return fmt.Errorf("verify %q: %w: %w", abs, ErrCorrupt, err)
	}
	if st.appID != applicationID {
		return fmt.Errorf("verify %q: %w: not a plexm8-sync database", abs, ErrCorrupt)
	}
	rows, err := pool.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		return fmt.Errorf("verify %q: %w: %w", abs, ErrCorrupt, err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return fmt.Errorf("verify %q: %w: %w", abs, ErrCorrupt, err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify %q: %w: %w", abs, ErrCorrupt, err)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fmt.Errorf("verify %q: %w: %s", abs, ErrCorrupt, strings.Join(msgs, "; "))
	}
	return nil
}

// Restore replaces the database at dbPath with the backup src. It takes the
// writer lock first, so it refuses (with *LockedError) while the daemon or
// a sync has the database open. The backup is verified before anything is
// touched; the replaced database is kept beside it as <dbPath>.before-restore.
func Restore(ctx context.Context, dbPath, src string) (err error) {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	lock, err := acquireLock(abs)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := lock.release(); err == nil {
			err = rerr
		}
	}()
	if err := VerifyFile(ctx, src); err != nil {
		return fmt.Errorf("restore: %w; the database was left as it was", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".restore.*.tmp")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	in, err := os.Open(src)
	if err != nil {
		tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	_, cerr := io.Copy(tmp, in)
	in.Close()
	if err := errors.Join(cerr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("restore: copy %s: %w", src, err)
	}
	if _, err := os.Stat(abs); err == nil {
		// A WAL left by a crash belongs to the old file and must not be
		// replayed into the restored one; the old file keeps it.
		if err := os.Rename(abs, abs+".before-restore"); err != nil {
			return fmt.Errorf("restore: keep the current database: %w", err)
		}
		for _, ext := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(abs + ext); err == nil {
				if err := os.Rename(abs+ext, abs+".before-restore"+ext); err != nil {
					return fmt.Errorf("restore: keep the current database's %s: %w", ext, err)
				}
			}
		}
	}
	if err := os.Rename(tmp.Name(), abs); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	syncDir(filepath.Dir(abs))
	return nil
}

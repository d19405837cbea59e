package db

import (
	"context"
	"database/sql"
	"fmt"
)

// Run is a finished sync_runs row.
type Run struct {
	ID                      int64
	Status                  RunStatus // ok, partial or failed
	Added, Updated, Removed int
	Counts                  string // JSON per kind
	Requests, Retries       int64
	Error                   string
	FinishedAt              int64
}

// StartRun records a run as running and returns its id.
func (db *DB) StartRun(ctx context.Context, kind, serverID string, now int64) (int64, error) {
	var server any
	if serverID != "" {
		server = serverID
	}
	res, err := db.W().ExecContext(ctx, `INSERT INTO sync_runs (kind, server_id, started_at, status) VALUES (?, ?, ?, ?)`, kind, server, now, RunRunning)
	if err != nil {
		return 0, fmt.Errorf("record run start: %w", err)
	}
	return res.LastInsertId()
}

// Synced reports whether a pass over the server ever ran its course (ok or
// partial): the first that does lists every section whole.
func (db *DB) Synced(ctx context.Context, serverID string) (bool, error) {
	var ok bool
	err := db.W().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sync_runs WHERE server_id = ? AND status IN (?, ?))`,
		serverID, RunOK, RunPartial).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("read past runs of server %s: %w", serverID, err)
	}
	return ok, nil
}

// FinishRun records how a run ended.
func (db *DB) FinishRun(ctx context.Context, r Run) error {
	var errText any
	if r.Error != "" {
		errText = r.Error
	}
	_, err := db.W().ExecContext(ctx, `UPDATE sync_runs SET finished_at = ?, status = ?, added = ?, updated = ?, removed = ?,
		counts = ?, requests = ?, retries = ?, error = ? WHERE id = ?`,
		r.FinishedAt, r.Status, r.Added, r.Updated, r.Removed, r.Counts, r.Requests, r.Retries, errText, r.ID)
	if err != nil {
		return fmt.Errorf("record run end: %w", err)
	}
	return nil
}

// interruptedRun is the error of a run a stopped process left running.
const interruptedRun = "interrupted: the process stopped before the run finished"

// closeInterruptedRuns marks failed the runs a crashed process left
// running. Only the holder of the writer lock runs syncs, so when it opens
// the database no run can really be under way. When they ended is unknown:
// finished_at stays NULL.
func closeInterruptedRuns(ctx context.Context, w *sql.DB) error {
	if _, err := w.ExecContext(ctx, `UPDATE sync_runs SET status = ?, error = coalesce(error, ?) WHERE status = ?`,
		RunFailed, interruptedRun, RunRunning); err != nil {
		return fmt.Errorf("close interrupted runs: %w", err)
	}
	return closeInterruptedJobs(ctx, w)
}

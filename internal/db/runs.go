package db

import (
	"context"
	"fmt"
)

// Run is a finished sync_runs row.
type Run struct {
	ID                      int64
	Status                  string // ok | partial | failed
	Added, Updated, Removed int
	Counts                  string // JSON per kind
	Requests, Retries       int64
	Error                   string
	FinishedAt              int64
}

// StartRun records a run as running and returns its id. A run left
// "running" by a crash is closed by the next StartRun as failed.
func (db *DB) StartRun(ctx context.Context, kind, serverID string, now int64) (int64, error) {
	if _, err := db.W().ExecContext(ctx, `UPDATE sync_runs SET status = 'failed', finished_at = ?,
		error = coalesce(error, 'interrupted: the process stopped before the run finished') WHERE status = 'running'`, now); err != nil {
		return 0, fmt.Errorf("close interrupted runs: %w", err)
	}
	var server any
	if serverID != "" {
		server = serverID
	}
	res, err := db.W().ExecContext(ctx, `INSERT INTO sync_runs (kind, server_id, started_at, status) VALUES (?, ?, ?, 'running')`, kind, server, now)
	if err != nil {
		return 0, fmt.Errorf("record run start: %w", err)
	}
	return res.LastInsertId()
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

package db

import (
	"context"
	"fmt"
)

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

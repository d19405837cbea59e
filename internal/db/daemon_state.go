package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

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

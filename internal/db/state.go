package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SetState records the change signature of scope as of a complete reconcile.
func (t *Tx) SetState(ctx context.Context, serverID, scope, signature string, now int64) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO sync_state (server_id, scope, signature, synced_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (server_id, scope) DO UPDATE SET signature = excluded.signature, synced_at = excluded.synced_at`,
		serverID, scope, signature, now)
	if err != nil {
		return fmt.Errorf("record state of %s: %w", scope, err)
	}
	return nil
}

// State returns the signature stored for scope, or "" when there is none.
func (db *DB) State(ctx context.Context, serverID, scope string) (string, error) {
	var sig string
	err := db.R().QueryRowContext(ctx, `SELECT signature FROM sync_state WHERE server_id = ? AND scope = ?`, serverID, scope).Scan(&sig)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read state of %s: %w", scope, err)
	}
	return sig, nil
}

// ClearState forgets every signature of a server, so the next sync reconciles
// it whole. Full sync uses it.
func (db *DB) ClearState(ctx context.Context, serverID string) error {
	if _, err := db.W().ExecContext(ctx, `DELETE FROM sync_state WHERE server_id = ?`, serverID); err != nil {
		return fmt.Errorf("clear sync state: %w", err)
	}
	return nil
}

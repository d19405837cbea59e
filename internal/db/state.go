package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Scope names what a sync_state row holds the change signature of. Scopes
// are made only here, so the table's keys have one spelling.
type Scope string

// SectionScope is the scope of a library section's listing.
func SectionScope(sectionKey string) Scope { return Scope("section:" + sectionKey) }

// PlaylistScope is the scope of a playlist's items.
func PlaylistScope(ratingKey string) Scope { return Scope("playlist:" + ratingKey) }

// SetState records the change signature of scope as of a complete reconcile.
func (t *Tx) SetState(ctx context.Context, serverID string, scope Scope, signature string, now int64) error {
	return setState(ctx, t.tx, serverID, scope, signature, now)
}

// setState is the one write of a signature, inside the transaction that
// completed what it describes.
func setState(ctx context.Context, tx *sql.Tx, serverID string, scope Scope, signature string, now int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO sync_state (server_id, scope, signature, synced_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (server_id, scope) DO UPDATE SET signature = excluded.signature, synced_at = excluded.synced_at`,
		serverID, string(scope), signature, now)
	if err != nil {
		return fmt.Errorf("record state of %s: %w", scope, err)
	}
	return nil
}

// State returns the signature stored for scope, or "" when there is none.
func (db *DB) State(ctx context.Context, serverID string, scope Scope) (string, error) {
	var sig string
	err := db.R().QueryRowContext(ctx, `SELECT signature FROM sync_state WHERE server_id = ? AND scope = ?`, serverID, string(scope)).Scan(&sig)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read state of %s: %w", scope, err)
	}
	return sig, nil
}

// forgetState drops the signature of scope, so its next sync lists it whole.
func forgetState(ctx context.Context, tx *sql.Tx, serverID string, scope Scope) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sync_state WHERE server_id = ? AND scope = ?`, serverID, string(scope)); err != nil {
		return fmt.Errorf("forget state of %s: %w", scope, err)
	}
	return nil
}

// ForgetState drops the signature of scope in a transaction of its own: a
// refetch that failed after its signals were read must not let the next
// pass take the old signature for proof that nothing changed.
func (db *DB) ForgetState(ctx context.Context, serverID string, scope Scope) error {
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := forgetState(ctx, tx, serverID, scope); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

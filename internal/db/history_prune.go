package db

import (
	"context"
	"fmt"
)

// PruneHistory keeps the newest keep versions of each playlist of a server
// and deletes the older ones, with the entries and track descriptions only
// they used; the kept versions rebuild exactly as before. Retention is
// opt-in (history.keep_versions): by default nothing is ever deleted. It
// returns how many versions it deleted.
func (db *DB) PruneHistory(ctx context.Context, serverID string, keep int) (int, error) {
	if keep <= 0 {
		return 0, nil
	}
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS prune_cut (playlist TEXT PRIMARY KEY, lo INTEGER NOT NULL) WITHOUT ROWID;
		DELETE FROM temp.prune_cut`); err != nil {
		return 0, fmt.Errorf("prune history: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO temp.prune_cut (playlist, lo)
		SELECT playlist_rating_key, max(version) - ? + 1 FROM playlist_versions WHERE server_id = ?
		GROUP BY playlist_rating_key HAVING min(version) < max(version) - ? + 1`, keep, serverID, keep); err != nil {
		return 0, fmt.Errorf("prune history: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM playlist_versions WHERE server_id = ? AND version <
		(SELECT lo FROM temp.prune_cut WHERE playlist = playlist_versions.playlist_rating_key)`, serverID)
	if err != nil {
		return 0, fmt.Errorf("prune versions: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM playlist_version_items WHERE server_id = ? AND last_version IS NOT NULL AND last_version <
		(SELECT lo FROM temp.prune_cut WHERE playlist = playlist_version_items.playlist_rating_key)`, serverID); err != nil {
		return 0, fmt.Errorf("prune entries: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM history_items WHERE server_id = ?
		AND id NOT IN (SELECT item_id FROM playlist_version_items WHERE server_id = ?)`, serverID, serverID); err != nil {
		return 0, fmt.Errorf("prune track descriptions: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit prune: %w", err)
	}
	return int(n), nil
}

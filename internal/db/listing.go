package db

import (
	"context"
	"fmt"
)

// seen records the rating keys met during one listing, so that rows the
// listing did not meet can be marked removed once it is known complete. It is
// a TEMP table on the writer's only connection: it costs the library no Go
// memory, and a crash simply forgets it, which can only delay a removal.
const seenTableSQL = `CREATE TEMP TABLE IF NOT EXISTS seen (kind TEXT NOT NULL, rating_key TEXT NOT NULL, PRIMARY KEY (kind, rating_key)) WITHOUT ROWID`

// StartListing forgets the keys met by earlier listings of kinds. Listings of
// different kinds may run side by side; two of the same kind may not.
func (db *DB) StartListing(ctx context.Context, kinds ...Kind) error {
	if _, err := db.mirror(ctx); err != nil {
		return err
	}
	// Re-creating is a no-op on the writer's long-lived connection; should
	// database/sql ever replace that connection, the TEMP table comes back.
	if _, err := db.W().ExecContext(ctx, seenTableSQL); err != nil {
		return fmt.Errorf("create listing table: %w", err)
	}
	for _, k := range kinds {
		if _, err := db.W().ExecContext(ctx, `DELETE FROM temp.seen WHERE kind = ?`, string(k)); err != nil {
			return fmt.Errorf("reset listing of %s: %w", k, err)
		}
	}
	return nil
}

// SeenCount is how many distinct keys of kind the current listing met.
func (db *DB) SeenCount(ctx context.Context, kind Kind) (int, error) {
	var n int
	if err := db.W().QueryRowContext(ctx, `SELECT count(*) FROM temp.seen WHERE kind = ?`, string(kind)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count listed %s: %w", kind, err)
	}
	return n, nil
}

// CountCurrent counts the section's rows of kind not marked removed.
func (db *DB) CountCurrent(ctx context.Context, kind Kind, serverID, sectionKey string) (int, error) {
	var n int
	err := db.W().QueryRowContext(ctx, `SELECT count(*) FROM `+string(kind)+` WHERE server_id = ? AND section_key = ? AND removed_at IS NULL`,
		serverID, sectionKey).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", kind, err)
	}
	return n, nil
}

// HasCurrent reports whether the section holds any row not marked removed.
// A section without one cannot lose rows, so its listing need not track keys.
func (db *DB) HasCurrent(ctx context.Context, serverID, sectionKey string) (bool, error) {
	var ok bool
	err := db.W().QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM artists WHERE server_id = ?1 AND section_key = ?2 AND removed_at IS NULL) OR
		EXISTS (SELECT 1 FROM albums  WHERE server_id = ?1 AND section_key = ?2 AND removed_at IS NULL) OR
		EXISTS (SELECT 1 FROM tracks  WHERE server_id = ?1 AND section_key = ?2 AND removed_at IS NULL)`,
		serverID, sectionKey).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check section %s: %w", sectionKey, err)
	}
	return ok, nil
}

// UnseenPlaylists returns the server's current playlists the playlist
// listing did not meet: the ones MarkUnseenRemoved would mark.
func (db *DB) UnseenPlaylists(ctx context.Context, serverID string) ([]string, error) {
	rows, err := db.W().QueryContext(ctx, `SELECT rating_key FROM playlists WHERE server_id = ? AND removed_at IS NULL
		AND rating_key NOT IN (SELECT rating_key FROM temp.seen WHERE kind = ?) ORDER BY rating_key`, serverID, string(KindPlaylist))
	if err != nil {
		return nil, fmt.Errorf("find unlisted playlists: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("find unlisted playlists: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find unlisted playlists: %w", err)
	}
	return keys, nil
}

// MarkUnseenRemoved sets removed_at on the section's current rows of kind
// that the listing did not meet. Call it only after a complete and consistent
// listing that tracked keys: it is the one place rows leave the mirror.
func (t *Tx) MarkUnseenRemoved(ctx context.Context, kind Kind, serverID, sectionKey string, now int64) (int, error) {
	q := `UPDATE ` + string(kind) + ` SET removed_at = ? WHERE server_id = ? AND section_key = ? AND removed_at IS NULL
		AND rating_key NOT IN (SELECT rating_key FROM temp.seen WHERE kind = ?)`
	args := []any{now, serverID, sectionKey, string(kind)}
	if kind == KindPlaylist {
		q = `UPDATE playlists SET removed_at = ? WHERE server_id = ? AND removed_at IS NULL
			AND rating_key NOT IN (SELECT rating_key FROM temp.seen WHERE kind = ?)`
		args = []any{now, serverID, string(kind)}
	}
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("mark removed %s: %w", kind, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

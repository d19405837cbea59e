package db

import (
	"context"
	"database/sql"
	"fmt"
)

// beforeCommit, when set (by tests), runs inside ReplacePlaylistItems's
// transaction right before it commits: a crash test ends the process there.
var beforeCommit func(playlistKey string)

// A playlist's new items are staged, page by page in any order, in a TEMP
// table on the writer's connection, then swapped in by one transaction once
// the listing is complete. A smart playlist can hold most of a library: its
// items never have to fit in Go memory, and the comparison with the stored
// items happens in SQL.
//
// Each staged item also carries the description of its track that history
// keeps (Snapshot) and that description's content hash.
const stagedTableSQL = `CREATE TEMP TABLE IF NOT EXISTS staged_items (
	playlist TEXT NOT NULL, position INTEGER NOT NULL, track_rating_key TEXT NOT NULL, playlist_item_id INTEGER,
	snap_hash INTEGER NOT NULL, guid TEXT, guids TEXT, title TEXT, artist TEXT, album TEXT,
	track_number INTEGER, disc_number INTEGER, duration_ms INTEGER, file TEXT,
	PRIMARY KEY (playlist, position)) WITHOUT ROWID`

// ItemDiff says how a playlist's items changed.
type ItemDiff struct {
	Added, Removed int // entries gained and lost, counted as multisets of tracks
	Moved          int // entries kept but at another position, when nothing was added or removed
}

// Changed reports whether the items differ at all.
func (d ItemDiff) Changed() bool { return d != ItemDiff{} }

// StageItems records items of a server's playlist's new listing, the first
// at offset, without track descriptions. Staging the same position twice keeps the last.
func (db *DB) StageItems(ctx context.Context, serverID, playlistKey string, offset int, items []PlaylistItem) error {
	entries := make([]Entry, len(items))
	for i, it := range items {
		entries[i].PlaylistItem = it
	}
	return db.StageEntries(ctx, serverID, playlistKey, offset, entries)
}

// StageEntries records items of a playlist's new listing with the
// descriptions of their tracks, the first at offset. Staging the same
// position twice keeps the last.
func (db *DB) StageEntries(ctx context.Context, serverID, playlistKey string, offset int, items []Entry) error {
	if _, err := db.mirror(ctx); err != nil {
		return err
	}
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, stagedTableSQL); err != nil {
		return fmt.Errorf("create stage: %w", err)
	}
	if err := stageInto(ctx, tx, serverID, playlistKey, offset, items); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("stage playlist items: %w", err)
	}
	return nil
}

// stageKey names a playlist's stage: rating keys repeat across servers,
// and two servers may be synced at once.
func stageKey(serverID, playlistKey string) string { return serverID + "\x00" + playlistKey }

func stageInto(ctx context.Context, tx *sql.Tx, serverID, playlistKey string, offset int, items []Entry) error {
	sk := stageKey(serverID, playlistKey)
	ins, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO temp.staged_items (playlist, position, track_rating_key, playlist_item_id,
		snap_hash, guid, guids, title, artist, album, track_number, disc_number, duration_ms, file)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("stage playlist items: %w", err)
	}
	defer ins.Close()
	for i := range items {
		it := &items[i]
		s := &it.Snapshot
		if _, err := ins.ExecContext(ctx, sk, offset+i, it.TrackRatingKey, it.PlaylistItemID,
			snapshotHash(serverID, it.TrackRatingKey, s), s.GUID, s.Guids, s.Title, s.Artist, s.Album,
			s.TrackNumber, s.DiscNumber, s.DurationMS, s.File); err != nil {
			return fmt.Errorf("stage playlist item %d: %w", offset+i, err)
		}
	}
	return nil
}

// DropStaged forgets a playlist's staged items (after a failed listing).
func (db *DB) DropStaged(ctx context.Context, serverID, playlistKey string) error {
	if _, err := db.mirror(ctx); err != nil {
		return err
	}
	if _, err := db.W().ExecContext(ctx, `DELETE FROM temp.staged_items WHERE playlist = ?`, stageKey(serverID, playlistKey)); err != nil {
		return fmt.Errorf("drop staged items: %w", err)
	}
	return nil
}

// ReplacePlaylistItems swaps a playlist's stored items for its staged ones,
// records its signature and empties the stage, in one transaction. It
// refuses unless exactly positions 0..total-1 are staged. Identical items
// are not rewritten: most refetches find no change.
func (db *DB) ReplacePlaylistItems(ctx context.Context, serverID, playlistKey string, total int, signature string, now int64) (ItemDiff, error) {
	var d ItemDiff
	sk := stageKey(serverID, playlistKey)
	if _, err := db.mirror(ctx); err != nil {
		return d, err
	}
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return d, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var n, lo, hi int
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(min(position), 0), coalesce(max(position), -1)
		FROM temp.staged_items WHERE playlist = ?`, sk).Scan(&n, &lo, &hi); err != nil {
		return d, fmt.Errorf("check staged items: %w", err)
	}
	if n != total || lo != 0 || hi != total-1 {
		return d, fmt.Errorf("staged items of playlist %s cover %d positions (%d..%d), want %d", playlistKey, n, lo, hi, total)
	}
	// Multiset difference by track: what each side has more of.
	err = tx.QueryRowContext(ctx, `
		WITH n AS (SELECT track_rating_key AS k, count(*) AS c FROM temp.staged_items WHERE playlist = ?3 GROUP BY 1),
		     o AS (SELECT track_rating_key AS k, count(*) AS c FROM playlist_items
		           WHERE server_id = ?1 AND playlist_rating_key = ?2 GROUP BY 1)
		SELECT
		  (SELECT coalesce(sum(max(n.c - coalesce(o.c, 0), 0)), 0) FROM n LEFT JOIN o ON o.k = n.k),
		  (SELECT coalesce(sum(max(o.c - coalesce(n.c, 0), 0)), 0) FROM o LEFT JOIN n ON n.k = o.k)`,
		serverID, playlistKey, sk).Scan(&d.Added, &d.Removed)
	if err != nil {
		return d, fmt.Errorf("compare playlist items: %w", err)
	}
	if d.Added == 0 && d.Removed == 0 {
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM temp.staged_items s JOIN playlist_items p
			ON p.server_id = ?1 AND p.playlist_rating_key = ?2 AND p.position = s.position
			WHERE s.playlist = ?3 AND (p.track_rating_key != s.track_rating_key OR p.playlist_item_id IS NOT s.playlist_item_id)`,
			serverID, playlistKey, sk).Scan(&d.Moved)
		if err != nil {
			return d, fmt.Errorf("compare playlist items: %w", err)
		}
	}
	if d.Changed() {
		if _, err := tx.ExecContext(ctx, `DELETE FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`, serverID, playlistKey); err != nil {
			return d, fmt.Errorf("clear playlist items: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO playlist_items (server_id, playlist_rating_key, position, track_rating_key, playlist_item_id)
			SELECT ?, ?, position, track_rating_key, playlist_item_id FROM temp.staged_items WHERE playlist = ? ORDER BY position`,
			serverID, playlistKey, sk); err != nil {
			return d, fmt.Errorf("write playlist items: %w", err)
		}
	}
	// History goes into the same transaction: the mirror and the
	// playlist's versions change together or not at all.
	if _, err := recordStaged(ctx, tx, serverID, playlistKey, d.Changed(), now); err != nil {
		return d, err
	}
	if beforeCommit != nil {
		beforeCommit(playlistKey)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM temp.staged_items WHERE playlist = ?`, sk); err != nil {
		return d, fmt.Errorf("empty stage: %w", err)
	}
	if err := setState(ctx, tx, serverID, PlaylistScope(playlistKey), signature, now); err != nil {
		return d, err
	}
	if err := tx.Commit(); err != nil {
		return d, fmt.Errorf("commit playlist items: %w", err)
	}
	return d, nil
}

// PlaylistItemKeys returns a playlist's stored items in order, for a
// refetch to compare its pages with before it stages anything.
func (db *DB) PlaylistItemKeys(ctx context.Context, serverID, playlistKey string) ([]PlaylistItem, error) {
	rows, err := db.R().QueryContext(ctx, `SELECT track_rating_key, playlist_item_id FROM playlist_items
		WHERE server_id = ? AND playlist_rating_key = ? ORDER BY position`, serverID, playlistKey)
	if err != nil {
		return nil, fmt.Errorf("read playlist items: %w", err)
	}
	defer rows.Close()
	var out []PlaylistItem
	for rows.Next() {
		var it PlaylistItem
		if err := rows.Scan(&it.TrackRatingKey, &it.PlaylistItemID); err != nil {
			return nil, fmt.Errorf("read playlist items: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read playlist items: %w", err)
	}
	return out, nil
}

// KeepPlaylistItems records a refetch whose total items, in order, equal
// the stored ones: it writes what ReplacePlaylistItems would for them (the
// signature, and no history version) without staging anything. It reports
// false and writes nothing when the stored count is not total or when the
// playlist's title or rules differ from its newest version, which then
// needs the staged items: the caller stages them and replaces as usual.
func (db *DB) KeepPlaylistItems(ctx context.Context, serverID, playlistKey string, total int, signature string, now int64) (bool, error) {
	if _, err := db.mirror(ctx); err != nil {
		return false, err
	}
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM playlist_items WHERE server_id = ? AND playlist_rating_key = ?`,
		serverID, playlistKey).Scan(&n); err != nil {
		return false, fmt.Errorf("count playlist items: %w", err)
	}
	if n != total {
		return false, nil
	}
	// recordStaged's test, for items that did not change.
	meta, err := currentMeta(ctx, tx, serverID, playlistKey)
	if err != nil {
		return false, err
	}
	if meta.found && meta.ptype.String == "audio" {
		head, err := latestVersion(ctx, tx, serverID, playlistKey)
		if err != nil {
			return false, err
		}
		if !head.describes(&meta) {
			return false, nil
		}
	}
	if err := setState(ctx, tx, serverID, PlaylistScope(playlistKey), signature, now); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit playlist items: %w", err)
	}
	return true, nil
}

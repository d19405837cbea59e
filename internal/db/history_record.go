package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/plexm8/plexm8-sync/internal/history"
)

// Playlist history (migrations/0003_history.sql). A version is appended in
// the transaction that changes the mirror's playlist, so the two can never
// disagree: a sync killed before its commit leaves both as they were.
//
// This file records a version from a playlist's staged listing: it reads
// the open entries and the stage, asks history.PlanVersion what changes,
// and writes what the plan says. The planning itself is history's.

// entryKey is a stored entry's identity across versions (history.Item.Key).
func entryKey(trackKey string, pid sql.NullInt64) string {
	it := history.Item{RatingKey: trackKey, PlaylistItemID: pid.Int64}
	return it.Key()
}

// recordStaged appends a version of a playlist whose complete new listing
// is staged, if anything history tracks changed: the items (itemsChanged,
// as ReplacePlaylistItems compared them with the mirror), the title,
// summary or smart rules, or the playlist came back after a deletion. The
// playlist's row must already be up to date in the mirror. It reports
// whether it recorded a version.
func recordStaged(ctx context.Context, tx *sql.Tx, serverID, key string, itemsChanged bool, now int64) (bool, error) {
	meta, err := currentMeta(ctx, tx, serverID, key)
	if err != nil || !meta.found || meta.ptype.String != "audio" {
		return false, err
	}
	head, err := latestVersion(ctx, tx, serverID, key)
	if err != nil {
		return false, err
	}
	if !itemsChanged && head.describes(&meta) {
		return false, nil
	}
	v := head.version + 1

	rowids, old, err := openEntries(ctx, tx, serverID, key)
	if err != nil {
		return false, err
	}
	if len(old) == 0 {
		err := recordAllNew(ctx, tx, serverID, key, v, &meta, now)
		return err == nil, err
	}
	staged, err := stagedEntries(ctx, tx, stageKey(serverID, key))
	if err != nil {
		return false, err
	}
	plan := history.PlanVersion(old, staged)

	if len(plan.Close) > 0 {
		closeIDs := make([]int64, len(plan.Close))
		for n, i := range plan.Close {
			closeIDs[n] = rowids[i]
		}
		ids, _ := json.Marshal(closeIDs)
		if _, err := tx.ExecContext(ctx, `UPDATE playlist_version_items SET last_version = ?
			WHERE rowid IN (SELECT value FROM json_each(?))`, v-1, string(ids)); err != nil {
			return false, fmt.Errorf("close entries of playlist %s: %w", key, err)
		}
	}
	// Re-opened entries are written before inserted ones: the order fixes
	// the rows' ids, which stay as they always were.
	if rows := slices.Concat(plan.Reopen, plan.Insert); len(rows) > 0 {
		type jr struct {
			P int    `json:"p"`
			K string `json:"k"`
		}
		js := make([]jr, len(rows))
		for i, r := range rows {
			js[i] = jr{r.Position, r.SortKey}
		}
		b, _ := json.Marshal(js)
		if _, err := tx.ExecContext(ctx, `INSERT INTO history_items (server_id, hash, track_rating_key, guid, guids,
				title, artist, album, track_number, disc_number, duration_ms, file)
			SELECT ?1, s.snap_hash, s.track_rating_key, s.guid, s.guids, s.title, s.artist, s.album,
				s.track_number, s.disc_number, s.duration_ms, s.file
			FROM json_each(?3) AS j CROSS JOIN temp.staged_items AS s ON s.playlist = ?4 AND s.position = j.value ->> 'p'
			WHERE true
			ON CONFLICT (hash) DO NOTHING`, serverID, key, string(b), stageKey(serverID, key)); err != nil {
			return false, fmt.Errorf("store item descriptions of playlist %s: %w", key, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO playlist_version_items (server_id, playlist_rating_key, sort_key,
				first_version, playlist_item_id, item_id)
			SELECT ?1, ?2, j.value ->> 'k', ?4, s.playlist_item_id, h.id
			FROM json_each(?3) AS j CROSS JOIN temp.staged_items AS s ON s.playlist = ?5 AND s.position = j.value ->> 'p'
			JOIN history_items AS h ON h.hash = s.snap_hash`, serverID, key, string(b), v, stageKey(serverID, key)); err != nil {
			return false, fmt.Errorf("store entries of playlist %s: %w", key, err)
		}
	}
	err = insertVersion(ctx, tx, serverID, key, now, versionRow{version: v, state: history.StatePresent, meta: &meta,
		itemCount: len(staged), duration: sql.NullInt64{Int64: plan.DurationMS, Valid: plan.HasDuration},
		added: plan.Added, removed: plan.Removed, moved: plan.Moved})
	return err == nil, err
}

// recordAllNew records version v of a playlist that has no open entries
// (its first version, or one after every item was gone): every staged item
// is a new entry. It is the bulk of a first sync's history, so nothing
// passes through Go but the order keys: the descriptions and entries are
// inserted from the stage by one statement each, in position order.
func recordAllNew(ctx context.Context, tx *sql.Tx, serverID, key string, v int, meta *playlistMeta, now int64) error {
	sk := stageKey(serverID, key)
	var n int
	var dur sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), sum(duration_ms) FROM temp.staged_items WHERE playlist = ?`, sk).
		Scan(&n, &dur); err != nil {
		return fmt.Errorf("read staged items of playlist %s: %w", key, err)
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO history_items (server_id, hash, track_rating_key, guid, guids,
				title, artist, album, track_number, disc_number, duration_ms, file)
			SELECT ?1, snap_hash, track_rating_key, guid, guids, title, artist, album,
				track_number, disc_number, duration_ms, file
			FROM temp.staged_items WHERE playlist = ?2 ORDER BY position
			ON CONFLICT (hash) DO NOTHING`, serverID, sk); err != nil {
			return fmt.Errorf("store item descriptions of playlist %s: %w", key, err)
		}
		// The keys are a JSON array: element i orders position i.
		keys, err := json.Marshal(history.InitialKeys(n))
		if err != nil {
			return fmt.Errorf("order keys of playlist %s: %w", key, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO playlist_version_items (server_id, playlist_rating_key, sort_key,
				first_version, playlist_item_id, item_id)
			SELECT ?1, ?2, j.value, ?4, s.playlist_item_id, h.id
			FROM json_each(?3) AS j CROSS JOIN temp.staged_items AS s ON s.playlist = ?5 AND s.position = j.key
			JOIN history_items AS h ON h.hash = s.snap_hash`, serverID, key, string(keys), v, sk); err != nil {
			return fmt.Errorf("store entries of playlist %s: %w", key, err)
		}
	}
	return insertVersion(ctx, tx, serverID, key, now, versionRow{version: v, state: history.StatePresent, meta: meta,
		itemCount: n, duration: dur, added: n})
}

// openEntries reads the open entries of a playlist's newest version in
// order-key order, with their rowids (rowids[i] is old[i]'s).
func openEntries(ctx context.Context, tx *sql.Tx, serverID, key string) (rowids []int64, old []history.OpenEntry, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.rowid, e.sort_key, h.track_rating_key, e.playlist_item_id, h.hash
		FROM playlist_version_items e JOIN history_items h ON h.id = e.item_id
		WHERE e.server_id = ? AND e.playlist_rating_key = ? AND e.last_version IS NULL ORDER BY e.sort_key`, serverID, key)
	if err != nil {
		return nil, nil, fmt.Errorf("read entries of playlist %s: %w", key, err)
	}
	defer rows.Close()
	for rows.Next() {
		var rowid int64
		var e history.OpenEntry
		var tk string
		var pid sql.NullInt64
		if err := rows.Scan(&rowid, &e.SortKey, &tk, &pid, &e.Desc); err != nil {
			return nil, nil, fmt.Errorf("read entries of playlist %s: %w", key, err)
		}
		e.Key = entryKey(tk, pid)
		rowids = append(rowids, rowid)
		old = append(old, e)
	}
	return rowids, old, rows.Err()
}

// stagedEntries reads a playlist's staged items in position order.
func stagedEntries(ctx context.Context, tx *sql.Tx, sk string) ([]history.NewEntry, error) {
	rows, err := tx.QueryContext(ctx, `SELECT track_rating_key, playlist_item_id, snap_hash, duration_ms
		FROM temp.staged_items WHERE playlist = ? ORDER BY position`, sk)
	if err != nil {
		return nil, fmt.Errorf("read staged items: %w", err)
	}
	defer rows.Close()
	var out []history.NewEntry
	for rows.Next() {
		var e history.NewEntry
		var tk string
		var pid, dur sql.NullInt64
		if err := rows.Scan(&tk, &pid, &e.Desc, &dur); err != nil {
			return nil, fmt.Errorf("read staged items: %w", err)
		}
		e.Key = entryKey(tk, pid)
		e.DurationMS, e.HasDuration = dur.Int64, dur.Valid
		out = append(out, e)
	}
	return out, rows.Err()
}

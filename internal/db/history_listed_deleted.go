package db

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plexm8/plexm8-sync/internal/history"
)

// Versions recorded without a refetch of the items: a playlist whose title,
// summary or rules changed, one first seen by a database that predates
// history, and one gone from its server.

// RecordListed records, for audio playlists just stored from a listing
// whose items are not being refetched, a version when their title, summary
// or rules changed, or their first version when they have none yet (a
// database that predates history), built from the mirror's items. Call it
// in the transaction that stored the playlist rows. It returns how many
// versions it recorded.
func (t *Tx) RecordListed(ctx context.Context, serverID string, keys []string, now int64) (int, error) {
	n := 0
	for _, key := range keys {
		meta, err := currentMeta(ctx, t.tx, serverID, key)
		if err != nil {
			return n, err
		}
		if !meta.found || meta.ptype.String != "audio" || meta.removed {
			continue
		}
		head, err := latestVersion(ctx, t.tx, serverID, key)
		if err != nil {
			return n, err
		}
		switch {
		case !head.exists || head.state != history.StatePresent:
			ok, err := recordFromMirror(ctx, t.tx, serverID, key, now)
			if err != nil {
				return n, err
			}
			if ok {
				n++
			}
		case !head.sameMeta(&meta):
			if err := insertVersion(ctx, t.tx, serverID, key, now, versionRow{version: head.version + 1, state: history.StatePresent,
				meta: &meta, itemCount: head.itemCount, duration: head.duration}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// recordFromMirror stages the mirror's current items of a playlist, with
// descriptions from the tracks table, and records them as a version.
func recordFromMirror(ctx context.Context, tx *sql.Tx, serverID, key string, now int64) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT p.position, p.track_rating_key, p.playlist_item_id, t.guid, t.guids, t.title,
		t.artist_title, t.album_title, t.track_number, t.disc_number, t.duration_ms, t.file
		FROM playlist_items p LEFT JOIN tracks t ON t.server_id = p.server_id AND t.rating_key = p.track_rating_key
		WHERE p.server_id = ? AND p.playlist_rating_key = ? ORDER BY p.position`, serverID, key)
	if err != nil {
		return false, fmt.Errorf("read items of playlist %s: %w", key, err)
	}
	var entries []Entry
	for rows.Next() {
		var e Entry
		var pos int
		s := &e.Snapshot
		if err := rows.Scan(&pos, &e.TrackRatingKey, &e.PlaylistItemID, &s.GUID, &s.Guids, &s.Title, &s.Artist, &s.Album,
			&s.TrackNumber, &s.DiscNumber, &s.DurationMS, &s.File); err != nil {
			rows.Close()
			return false, fmt.Errorf("read items of playlist %s: %w", key, err)
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read items of playlist %s: %w", key, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM temp.staged_items WHERE playlist = ?`, stageKey(serverID, key)); err != nil {
		return false, fmt.Errorf("clear stage: %w", err)
	}
	if err := stageInto(ctx, tx, serverID, key, 0, entries); err != nil {
		return false, err
	}
	ok, err := recordStaged(ctx, tx, serverID, key, true, now)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM temp.staged_items WHERE playlist = ?`, stageKey(serverID, key)); err != nil {
		return false, fmt.Errorf("clear stage: %w", err)
	}
	return ok, nil
}

// RecordDeleted gives every audio playlist of the server that is marked
// removed, and whose newest version is not a deletion yet, a final
// "deleted" version holding its last items. Call it in the transaction that
// marked them removed. It returns how many versions it recorded.
func (t *Tx) RecordDeleted(ctx context.Context, serverID string, now int64) (int, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT p.rating_key FROM playlists p
		WHERE p.server_id = ? AND p.removed_at IS NOT NULL AND p.playlist_type = 'audio'
		AND coalesce((SELECT v.state FROM playlist_versions v WHERE v.server_id = p.server_id
			AND v.playlist_rating_key = p.rating_key ORDER BY v.version DESC LIMIT 1), '') != 'deleted'`, serverID)
	if err != nil {
		return 0, fmt.Errorf("find deleted playlists: %w", err)
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, fmt.Errorf("find deleted playlists: %w", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find deleted playlists: %w", err)
	}
	n := 0
	for _, key := range keys {
		head, err := latestVersion(ctx, t.tx, serverID, key)
		if err != nil {
			return n, err
		}
		if !head.exists {
			// History began after the playlist's last sighting: keep
			// what the mirror still holds of it first.
			if _, err := recordFromMirror(ctx, t.tx, serverID, key, now); err != nil {
				return n, err
			}
			if head, err = latestVersion(ctx, t.tx, serverID, key); err != nil || !head.exists {
				return n, err
			}
		}
		meta := playlistMeta{title: head.title, summary: head.summary, content: head.content, smart: head.smart}
		if err := insertVersion(ctx, t.tx, serverID, key, now, versionRow{version: head.version + 1, state: history.StateDeleted,
			meta: &meta, itemCount: head.itemCount, duration: head.duration}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

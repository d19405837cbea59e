package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/plexm8/plexm8-sync/internal/history"
)

// Playlist history (migrations/0003_history.sql). A version is appended in
// the transaction that changes the mirror's playlist, so the two can never
// disagree: a sync killed before its commit leaves both as they were.

// Snapshot is what history keeps of the track behind a playlist entry, as
// the playlist listing described it.
type Snapshot struct {
	GUID, Guids, Title, Artist, Album   sql.Null[string]
	TrackNumber, DiscNumber, DurationMS sql.Null[int64]
	File                                sql.Null[string]
}

// Entry is a playlist item with its snapshot, for StageEntries.
type Entry struct {
	PlaylistItem
	Snapshot
}

// snapshotHash addresses a snapshot row: SHA-256 of the server, the track
// key and every description column, cut to 64 bits. The rows are shared by
// content, so a collision would hand one track's description to another; at
// 64 bits that takes billions of distinct rows. An integer key keeps the
// unique index small and its probes cheap.
func snapshotHash(serverID, trackKey string, s *Snapshot) int64 {
	// One buffer and one Sum256 instead of a streaming hash fed field by
	// field: the same bytes, so the same addresses as before, at a third of
	// the cost (a first sync hashes every staged item).
	n := len(serverID) + len(trackKey) + 11*9
	for _, v := range [...]*sql.Null[string]{&s.GUID, &s.Guids, &s.Title, &s.Artist, &s.Album, &s.File} {
		n += len(v.V)
	}
	b := make([]byte, 0, n)
	text := func(v string) {
		b = append(b, 's')
		b = binary.LittleEndian.AppendUint64(b, uint64(len(v)))
		b = append(b, v...)
	}
	str := func(v sql.Null[string]) {
		if !v.Valid {
			b = append(b, 'n')
			return
		}
		text(v.V)
	}
	num := func(v sql.Null[int64]) {
		if !v.Valid {
			b = append(b, 'n')
			return
		}
		b = append(b, 'i')
		b = binary.LittleEndian.AppendUint64(b, uint64(v.V))
	}
	text(serverID)
	text(trackKey)
	str(s.GUID)
	str(s.Guids)
	str(s.Title)
	str(s.Artist)
	str(s.Album)
	num(s.TrackNumber)
	num(s.DiscNumber)
	num(s.DurationMS)
	str(s.File)
	sum := sha256.Sum256(b)
	return int64(binary.LittleEndian.Uint64(sum[:8]))
}

// versionHead is the newest version of a playlist.
type versionHead struct {
	exists                  bool
	version                 int
	state                   string
	title, summary, content sql.NullString
	smart                   sql.NullBool
	itemCount               int
	duration                sql.NullInt64
}

// playlistMeta is the mirror's row of a playlist, as far as history cares.
type playlistMeta struct {
	found                          bool
	ptype, title, summary, content sql.NullString
	smart                          sql.NullBool
	removed                        bool
}

func (h *versionHead) sameMeta(m *playlistMeta) bool {
	return h.title == m.title && h.summary == m.summary && h.content == m.content &&
		h.smart.Valid == m.smart.Valid && h.smart.Bool == m.smart.Bool
}

// describes reports whether the newest version is a present one with the
// playlist's title, summary and rules: with the same items, no version is
// due.
func (h *versionHead) describes(m *playlistMeta) bool {
	return h.exists && h.state == history.StatePresent && h.sameMeta(m)
}

func latestVersion(ctx context.Context, tx *sql.Tx, serverID, key string) (versionHead, error) {
	var h versionHead
	err := tx.QueryRowContext(ctx, `SELECT version, state, title, summary, content, smart, item_count, duration_ms
		FROM playlist_versions WHERE server_id = ? AND playlist_rating_key = ? ORDER BY version DESC LIMIT 1`, serverID, key).
		Scan(&h.version, &h.state, &h.title, &h.summary, &h.content, &h.smart, &h.itemCount, &h.duration)
	if errors.Is(err, sql.ErrNoRows) {
		return h, nil
	}
	if err != nil {
		return h, fmt.Errorf("read newest version of playlist %s: %w", key, err)
	}
	h.exists = true
	return h, nil
}

func currentMeta(ctx context.Context, tx *sql.Tx, serverID, key string) (playlistMeta, error) {
	var m playlistMeta
	err := tx.QueryRowContext(ctx, `SELECT playlist_type, title, summary, content, smart, removed_at IS NOT NULL
		FROM playlists WHERE server_id = ? AND rating_key = ?`, serverID, key).
		Scan(&m.ptype, &m.title, &m.summary, &m.content, &m.smart, &m.removed)
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("read playlist %s: %w", key, err)
	}
	m.found = true
	return m, nil
}

// versionRow is a new row of playlist_versions.
type versionRow struct {
	version               int
	state                 string
	meta                  *playlistMeta
	itemCount             int
	duration              sql.NullInt64
	added, removed, moved int
}

func insertVersion(ctx context.Context, tx *sql.Tx, serverID, key string, now int64, v versionRow) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO playlist_versions (server_id, playlist_rating_key, version, recorded_at, state,
		title, summary, smart, content, item_count, duration_ms, added, removed, moved)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		serverID, key, v.version, now, v.state, v.meta.title, v.meta.summary, v.meta.smart, v.meta.content,
		v.itemCount, v.duration, v.added, v.removed, v.moved)
	if err != nil {
		return fmt.Errorf("record version %d of playlist %s: %w", v.version, key, err)
	}
	return nil
}

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

// nullString is a convenience for scans of optional text.
func histString(v sql.NullString) string {
	if v.Valid {
		return v.String
	}
	return ""
}

func histInt(v sql.NullInt64) int64 {
	if v.Valid {
		return v.Int64
	}
	return 0
}

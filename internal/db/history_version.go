package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/plexm8/plexm8-sync/internal/history"
)

// Whether a version is due is decided on stored rows: the newest version
// of a playlist against the mirror's row of it. insertVersion appends one.

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

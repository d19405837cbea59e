package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/history"
)

// ErrNotFound is matched by errors for a server or playlist the database
// does not hold.
var ErrNotFound = errors.New("not found")

// ErrNoVersion is returned when a playlist has no version at the asked
// number or time.
var ErrNoVersion = errors.New("no such version")

const historyPlaylistSQL = `SELECT h.server_id, coalesce(s.name, h.server_id), h.playlist_rating_key,
	coalesce(v.title, ''), coalesce(v.smart, 0), v.state = 'deleted', h.versions, h.latest_version, h.last_change
	FROM playlist_history h
	JOIN playlist_versions v ON v.server_id = h.server_id AND v.playlist_rating_key = h.playlist_rating_key AND v.version = h.latest_version
	LEFT JOIN servers s ON s.id = h.server_id`

func scanHistoryPlaylists(rows *sql.Rows) ([]history.Playlist, error) {
	defer rows.Close()
	var out []history.Playlist
	for rows.Next() {
		var p history.Playlist
		var last int64
		if err := rows.Scan(&p.ServerID, &p.ServerName, &p.RatingKey, &p.Title, &p.Smart, &p.Deleted, &p.Versions, &p.Latest, &last); err != nil {
			return nil, fmt.Errorf("read playlist history: %w", err)
		}
		p.LastChange = time.Unix(last, 0)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read playlist history: %w", err)
	}
	return out, nil
}

// HistoryPlaylists lists every playlist with history, optionally of one
// server (name or machine identifier), by server then title.
func (db *DB) HistoryPlaylists(ctx context.Context, server string) ([]history.Playlist, error) {
	rows, err := db.R().QueryContext(ctx, historyPlaylistSQL+`
		WHERE ?1 = '' OR h.server_id = ?1 OR s.name = ?1 COLLATE NOCASE
		ORDER BY 2, 4 COLLATE NOCASE, length(h.playlist_rating_key), h.playlist_rating_key`, server)
	if err != nil {
		return nil, fmt.Errorf("read playlist history: %w", err)
	}
	return scanHistoryPlaylists(rows)
}

// FindPlaylists finds the playlists with history that ref names: its rating
// key, else its newest title (ignoring case), else any title it once had.
// server, when not "", limits the search to one server (name or id).
func (db *DB) FindPlaylists(ctx context.Context, ref, server string) ([]history.Playlist, error) {
	filter := ` AND (?2 = '' OR h.server_id = ?2 OR s.name = ?2 COLLATE NOCASE) ORDER BY 2, 3`
	for _, where := range []string{
		` WHERE h.playlist_rating_key = ?1`,
		` WHERE v.title = ?1 COLLATE NOCASE`,
		` WHERE EXISTS (SELECT 1 FROM playlist_versions o WHERE o.server_id = h.server_id
			AND o.playlist_rating_key = h.playlist_rating_key AND o.title = ?1 COLLATE NOCASE)`,
	} {
		rows, err := db.R().QueryContext(ctx, historyPlaylistSQL+where+filter, ref, server)
		if err != nil {
			return nil, fmt.Errorf("find playlist %q: %w", ref, err)
		}
		ps, err := scanHistoryPlaylists(rows)
		if err != nil || len(ps) > 0 {
			return ps, err
		}
	}
	return nil, nil
}

// Versions lists a playlist's versions, oldest first.
func (db *DB) Versions(ctx context.Context, serverID, key string) ([]history.Version, error) {
	rows, err := db.R().QueryContext(ctx, `SELECT version, recorded_at, state, title, summary, smart, content,
		item_count, duration_ms, added, removed, moved
		FROM playlist_versions WHERE server_id = ? AND playlist_rating_key = ? ORDER BY version`, serverID, key)
	if err != nil {
		return nil, fmt.Errorf("read versions of playlist %s: %w", key, err)
	}
	defer rows.Close()
	var out []history.Version
	for rows.Next() {
		var v history.Version
		var at int64
		var title, summary, content sql.NullString
		var smart sql.NullBool
		var dur sql.NullInt64
		if err := rows.Scan(&v.Number, &at, &v.State, &title, &summary, &smart, &content, &v.ItemCount, &dur,
			&v.Added, &v.Removed, &v.Moved); err != nil {
			return nil, fmt.Errorf("read versions of playlist %s: %w", key, err)
		}
		v.RecordedAt = time.Unix(at, 0)
		v.Title, v.Summary, v.Content, v.Smart, v.DurationMS = histString(title), histString(summary), histString(content), smart.Bool, histInt(dur)
		out = append(out, v)
	}
	return out, rows.Err()
}

// VersionAt returns the number of the version that was current at t: the
// newest recorded at or before it.
func (db *DB) VersionAt(ctx context.Context, serverID, key string, t time.Time) (int, error) {
	var v sql.NullInt64
	err := db.R().QueryRowContext(ctx, `SELECT max(version) FROM playlist_versions
		WHERE server_id = ? AND playlist_rating_key = ? AND recorded_at <= ?`, serverID, key, t.Unix()).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("find version of playlist %s at %s: %w", key, t.Format(time.RFC3339), err)
	}
	if !v.Valid {
		return 0, fmt.Errorf("playlist %s at %s: %w (its history starts later)", key, t.Format(time.RFC3339), ErrNoVersion)
	}
	return int(v.Int64), nil
}

// VersionItemsSQL rebuilds version ?3 of playlist ?2 of server ?1. It is
// the query docs/schema.md documents for SQL users.
const VersionItemsSQL = `SELECT e.playlist_item_id, i.track_rating_key, i.guid, i.guids, i.title, i.artist, i.album,
	i.track_number, i.disc_number, i.duration_ms, i.file
	FROM playlist_version_items e JOIN history_items i ON i.id = e.item_id
	WHERE e.server_id = ?1 AND e.playlist_rating_key = ?2
	  AND e.first_version <= ?3 AND (e.last_version IS NULL OR e.last_version >= ?3)
	ORDER BY e.sort_key`

// VersionItems rebuilds the items of one version, in order.
func (db *DB) VersionItems(ctx context.Context, serverID, key string, version int) ([]history.Item, error) {
	rows, err := db.R().QueryContext(ctx, VersionItemsSQL, serverID, key, version)
	if err != nil {
		return nil, fmt.Errorf("rebuild version %d of playlist %s: %w", version, key, err)
	}
	defer rows.Close()
	var out []history.Item
	for rows.Next() {
		var it history.Item
		var pid, track, disc, dur sql.NullInt64
		var guid, guids, title, artist, album, file sql.NullString
		if err := rows.Scan(&pid, &it.RatingKey, &guid, &guids, &title, &artist, &album, &track, &disc, &dur, &file); err != nil {
			return nil, fmt.Errorf("rebuild version %d of playlist %s: %w", version, key, err)
		}
		it.Position = len(out)
		it.PlaylistItemID, it.TrackNumber, it.DiscNumber, it.DurationMS = pid.Int64, track.Int64, disc.Int64, dur.Int64
		it.GUID, it.Title, it.Artist, it.Album, it.File = guid.String, title.String, artist.String, album.String, file.String
		if guids.Valid && guids.String != "" {
			if err := json.Unmarshal([]byte(guids.String), &it.Guids); err != nil {
				return nil, fmt.Errorf("rebuild version %d of playlist %s: guids of track %s: %w", version, key, it.RatingKey, err)
			}
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ServerName returns a server's name, or its id when the mirror has none.
func (db *DB) ServerName(ctx context.Context, serverID string) (string, error) {
	var name string
	err := db.R().QueryRowContext(ctx, `SELECT name FROM servers WHERE id = ?`, serverID).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return serverID, nil
	}
	if err != nil {
		return "", fmt.Errorf("read server %s: %w", serverID, err)
	}
	return name, nil
}

// FindServer resolves a server name (ignoring case) or machine identifier
// to its id in the mirror.
func (db *DB) FindServer(ctx context.Context, server string) (string, error) {
	rows, err := db.R().QueryContext(ctx, `SELECT id FROM servers WHERE id = ?1 OR name = ?1 COLLATE NOCASE ORDER BY id = ?1 DESC`, server)
	if err != nil {
		return "", fmt.Errorf("find server %q: %w", server, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	switch {
	case len(ids) == 0:
		return "", fmt.Errorf("no server %q in the database: %w", server, ErrNotFound)
	case len(ids) > 1 && ids[0] != server:
		return "", fmt.Errorf("%d servers are named %q: name one by machine identifier (%s)", len(ids), server, strings.Join(ids, ", "))
	}
	return ids[0], nil
}

// CurrentPlaylistTitles lists the current audio playlists of a server (all
// servers with ""), with title and smart flag, as history.Playlist rows
// without counts.
func (db *DB) CurrentPlaylistTitles(ctx context.Context, serverID string) ([]history.Playlist, error) {
	rows, err := db.R().QueryContext(ctx, `SELECT p.server_id, coalesce(s.name, p.server_id), p.rating_key, coalesce(p.title, ''), coalesce(p.smart, 0)
		FROM playlists p LEFT JOIN servers s ON s.id = p.server_id
		WHERE (?1 = '' OR p.server_id = ?1) AND p.removed_at IS NULL AND p.playlist_type = 'audio'
		ORDER BY 2, 4`, serverID)
	if err != nil {
		return nil, fmt.Errorf("list playlists: %w", err)
	}
	defer rows.Close()
	var out []history.Playlist
	for rows.Next() {
		var p history.Playlist
		if err := rows.Scan(&p.ServerID, &p.ServerName, &p.RatingKey, &p.Title, &p.Smart); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// histString is an optional text column as text, "" when NULL.
func histString(v sql.NullString) string {
	if v.Valid {
		return v.String
	}
	return ""
}

// histInt is an optional integer column as a number, 0 when NULL.
func histInt(v sql.NullInt64) int64 {
	if v.Valid {
		return v.Int64
	}
	return 0
}

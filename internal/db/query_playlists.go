package db

import (
	"context"
	"database/sql"
	"fmt"
)

// PlaylistFilter selects playlists; Type is audio, video, photo, or "" for all.
type PlaylistFilter struct {
	Server, Type string
	Limit        int
}

// PlaylistInfo is one current playlist.
type PlaylistInfo struct {
	ServerID, Server, RatingKey string
	Title, Type                 sql.NullString
	Smart                       sql.NullBool
	Items, DurationMS           sql.NullInt64
	AddedAt, UpdatedAt          sql.NullInt64
	Versions                    int64 // history versions kept; 0 before the first sync that saw its items
}

// playlistInfoColumns is what PlaylistInfo is scanned from, with p the
// playlists row and s its server. The version count is a lookup on
// playlist_versions' key per playlist, not a pass over the whole history.
const playlistInfoColumns = `p.server_id, s.name, p.rating_key, p.title, p.playlist_type, p.smart, p.item_count, p.duration_ms,
	p.added_at, p.updated_at, (SELECT count(*) FROM playlist_versions v WHERE v.server_id = p.server_id AND v.playlist_rating_key = p.rating_key)`

func scanPlaylistInfo(rows *sql.Rows) (PlaylistInfo, error) {
	var p PlaylistInfo
	err := rows.Scan(&p.ServerID, &p.Server, &p.RatingKey, &p.Title, &p.Type, &p.Smart, &p.Items, &p.DurationMS,
		&p.AddedAt, &p.UpdatedAt, &p.Versions)
	return p, err
}

// Playlists lists current playlists by title.
func (db *DB) Playlists(ctx context.Context, f PlaylistFilter) ([]PlaylistInfo, error) {
	servers, err := db.serverIDs(ctx, f.Server)
	if err != nil {
		return nil, err
	}
	q := query{from: "playlists p JOIN servers s ON s.id = p.server_id"}
	q.and("p.removed_at IS NULL")
	if f.Type != "" {
		q.and("p.playlist_type = ?", f.Type)
	}
	if servers != nil {
		c, a := inList("p.server_id", servers)
		q.and(c, a...)
	}
	stmt, args := q.sql(playlistInfoColumns, "p.title COLLATE NOCASE, s.name, p.rating_key", f.Limit)
	rows, err := db.r.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("list playlists: %w", err)
	}
	defer rows.Close()
	var out []PlaylistInfo
	for rows.Next() {
		p, err := scanPlaylistInfo(rows)
		if err != nil {
			return nil, fmt.Errorf("list playlists: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list playlists: %w", err)
	}
	return out, nil
}

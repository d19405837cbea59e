package db

import (
	"context"
	"database/sql"
	"fmt"
)

// ArtistFilter selects artists.
type ArtistFilter struct {
	Search, Server string
	Limit          int
}

// ArtistInfo is one current artist with its current albums and tracks.
type ArtistInfo struct {
	ServerID, Server, RatingKey string
	Title                       sql.NullString
	Albums, Tracks              int64
	AddedAt, UpdatedAt          sql.NullInt64
}

// Artists lists current artists, by rank with a search, else by sort title.
func (db *DB) Artists(ctx context.Context, f ArtistFilter) ([]ArtistInfo, error) {
	servers, err := db.serverIDs(ctx, f.Server)
	if err != nil {
		return nil, err
	}
	q := query{from: "artists a"}
	order := "coalesce(a.title_sort, a.title) COLLATE NOCASE, a.title, a.rowid"
	search, ok, err := artistIndex.searchClause(f.Search, nil)
	if err != nil {
		return nil, err
	}
	if ok {
		q.from = search.from + " AS m JOIN artists a ON a.rowid = m.id"
		q.args = search.args
		order = "m.score, " + order
	}
	q.from += " JOIN servers s ON s.id = a.server_id"
	q.and("a.removed_at IS NULL")
	if servers != nil {
		c, a := inList("a.server_id", servers)
		q.and(c, a...)
	}
	// Track counts come from the albums' own counts (leafCount): tracks
	// have no index by artist, albums do.
	stmt, args := q.sql(`a.server_id, s.name, a.rating_key, a.title,
		(SELECT count(*) FROM albums al WHERE al.server_id = a.server_id AND al.artist_rating_key = a.rating_key AND al.removed_at IS NULL),
		(SELECT coalesce(sum(al.track_count), 0) FROM albums al WHERE al.server_id = a.server_id AND al.artist_rating_key = a.rating_key AND al.removed_at IS NULL),
		a.added_at, a.updated_at`, order, f.Limit)
	rows, err := db.r.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("list artists: %w", err)
	}
	defer rows.Close()
	var out []ArtistInfo
	for rows.Next() {
		var a ArtistInfo
		if err := rows.Scan(&a.ServerID, &a.Server, &a.RatingKey, &a.Title, &a.Albums, &a.Tracks, &a.AddedAt, &a.UpdatedAt); err != nil {
			return nil, fmt.Errorf("list artists: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list artists: %w", err)
	}
	return out, nil
}

// AlbumFilter selects albums; Artist holds whole words of the artist's name.
type AlbumFilter struct {
	Search, Artist, Server string
	Limit                  int
}

// AlbumInfo is one current album; DurationMS adds up its current tracks.
type AlbumInfo struct {
	ServerID, Server, RatingKey string
	Title, Artist               sql.NullString
	Year, Tracks, DurationMS    sql.NullInt64
	AddedAt, UpdatedAt          sql.NullInt64
}

// Albums lists current albums, by rank with a search, else by artist and year.
func (db *DB) Albums(ctx context.Context, f AlbumFilter) ([]AlbumInfo, error) {
	servers, err := db.serverIDs(ctx, f.Server)
	if err != nil {
		return nil, err
	}
	q := query{from: "albums al"}
	order := "al.artist_title COLLATE NOCASE, al.year, coalesce(al.title_sort, al.title) COLLATE NOCASE, al.rowid"
	search, ok, err := albumIndex.searchClause(f.Search, filters("artist", f.Artist))
	if err != nil {
		return nil, err
	}
	if ok {
		q.from = search.from + " AS m JOIN albums al ON al.rowid = m.id"
		q.args = search.args
		if f.Search != "" {
			order = "m.score, " + order
		}
	}
	q.from += " JOIN servers s ON s.id = al.server_id"
	q.and("al.removed_at IS NULL")
	if servers != nil {
		c, a := inList("al.server_id", servers)
		q.and(c, a...)
	}
	stmt, args := q.sql(`al.server_id, s.name, al.rating_key, al.title, al.artist_title, al.year, al.track_count,
		(SELECT sum(t.duration_ms) FROM tracks t WHERE t.server_id = al.server_id AND t.album_rating_key = al.rating_key AND t.removed_at IS NULL),
		al.added_at, al.updated_at`, order, f.Limit)
	rows, err := db.r.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("list albums: %w", err)
	}
	defer rows.Close()
	var out []AlbumInfo
	for rows.Next() {
		var a AlbumInfo
		if err := rows.Scan(&a.ServerID, &a.Server, &a.RatingKey, &a.Title, &a.Artist, &a.Year, &a.Tracks, &a.DurationMS, &a.AddedAt, &a.UpdatedAt); err != nil {
			return nil, fmt.Errorf("list albums: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list albums: %w", err)
	}
	return out, nil
}

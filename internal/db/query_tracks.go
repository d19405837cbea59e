package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// TrackFilter selects tracks. Empty fields select everything.
type TrackFilter struct {
	// Search holds words matched, by prefix and ignoring case and
	// diacritics, against title, artist and album; results are ranked.
	Search string
	// Artist and Album hold whole words their names must contain.
	Artist, Album string
	// Playlist is a playlist's title (any case) or rating key; the tracks
	// come in playlist order, once per entry.
	Playlist string
	// Server is a server's name (any case) or machine identifier.
	Server string
	// Removed selects the tracks gone from Plex instead of the current ones.
	Removed bool
	// Limit caps the rows returned; 0 means no cap.
	Limit int
}

// TrackInfo is one track as the query commands show it.
type TrackInfo struct {
	ServerID, Server, RatingKey string
	Title, Artist, Album        sql.NullString
	Disc, Track, Year           sql.NullInt64
	DurationMS                  sql.NullInt64
	AddedAt, UpdatedAt          sql.NullInt64
	RemovedAt                   sql.NullInt64
	// Position is the entry's place in the playlist (from 0), when listing
	// one.
	Position sql.NullInt64
}

const trackInfoCols = `t.server_id, s.name, t.rating_key, t.title, t.artist_title, t.album_title, t.disc_number, t.track_number,
	t.year, t.duration_ms, t.added_at, t.updated_at, t.removed_at`

// rankCap is the most matches a track search ranks by relevance. bm25 costs
// some microseconds a row, so ranking a common word of a large library
// (tens of thousands of hits) takes most of a second; past the cap, title
// hits come first, then the others, each in the order the library was
// mirrored, which costs only the rows shown.
var rankCap = 5000

// Tracks lists the tracks f selects: in playlist order with f.Playlist, by
// rank with f.Search (see rankCap), else by artist, album, disc and number.
func (db *DB) Tracks(ctx context.Context, f TrackFilter) ([]TrackInfo, error) {
	servers, err := db.serverIDs(ctx, f.Server)
	if err != nil {
		return nil, err
	}
	fl := filters("artist", f.Artist, "album", f.Album)
	search, searching, err := trackIndex.searchClause(f.Search, fl)
	if err != nil {
		return nil, err
	}
	if f.Playlist != "" {
		keys, err := db.playlistKeys(ctx, f.Playlist, servers)
		if err != nil {
			return nil, err
		}
		// A playlist is small: walk its entries and probe the search.
		var q query
		var conds []string
		for _, k := range keys {
			conds = append(conds, "(i.server_id = ? AND i.playlist_rating_key = ?)")
			q.args = append(q.args, k[0], k[1])
		}
		q.from = "playlist_items i JOIN tracks t ON t.server_id = i.server_id AND t.rating_key = i.track_rating_key"
		q.where = append(q.where, "("+strings.Join(conds, " OR ")+")")
		if searching {
			q.and("t.rowid IN (SELECT id FROM "+search.from+")", search.args...)
		}
		return db.tracks(ctx, q, f, servers, trackInfoCols+", i.position", "i.server_id, i.playlist_rating_key, i.position", f.Limit)
	}
	order := "t.artist_title COLLATE NOCASE, t.album_title COLLATE NOCASE, t.disc_number, t.track_number, t.title COLLATE NOCASE, t.rowid"
	cols := trackInfoCols + ", NULL"
	if !searching {
		return db.tracks(ctx, query{from: "tracks t"}, f, servers, cols, order, f.Limit)
	}
	raw, _, err := trackIndex.searchClauseFor(f.Search, fl, allRaw)
	if err != nil {
		return nil, err
	}
	var n int
	if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM "+raw.from+" LIMIT ?)",
		append(raw.args[:len(raw.args):len(raw.args)], rankCap+1)...).Scan(&n); err != nil {
		return nil, fmt.Errorf("search tracks: %w", err)
	}
	if n <= rankCap {
		return db.tracks(ctx, query{from: search.from + " AS m JOIN tracks t ON t.rowid = m.id", args: search.args},
			f, servers, cols, "m.score, "+order, f.Limit)
	}
	var out []TrackInfo
	for _, tr := range []tier{titleHits, otherHits} {
		c, _, err := trackIndex.searchClauseFor(f.Search, fl, tr)
		untiered := errors.Is(err, errNoTiers)
		if untiered {
			c = raw // only spaceless terms: no title tier
		} else if err != nil {
			return nil, err
		}
		limit := 0
		if f.Limit > 0 {
			if limit = f.Limit - len(out); limit == 0 {
				break
			}
		}
		ts, err := db.tracks(ctx, query{from: c.from + " AS m JOIN tracks t ON t.rowid = m.id", args: c.args}, f, servers, cols, "m.id", limit)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
		if untiered {
			break
		}
	}
	return out, nil
}

// tracks runs a track listing: q plus the filters every listing shares.
func (db *DB) tracks(ctx context.Context, q query, f TrackFilter, servers []string, cols, order string, limit int) ([]TrackInfo, error) {
	q.from += " JOIN servers s ON s.id = t.server_id"
	if f.Removed {
		q.and("t.removed_at IS NOT NULL")
	} else {
		q.and("t.removed_at IS NULL")
	}
	if servers != nil {
		c, a := inList("t.server_id", servers)
		q.and(c, a...)
	}
	stmt, args := q.sql(cols, order, limit)
	rows, err := db.r.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, fmt.Errorf("list tracks: %w", err)
	}
	defer rows.Close()
	var out []TrackInfo
	for rows.Next() {
		var t TrackInfo
		if err := rows.Scan(&t.ServerID, &t.Server, &t.RatingKey, &t.Title, &t.Artist, &t.Album, &t.Disc, &t.Track,
			&t.Year, &t.DurationMS, &t.AddedAt, &t.UpdatedAt, &t.RemovedAt, &t.Position); err != nil {
			return nil, fmt.Errorf("list tracks: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tracks: %w", err)
	}
	return out, nil
}

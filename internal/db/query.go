package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The offline query commands' reads. They run on the read-only pool, so they
// answer while a sync writes (WAL) and never change the database.

// NoMatchError says that a name given to select a server or a playlist
// matches nothing; Known lists what would have.
type NoMatchError struct {
	What, Name string
	Known      []string
}

func (e *NoMatchError) Error() string {
	msg := fmt.Sprintf("no %s named %q", e.What, e.Name)
	if len(e.Known) > 0 {
		msg += "; known: " + strings.Join(e.Known, ", ")
	}
	return msg
}

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

// query collects the parts of one SELECT.
type query struct {
	from  string
	where []string
	args  []any
}

func (q *query) and(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

func (q *query) sql(cols, order string, limit int) (string, []any) {
	s := "SELECT " + cols + " FROM " + q.from
	if len(q.where) > 0 {
		s += " WHERE " + strings.Join(q.where, " AND ")
	}
	if order != "" {
		s += " ORDER BY " + order
	}
	args := q.args
	if limit > 0 {
		s += " LIMIT ?"
		args = append(args[:len(args):len(args)], limit)
	}
	return s, args
}

// serverIDs resolves a server name or identifier; "" means every server.
func (db *DB) serverIDs(ctx context.Context, name string) ([]string, error) {
	if name == "" {
		return nil, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, id = ?1 OR name = ?1 COLLATE NOCASE FROM servers ORDER BY name`, name)
	if err != nil {
		return nil, fmt.Errorf("find server %q: %w", name, err)
	}
	defer rows.Close()
	var ids, known []string
	for rows.Next() {
		var id, n string
		var hit bool
		if err := rows.Scan(&id, &n, &hit); err != nil {
			return nil, fmt.Errorf("find server %q: %w", name, err)
		}
		if hit {
			ids = append(ids, id)
		}
		known = append(known, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find server %q: %w", name, err)
	}
	if len(ids) == 0 {
		return nil, &NoMatchError{What: "server", Name: name, Known: known}
	}
	return ids, nil
}

// inList is "col IN (?, ?)" with its arguments.
func inList(col string, vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + ")", args
}

// playlistKeys resolves a playlist title or rating key among the current
// playlists of the given servers (all when nil).
func (db *DB) playlistKeys(ctx context.Context, name string, servers []string) ([][2]string, error) {
	q := query{from: "playlists"}
	q.and("removed_at IS NULL")
	if servers != nil {
		q.and(inList("server_id", servers))
	}
	s, args := q.sql("server_id, rating_key, title, rating_key = ? OR title = ? COLLATE NOCASE", "title COLLATE NOCASE", 0)
	rows, err := db.r.QueryContext(ctx, s, append([]any{name, name}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("find playlist %q: %w", name, err)
	}
	defer rows.Close()
	var keys [][2]string
	var known []string
	for rows.Next() {
		var sid, rk string
		var title sql.NullString
		var hit bool
		if err := rows.Scan(&sid, &rk, &title, &hit); err != nil {
			return nil, fmt.Errorf("find playlist %q: %w", name, err)
		}
		if hit {
			keys = append(keys, [2]string{sid, rk})
		}
		if len(known) < 20 {
			known = append(known, strconv.Quote(title.String))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find playlist %q: %w", name, err)
	}
	if len(keys) == 0 {
		return nil, &NoMatchError{What: "playlist", Name: name, Known: known}
	}
	return keys, nil
}

const trackInfoCols = `t.server_id, s.name, t.rating_key, t.title, t.artist_title, t.album_title, t.disc_number, t.track_number,
	t.year, t.duration_ms, t.added_at, t.updated_at, t.removed_at`

// filters keeps the non-empty column filters.
func filters(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if strings.TrimSpace(kv[i+1]) != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

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

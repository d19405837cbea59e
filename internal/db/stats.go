package db

import (
	"context"
	"database/sql"
	"fmt"
)

// ServerStats counts one server's current mirror.
type ServerStats struct {
	ServerID, Server                   string
	Owned                              bool
	Artists, Albums, Tracks, Playlists int64
	DurationMS, SizeBytes              int64
}

// CountedArtist is an artist with the number of its current tracks.
type CountedArtist struct {
	ServerID, Server, RatingKey string
	Title                       sql.NullString
	Tracks, DurationMS          int64
}

// Changes counts what moved since a time: Added and Updated by Plex's own
// stamps, Removed by when the sync saw an item go.
type Changes struct {
	Added, Updated, Removed int64
}

// Stats is the summary the stats command prints.
type Stats struct {
	Servers          []ServerStats
	TopArtists       []CountedArtist
	LargestPlaylists []PlaylistInfo
	Since            int64
	Tracks, Albums   Changes
	Artists          Changes
	Playlists        Changes
	// Syncs and FailedSyncs count the sync runs started since Since;
	// partial runs count as failed.
	Syncs, FailedSyncs int64
}

// Stats summarises the current mirror: per-server counts, the top artists by
// tracks and largest playlists (top of each), and the changes since since.
func (db *DB) Stats(ctx context.Context, since int64, top int) (*Stats, error) {
	st := &Stats{Since: since}
	// One read transaction: every figure comes from the same snapshot,
	// even while a sync commits.
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("read stats: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	// One pass over each table gives its counts per server and its
	// changes since since.
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.name, s.owned,
		coalesce(a.n, 0), coalesce(al.n, 0), coalesce(t.n, 0), coalesce(p.n, 0), coalesce(t.dur, 0), coalesce(t.size, 0)
		FROM servers s
		LEFT JOIN (SELECT server_id, count(*) AS n FROM artists WHERE removed_at IS NULL GROUP BY 1) a ON a.server_id = s.id
		LEFT JOIN (SELECT server_id, count(*) AS n FROM albums WHERE removed_at IS NULL GROUP BY 1) al ON al.server_id = s.id
		LEFT JOIN (SELECT server_id, count(*) AS n, sum(duration_ms) AS dur, sum(size) AS size FROM tracks
			WHERE removed_at IS NULL GROUP BY 1) t ON t.server_id = s.id
		LEFT JOIN (SELECT server_id, count(*) AS n FROM playlists WHERE removed_at IS NULL GROUP BY 1) p ON p.server_id = s.id
		WHERE s.removed_at IS NULL ORDER BY s.name`)
	if err != nil {
		return nil, fmt.Errorf("count the mirror: %w", err)
	}
	for rows.Next() {
		var s ServerStats
		if err := rows.Scan(&s.ServerID, &s.Server, &s.Owned, &s.Artists, &s.Albums, &s.Tracks, &s.Playlists, &s.DurationMS, &s.SizeBytes); err != nil {
			rows.Close()
			return nil, fmt.Errorf("count the mirror: %w", err)
		}
		st.Servers = append(st.Servers, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count the mirror: %w", err)
	}

	for _, c := range []struct {
		table   string
		changes *Changes
	}{{"tracks", &st.Tracks}, {"albums", &st.Albums}, {"artists", &st.Artists}, {"playlists", &st.Playlists}} {
		err := tx.QueryRowContext(ctx, `SELECT
			coalesce(sum(added_at >= ?1 AND removed_at IS NULL), 0),
			coalesce(sum(updated_at >= ?1 AND (added_at IS NULL OR added_at < ?1) AND removed_at IS NULL), 0),
			coalesce(sum(removed_at >= ?1), 0) FROM `+c.table, since).Scan(&c.changes.Added, &c.changes.Updated, &c.changes.Removed)
		if err != nil {
			return nil, fmt.Errorf("count changes to %s: %w", c.table, err)
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(status IN (?, ?)), 0)
		FROM sync_runs WHERE started_at >= ?`, RunFailed, RunPartial, since).Scan(&st.Syncs, &st.FailedSyncs); err != nil {
		return nil, fmt.Errorf("count sync runs: %w", err)
	}

	rows, err = tx.QueryContext(ctx, `SELECT t.server_id, s.name, t.artist_rating_key, max(t.artist_title), count(*), coalesce(sum(t.duration_ms), 0)
		FROM tracks t JOIN servers s ON s.id = t.server_id
		WHERE t.removed_at IS NULL AND s.removed_at IS NULL AND t.artist_rating_key IS NOT NULL
		GROUP BY t.server_id, t.artist_rating_key ORDER BY 5 DESC, 4 COLLATE NOCASE LIMIT ?`, top)
	if err != nil {
		return nil, fmt.Errorf("count tracks by artist: %w", err)
	}
	for rows.Next() {
		var a CountedArtist
		if err := rows.Scan(&a.ServerID, &a.Server, &a.RatingKey, &a.Title, &a.Tracks, &a.DurationMS); err != nil {
			rows.Close()
			return nil, fmt.Errorf("count tracks by artist: %w", err)
		}
		st.TopArtists = append(st.TopArtists, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count tracks by artist: %w", err)
	}

	rows, err = tx.QueryContext(ctx, `SELECT `+playlistInfoColumns+` FROM playlists p JOIN servers s ON s.id = p.server_id
		WHERE p.removed_at IS NULL AND s.removed_at IS NULL ORDER BY p.item_count DESC, p.title COLLATE NOCASE LIMIT ?`, top)
	if err != nil {
		return nil, fmt.Errorf("find the largest playlists: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPlaylistInfo(rows)
		if err != nil {
			return nil, fmt.Errorf("find the largest playlists: %w", err)
		}
		st.LargestPlaylists = append(st.LargestPlaylists, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find the largest playlists: %w", err)
	}
	return st, nil
}

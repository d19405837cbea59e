package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/plexm8/plexm8-sync/internal/history"
)

// Catalog answers history.Catalog from the mirror's current tracks of one
// server: restore resolves saved items against it, offline.
type Catalog struct {
	ctx      context.Context
	db       *DB
	serverID string

	// The guid and title lookups are built on first use, in one pass over
	// the server's current tracks: the mirror keeps no index on either (it
	// would slow every sync's track writes for a rare command), and one
	// pass beats a scan per saved item.
	once    sync.Once
	loadErr error
	byGUID  map[string][]string // guid → rating keys
	byTitle map[string][]string // title folded as NOCASE folds it → rating keys
}

// Catalog returns the catalog of a server's current tracks; its lookups run
// under ctx.
func (db *DB) Catalog(ctx context.Context, serverID string) *Catalog {
	return &Catalog{ctx: ctx, db: db, serverID: serverID}
}

const catalogCols = `rating_key, guid, guids, title, artist_title, album_title, duration_ms`

func (c *Catalog) query(where string, args ...any) ([]history.Track, error) {
	var out []history.Track
	err := c.each(func(t history.Track) { out = append(out, t) }, where, args...)
	return out, err
}

func (c *Catalog) each(fn func(history.Track), where string, args ...any) error {
	rows, err := c.db.R().QueryContext(c.ctx, `SELECT `+catalogCols+` FROM tracks WHERE server_id = ? AND removed_at IS NULL AND `+where,
		append([]any{c.serverID}, args...)...)
	if err != nil {
		return fmt.Errorf("look up tracks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t history.Track
		var guid, guids, title, artist, album sql.NullString
		var dur sql.NullInt64
		if err := rows.Scan(&t.RatingKey, &guid, &guids, &title, &artist, &album, &dur); err != nil {
			return fmt.Errorf("look up tracks: %w", err)
		}
		t.GUID, t.Title, t.Artist, t.Album, t.DurationMS = guid.String, title.String, artist.String, album.String, dur.Int64
		if guids.Valid && guids.String != "" {
			_ = json.Unmarshal([]byte(guids.String), &t.Guids)
		}
		fn(t)
	}
	return rows.Err()
}

// ByKey returns the current track with the rating key.
func (c *Catalog) ByKey(key string) (history.Track, bool, error) {
	ts, err := c.query(`rating_key = ?`, key)
	if err != nil || len(ts) == 0 {
		return history.Track{}, false, err
	}
	return ts[0], true, nil
}

// ByGUID returns the current tracks with the guid.
func (c *Catalog) ByGUID(guid string) ([]history.Track, error) {
	if err := c.load(); err != nil {
		return nil, err
	}
	return c.byKeys(c.byGUID[guid])
}

// ByTitle returns the current tracks titled title, ignoring case (ASCII
// letters only, as SQLite's NOCASE).
func (c *Catalog) ByTitle(title string) ([]history.Track, error) {
	if err := c.load(); err != nil {
		return nil, err
	}
	return c.byKeys(c.byTitle[foldASCII(title)])
}

func (c *Catalog) load() error {
	c.once.Do(func() {
		c.byGUID, c.byTitle = map[string][]string{}, map[string][]string{}
		rows, err := c.db.R().QueryContext(c.ctx, `SELECT rating_key, guid, title FROM tracks WHERE server_id = ? AND removed_at IS NULL`, c.serverID)
		if err != nil {
			c.loadErr = fmt.Errorf("look up tracks: %w", err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			var guid, title sql.NullString
			if err := rows.Scan(&key, &guid, &title); err != nil {
				c.loadErr = fmt.Errorf("look up tracks: %w", err)
				return
			}
			if guid.Valid {
				c.byGUID[guid.String] = append(c.byGUID[guid.String], key)
			}
			if title.Valid {
				t := foldASCII(title.String)
				c.byTitle[t] = append(c.byTitle[t], key)
			}
		}
		if err := rows.Err(); err != nil {
			c.loadErr = fmt.Errorf("look up tracks: %w", err)
		}
	})
	return c.loadErr
}

// byKeys reads the current tracks with the rating keys, through the
// primary key.
func (c *Catalog) byKeys(keys []string) ([]history.Track, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	kj, _ := json.Marshal(keys)
	return c.query(`rating_key IN (SELECT value FROM json_each(?))`, string(kj))
}

// foldASCII lower-cases ASCII letters only, as SQLite's NOCASE collation
// compares.
func foldASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// ByMBIDs finds the tracks carrying any of the MusicBrainz ids, in one pass
// over the server's tracks that have one: guids is a JSON array no index
// can serve, and one pass beats a scan per item.
func (c *Catalog) ByMBIDs(mbids []string) (map[string][]history.Track, error) {
	want := make(map[string]bool, len(mbids))
	for _, m := range mbids {
		want[m] = true
	}
	out := map[string][]history.Track{}
	err := c.each(func(t history.Track) {
		for _, g := range t.Guids {
			if id, ok := strings.CutPrefix(g, "mbid://"); ok && want[id] {
				out[id] = append(out[id], t)
			}
		}
	}, `guids LIKE '%mbid://%'`)
	return out, err
}

// MusicSections returns the keys of a server's current music sections.
func (db *DB) MusicSections(ctx context.Context, serverID string) ([]string, error) {
	rows, err := db.R().QueryContext(ctx, `SELECT key FROM sections WHERE server_id = ? AND type = 'artist' AND removed_at IS NULL
		ORDER BY length(key), key`, serverID)
	if err != nil {
		return nil, fmt.Errorf("list music sections: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

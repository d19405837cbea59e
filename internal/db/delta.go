package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The delta reconcile (internal/sync/delta.go) works inside one transaction:
// it counts and marks the mirror's current rows by addedAt range, so that the
// rows it proves removed and the signature that says so commit together.

// CountCurrent counts the section's current rows of kind within t.
func (t *Tx) CountCurrent(ctx context.Context, kind Kind, serverID, sectionKey string) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM `+string(kind)+` WHERE server_id = ? AND section_key = ? AND removed_at IS NULL`,
		serverID, sectionKey).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", kind, err)
	}
	return n, nil
}

// AddedAts returns the added_at of the section's current rows of kind,
// ascending, and how many current rows have none.
func (t *Tx) AddedAts(ctx context.Context, kind Kind, serverID, sectionKey string) ([]int64, int, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT added_at FROM `+string(kind)+` WHERE server_id = ? AND section_key = ? AND removed_at IS NULL`,
		serverID, sectionKey)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s added_at: %w", kind, err)
	}
	defer rows.Close()
	var out []int64
	nulls := 0
	for rows.Next() {
		var v sql.Null[int64]
		if err := rows.Scan(&v); err != nil {
			return nil, 0, fmt.Errorf("read %s added_at: %w", kind, err)
		}
		if !v.Valid {
			nulls++
			continue
		}
		out = append(out, v.V)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read %s added_at: %w", kind, err)
	}
	slices.Sort(out)
	return out, nulls, nil
}

// addedRange is the SQL condition of an open addedAt range (nil: unbounded).
func addedRange(after, before *int64) (string, []any) {
	var cond []string
	var args []any
	if after != nil {
		cond = append(cond, "added_at > ?")
		args = append(args, *after)
	}
	if before != nil {
		cond = append(cond, "added_at < ?")
		args = append(args, *before)
	}
	if len(cond) == 0 {
		return "", nil
	}
	return " AND " + strings.Join(cond, " AND "), args
}

// MarkRangeRemoved marks every current row of kind in the section whose
// added_at lies strictly between after and before removed, and returns their
// keys. Call it only when the server's count for that range is proof that
// none of them is left.
func (t *Tx) MarkRangeRemoved(ctx context.Context, kind Kind, serverID, sectionKey string, after, before *int64, now int64) ([]string, error) {
	cond, args := addedRange(after, before)
	q := `UPDATE ` + string(kind) + ` SET removed_at = ? WHERE server_id = ? AND section_key = ? AND removed_at IS NULL` + cond
	return t.marked(ctx, kind, q, append([]any{now, serverID, sectionKey}, args...)...)
}

// MarkUnseenRangeRemoved is MarkUnseenRemoved for the rows in an addedAt
// range, after a complete listing of that range (StartListing).
func (t *Tx) MarkUnseenRangeRemoved(ctx context.Context, kind Kind, serverID, sectionKey string, after, before *int64, now int64) ([]string, error) {
	cond, args := addedRange(after, before)
	q := `UPDATE ` + string(kind) + ` SET removed_at = ? WHERE server_id = ? AND section_key = ? AND removed_at IS NULL` + cond +
		` AND rating_key NOT IN (SELECT rating_key FROM temp.seen WHERE kind = ?)`
	args = append([]any{now, serverID, sectionKey}, args...)
	return t.marked(ctx, kind, q, append(args, string(kind))...)
}

// MarkChildrenRemoved marks removed the section's current rows of kind
// (albums or tracks) whose parent — the artist of an album, the album of a
// track — is one of parents, and returns their keys. In Plex an item cannot
// outlive its parent, and a child that moved to another parent had its own
// updatedAt moved (so the delta brought its new parent in): a removed
// parent's remaining children are proof of their own removal.
func (t *Tx) MarkChildrenRemoved(ctx context.Context, kind Kind, serverID, sectionKey string, parents []string, now int64) ([]string, error) {
	if len(parents) == 0 {
		return nil, nil
	}
	col := "artist_rating_key"
	if kind == KindTrack {
		col = "album_rating_key"
	}
	js, err := json.Marshal(parents)
	if err != nil {
		return nil, err
	}
	q := `UPDATE ` + string(kind) + ` SET removed_at = ? WHERE server_id = ? AND section_key = ? AND removed_at IS NULL
		AND ` + col + ` IN (SELECT value FROM json_each(?))`
	return t.marked(ctx, kind, q, now, serverID, sectionKey, string(js))
}

// marked runs q, an UPDATE marking rows of kind removed, and returns the
// keys it marked. Marking changes no name, so for tracks collected as
// touched the names it returns are those the rows held while current.
func (t *Tx) marked(ctx context.Context, kind Kind, q string, args ...any) ([]string, error) {
	what := "mark removed " + string(kind)
	track := t.touched != nil && kind == KindTrack
	q += ` RETURNING rating_key`
	if track {
		q += `, ` + touchedCols
	}
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		dest := []any{&k}
		var v TrackVersion
		if track {
			dest = append(dest, v.scanArgs()...)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, k)
		if track {
			t.touched.Tracks = append(t.touched.Tracks, v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// Rederive brings the columns albums and tracks copy from their parents
// (albums' artist_title; tracks' album_title, artist_rating_key,
// artist_title and year) to the values of the parents' current rows, for the
// children of the given artists and albums. Renaming a parent on Plex moves
// only the parent's updatedAt, so a delta that fetched the parent must carry
// its values down itself. It returns what it did to each kind's rows.
func (t *Tx) Rederive(ctx context.Context, serverID string, artists, albums []string) (albumChanges, trackChanges []Change, err error) {
	if len(artists) == 0 && len(albums) == 0 {
		return nil, nil, nil
	}
	aj, _ := json.Marshal(nonNil(artists))
	bj, _ := json.Marshal(nonNil(albums))
	// Albums of the changed artists.
	albumRows, err := t.childRows(ctx, KindAlbum, albumCols, serverID,
		`artist_rating_key IN (SELECT value FROM json_each(?3))`, string(aj))
	if err != nil {
		return nil, nil, err
	}
	artistTitle, err := t.parentValues(ctx, `SELECT rating_key, title FROM artists WHERE server_id = ?1 AND rating_key IN (
		SELECT artist_rating_key FROM albums WHERE server_id = ?1 AND removed_at IS NULL AND (rating_key IN (SELECT value FROM json_each(?2))
			OR artist_rating_key IN (SELECT value FROM json_each(?3))))`, serverID, string(bj), string(aj))
	if err != nil {
		return nil, nil, err
	}
	iArtist, iArtistTitle := slices.Index(albumCols, "artist_rating_key"), slices.Index(albumCols, "artist_title")
	for _, r := range albumRows {
		c := r.args[3:]
		c[iArtistTitle] = lookup(artistTitle, c[iArtist], 0)
		r.rehash()
	}
	if len(albumRows) > 0 {
		if albumChanges, err = t.PutPage(ctx, albumRows, false); err != nil {
			return nil, nil, err
		}
	}
	// Tracks of the changed albums and of the changed artists' albums.
	trackRows, err := t.childRows(ctx, KindTrack, trackCols, serverID,
		`album_rating_key IN (SELECT value FROM json_each(?3) UNION
			SELECT rating_key FROM albums WHERE server_id = ?1 AND artist_rating_key IN (SELECT value FROM json_each(?4)))`, string(bj), string(aj))
	if err != nil {
		return nil, nil, err
	}
	parent, err := t.parentValues(ctx, `SELECT rating_key, title, artist_rating_key, year FROM albums WHERE server_id = ?1 AND (
		rating_key IN (SELECT value FROM json_each(?2)) OR artist_rating_key IN (SELECT value FROM json_each(?3)))`, serverID, string(bj), string(aj))
	if err != nil {
		return nil, nil, err
	}
	ix := func(c string) int { return slices.Index(trackCols, c) }
	iAlbum, iAlbumTitle, iTArtist, iTArtistTitle, iYear := ix("album_rating_key"), ix("album_title"), ix("artist_rating_key"), ix("artist_title"), ix("year")
	for _, r := range trackRows {
		c := r.args[3:]
		if t.touched != nil {
			// Every child of a changed parent, as it was: a smart
			// playlist may sort by the parent's fields.
			t.touched.Tracks = append(t.touched.Tracks, versionOf(c))
		}
		al := c[iAlbum]
		c[iAlbumTitle] = lookup(parent, al, 0)
		c[iTArtist] = lookup(parent, al, 1)
		c[iYear] = lookup(parent, al, 2)
		c[iTArtistTitle] = lookup(artistTitle, c[iTArtist], 0)
		r.rehash()
	}
	for len(trackRows) > 0 {
		n := min(len(trackRows), 1000)
		ch, err := t.PutPage(ctx, trackRows[:n], false)
		if err != nil {
			return nil, nil, err
		}
		trackChanges = append(trackChanges, ch...)
		trackRows = trackRows[n:]
	}
	return albumChanges, trackChanges, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// lookup is the i-th value stored for key, or NULL for a parent not in the
// mirror (as Plex omits what it does not have).
func lookup(m map[string][]any, key any, i int) any {
	k, ok := key.(string)
	if !ok {
		return nil
	}
	if v, ok := m[k]; ok {
		return v[i]
	}
	return nil
}

// childRows reads the current rows of kind matching cond as Rows, the
// columns in the order of cols. cond may use ?1 (server) and ?3, ?4.
func (t *Tx) childRows(ctx context.Context, kind Kind, cols []string, serverID string, cond string, args ...any) ([]Row, error) {
	q := `SELECT rating_key, ` + strings.Join(cols, ", ") + ` FROM ` + string(kind) +
		` WHERE server_id = ?1 AND removed_at IS NULL AND ?2 = ?2 AND ` + cond
	rows, err := t.tx.QueryContext(ctx, q, append([]any{serverID, 0}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("read children %s: %w", kind, err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		vals := make([]any, len(cols)+1)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read children %s: %w", kind, err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		key, _ := vals[0].(string)
		out = append(out, newRow(kind, serverID, key, vals[1:]))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read children %s: %w", kind, err)
	}
	return out, nil
}

// parentValues maps the first column of q's rows to the remaining ones.
func (t *Tx) parentValues(ctx context.Context, q string, args ...any) (map[string][]any, error) {
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read parents: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	out := map[string][]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("read parents: %w", err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		k, _ := vals[0].(string)
		out[k] = vals[1:]
	}
	return out, rows.Err()
}

// rehash recomputes the content hash after columns were patched.
func (r Row) rehash() {
	h := newHasher()
	for _, v := range r.args[3:] {
		h.value(v)
	}
	r.args[2] = h.sum()
}

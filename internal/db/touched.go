package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
)

// TrackVersion is a track's section and names as the mirror held them at
// one moment: what a smart playlist's string rules can see of it.
type TrackVersion struct {
	Section                                       string
	Title, AlbumTitle, ArtistTitle, OriginalTitle sql.Null[string]
}

// Touched collects the tracks a delta's writes touched, so that the sync
// can tell which smart playlists they could have reached without reading
// the section again: for each track row inserted, changed or marked
// removed, its values before (if it was current) and after (if it still
// is); and every current child Rederive read for a changed parent, changed
// or not, since a playlist's order may follow a parent's fields.
type Touched struct {
	Tracks []TrackVersion
}

// CollectTouched makes t record the tracks its writes touch into c (nil
// stops it). Only the delta's transactions need it: a complete listing is
// taken as touching its whole section.
func (t *Tx) CollectTouched(c *Touched) { t.touched = c }

// The positions of the names in trackCols, hence in a track Row's columns
// (args[3:]).
var (
	iTrackSection       = slices.Index(trackCols, "section_key")
	iTrackTitle         = slices.Index(trackCols, "title")
	iTrackAlbumTitle    = slices.Index(trackCols, "album_title")
	iTrackArtistTitle   = slices.Index(trackCols, "artist_title")
	iTrackOriginalTitle = slices.Index(trackCols, "original_title")
)

// touchedCols are the columns a TrackVersion is read from, in scan order.
const touchedCols = `section_key, title, album_title, artist_title, original_title`

func colString(v any) sql.Null[string] {
	s, ok := v.(string)
	return sql.Null[string]{V: s, Valid: ok}
}

// versionOf is the TrackVersion of a track Row's columns.
func versionOf(cols []any) TrackVersion {
	sec, _ := cols[iTrackSection].(string)
	return TrackVersion{Section: sec, Title: colString(cols[iTrackTitle]),
		AlbumTitle: colString(cols[iTrackAlbumTitle]), ArtistTitle: colString(cols[iTrackArtistTitle]),
		OriginalTitle: colString(cols[iTrackOriginalTitle])}
}

func (v *TrackVersion) scanArgs() []any {
	return []any{&v.Section, &v.Title, &v.AlbumTitle, &v.ArtistTitle, &v.OriginalTitle}
}

// touchBefore records the stored values of the current tracks among keys,
// before a write changes them: one statement for a page's changed rows.
func (t *Tx) touchBefore(ctx context.Context, serverID any, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	js, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT `+touchedCols+` FROM tracks WHERE server_id = ? AND removed_at IS NULL
		AND rating_key IN (SELECT value FROM json_each(?))`, serverID, string(js))
	if err != nil {
		return fmt.Errorf("read touched tracks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var v TrackVersion
		if err := rows.Scan(v.scanArgs()...); err != nil {
			return fmt.Errorf("read touched tracks: %w", err)
		}
		t.touched.Tracks = append(t.touched.Tracks, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read touched tracks: %w", err)
	}
	return nil
}

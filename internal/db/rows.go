package db

import "database/sql"

// Kind names a mirrored item table.
type Kind string

// The mirrored item kinds, named as their tables.
const (
	KindArtist   Kind = "artists"
	KindAlbum    Kind = "albums"
	KindTrack    Kind = "tracks"
	KindPlaylist Kind = "playlists"
)

// Server is a row of the servers table.
type Server struct {
	ID, Name       string
	Owned          bool
	SourceTitle    sql.NullString
	ProductVersion sql.NullString
	Platform       sql.NullString
	ConnectionURI  sql.NullString
	RefreshedAt    int64
}

// Section is a row of the sections table.
type Section struct {
	ServerID, Key                                     string
	UUID                                              sql.NullString
	Type                                              string
	Title, Agent, Scanner, Language                   sql.NullString
	CreatedAt, UpdatedAt, ScannedAt, ContentChangedAt sql.NullInt64
}

// Artist is a row of the artists table.
type Artist struct {
	ServerID, RatingKey, SectionKey             string
	Title, TitleSort, GUID, Guids               sql.NullString
	Summary, Thumb                              sql.NullString
	AddedAt, UpdatedAt, ViewCount, LastViewedAt sql.NullInt64
	UserRating                                  sql.NullFloat64
}

// Album is a row of the albums table.
type Album struct {
	ServerID, RatingKey, SectionKey                         string
	ArtistRatingKey, Title, TitleSort, ArtistTitle          sql.NullString
	Year                                                    sql.NullInt64
	OriginallyAvailableAt, GUID, Guids, Studio              sql.NullString
	TrackCount, AddedAt, UpdatedAt, ViewCount, LastViewedAt sql.NullInt64
	UserRating                                              sql.NullFloat64
}

// Track is a row of the tracks table.
type Track struct {
	ServerID, RatingKey, SectionKey                                  string
	AlbumRatingKey, ArtistRatingKey, Title, TitleSort, OriginalTitle sql.NullString
	AlbumTitle, ArtistTitle                                          sql.NullString
	TrackNumber, DiscNumber, Year, DurationMS                        sql.NullInt64
	GUID, Guids, File                                                sql.NullString
	Size                                                             sql.NullInt64
	Codec                                                            sql.NullString
	Bitrate, AddedAt, UpdatedAt, ViewCount, SkipCount, LastViewedAt  sql.NullInt64
	UserRating                                                       sql.NullFloat64
}

// Playlist is a row of the playlists table.
type Playlist struct {
	ServerID, RatingKey                       string
	Title, Summary, GUID, PlaylistType        sql.NullString
	Smart                                     sql.NullBool
	Content                                   sql.NullString
	ItemCount, DurationMS, AddedAt, UpdatedAt sql.NullInt64
}

// PlaylistItem is a row of the playlist_items table; Position is implied by
// its index in the slice handed to ReplacePlaylistItems.
type PlaylistItem struct {
	TrackRatingKey string
	PlaylistItemID sql.NullInt64
}

// Change says what an upsert did to the mirror.
type Change int

// The outcomes of an upsert.
const (
	Unchanged Change = iota
	Added            // a new row, or one that had been marked removed
	Updated
)

// The column lists below are the single source for the SQL of each table:
// the insert and update statements and the argument order of args().
var (
	artistCols = []string{"section_key", "title", "title_sort", "guid", "guids", "summary", "thumb",
		"added_at", "updated_at", "view_count", "user_rating", "last_viewed_at"}
	albumCols = []string{"section_key", "artist_rating_key", "title", "title_sort", "artist_title", "year",
		"originally_available_at", "guid", "guids", "studio", "track_count", "added_at", "updated_at",
		"view_count", "user_rating", "last_viewed_at"}
	trackCols = []string{"section_key", "album_rating_key", "artist_rating_key", "title", "title_sort",
		"original_title", "album_title", "artist_title", "track_number", "disc_number", "year", "duration_ms",
		"guid", "guids", "file", "size", "codec", "bitrate", "added_at", "updated_at", "view_count",
		"skip_count", "user_rating", "last_viewed_at"}
	playlistCols = []string{"title", "summary", "guid", "playlist_type", "smart", "content", "item_count",
		"duration_ms", "added_at", "updated_at"}
)

// The args methods give a row's column values in the order of its column
// list, as plain driver values (see plain), built directly: boxing each
// sql.Null* first and unwrapping it after cost two allocations a field.

func (a *Artist) args() []any {
	return []any{a.SectionKey, vs(a.Title), vs(a.TitleSort), vs(a.GUID), vs(a.Guids), vs(a.Summary), vs(a.Thumb),
		vi(a.AddedAt), vi(a.UpdatedAt), vi(a.ViewCount), vf(a.UserRating), vi(a.LastViewedAt)}
}

func (a *Album) args() []any {
	return []any{a.SectionKey, vs(a.ArtistRatingKey), vs(a.Title), vs(a.TitleSort), vs(a.ArtistTitle), vi(a.Year),
		vs(a.OriginallyAvailableAt), vs(a.GUID), vs(a.Guids), vs(a.Studio), vi(a.TrackCount), vi(a.AddedAt), vi(a.UpdatedAt),
		vi(a.ViewCount), vf(a.UserRating), vi(a.LastViewedAt)}
}

func (t *Track) args() []any {
	return []any{t.SectionKey, vs(t.AlbumRatingKey), vs(t.ArtistRatingKey), vs(t.Title), vs(t.TitleSort),
		vs(t.OriginalTitle), vs(t.AlbumTitle), vs(t.ArtistTitle), vi(t.TrackNumber), vi(t.DiscNumber), vi(t.Year), vi(t.DurationMS),
		vs(t.GUID), vs(t.Guids), vs(t.File), vi(t.Size), vs(t.Codec), vi(t.Bitrate), vi(t.AddedAt), vi(t.UpdatedAt), vi(t.ViewCount),
		vi(t.SkipCount), vf(t.UserRating), vi(t.LastViewedAt)}
}

func (p *Playlist) args() []any {
	return []any{vs(p.Title), vs(p.Summary), vs(p.GUID), vs(p.PlaylistType), vb(p.Smart), vs(p.Content), vi(p.ItemCount),
		vi(p.DurationMS), vi(p.AddedAt), vi(p.UpdatedAt)}
}

func vs(v sql.NullString) any {
	if v.Valid {
		return v.String
	}
	return nil
}

func vi(v sql.NullInt64) any {
	if v.Valid {
		return v.Int64
	}
	return nil
}

func vf(v sql.NullFloat64) any {
	if v.Valid {
		return v.Float64
	}
	return nil
}

func vb(v sql.NullBool) any {
	if v.Valid {
		return v.Bool
	}
	return nil
}

// Row is an item made ready for writing: its values in statement order
// (server, key, hash, then the columns), as plain driver values, and its
// content hash. Building one costs more than writing it is worth keeping on
// the single writer, so callers build rows where they decode pages.
type Row struct {
	kind Kind
	args []any
}

// Key returns the row's rating key.
func (r Row) Key() string { return r.args[1].(string) }

func newRow(kind Kind, serverID, ratingKey string, cols []any) Row {
	args := make([]any, 0, len(cols)+3)
	args = append(args, serverID, ratingKey, nil)
	h := newHasher()
	for _, v := range cols {
		h.value(v)
		args = append(args, v)
	}
	args[2] = h.sum()
	return Row{kind: kind, args: args}
}

// plain turns sql.Null* into nil or the bare value: the driver then needs no
// Valuer call per argument, and NULL stays NULL.
func plain(v any) any {
	switch v := v.(type) {
	case sql.NullString:
		if v.Valid {
			return v.String
		}
	case sql.NullInt64:
		if v.Valid {
			return v.Int64
		}
	case sql.NullFloat64:
		if v.Valid {
			return v.Float64
		}
	case sql.NullBool:
		if v.Valid {
			return v.Bool
		}
	default:
		return v
	}
	return nil
}

// ArtistRow prepares a for Tx.PutPage.
func ArtistRow(a *Artist) Row { return newRow(KindArtist, a.ServerID, a.RatingKey, a.args()) }

// AlbumRow prepares a for Tx.PutPage.
func AlbumRow(a *Album) Row { return newRow(KindAlbum, a.ServerID, a.RatingKey, a.args()) }

// TrackRow prepares t for Tx.PutPage.
func TrackRow(t *Track) Row { return newRow(KindTrack, t.ServerID, t.RatingKey, t.args()) }

// PlaylistRow prepares p for Tx.PutPage.
func PlaylistRow(p *Playlist) Row { return newRow(KindPlaylist, p.ServerID, p.RatingKey, p.args()) }

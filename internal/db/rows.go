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
	SourceTitle    sql.Null[string]
	ProductVersion sql.Null[string]
	Platform       sql.Null[string]
	ConnectionURI  sql.Null[string]
	RefreshedAt    int64
}

// Section is a row of the sections table.
type Section struct {
	ServerID, Key                                     string
	UUID                                              sql.Null[string]
	Type                                              string
	Title, Agent, Scanner, Language                   sql.Null[string]
	CreatedAt, UpdatedAt, ScannedAt, ContentChangedAt sql.Null[int64]
}

// Artist is a row of the artists table.
type Artist struct {
	ServerID, RatingKey, SectionKey             string
	Title, TitleSort, GUID, Guids               sql.Null[string]
	Summary, Thumb                              sql.Null[string]
	AddedAt, UpdatedAt, ViewCount, LastViewedAt sql.Null[int64]
	UserRating                                  sql.Null[float64]
}

// Album is a row of the albums table.
type Album struct {
	ServerID, RatingKey, SectionKey                         string
	ArtistRatingKey, Title, TitleSort, ArtistTitle          sql.Null[string]
	Year                                                    sql.Null[int64]
	OriginallyAvailableAt, GUID, Guids, Studio              sql.Null[string]
	TrackCount, AddedAt, UpdatedAt, ViewCount, LastViewedAt sql.Null[int64]
	UserRating                                              sql.Null[float64]
}

// Track is a row of the tracks table.
type Track struct {
	ServerID, RatingKey, SectionKey                                  string
	AlbumRatingKey, ArtistRatingKey, Title, TitleSort, OriginalTitle sql.Null[string]
	AlbumTitle, ArtistTitle                                          sql.Null[string]
	TrackNumber, DiscNumber, Year, DurationMS                        sql.Null[int64]
	GUID, Guids, File                                                sql.Null[string]
	Size                                                             sql.Null[int64]
	Codec                                                            sql.Null[string]
	Bitrate, AddedAt, UpdatedAt, ViewCount, SkipCount, LastViewedAt  sql.Null[int64]
	UserRating                                                       sql.Null[float64]
}

// Playlist is a row of the playlists table.
type Playlist struct {
	ServerID, RatingKey                       string
	Title, Summary, GUID, PlaylistType        sql.Null[string]
	Smart                                     sql.Null[bool]
	Content                                   sql.Null[string]
	ItemCount, DurationMS, AddedAt, UpdatedAt sql.Null[int64]
}

// PlaylistItem is a row of the playlist_items table; its position is implied
// by where it is staged (StageItems' offset plus its index in the slice).
type PlaylistItem struct {
	TrackRatingKey string
	PlaylistItemID sql.Null[int64]
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
// list, as plain driver values (see val), built directly: boxing each
// sql.Null first and unwrapping it after cost two allocations a field.

func (a *Artist) args() []any {
	return []any{a.SectionKey, val(a.Title), val(a.TitleSort), val(a.GUID), val(a.Guids), val(a.Summary), val(a.Thumb),
		val(a.AddedAt), val(a.UpdatedAt), val(a.ViewCount), val(a.UserRating), val(a.LastViewedAt)}
}

func (a *Album) args() []any {
	return []any{a.SectionKey, val(a.ArtistRatingKey), val(a.Title), val(a.TitleSort), val(a.ArtistTitle), val(a.Year),
		val(a.OriginallyAvailableAt), val(a.GUID), val(a.Guids), val(a.Studio), val(a.TrackCount), val(a.AddedAt), val(a.UpdatedAt),
		val(a.ViewCount), val(a.UserRating), val(a.LastViewedAt)}
}

func (t *Track) args() []any {
	return []any{t.SectionKey, val(t.AlbumRatingKey), val(t.ArtistRatingKey), val(t.Title), val(t.TitleSort),
		val(t.OriginalTitle), val(t.AlbumTitle), val(t.ArtistTitle), val(t.TrackNumber), val(t.DiscNumber), val(t.Year), val(t.DurationMS),
		val(t.GUID), val(t.Guids), val(t.File), val(t.Size), val(t.Codec), val(t.Bitrate), val(t.AddedAt), val(t.UpdatedAt), val(t.ViewCount),
		val(t.SkipCount), val(t.UserRating), val(t.LastViewedAt)}
}

func (p *Playlist) args() []any {
	return []any{val(p.Title), val(p.Summary), val(p.GUID), val(p.PlaylistType), val(p.Smart), val(p.Content), val(p.ItemCount),
		val(p.DurationMS), val(p.AddedAt), val(p.UpdatedAt)}
}

// val is a column's plain driver value: nil for NULL, else the bare value.
// The driver then needs no Valuer call per argument, and the hasher sees
// what is stored.
func val[T any](v sql.Null[T]) any {
	if v.Valid {
		return v.V
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

// ArtistRow prepares a for Tx.PutPage.
func ArtistRow(a *Artist) Row { return newRow(KindArtist, a.ServerID, a.RatingKey, a.args()) }

// AlbumRow prepares a for Tx.PutPage.
func AlbumRow(a *Album) Row { return newRow(KindAlbum, a.ServerID, a.RatingKey, a.args()) }

// TrackRow prepares t for Tx.PutPage.
func TrackRow(t *Track) Row { return newRow(KindTrack, t.ServerID, t.RatingKey, t.args()) }

// PlaylistRow prepares p for Tx.PutPage.
func PlaylistRow(p *Playlist) Row { return newRow(KindPlaylist, p.ServerID, p.RatingKey, p.args()) }

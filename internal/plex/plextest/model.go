package plextest

// The model types are the fake's own view of a library, exported so tests can
// compare a mirrored database to the truth. Pointer fields are ones real Plex
// sometimes omits: nil means the JSON omits the key too (never 0 or "").

// Section is a library section (a "Directory" in /library/sections).
type Section struct {
	Key, UUID, Type, Title, Agent, Scanner, Language string
	CreatedAt, UpdatedAt, ScannedAt                  int64
	// ContentChangedAt is an opaque counter, not an epoch time: every
	// library mutation in the section adds one to it.
	ContentChangedAt int64
}

// Artist is a music artist (metadata type 8).
type Artist struct {
	RatingKey, SectionKey, Title, TitleSort, GUID string
	Summary                                       *string
	Thumb                                         *string
	Guids                                         []string
	AddedAt, UpdatedAt                            int64
}

// Album is a music album (metadata type 9). Its ArtistTitle is derived from
// the current artist.
type Album struct {
	RatingKey, SectionKey, ArtistRatingKey, Title, TitleSort, ArtistTitle, GUID string
	Year                                                                        *int
	OriginallyAvailableAt                                                       *string
	Studio                                                                      *string
	Guids                                                                       []string
	// LeafCount is the number of tracks the album has now.
	LeafCount          int
	AddedAt, UpdatedAt int64
}

// Track is a music track (metadata type 10). AlbumTitle, ArtistTitle,
// ArtistRatingKey and ParentYear are derived from the current album and
// artist; ViewCount, SkipCount, UserRating and LastViewedAt are per-user
// fields.
type Track struct {
	RatingKey, SectionKey, AlbumRatingKey, ArtistRatingKey, Title, TitleSort string
	OriginalTitle                                                            *string
	AlbumTitle, ArtistTitle, GUID                                            string
	Index                                                                    *int
	ParentIndex                                                              *int
	ParentYear                                                               *int
	Duration                                                                 *int64
	Guids                                                                    []string
	Media                                                                    []Media
	AddedAt, UpdatedAt                                                       int64
	ViewCount                                                                *int
	SkipCount                                                                *int
	UserRating                                                               *float64
	LastViewedAt                                                             *int64
}

// Media is one encoding of a track; a track can have several.
type Media struct {
	ID                    int64
	Duration              int64
	Bitrate               *int
	AudioCodec, Container string
	Parts                 []Part
}

// Part is one file of a Media.
type Part struct {
	ID        int64
	Key, File string
	Size      int64
	Duration  int64
	Container string
}

// Playlist is a playlist of any type ("audio", "video").
type Playlist struct {
	RatingKey, Title, PlaylistType, GUID string
	Summary                              *string
	Smart                                bool
	// Content is the generator URI of a smart playlist; nil for dumb ones.
	Content *string
	// LeafCount, Duration (ms) and Composite are zero for an empty playlist
	// (Duration also when no item has a duration), and PMS then omits their
	// keys: a mirror must store NULL for them, not 0.
	LeafCount          int
	Duration           int64
	AddedAt, UpdatedAt int64
	Composite          string
}

// PlaylistItem is one entry of a playlist. TrackRatingKey is the rating key
// of the track (of the movie, in a video playlist). Items of smart playlists
// have no playlistItemID in PMS, so PlaylistItemID is 0 for them.
type PlaylistItem struct {
	PlaylistItemID int64
	TrackRatingKey string
}

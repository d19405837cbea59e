// Package history holds the pure logic of playlist history: the portable
// description of a playlist's items, aligning two versions of a playlist,
// the order keys that let consecutive versions share their entries, diffs,
// the export formats, and matching saved items to a server's tracks. It
// knows neither Plex nor the database.
package history

import (
	"strconv"
	"time"
)

// Item is one entry of a playlist version, described well enough to find
// the track again without the server that held it. Zero values mean the
// server did not say (no track number, no duration, no file).
type Item struct {
	Position       int      `json:"position"` // 0-based
	RatingKey      string   `json:"rating_key"`
	PlaylistItemID int64    `json:"playlist_item_id,omitempty"` // 0 for smart playlists
	GUID           string   `json:"guid,omitempty"`             // plex://track/…
	Guids          []string `json:"guids,omitempty"`            // mbid://…, …
	Title          string   `json:"title,omitempty"`
	Artist         string   `json:"artist,omitempty"`
	Album          string   `json:"album,omitempty"`
	TrackNumber    int64    `json:"track_number,omitempty"`
	DiscNumber     int64    `json:"disc_number,omitempty"`
	DurationMS     int64    `json:"duration_ms,omitempty"`
	File           string   `json:"file,omitempty"`
}

// Key identifies an entry across versions: the same track under the same
// playlist item id (the server gives every added entry a new one).
func (it *Item) Key() string {
	return it.RatingKey + "\x00" + strconv.FormatInt(it.PlaylistItemID, 10)
}

// MBID returns the item's MusicBrainz id (the part after mbid://), or "".
func (it *Item) MBID() string {
	for _, g := range it.Guids {
		if len(g) > len("mbid://") && g[:len("mbid://")] == "mbid://" {
			return g[len("mbid://"):]
		}
	}
	return ""
}

// Name is how the item is shown to people: "Artist – Title".
func (it *Item) Name() string {
	switch {
	case it.Artist != "" && it.Title != "":
		return it.Artist + " – " + it.Title
	case it.Title != "":
		return it.Title
	}
	return "track " + it.RatingKey
}

// Version states.
const (
	StatePresent = "present"
	StateDeleted = "deleted" // the playlist was gone from its server
)

// Version describes one recorded version of a playlist.
type Version struct {
	Number     int       `json:"version"`
	RecordedAt time.Time `json:"recorded_at"`
	State      string    `json:"state"`
	Title      string    `json:"title"`
	Summary    string    `json:"summary,omitempty"`
	Smart      bool      `json:"smart"`
	Content    string    `json:"content,omitempty"` // smart playlists: the rules URI
	ItemCount  int       `json:"item_count"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	Added      int       `json:"added"`
	Removed    int       `json:"removed"`
	Moved      int       `json:"moved"`
}

// Playlist names a playlist that has history.
type Playlist struct {
	ServerID   string    `json:"server_id"`
	ServerName string    `json:"server"`
	RatingKey  string    `json:"rating_key"`
	Title      string    `json:"title"` // as of the newest version
	Smart      bool      `json:"smart"`
	Deleted    bool      `json:"deleted"` // the newest version is a deletion
	Versions   int       `json:"versions"`
	Latest     int       `json:"latest_version"`
	LastChange time.Time `json:"last_change"`
}

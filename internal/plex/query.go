package plex

import (
	"net/url"
	"strconv"
)

// ItemType is a Plex metadata type number.
type ItemType int

// The types a music mirror lists.
const (
	TypeArtist   ItemType = 8
	TypeAlbum    ItemType = 9
	TypeTrack    ItemType = 10
	TypePlaylist ItemType = 15
)

// Query is a paged listing: a path and its parameters. Dedupe drops an item
// whose rating key was in the previous page (the listing drifted), which is
// right for library listings but not for playlists, where a track may
// appear twice.
type Query struct {
	Path   string
	Params url.Values
	Dedupe bool
}

// SectionItems lists one type of item of a section, with their Guid[] ids.
func SectionItems(sectionKey string, t ItemType) Query {
	return Query{
		Path:   "/library/sections/" + url.PathEscape(sectionKey) + "/all",
		Params: url.Values{"type": {strconv.Itoa(int(t))}, "includeGuids": {"1"}},
		Dedupe: true,
	}
}

// Playlists lists the audio playlists. type=15 keeps playlist folders out.
func Playlists() Query {
	return Query{Path: "/playlists", Params: url.Values{"playlistType": {"audio"}, "type": {"15"}}, Dedupe: true}
}

// AllPlaylists lists playlists of every type (audio, video, photo).
func AllPlaylists() Query {
	return Query{Path: "/playlists", Params: url.Values{"type": {"15"}}, Dedupe: true}
}

// PlaylistItems lists a playlist's items in order; each carries its
// playlistItemID. Duplicates are kept: a playlist may hold a track twice.
// Items come with their Guids and Media: playlist history keeps each
// entry's guids and file path as the playlist listed them, so a version can
// be matched back to tracks without the server (and without depending on
// the tracks table, which is synced beside the playlists). Items are only
// fetched for playlists whose signals moved, so the extra bytes are rare.
func PlaylistItems(ratingKey string) Query {
	return Query{Path: "/playlists/" + url.PathEscape(ratingKey) + "/items", Params: url.Values{"includeGuids": {"1"}}}
}

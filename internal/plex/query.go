package plex

import (
	"maps"
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

// Query is a paged listing: a path and its parameters.
type Query struct {
	Path   string
	Params url.Values
}

// SectionItems lists one type of item of a section, with their Guid[] ids.
// Tracks, the bulk of a library, are asked to leave off the attributes the
// mirror does not store (excludeFields, docs/plex-api.md, "Leaving fields out": a request, not a guarantee, so decoding never relies on
// it).
func SectionItems(sectionKey string, t ItemType) Query {
	p := url.Values{"type": {strconv.Itoa(int(t))}, "includeGuids": {"1"}}
	if t == TypeTrack {
		p.Set("excludeFields", trackExcludedFields)
	}
	return Query{Path: "/library/sections/" + url.PathEscape(sectionKey) + "/all", Params: p}
}

// trackExcludedFields are track attributes no column holds: links to the
// item, its album and artist (the rating keys are kept), artwork, the
// parents' guids and analysis versions.
const trackExcludedFields = "key,parentKey,grandparentKey,thumb,parentThumb,grandparentThumb,art,parentGuid,grandparentGuid,musicAnalysisVersion"

// AllPlaylists lists playlists of every type (audio, video, photo); type=15
// keeps playlist folders out.
func AllPlaylists() Query {
	return Query{Path: "/playlists", Params: url.Values{"type": {"15"}}}
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

// NewestFirst is q sorted by updatedAt, newest first (sort=updatedAt:desc is
// documented, docs/plex-api.md, "Media queries"): paged until a watermark, it yields what
// changed since.
func NewestFirst(q Query) Query {
	p := make(url.Values, len(q.Params)+1)
	maps.Copy(p, q.Params)
	p.Set("sort", "updatedAt:desc")
	return Query{Path: q.Path, Params: p}
}

// AddedBetween narrows q to items added strictly after after and strictly
// before before (nil: unbounded), with the documented addedAt>>= and
// addedAt<<= filters (docs/plex-api.md, "Media queries"). Whether PMS compares strictly is not
// documented: callers pass bounds no item is stamped with, so both readings
// select the same items.
func AddedBetween(q Query, after, before *int64) Query {
	p := make(url.Values, len(q.Params)+2)
	maps.Copy(p, q.Params)
	if after != nil {
		p.Set("addedAt>>", strconv.FormatInt(*after, 10))
	}
	if before != nil {
		p.Set("addedAt<<", strconv.FormatInt(*before, 10))
	}
	return Query{Path: q.Path, Params: p}
}

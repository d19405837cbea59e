package sync

import (
	"database/sql"
	"encoding/json"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// These conversions are the one place Plex's wire fields meet the schema's
// columns. Absent values stay NULL; text passes through untouched.

// null turns a Plex optional value into its column's value: both are a
// value and whether it is there, so the conversion is the identity.
func null[T any, O ~struct {
	V     T
	Valid bool
}](v O) sql.Null[T] {
	return sql.Null[T](v)
}

// nonEmpty is s, NULL when empty: plex.tv sends "" for what it does not know.
func nonEmpty(s string) sql.Null[string] { return sql.Null[string]{V: s, Valid: s != ""} }

// guids renders the Guid array as JSON; NULL when Plex sent none at all.
func guids(g []plex.Guid) sql.Null[string] {
	if g == nil {
		return sql.Null[string]{}
	}
	ids := make([]string, len(g))
	for i := range g {
		ids[i] = g[i].ID
	}
	b, _ := json.Marshal(ids)
	return sql.Null[string]{V: string(b), Valid: true}
}

func serverRow(r plex.Resource, now int64) db.Server {
	return db.Server{
		ID: r.ClientIdentifier, Name: r.Name, Owned: r.Owned,
		SourceTitle: nonEmpty(r.SourceTitle), ProductVersion: nonEmpty(r.ProductVersion), Platform: nonEmpty(r.Platform),
		RefreshedAt: now,
	}
}

func sectionRow(serverID string, s plex.Section) db.Section {
	return db.Section{
		ServerID: serverID, Key: s.Key.V, UUID: null(s.UUID), Type: s.Type.V, Title: null(s.Title),
		Agent: null(s.Agent), Scanner: null(s.Scanner), Language: null(s.Language),
		CreatedAt: null(s.CreatedAt), UpdatedAt: null(s.UpdatedAt), ScannedAt: null(s.ScannedAt), ContentChangedAt: null(s.ContentChangedAt),
	}
}

func artistRow(serverID, section string, m *plex.Metadata) *db.Artist {
	return &db.Artist{
		ServerID: serverID, RatingKey: m.RatingKey.V, SectionKey: section,
		Title: null(m.Title), TitleSort: null(m.TitleSort), GUID: null(m.GUID), Guids: guids(m.Guids),
		Summary: null(m.Summary), Thumb: null(m.Thumb), AddedAt: null(m.AddedAt), UpdatedAt: null(m.UpdatedAt),
		ViewCount: null(m.ViewCount), UserRating: null(m.UserRating), LastViewedAt: null(m.LastViewedAt),
	}
}

func albumRow(serverID, section string, m *plex.Metadata) *db.Album {
	return &db.Album{
		ServerID: serverID, RatingKey: m.RatingKey.V, SectionKey: section,
		ArtistRatingKey: null(m.ParentRatingKey), Title: null(m.Title), TitleSort: null(m.TitleSort),
		ArtistTitle: null(m.ParentTitle), Year: null(m.Year), OriginallyAvailableAt: null(m.OriginallyAvailableAt),
		GUID: null(m.GUID), Guids: guids(m.Guids), Studio: null(m.Studio), TrackCount: null(m.LeafCount),
		AddedAt: null(m.AddedAt), UpdatedAt: null(m.UpdatedAt),
		ViewCount: null(m.ViewCount), UserRating: null(m.UserRating), LastViewedAt: null(m.LastViewedAt),
	}
}

func trackRow(serverID, section string, m *plex.Metadata) *db.Track {
	t := &db.Track{
		ServerID: serverID, RatingKey: m.RatingKey.V, SectionKey: section,
		AlbumRatingKey: null(m.ParentRatingKey), ArtistRatingKey: null(m.GrandparentRatingKey),
		Title: null(m.Title), TitleSort: null(m.TitleSort), OriginalTitle: null(m.OriginalTitle),
		AlbumTitle: null(m.ParentTitle), ArtistTitle: null(m.GrandparentTitle),
		TrackNumber: null(m.Index), DiscNumber: null(m.ParentIndex), Year: null(m.ParentYear), DurationMS: null(m.Duration),
		GUID: null(m.GUID), Guids: guids(m.Guids), AddedAt: null(m.AddedAt), UpdatedAt: null(m.UpdatedAt),
		ViewCount: null(m.ViewCount), SkipCount: null(m.SkipCount), UserRating: null(m.UserRating), LastViewedAt: null(m.LastViewedAt),
	}
	// The file is the first Media's first Part, as the schema documents.
	if len(m.Media) > 0 {
		md := &m.Media[0]
		t.Codec, t.Bitrate = null(md.AudioCodec), null(md.Bitrate)
		if len(md.Part) > 0 {
			t.File, t.Size = null(md.Part[0].File), null(md.Part[0].Size)
		}
	}
	return t
}

func playlistRow(serverID string, m *plex.Metadata) *db.Playlist {
	return &db.Playlist{
		ServerID: serverID, RatingKey: m.RatingKey.V, Title: null(m.Title), Summary: null(m.Summary), GUID: null(m.GUID),
		PlaylistType: null(m.PlaylistType), Smart: null(m.Smart), Content: null(m.Content), ItemCount: null(m.LeafCount),
		DurationMS: null(m.Duration), AddedAt: null(m.AddedAt), UpdatedAt: null(m.UpdatedAt),
	}
}

// playlistItem is a playlist entry with the description of its track that
// history keeps: enough to find the track again on any server.
func playlistItem(m *plex.Metadata) db.Entry {
	e := db.Entry{
		PlaylistItem: db.PlaylistItem{TrackRatingKey: m.RatingKey.V, PlaylistItemID: null(m.PlaylistItemID)},
		Snapshot: db.Snapshot{
			GUID: null(m.GUID), Guids: guids(m.Guids), Title: null(m.Title), Artist: null(m.GrandparentTitle), Album: null(m.ParentTitle),
			TrackNumber: null(m.Index), DiscNumber: null(m.ParentIndex), DurationMS: null(m.Duration),
		},
	}
	if len(m.Media) > 0 && len(m.Media[0].Part) > 0 {
		e.File = null(m.Media[0].Part[0].File)
	}
	return e
}

package sync

import (
	"database/sql"
	"encoding/json"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex"
)

// These conversions are the one place Plex's wire fields meet the schema's
// columns. Absent values stay NULL; text passes through untouched.

func ns(v plex.OptString) sql.NullString { return sql.NullString{String: v.V, Valid: v.Valid} }
func ni(v plex.OptInt) sql.NullInt64     { return sql.NullInt64{Int64: v.V, Valid: v.Valid} }
func nf(v plex.OptFloat) sql.NullFloat64 { return sql.NullFloat64{Float64: v.V, Valid: v.Valid} }
func nb(v plex.OptBool) sql.NullBool     { return sql.NullBool{Bool: v.V, Valid: v.Valid} }
func nstr(s string) sql.NullString       { return sql.NullString{String: s, Valid: s != ""} }

// guids renders the Guid array as JSON; NULL when Plex sent none at all.
func guids(g []plex.Guid) sql.NullString {
	if g == nil {
		return sql.NullString{}
	}
	ids := make([]string, len(g))
	for i := range g {
		ids[i] = g[i].ID
	}
	b, _ := json.Marshal(ids)
	return sql.NullString{String: string(b), Valid: true}
}

func serverRow(r plex.Resource, now int64) db.Server {
	return db.Server{
		ID: r.ClientIdentifier, Name: r.Name, Owned: r.Owned,
		SourceTitle: nstr(r.SourceTitle), ProductVersion: nstr(r.ProductVersion), Platform: nstr(r.Platform),
		RefreshedAt: now,
	}
}

func sectionRow(serverID string, s plex.Section) db.Section {
	return db.Section{
		ServerID: serverID, Key: s.Key.V, UUID: ns(s.UUID), Type: s.Type.V, Title: ns(s.Title),
		Agent: ns(s.Agent), Scanner: ns(s.Scanner), Language: ns(s.Language),
		CreatedAt: ni(s.CreatedAt), UpdatedAt: ni(s.UpdatedAt), ScannedAt: ni(s.ScannedAt), ContentChangedAt: ni(s.ContentChangedAt),
	}
}

func artistRow(serverID, section string, m *plex.Metadata) *db.Artist {
	return &db.Artist{
		ServerID: serverID, RatingKey: m.RatingKey.V, SectionKey: section,
		Title: ns(m.Title), TitleSort: ns(m.TitleSort), GUID: ns(m.GUID), Guids: guids(m.Guids),
		Summary: ns(m.Summary), Thumb: ns(m.Thumb), AddedAt: ni(m.AddedAt), UpdatedAt: ni(m.UpdatedAt),
		ViewCount: ni(m.ViewCount), UserRating: nf(m.UserRating), LastViewedAt: ni(m.LastViewedAt),
	}
}

func albumRow(serverID, section string, m *plex.Metadata) *db.Album {
	return &db.Album{
		ServerID: serverID, RatingKey: m.RatingKey.V, SectionKey: section,
		ArtistRatingKey: ns(m.ParentRatingKey), Title: ns(m.Title), TitleSort: ns(m.TitleSort),
		ArtistTitle: ns(m.ParentTitle), Year: ni(m.Year), OriginallyAvailableAt: ns(m.OriginallyAvailableAt),
		GUID: ns(m.GUID), Guids: guids(m.Guids), Studio: ns(m.Studio), TrackCount: ni(m.LeafCount),
		AddedAt: ni(m.AddedAt), UpdatedAt: ni(m.UpdatedAt),
		ViewCount: ni(m.ViewCount), UserRating: nf(m.UserRating), LastViewedAt: ni(m.LastViewedAt),
	}
}

func trackRow(serverID, section string, m *plex.Metadata) *db.Track {
	t := &db.Track{
		ServerID: serverID, RatingKey: m.RatingKey.V, SectionKey: section,
		AlbumRatingKey: ns(m.ParentRatingKey), ArtistRatingKey: ns(m.GrandparentRatingKey),
		Title: ns(m.Title), TitleSort: ns(m.TitleSort), OriginalTitle: ns(m.OriginalTitle),
		AlbumTitle: ns(m.ParentTitle), ArtistTitle: ns(m.GrandparentTitle),
		TrackNumber: ni(m.Index), DiscNumber: ni(m.ParentIndex), Year: ni(m.ParentYear), DurationMS: ni(m.Duration),
		GUID: ns(m.GUID), Guids: guids(m.Guids), AddedAt: ni(m.AddedAt), UpdatedAt: ni(m.UpdatedAt),
		ViewCount: ni(m.ViewCount), SkipCount: ni(m.SkipCount), UserRating: nf(m.UserRating), LastViewedAt: ni(m.LastViewedAt),
	}
	// The file is the first Media's first Part, as the schema documents.
	if len(m.Media) > 0 {
		md := &m.Media[0]
		t.Codec, t.Bitrate = ns(md.AudioCodec), ni(md.Bitrate)
		if len(md.Part) > 0 {
			t.File, t.Size = ns(md.Part[0].File), ni(md.Part[0].Size)
		}
	}
	return t
}

func playlistRow(serverID string, m *plex.Metadata) *db.Playlist {
	return &db.Playlist{
		ServerID: serverID, RatingKey: m.RatingKey.V, Title: ns(m.Title), Summary: ns(m.Summary), GUID: ns(m.GUID),
		PlaylistType: ns(m.PlaylistType), Smart: nb(m.Smart), Content: ns(m.Content), ItemCount: ni(m.LeafCount),
		DurationMS: ni(m.Duration), AddedAt: ni(m.AddedAt), UpdatedAt: ni(m.UpdatedAt),
	}
}

// playlistItem is a playlist entry with the description of its track that
// history keeps: enough to find the track again on any server.
func playlistItem(m *plex.Metadata) db.Entry {
	e := db.Entry{
		PlaylistItem: db.PlaylistItem{TrackRatingKey: m.RatingKey.V, PlaylistItemID: ni(m.PlaylistItemID)},
		Snapshot: db.Snapshot{
			GUID: ns(m.GUID), Guids: guids(m.Guids), Title: ns(m.Title), Artist: ns(m.GrandparentTitle), Album: ns(m.ParentTitle),
			TrackNumber: ni(m.Index), DiscNumber: ni(m.ParentIndex), DurationMS: ni(m.Duration),
		},
	}
	if len(m.Media) > 0 && len(m.Media[0].Part) > 0 {
		e.File = ns(m.Media[0].Part[0].File)
	}
	return e
}

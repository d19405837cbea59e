package plextest

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Rendering of items in PMS's field names and shapes (docs/plex-api.md, "Item fields" and "Playlists").
// Absent model fields are absent keys; empty child arrays are absent too.

type renderOpts struct {
	guids      bool  // include Guid[] (includeGuids=1)
	noMedia    bool  // leave Media[] out (excludeElements=Media)
	sectionIDs bool  // include librarySectionID/Title/Key (outside /all)
	itemID     int64 // playlistItemID; 0 = none
}

// renderOptsFor reads the response customisations PMS honours here:
// includeGuids=1, and excludeElements (a comma-separated list of element
// names; only Media is acted on, the rest is ignored, as PMS may).
func renderOptsFor(q url.Values) renderOpts {
	o := renderOpts{guids: q.Get("includeGuids") == "1"}
	for _, name := range strings.Split(q.Get("excludeElements"), ",") {
		if strings.TrimSpace(name) == "Media" {
			o.noMedia = true
		}
	}
	return o
}

func (e *emitter) optStr(k string, v *string) {
	if v != nil {
		e.Str(k, *v)
	}
}

func (e *emitter) optInt(k string, v *int) {
	if v != nil {
		e.Int(k, int64(*v))
	}
}

func (e *emitter) optInt64(k string, v *int64) {
	if v != nil {
		e.Int(k, *v)
	}
}

// nonZero and nonEmpty leave out a zero count or an empty string, as PMS
// omits zero-valued fields (an empty playlist has no leafCount, duration or
// composite at all).
func (e *emitter) nonZero(k string, v int64) {
	if v != 0 {
		e.Int(k, v)
	}
}

func (e *emitter) nonEmpty(k, v string) {
	if v != "" {
		e.Str(k, v)
	}
}

func (e *emitter) guidList(ids []string) {
	for _, id := range ids {
		e.Begin("Guid", "Guid")
		e.Str("id", id)
		e.End()
	}
}

func (e *emitter) sectionIDs(sec *section) {
	e.Int("librarySectionID", sectionID(sec))
	e.Str("librarySectionTitle", sec.Title)
	e.Str("librarySectionKey", "/library/sections/"+sec.Key)
}

// sectionID is the numeric librarySectionID; section keys are numbers here.
func sectionID(sec *section) int64 {
	n, _ := strconv.ParseInt(sec.Key, 10, 64)
	return n
}

func renderSection(e *emitter, sec *section) {
	e.Begin("Directory", "Directory")
	e.Bool("allowSync", true)
	thumb, art := "/:/resources/artist.png", "/:/resources/artist-fanart.jpg"
	if sec.Type == kindMovie {
		thumb, art = "/:/resources/movie.png", "/:/resources/movie-fanart.jpg"
	}
	e.Str("art", art)
	e.Str("composite", fmt.Sprintf("/library/sections/%s/composite/%d", sec.Key, sec.UpdatedAt))
	e.Bool("filters", true)
	e.Bool("refreshing", false)
	e.Str("thumb", thumb)
	e.Str("key", sec.Key)
	e.Str("type", sec.Type)
	e.Str("title", sec.Title)
	e.Str("agent", sec.Agent)
	e.Str("scanner", sec.Scanner)
	e.Str("language", sec.Language)
	e.Str("uuid", sec.UUID)
	e.Int("updatedAt", sec.UpdatedAt)
	e.Int("createdAt", sec.CreatedAt)
	e.Int("scannedAt", sec.ScannedAt)
	e.Bool("content", true)
	e.Bool("directory", true)
	e.Int("contentChangedAt", sec.ContentChangedAt)
	e.Int("hidden", 0)
	e.Begin("Location", "Location")
	e.Int("id", sectionID(sec)+100)
	if sec.Type == kindMovie {
		e.Str("path", "/mnt/media/movies")
	} else {
		e.Str("path", "/mnt/media/"+pathName(sec.Title))
	}
	e.End()
	e.End()
}

func (s *Server) renderArtist(e *emitter, sec *section, a *artistRec, o renderOpts) {
	m := s.artistModel(sec, a)
	e.Begin("Metadata", "Directory")
	e.Str("ratingKey", m.RatingKey)
	e.Str("key", "/library/metadata/"+m.RatingKey+"/children")
	e.Str("guid", m.GUID)
	e.Str("type", "artist")
	e.Str("title", m.Title)
	e.Str("titleSort", m.TitleSort)
	if o.sectionIDs {
		e.sectionIDs(sec)
	}
	e.optStr("summary", m.Summary)
	e.Int("index", 1)
	e.optStr("thumb", m.Thumb)
	if m.Thumb != nil {
		e.Str("art", fmt.Sprintf("/library/metadata/%s/art/%d", m.RatingKey, m.UpdatedAt))
	}
	e.Int("addedAt", m.AddedAt)
	e.Int("updatedAt", m.UpdatedAt)
	if o.guids {
		e.guidList(m.Guids)
	}
	e.End()
}

func (s *Server) renderAlbum(e *emitter, sec *section, a *albumRec, o renderOpts) {
	m := s.albumModel(sec, a)
	e.Begin("Metadata", "Directory")
	e.Str("ratingKey", m.RatingKey)
	e.Str("key", "/library/metadata/"+m.RatingKey+"/children")
	e.Str("parentRatingKey", m.ArtistRatingKey)
	e.Str("guid", m.GUID)
	e.Str("parentGuid", s.plexGUID("artist", a.artist))
	e.optStr("studio", m.Studio)
	e.Str("type", "album")
	e.Str("title", m.Title)
	e.Str("titleSort", m.TitleSort)
	e.Str("parentKey", "/library/metadata/"+m.ArtistRatingKey)
	if o.sectionIDs {
		e.sectionIDs(sec)
	}
	e.Str("parentTitle", m.ArtistTitle)
	e.Int("index", 1)
	e.optInt("year", m.Year)
	e.Str("thumb", fmt.Sprintf("/library/metadata/%s/thumb/%d", m.RatingKey, m.UpdatedAt))
	if ar := sec.artist(a.artist); ar != nil && ar.flags&flagANoThumb == 0 {
		e.Str("parentThumb", fmt.Sprintf("/library/metadata/%d/thumb/%d", ar.rk, ar.updatedAt))
	}
	e.optStr("originallyAvailableAt", m.OriginallyAvailableAt)
	e.Int("leafCount", int64(m.LeafCount))
	e.Int("viewedLeafCount", 0)
	e.Int("addedAt", m.AddedAt)
	e.Int("updatedAt", m.UpdatedAt)
	if o.guids {
		e.guidList(m.Guids)
	}
	e.End()
}

func (s *Server) renderTrack(e *emitter, sec *section, t *trackRec, o renderOpts) {
	al, ar := sec.parents(t)
	m := s.trackModelWith(sec, t, al, ar, false)
	e.Begin("Metadata", "Track")
	e.Str("ratingKey", m.RatingKey)
	e.Str("key", "/library/metadata/"+m.RatingKey)
	e.Str("parentRatingKey", m.AlbumRatingKey)
	e.Str("grandparentRatingKey", m.ArtistRatingKey)
	e.Str("guid", m.GUID)
	e.Str("parentGuid", s.plexGUID("album", t.album))
	if ar != nil {
		e.Str("grandparentGuid", s.plexGUID("artist", ar.rk))
	}
	e.Str("type", "track")
	e.Str("title", m.Title)
	e.Str("titleSort", m.TitleSort)
	e.optStr("originalTitle", m.OriginalTitle)
	e.Str("grandparentKey", "/library/metadata/"+m.ArtistRatingKey)
	e.Str("parentKey", "/library/metadata/"+m.AlbumRatingKey)
	if o.sectionIDs {
		e.sectionIDs(sec)
	}
	e.Str("grandparentTitle", m.ArtistTitle)
	e.Str("parentTitle", m.AlbumTitle)
	e.optInt("index", m.Index)
	e.optInt("parentIndex", m.ParentIndex)
	if m.UserRating != nil {
		e.Float("userRating", *m.UserRating)
	}
	e.optInt("viewCount", m.ViewCount)
	e.optInt("skipCount", m.SkipCount)
	e.optInt64("lastViewedAt", m.LastViewedAt)
	e.optInt("parentYear", m.ParentYear)
	if al != nil {
		thumb := fmt.Sprintf("/library/metadata/%d/thumb/%d", al.rk, al.updatedAt)
		e.Str("thumb", thumb)
		e.Str("parentThumb", thumb)
	}
	if ar != nil && ar.flags&flagANoThumb == 0 {
		e.Str("grandparentThumb", fmt.Sprintf("/library/metadata/%d/thumb/%d", ar.rk, ar.updatedAt))
	}
	e.optInt64("duration", m.Duration)
	if o.itemID != 0 {
		e.Int("playlistItemID", o.itemID)
	}
	e.Int("addedAt", m.AddedAt)
	e.Int("updatedAt", m.UpdatedAt)
	e.Str("musicAnalysisVersion", "1")
	if o.guids {
		e.guidList(m.Guids)
	}
	for _, md := range m.Media {
		if o.noMedia {
			break
		}
		e.Begin("Media", "Media")
		e.Int("id", md.ID)
		e.Int("duration", md.Duration)
		if md.Bitrate != nil {
			e.Int("bitrate", int64(*md.Bitrate))
		}
		e.Int("audioChannels", 2)
		e.Str("audioCodec", md.AudioCodec)
		e.Str("container", md.Container)
		for _, p := range md.Parts {
			e.Begin("Part", "Part")
			e.Int("id", p.ID)
			e.Str("key", p.Key)
			e.Int("duration", p.Duration)
			e.Str("file", p.File)
			e.Int("size", p.Size)
			e.Str("container", p.Container)
			e.End()
		}
		e.End()
	}
	e.End()
}

func (s *Server) renderMovie(e *emitter, sec *section, m *movieRec, o renderOpts) {
	rk := rkString(m.rk)
	e.Begin("Metadata", "Video")
	e.Str("ratingKey", rk)
	e.Str("key", "/library/metadata/"+rk)
	e.Str("guid", s.plexGUID("movie", m.rk))
	e.Str("type", "movie")
	e.Str("title", m.title)
	if o.sectionIDs {
		e.sectionIDs(sec)
	}
	e.Int("year", int64(m.year))
	e.Str("thumb", fmt.Sprintf("/library/metadata/%s/thumb/%d", rk, m.updatedAt))
	e.Int("duration", m.duration)
	if o.itemID != 0 {
		e.Int("playlistItemID", o.itemID)
	}
	e.Int("addedAt", m.addedAt)
	e.Int("updatedAt", m.updatedAt)
	e.Begin("Media", "Media")
	e.Int("id", m.rk*4+1)
	e.Int("duration", m.duration)
	e.Int("bitrate", 8000)
	e.Str("videoCodec", "h264")
	e.Str("audioCodec", "aac")
	e.Str("container", "mkv")
	e.Begin("Part", "Part")
	e.Int("id", m.rk*8+1)
	e.Str("key", fmt.Sprintf("/library/parts/%d/%d/file.mkv", m.rk*8+1, m.addedAt))
	e.Int("duration", m.duration)
	e.Str("file", "/mnt/media/movies/"+pathName(m.title)+".mkv")
	e.Int("size", m.duration*1000)
	e.Str("container", "mkv")
	e.End()
	e.End()
	e.End()
}

func (s *Server) renderPlaylist(e *emitter, p *playlist) {
	m := s.playlistModel(p)
	e.Begin("Metadata", "Playlist")
	e.Str("ratingKey", m.RatingKey)
	e.Str("key", "/playlists/"+m.RatingKey+"/items")
	e.Str("guid", m.GUID)
	e.Str("type", "playlist")
	e.Str("title", m.Title)
	e.optStr("summary", m.Summary)
	e.Bool("smart", m.Smart)
	e.Str("playlistType", m.PlaylistType)
	e.nonEmpty("composite", m.Composite)
	if m.Smart {
		e.Str("icon", "playlist://image.smart")
	}
	e.optStr("content", m.Content)
	e.nonZero("leafCount", int64(m.LeafCount))
	e.nonZero("duration", m.Duration)
	e.Int("addedAt", m.AddedAt)
	e.Int("updatedAt", m.UpdatedAt)
	e.End()
}

// renderItem renders any library item found by lookup.
func (s *Server) renderItem(e *emitter, it item, o renderOpts) {
	switch it.typ {
	case typeArtist:
		s.renderArtist(e, it.sec, it.artist, o)
	case typeAlbum:
		s.renderAlbum(e, it.sec, it.album, o)
	case typeTrack:
		s.renderTrack(e, it.sec, it.track, o)
	case typeMovie:
		s.renderMovie(e, it.sec, it.movie, o)
	}
}

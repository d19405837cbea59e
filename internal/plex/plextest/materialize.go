package plextest

import (
	"fmt"
	"slices"
	"strings"
)

// The model of an item is built on demand from its record, derived values
// (titles of parents) and hashed values (guids, media). Rendering and the
// exported accessors share this code, so what a test compares against is
// exactly what the HTTP side serves.

func (s *Server) artistModel(sec *section, a *artistRec) Artist {
	out := Artist{
		RatingKey:  rkString(a.rk),
		SectionKey: sec.Key,
		Title:      a.title,
		TitleSort:  a.titleSort,
		GUID:       s.plexGUID("artist", a.rk),
		AddedAt:    a.addedAt,
		UpdatedAt:  a.updatedAt,
	}
	if a.summary != "" {
		out.Summary = ptr(a.summary)
	}
	if a.flags&flagANoThumb == 0 {
		out.Thumb = ptr(fmt.Sprintf("/library/metadata/%d/thumb/%d", a.rk, a.updatedAt))
	}
	if a.flags&flagANoGuids == 0 {
		out.Guids = []string{"mbid://" + s.mbid(a.rk, saltMBID)}
	}
	return out
}

func (s *Server) albumModel(sec *section, a *albumRec) Album {
	out := Album{
		RatingKey:       rkString(a.rk),
		SectionKey:      sec.Key,
		ArtistRatingKey: rkString(a.artist),
		Title:           a.title,
		TitleSort:       a.titleSort,
		GUID:            s.plexGUID("album", a.rk),
		LeafCount:       int(a.tracks),
		AddedAt:         a.addedAt,
		UpdatedAt:       a.updatedAt,
	}
	if ar := sec.artist(a.artist); ar != nil {
		out.ArtistTitle = ar.title
	}
	if a.year != 0 {
		out.Year = ptr(int(a.year))
		if a.month != 0 {
			out.OriginallyAvailableAt = ptr(fmt.Sprintf("%04d-%02d-%02d", a.year, a.month, a.day))
		}
	}
	if a.flags&flagANoStudio == 0 {
		out.Studio = ptr(studios[s.hash(a.rk, saltStudio)%uint64(len(studios))])
	}
	switch {
	case a.flags&flagANoGuids != 0:
	case a.flags&flagATwoGuids != 0:
		out.Guids = []string{"mbid://" + s.mbid(a.rk, saltMBID), "mbid://" + s.mbid(a.rk, saltMBID2)}
	default:
		out.Guids = []string{"mbid://" + s.mbid(a.rk, saltMBID)}
	}
	return out
}

// trackModel builds the model of t. With clone false the result may share
// slices with the stored model and must only be read (rendering).
func (s *Server) trackModel(sec *section, t *trackRec, clone bool) Track {
	al, ar := sec.parents(t)
	return s.trackModelWith(sec, t, al, ar, clone)
}

// trackModelWith is trackModel with the parents already looked up.
func (s *Server) trackModelWith(sec *section, t *trackRec, al *albumRec, ar *artistRec, clone bool) Track {
	var out Track
	if t.flags&flagExt != 0 {
		out = *sec.ext[t.rk]
		if clone {
			out = cloneTrack(out)
		}
	} else {
		out = s.generatedTrack(sec, t, al, ar)
	}
	// Derived fields always follow the current parents, as in PMS.
	out.RatingKey = rkString(t.rk)
	out.SectionKey = sec.Key
	out.AlbumRatingKey = rkString(t.album)
	out.AddedAt = t.addedAt
	out.UpdatedAt = t.updatedAt
	out.AlbumTitle, out.ArtistTitle, out.ArtistRatingKey, out.ParentYear = "", "", "", nil
	if al != nil {
		out.AlbumTitle = al.title
		out.ArtistRatingKey = rkString(al.artist)
		if al.year != 0 {
			out.ParentYear = ptr(int(al.year))
		}
	}
	if ar != nil {
		out.ArtistTitle = ar.title
	}
	return out
}

// parents returns a track's album and artist records (nil if missing).
func (sec *section) parents(t *trackRec) (*albumRec, *artistRec) {
	al := sec.album(t.album)
	if al == nil {
		return nil, nil
	}
	return al, sec.artist(al.artist)
}

func (s *Server) generatedTrack(sec *section, t *trackRec, al *albumRec, ar *artistRec) Track {
	title := t.title(sec)
	out := Track{
		Title:     title,
		TitleSort: title,
		GUID:      s.plexGUID("track", t.rk),
	}
	if t.flags&flagOriginalTitle != 0 {
		h := s.hash(t.rk, saltOriginal)
		out.OriginalTitle = ptr(artistFirst[h%uint64(len(artistFirst))] + " " +
			artistSecond[(h>>16)%uint64(len(artistSecond))] + " feat. " + capitalize(words[(h>>32)%uint64(len(words))]))
	}
	if t.index >= 0 {
		out.Index = ptr(int(t.index))
	}
	if t.disc >= 0 {
		out.ParentIndex = ptr(int(t.disc))
	}
	dur := s.trackDuration(t.rk)
	if t.duration >= 0 {
		out.Duration = ptr(int64(t.duration))
		dur = int64(t.duration)
	}
	mbid := "mbid://" + s.mbid(t.rk, saltMBID)
	legacy := "com.plexapp.agents.musicbrainz://" + s.mbid(t.rk, saltMBID2) + "?lang=en"
	switch {
	case t.flags&flagNoGuids != 0:
	case t.flags&flagLegacyGuid != 0:
		out.Guids = []string{legacy}
	case t.flags&flagTwoGuids != 0:
		out.Guids = []string{mbid, legacy}
	default:
		out.Guids = []string{mbid}
	}
	var artist, album string
	if al != nil {
		album = folder(al.title, al.dir)
	}
	if ar != nil {
		artist = folder(ar.title, ar.dir)
	}
	out.Media = s.genMedia(t.rk, t.addedAt, dur, t.flags, fmt.Sprintf("/music/%s/%s/%02d - %s", pathName(artist), pathName(album), max(t.index, 0), pathName(title)))
	if t.viewCount >= 0 {
		out.ViewCount = ptr(int(t.viewCount))
	}
	if t.skipCount >= 0 {
		out.SkipCount = ptr(int(t.skipCount))
	}
	if t.rating >= 0 {
		out.UserRating = ptr(float64(t.rating) / 10)
	}
	if t.flags&flagLastViewed != 0 {
		out.LastViewedAt = ptr(t.lastViewedAt)
	}
	return out
}

// trackDuration is the hashed duration of a track in ms (1–10 minutes).
func (s *Server) trackDuration(rk int64) int64 {
	return 60_000 + int64(s.hash(rk, saltDuration)%540_000)
}

// pathName keeps a title usable as a path element; the file path is
// server-side text only, but a "/" would invent directories.
func pathName(s string) string {
	if len(s) > 80 {
		s = s[:80]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 { // do not cut a rune
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xC0 {
			s = s[:len(s)-1]
		}
	}
	if !strings.ContainsAny(s, "/\n") {
		return s
	}
	return pathReplacer.Replace(s)
}

var pathReplacer = strings.NewReplacer("/", "_", "\n", " ")

type codec struct{ codec, container, ext string }

var codecs = [...]codec{
	{"flac", "flac", "flac"}, {"flac", "flac", "flac"}, {"flac", "flac", "flac"}, {"flac", "flac", "flac"},
	{"flac", "flac", "flac"}, {"flac", "flac", "flac"}, {"mp3", "mp3", "mp3"}, {"mp3", "mp3", "mp3"},
	{"aac", "mp4", "m4a"}, {"alac", "mp4", "m4a"},
}

func (s *Server) genMedia(rk, addedAt, dur int64, flags uint16, path string) []Media {
	h := s.hash(rk, saltCodec)
	c := codecs[h%uint64(len(codecs))]
	bitrate := 0
	switch c.codec {
	case "flac", "alac":
		bitrate = 700 + int(s.hash(rk, saltBitrate)%400)
	case "mp3":
		bitrate = [...]int{320, 256, 192, 128}[s.hash(rk, saltBitrate)%4]
	default:
		bitrate = 256
	}
	// Media and part ids are unique per server because rating keys are.
	m := Media{ID: rk*4 + 1, Duration: dur, AudioCodec: c.codec, Container: c.container}
	if flags&flagNoBitrate == 0 {
		m.Bitrate = ptr(bitrate)
	}
	size := dur * int64(bitrate) / 8
	if flags&flagTwoParts != 0 {
		first := dur / 2
		m.Parts = []Part{
			{ID: rk*8 + 1, Key: fmt.Sprintf("/library/parts/%d/%d/file.%s", rk*8+1, addedAt, c.ext), File: path + " (part 1)." + c.ext,
				Size: size / 2, Duration: first, Container: c.container},
			{ID: rk*8 + 2, Key: fmt.Sprintf("/library/parts/%d/%d/file.%s", rk*8+2, addedAt, c.ext), File: path + " (part 2)." + c.ext,
				Size: size - size/2, Duration: dur - first, Container: c.container},
		}
	} else {
		m.Parts = []Part{{ID: rk*8 + 1, Key: fmt.Sprintf("/library/parts/%d/%d/file.%s", rk*8+1, addedAt, c.ext), File: path + "." + c.ext,
			Size: size, Duration: dur, Container: c.container}}
	}
	out := []Media{m}
	if flags&flagTwoMedia != 0 {
		out = append(out, Media{ID: rk*4 + 2, Duration: dur, Bitrate: ptr(320), AudioCodec: "mp3", Container: "mp3",
			Parts: []Part{{ID: rk*8 + 3, Key: fmt.Sprintf("/library/parts/%d/%d/file.mp3", rk*8+3, addedAt), File: path + " (320).mp3",
				Size: dur * 320 / 8, Duration: dur, Container: "mp3"}}})
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneTrack(t Track) Track {
	t.OriginalTitle = clonePtr(t.OriginalTitle)
	t.Index = clonePtr(t.Index)
	t.ParentIndex = clonePtr(t.ParentIndex)
	t.ParentYear = clonePtr(t.ParentYear)
	t.Duration = clonePtr(t.Duration)
	t.Guids = slices.Clone(t.Guids)
	t.ViewCount = clonePtr(t.ViewCount)
	t.SkipCount = clonePtr(t.SkipCount)
	t.UserRating = clonePtr(t.UserRating)
	t.LastViewedAt = clonePtr(t.LastViewedAt)
	if t.Media != nil {
		media := make([]Media, len(t.Media))
		for i, m := range t.Media {
			m.Bitrate = clonePtr(m.Bitrate)
			m.Parts = slices.Clone(m.Parts)
			media[i] = m
		}
		t.Media = media
	}
	return t
}

package plextest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// bytesPerTrack sizes render buffers; a rendered track is about 1.4 KB.
const bytesPerTrack = 1500

func (s *Server) handleSections(r *http.Request) (response, error) {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	e := newEmitter(!wantsJSON(r), 2048)
	e.Int("size", int64(len(s.sections)))
	e.Bool("allowSync", false)
	e.Str("title1", "Plex Library")
	for _, sec := range s.sections {
		renderSection(e, sec)
	}
	return response{body: e.Bytes(), xml: e.xml, items: len(s.sections)}, nil
}

// handleSection answers /library/sections/{key}: the section's browse
// root. Clients of a mirror need nothing from it but its existence.
func (s *Server) handleSection(r *http.Request) (response, error) {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	sec := s.section(r.PathValue("key"))
	if sec == nil {
		return response{}, errNotFound
	}
	e := newEmitter(!wantsJSON(r), 512)
	e.Int("size", 0)
	e.Bool("allowSync", false)
	e.Str("content", "secondary")
	e.Str("identifier", "com.plexapp.plugins.library")
	e.Int("librarySectionID", sectionID(sec))
	e.Str("title1", sec.Title)
	e.Str("viewGroup", "secondary")
	return response{body: e.Bytes(), xml: e.xml}, nil
}

var allTitles = map[int][2]string{
	typeArtist: {"All Artists", "artist"},
	typeAlbum:  {"All Albums", "album"},
	typeTrack:  {"All Tracks", "track"},
	typeMovie:  {"All Movies", "movie"},
}

// handleAll lists a section's items of one type, paged (docs/plex-api.md, "Listing a library" and "Paging").
func (s *Server) handleAll(r *http.Request) (response, error) {
	q := r.URL.Query()
	pg, err := parsePage(r, s.f.opts.MaxPageSize)
	if err != nil {
		return response{}, err
	}
	if !pg.sizeGiven {
		return response{}, &badRequest{msg: "Missing X-Plex-Container-Size header."}
	}
	limit := -1
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return response{}, &badRequest{msg: "Invalid limit " + strconv.Quote(v) + "."}
		}
		limit = n
	}

	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	sec := s.section(r.PathValue("key"))
	if sec == nil {
		return response{}, errNotFound
	}
	typ := typeArtist
	if sec.Type == kindMovie {
		typ = typeMovie
	}
	if v := q.Get("type"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return response{}, &badRequest{msg: "Invalid type " + strconv.Quote(v) + "."}
		}
		typ = n
	}
	filters, err := parseFilters(q, typ, s.f.clock.Now())
	if err != nil {
		return response{}, err
	}
	var idx []int32
	if sec.Type == kindMusic && (typ == typeArtist || typ == typeAlbum || typ == typeTrack) ||
		sec.Type == kindMovie && typ == typeMovie {
		idx = sec.ordered(typ, parseSort(q.Get("sort")))
	}
	if len(filters) > 0 {
		idx = slices.DeleteFunc(slices.Clone(idx), func(i int32) bool { return !sec.matches(typ, i, filters) })
	}
	total := len(idx)
	if limit >= 0 {
		total = min(total, limit)
	}
	from, to := pg.window(total)
	o := renderOptsFor(q)

	e := newEmitter(!wantsJSON(r), (to-from)*bytesPerTrack+1024)
	e.skip = excludedFields(q)
	e.Int("size", int64(to-from))
	e.Int("totalSize", int64(total))
	e.Int("offset", int64(pg.start))
	e.Bool("allowSync", true)
	e.Str("art", "/:/resources/artist-fanart.jpg")
	e.Str("identifier", "com.plexapp.plugins.library")
	e.Int("librarySectionID", sectionID(sec))
	e.Str("librarySectionTitle", sec.Title)
	e.Str("librarySectionUUID", sec.UUID)
	e.Str("mediaTagPrefix", "/system/bundle/media/flags/")
	e.Int("mediaTagVersion", 1758205129)
	e.Str("title1", sec.Title)
	if t, ok := allTitles[typ]; ok {
		e.Str("title2", t[0])
		e.Str("viewGroup", t[1])
	}
	for _, i := range idx[from:to] {
		switch typ {
		case typeArtist:
			s.renderArtist(e, sec, &sec.artists[i], o)
		case typeAlbum:
			s.renderAlbum(e, sec, &sec.albums[i], o)
		case typeTrack:
			s.renderTrack(e, sec, &sec.tracks[i], o)
		case typeMovie:
			s.renderMovie(e, sec, &sec.movies[i], o)
		}
	}
	return response{body: e.Bytes(), xml: e.xml, items: to - from, paged: true, start: pg.start, total: total}, nil
}

// handleMetadata answers /library/metadata/{k1,k2,...}: the items found, in
// the order asked; 404 if none is.
func (s *Server) handleMetadata(r *http.Request) (response, error) {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	var found []item
	for _, k := range strings.Split(r.PathValue("keys"), ",") {
		if it, ok := s.lookupKey(strings.TrimSpace(k)); ok {
			found = append(found, it)
		}
	}
	if len(found) == 0 {
		return response{}, errNotFound
	}
	e := newEmitter(!wantsJSON(r), len(found)*bytesPerTrack+512)
	e.Int("size", int64(len(found)))
	e.Bool("allowSync", true)
	e.Str("identifier", "com.plexapp.plugins.library")
	if len(found) == 1 {
		e.Int("librarySectionID", sectionID(found[0].sec))
		e.Str("librarySectionTitle", found[0].sec.Title)
		e.Str("librarySectionUUID", found[0].sec.UUID)
	}
	e.Str("mediaTagPrefix", "/system/bundle/media/flags/")
	e.Int("mediaTagVersion", 1758205129)
	for _, it := range found {
		s.renderItem(e, it, renderOpts{guids: true, sectionIDs: true})
	}
	return response{body: e.Bytes(), xml: e.xml, items: len(found)}, nil
}

// handleChildren answers /library/metadata/{key}/children: an artist's
// albums or an album's tracks (in disc and track order), paged if asked.
func (s *Server) handleChildren(r *http.Request) (response, error) {
	pg, err := parsePage(r, s.f.opts.MaxPageSize)
	if err != nil {
		return response{}, err
	}
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	it, ok := s.lookupKey(r.PathValue("key"))
	if !ok || (it.typ != typeArtist && it.typ != typeAlbum) {
		return response{}, errNotFound
	}
	sec := it.sec
	var kids []item
	if it.typ == typeArtist {
		for i := range sec.albums {
			if sec.albums[i].artist == it.artist.rk {
				kids = append(kids, item{sec: sec, typ: typeAlbum, album: &sec.albums[i]})
			}
		}
	} else {
		for i := range sec.tracks {
			if sec.tracks[i].album == it.album.rk {
				kids = append(kids, item{sec: sec, typ: typeTrack, track: &sec.tracks[i]})
			}
		}
		slices.SortStableFunc(kids, func(a, b item) int {
			if c := int(a.track.disc) - int(b.track.disc); c != 0 {
				return c
			}
			return int(a.track.index) - int(b.track.index)
		})
	}
	from, to := pg.window(len(kids))
	e := newEmitter(!wantsJSON(r), (to-from)*bytesPerTrack+512)
	e.Int("size", int64(to-from))
	e.Int("totalSize", int64(len(kids)))
	e.Int("offset", int64(pg.start))
	e.Str("key", r.URL.Path)
	e.Int("librarySectionID", sectionID(sec))
	e.Str("librarySectionTitle", sec.Title)
	e.Str("librarySectionUUID", sec.UUID)
	for _, k := range kids[from:to] {
		s.renderItem(e, k, renderOptsFor(r.URL.Query()))
	}
	return response{body: e.Bytes(), xml: e.xml, items: to - from, paged: true, start: pg.start, total: len(kids)}, nil
}

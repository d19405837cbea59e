package plextest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Playlist endpoints (docs/plex-api.md, "Playlists"). Lists are paged when asked; unlike
// /library/sections/{key}/all they do not insist on a size.

func (s *Server) handlePlaylists(r *http.Request) (response, error) {
	q := r.URL.Query()
	pg, err := parsePage(r, s.f.opts.MaxPageSize)
	if err != nil {
		return response{}, err
	}
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	var list []*playlist
	for _, p := range s.playlists {
		if pt := q.Get("playlistType"); pt != "" && pt != p.ptype {
			continue
		}
		// type=15 means playlists; any other type (the seed's wrong
		// type=10 included) matches none of them.
		if t := q.Get("type"); t != "" && t != strconv.Itoa(typePlaylist) {
			continue
		}
		if sm := q.Get("smart"); sm != "" && (sm == "1") != p.smart {
			continue
		}
		if t := q.Get("title"); t != "" && !containsFold(p.title, t) {
			continue
		}
		list = append(list, p)
	}
	slices.SortStableFunc(list, func(a, b *playlist) int {
		if c := compareFold(a.title, b.title); c != 0 {
			return c
		}
		return cmpInt64(a.rk, b.rk)
	})
	from, to := pg.window(len(list))
	e := newEmitter(!wantsJSON(r), (to-from)*600+256)
	e.Int("size", int64(to-from))
	e.Int("totalSize", int64(len(list)))
	e.Int("offset", int64(pg.start))
	for _, p := range list[from:to] {
		s.renderPlaylist(e, p)
	}
	return response{body: e.Bytes(), xml: e.xml, items: to - from, paged: true, start: pg.start, total: len(list)}, nil
}

func (s *Server) playlistParam(r *http.Request) (*playlist, error) {
	p := s.playlistByKey(r.PathValue("id"))
	if p == nil {
		return nil, errNotFound
	}
	return p, nil
}

// playlistResponse renders MediaContainer.Metadata[0] = p, which is what
// PMS answers to playlist reads and writes.
func (s *Server) playlistResponse(r *http.Request, p *playlist, extra func(*emitter)) response {
	e := newEmitter(!wantsJSON(r), 1024)
	e.Int("size", 1)
	if extra != nil {
		extra(e)
	}
	s.renderPlaylist(e, p)
	return response{body: e.Bytes(), xml: e.xml, items: 1}
}

func (s *Server) handlePlaylist(r *http.Request) (response, error) {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	p, err := s.playlistParam(r)
	if err != nil {
		return response{}, err
	}
	return s.playlistResponse(r, p, nil), nil
}

func (s *Server) handlePlaylistItems(r *http.Request) (response, error) {
	pg, err := parsePage(r, s.f.opts.MaxPageSize)
	if err != nil {
		return response{}, err
	}
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	p, err := s.playlistParam(r)
	if err != nil {
		return response{}, err
	}
	items := s.playlistEntries(p)
	m := s.playlistModel(p)
	from, to := pg.window(len(items))
	o := renderOptsFor(r.URL.Query())
	o.sectionIDs = true
	e := newEmitter(!wantsJSON(r), (to-from)*bytesPerTrack+512)
	e.Int("size", int64(to-from))
	e.Int("totalSize", int64(len(items)))
	e.Int("offset", int64(pg.start))
	e.nonEmpty("composite", m.Composite)
	e.nonZero("duration", m.Duration)
	e.nonZero("leafCount", int64(m.LeafCount))
	e.Str("playlistType", m.PlaylistType)
	e.Str("ratingKey", m.RatingKey)
	e.Bool("smart", m.Smart)
	e.Str("title", m.Title)
	for _, pi := range items[from:to] {
		it, ok := s.lookup(pi.rk)
		if !ok {
			continue
		}
		o.itemID = pi.id
		s.renderItem(e, it, o)
	}
	return response{body: e.Bytes(), xml: e.xml, items: to - from, paged: true, start: pg.start, total: len(items)}, nil
}

// playlistURI is a parsed server://{machineId}/com.plexapp.plugins.library/…
// URI: either item keys or a section query (smart playlists).
type playlistURI struct {
	keys      []int64
	pathQuery string // "/library/sections/1/all?type=10&…"; "" for keys
	rule      smartRule
}

func (s *Server) parsePlaylistURI(raw string) (playlistURI, error) {
	if raw == "" {
		return playlistURI{}, &badRequest{msg: "Missing uri."}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "server" {
		return playlistURI{}, &badRequest{msg: "Invalid uri " + strconv.Quote(raw) + ": want server://{machineIdentifier}/com.plexapp.plugins.library/…"}
	}
	if u.Host != s.machineID {
		return playlistURI{}, &badRequest{msg: "uri names server " + strconv.Quote(u.Host) + ", not this one."}
	}
	path, ok := strings.CutPrefix(u.Path, "/com.plexapp.plugins.library")
	if !ok {
		return playlistURI{}, &badRequest{msg: "uri must continue with /com.plexapp.plugins.library."}
	}
	if list, ok := strings.CutPrefix(path, "/library/metadata/"); ok {
		var out playlistURI
		for _, k := range strings.Split(list, ",") {
			rk, ok := parseRK(strings.TrimSpace(k))
			if !ok {
				return playlistURI{}, &badRequest{msg: "Invalid rating key " + strconv.Quote(k) + " in uri."}
			}
			out.keys = append(out.keys, rk)
		}
		return out, nil
	}
	pq := path
	if u.RawQuery != "" {
		pq += "?" + u.RawQuery
	}
	rule, err := parseSmartRule(pq)
	if err != nil {
		return playlistURI{}, &badRequest{msg: err.Error()}
	}
	if s.section(rule.section) == nil {
		return playlistURI{}, &badRequest{msg: "uri names unknown section " + strconv.Quote(rule.section) + "."}
	}
	return playlistURI{pathQuery: pq, rule: rule}, nil
}

// entries resolves a playlist URI to the items it adds now.
func (s *Server) entries(ptype string, pu playlistURI) []int64 {
	if pu.pathQuery == "" {
		return s.expandKeys(ptype, pu.keys)
	}
	tmp := &playlist{smart: true, rule: pu.rule}
	var keys []int64
	for _, it := range s.playlistEntries(tmp) {
		keys = append(keys, it.rk)
	}
	return keys
}

func (s *Server) smartContent(pu playlistURI) string {
	return "library://" + s.section(pu.rule.section).UUID + "/directory/" + url.QueryEscape(pu.pathQuery)
}

// handleCreatePlaylist answers POST /playlists?uri=…&type=audio&title=…&smart=0|1.
func (s *Server) handleCreatePlaylist(r *http.Request) (response, error) {
	q := r.URL.Query()
	title, ptype, smart := q.Get("title"), q.Get("type"), q.Get("smart") == "1"
	switch {
	case title == "":
		return response{}, &badRequest{msg: "Missing title."}
	case ptype != "audio" && ptype != "video" && ptype != "photo":
		return response{}, &badRequest{msg: "Missing or invalid type " + strconv.Quote(ptype) + ": use audio, video or photo."}
	}
	var resp response
	var err error
	s.playlistMutate(func(now int64) {
		var pu playlistURI
		pu, err = s.parsePlaylistURI(q.Get("uri"))
		if err != nil {
			return
		}
		if smart && pu.pathQuery == "" {
			err = &badRequest{msg: "A smart playlist needs a /library/sections/{key}/all uri."}
			return
		}
		p := s.newPlaylist(title, ptype, now)
		if smart {
			p.smart, p.rule, p.content = true, pu.rule, s.smartContent(pu)
		} else {
			s.appendItems(p, s.droppedOnCreate(s.entries(ptype, pu)))
		}
		resp = s.playlistResponse(r, p, nil)
	})
	return resp, err
}

// handleAddItems answers PUT /playlists/{id}/items?uri=…: it appends to a
// dumb playlist; on a smart one a section uri replaces the rules.
func (s *Server) handleAddItems(r *http.Request) (response, error) {
	var resp response
	var err error
	s.playlistMutate(func(now int64) {
		var p *playlist
		if p, err = s.playlistParam(r); err != nil {
			return
		}
		var pu playlistURI
		if pu, err = s.parsePlaylistURI(r.URL.Query().Get("uri")); err != nil {
			return
		}
		var added, requested int
		if p.smart {
			if pu.pathQuery == "" {
				err = &badRequest{msg: "Cannot add items to a smart playlist; send a /library/sections uri to change its rules."}
				return
			}
			p.rule, p.content, p.eval = pu.rule, s.smartContent(pu), nil
		} else {
			keys := s.entries(p.ptype, pu)
			requested = len(pu.keys)
			if pu.pathQuery != "" {
				requested = len(keys)
			}
			added = len(keys)
			s.appendItems(p, keys)
		}
		p.updatedAt = now
		resp = s.playlistResponse(r, p, func(e *emitter) {
			e.Int("leafCountAdded", int64(added))
			e.Int("leafCountRequested", int64(requested))
		})
	})
	return resp, err
}

var errSmart = &badRequest{msg: "The playlist is smart: its items come from its rules."}

// editDumb runs edit on the dumb playlist of the request, as a playlist
// edit; edit reports whether it changed anything.
func (s *Server) editDumb(r *http.Request, edit func(p *playlist) (bool, error)) (response, error) {
	var resp response
	var err error
	s.playlistMutate(func(now int64) {
		var p *playlist
		if p, err = s.playlistParam(r); err != nil {
			return
		}
		if p.smart {
			err = errSmart
			return
		}
		var changed bool
		if changed, err = edit(p); err != nil {
			return
		}
		if changed {
			p.updatedAt = now
		}
		resp = s.playlistResponse(r, p, nil)
	})
	return resp, err
}

func itemPos(p *playlist, raw string) (int, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return 0, errNotFound
	}
	i := slices.IndexFunc(p.items, func(it plItem) bool { return it.id == id })
	if i < 0 {
		return 0, errNotFound
	}
	return i, nil
}

func (s *Server) handleClearItems(r *http.Request) (response, error) {
	return s.editDumb(r, func(p *playlist) (bool, error) {
		p.items = nil
		return true, nil
	})
}

func (s *Server) handleRemoveItem(r *http.Request) (response, error) {
	return s.editDumb(r, func(p *playlist) (bool, error) {
		i, err := itemPos(p, r.PathValue("item"))
		if err != nil {
			return false, err
		}
		p.items = slices.Delete(p.items, i, i+1)
		return true, nil
	})
}

// handleMoveItem answers PUT /playlists/{id}/items/{item}/move?after={item}:
// the item goes right after the other one, or first without after.
func (s *Server) handleMoveItem(r *http.Request) (response, error) {
	return s.editDumb(r, func(p *playlist) (bool, error) {
		i, err := itemPos(p, r.PathValue("item"))
		if err != nil {
			return false, err
		}
		moved := p.items[i]
		after := r.URL.Query().Get("after")
		if after == strconv.FormatInt(moved.id, 10) {
			return false, nil
		}
		if after != "" {
			if _, err := itemPos(p, after); err != nil {
				return false, &badRequest{msg: fmt.Sprintf("No item %q in playlist to move after.", after)}
			}
		}
		p.items = slices.Delete(p.items, i, i+1)
		to := 0
		if after != "" {
			j, _ := itemPos(p, after)
			to = j + 1
		}
		p.items = slices.Insert(p.items, to, moved)
		return true, nil
	})
}

// handleEditPlaylist answers PUT /playlists/{id}?title.value=…&summary.value=….
func (s *Server) handleEditPlaylist(r *http.Request) (response, error) {
	q := r.URL.Query()
	var resp response
	var err error
	s.playlistMutate(func(now int64) {
		var p *playlist
		if p, err = s.playlistParam(r); err != nil {
			return
		}
		changed := false
		for _, k := range []string{"title.value", "title"} {
			if v, ok := q[k]; ok && v[0] != "" {
				p.title, changed = v[0], true
				break
			}
		}
		for _, k := range []string{"summary.value", "summary"} {
			if v, ok := q[k]; ok {
				p.summary, changed = v[0], true
				break
			}
		}
		if changed {
			p.updatedAt = now
		}
		resp = s.playlistResponse(r, p, nil)
	})
	return resp, err
}

func (s *Server) handleDeletePlaylist(r *http.Request) (response, error) {
	var err error
	s.playlistMutate(func(int64) {
		var p *playlist
		if p, err = s.playlistParam(r); err != nil {
			return
		}
		s.playlists = slices.DeleteFunc(s.playlists, func(q *playlist) bool { return q == p })
	})
	if err != nil {
		return response{}, err
	}
	return response{status: http.StatusNoContent}, nil
}

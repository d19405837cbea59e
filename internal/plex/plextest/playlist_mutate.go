package plextest

import (
	"fmt"
	"slices"
)

// Playlist mutation helpers: each is a playlist edit, so it sets the
// playlist's updatedAt (and with it composite) to now. They panic on unknown
// keys, like the library helpers.

func (s *Server) mustPlaylist(op, ratingKey string) *playlist {
	p := s.playlistByKey(ratingKey)
	if p == nil {
		panic(fmt.Sprintf("plextest: %s: %s has no playlist with rating key %q", op, s.name, ratingKey))
	}
	return p
}

func (s *Server) mustDumb(op, ratingKey string) *playlist {
	p := s.mustPlaylist(op, ratingKey)
	if p.smart {
		panic(fmt.Sprintf("plextest: %s: playlist %q is smart; its items come from its rule", op, ratingKey))
	}
	return p
}

func (s *Server) mustTrackKeys(op string, keys []string) []int64 {
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = s.mustItem(op, k, typeTrack).track.rk
	}
	return out
}

// playlistMutate is mutate for playlist edits: the library generation (and
// with it the listing caches) stays.
func (s *Server) playlistMutate(fn func(now int64)) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	fn(s.f.clock.mutation())
}

func (s *Server) newPlaylist(title, ptype string, now int64) *playlist {
	rk := s.allocRK()
	p := &playlist{rk: rk, title: title, ptype: ptype, addedAt: now, updatedAt: now,
		guid: "com.plexapp.agents.none://" + uuidFrom(s.hash(rk, saltGUID), s.hash(rk, saltMBID))}
	s.insertPlaylist(p)
	return p
}

func (s *Server) appendItems(p *playlist, keys []int64) {
	for _, k := range keys {
		p.items = append(p.items, plItem{id: s.allocItemID(), rk: k})
	}
}

// CreatePlaylist creates a dumb audio playlist of the given tracks (in order,
// repeats allowed) and returns its rating key.
func (s *Server) CreatePlaylist(title string, trackRatingKeys []string) string {
	var rk int64
	s.playlistMutate(func(now int64) {
		keys := s.mustTrackKeys("CreatePlaylist", trackRatingKeys)
		p := s.newPlaylist(title, "audio", now)
		s.appendItems(p, keys)
		rk = p.rk
	})
	return rkString(rk)
}

// CreateSmartPlaylist creates a smart audio playlist whose rules are
// pathQuery ("/library/sections/1/all?type=10&artist.title=x", as a
// POST /playlists?smart=1 uri carries them) and returns its rating key. It
// panics on rules the fake refuses.
func (s *Server) CreateSmartPlaylist(title, pathQuery string) string {
	var rk int64
	s.playlistMutate(func(now int64) {
		rule, err := parseSmartRule(pathQuery)
		if err == nil && s.section(rule.section) == nil {
			err = fmt.Errorf("no section %q", rule.section)
		}
		if err != nil {
			panic(fmt.Sprintf("plextest: CreateSmartPlaylist: %v", err))
		}
		p := s.newPlaylist(title, "audio", now)
		pu := playlistURI{pathQuery: pathQuery, rule: rule}
		p.smart, p.rule, p.content = true, rule, s.smartContent(pu)
		rk = p.rk
	})
	return rkString(rk)
}

// SetPlaylistItems replaces the items of a dumb playlist; every item gets a
// new playlistItemID.
func (s *Server) SetPlaylistItems(ratingKey string, trackRatingKeys []string) {
	s.playlistMutate(func(now int64) {
		p := s.mustDumb("SetPlaylistItems", ratingKey)
		keys := s.mustTrackKeys("SetPlaylistItems", trackRatingKeys)
		p.items = nil
		s.appendItems(p, keys)
		p.updatedAt = now
	})
}

// RenamePlaylist changes a playlist's title.
func (s *Server) RenamePlaylist(ratingKey, title string) {
	s.playlistMutate(func(now int64) {
		p := s.mustPlaylist("RenamePlaylist", ratingKey)
		p.title, p.updatedAt = title, now
	})
}

// MovePlaylistItem moves the item at position from to position to (both
// 0-based) of a dumb playlist.
func (s *Server) MovePlaylistItem(ratingKey string, from, to int) {
	s.playlistMutate(func(now int64) {
		p := s.mustDumb("MovePlaylistItem", ratingKey)
		if from < 0 || from >= len(p.items) || to < 0 || to >= len(p.items) {
			panic(fmt.Sprintf("plextest: MovePlaylistItem: positions %d→%d outside playlist %q of %d items", from, to, ratingKey, len(p.items)))
		}
		moved := p.items[from]
		p.items = slices.Insert(slices.Delete(p.items, from, from+1), to, moved)
		p.updatedAt = now
	})
}

// DeletePlaylist deletes a playlist.
func (s *Server) DeletePlaylist(ratingKey string) {
	s.playlistMutate(func(int64) {
		p := s.mustPlaylist("DeletePlaylist", ratingKey)
		s.playlists = slices.DeleteFunc(s.playlists, func(q *playlist) bool { return q == p })
	})
}

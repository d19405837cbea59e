package plextest

import (
	"math/rand/v2"
	"net/http/httptest"
	"slices"
)

// Server is one fake Plex Media Server: its library, playlists, token and
// connections. Its methods are safe to call while the fake is serving.
type Server struct {
	f           *Fake
	index       int
	name        string
	machineID   string
	owned       bool
	seed        uint64
	version     string
	ownerID     int64  // the owner's plex.tv id when not owned
	sourceTitle string // the owner's username when not owned

	// Guarded by f.mu.
	token      string
	tokenRand  *rand.Rand
	nextRK     int64
	nextItemID int64
	sections   []*section
	playlists  []*playlist // sorted by rating key
	// gen counts mutations; caches of sorted listings and smart playlist
	// evaluations are valid for one value.
	gen uint64

	conns []*conn
	// cores is the load model's semaphore (Options.Cores); nil without it.
	cores chan struct{}
}

// conn is one advertised connection; each live one has its own listener.
type conn struct {
	name     string
	protocol string // "http" or "https"
	address  string
	port     int
	local    bool
	relay    bool
	ipv6     bool
	url      string
	ts       *httptest.Server // nil for a dead connection
	dead     bool             // killed by KillConn (guarded by Fake.connMu)
}

// MachineID returns the server's machine identifier (40 hex characters),
// which plex.tv calls clientIdentifier.
func (s *Server) MachineID() string { return s.machineID }

// Name returns the server's friendly name.
func (s *Server) Name() string { return s.name }

// Owned reports whether the account owns the server.
func (s *Server) Owned() bool { return s.owned }

// AccessToken returns the server's current access token: the one /resources
// hands out and the only one its PMS accepts.
func (s *Server) AccessToken() string {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	return s.token
}

// RotateToken gives the server a new access token. The old one then gets
// PMS's HTML 401; /resources shows the new one.
func (s *Server) RotateToken() {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	s.token = randomToken(s.tokenRand)
}

// URL returns the base URL (scheme://host:port, no trailing slash) of the
// named connection (ConnLocal, ConnRemote, …); "" if the server has no such
// connection.
func (s *Server) URL(connName string) string {
	for _, c := range s.conns {
		if c.name == connName {
			return c.url
		}
	}
	return ""
}

// ConnNames lists the names of the server's connections in the order
// /resources advertises them.
func (s *Server) ConnNames() []string {
	names := make([]string, len(s.conns))
	for i, c := range s.conns {
		names[i] = c.name
	}
	return names
}

// Sections returns the server's library sections, in key order.
func (s *Server) Sections() []Section {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	out := make([]Section, len(s.sections))
	for i, sec := range s.sections {
		out[i] = sec.Section
	}
	return out
}

// Artists returns the artists of a section sorted by rating key (compared
// numerically); nil for an unknown or non-music section.
func (s *Server) Artists(sectionKey string) []Artist {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	sec := s.section(sectionKey)
	if sec == nil || len(sec.artists) == 0 {
		return nil
	}
	out := make([]Artist, len(sec.artists))
	for i := range sec.artists {
		out[i] = s.artistModel(sec, &sec.artists[i])
	}
	return out
}

// Albums returns the albums of a section sorted by rating key.
func (s *Server) Albums(sectionKey string) []Album {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	sec := s.section(sectionKey)
	if sec == nil || len(sec.albums) == 0 {
		return nil
	}
	out := make([]Album, len(sec.albums))
	for i := range sec.albums {
		out[i] = s.albumModel(sec, &sec.albums[i])
	}
	return out
}

// Tracks returns the tracks of a section sorted by rating key.
func (s *Server) Tracks(sectionKey string) []Track {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	sec := s.section(sectionKey)
	if sec == nil || len(sec.tracks) == 0 {
		return nil
	}
	out := make([]Track, len(sec.tracks))
	for i := range sec.tracks {
		out[i] = s.trackModel(sec, &sec.tracks[i], true)
	}
	return out
}

// MusicTracks returns the tracks of every music section of the server, in
// section order: the owned server has more than one music section, so a
// test that counts "the server's tracks" must not pick one.
func (s *Server) MusicTracks() []Track {
	var out []Track
	for _, sec := range s.Sections() {
		if sec.Type == "artist" {
			out = append(out, s.Tracks(sec.Key)...)
		}
	}
	return out
}

// Track returns one track by rating key.
func (s *Server) Track(ratingKey string) (Track, bool) {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	it, ok := s.lookupKey(ratingKey)
	if !ok || it.typ != typeTrack {
		return Track{}, false
	}
	return s.trackModel(it.sec, it.track, true), true
}

// Playlists returns every playlist of the server (all types), sorted by
// rating key.
func (s *Server) Playlists() []Playlist {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	out := make([]Playlist, len(s.playlists))
	for i, p := range s.playlists {
		out[i] = s.playlistModel(p)
	}
	return out
}

// PlaylistItems returns a playlist's items in order; for a smart playlist,
// the current evaluation of its rule. Nil for an unknown playlist.
func (s *Server) PlaylistItems(ratingKey string) []PlaylistItem {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	p := s.playlistByKey(ratingKey)
	if p == nil {
		return nil
	}
	items := s.playlistEntries(p)
	if len(items) == 0 {
		return nil
	}
	out := make([]PlaylistItem, len(items))
	for i, it := range items {
		out[i] = PlaylistItem{PlaylistItemID: it.id, TrackRatingKey: rkString(it.rk)}
	}
	return out
}

func (s *Server) lookupKey(ratingKey string) (item, bool) {
	rk, ok := parseRK(ratingKey)
	if !ok {
		return item{}, false
	}
	return s.lookup(rk)
}

func (s *Server) playlistByKey(ratingKey string) *playlist {
	rk, ok := parseRK(ratingKey)
	if !ok {
		return nil
	}
	i, ok := slices.BinarySearchFunc(s.playlists, rk, func(p *playlist, k int64) int {
		return cmpInt64(p.rk, k)
	})
	if !ok {
		return nil
	}
	return s.playlists[i]
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Server) allocRK() int64 {
	s.nextRK++
	return s.nextRK
}

func (s *Server) allocItemID() int64 {
	s.nextItemID++
	return s.nextItemID
}

// randomToken makes a plex-style 20-character token.
func randomToken(r *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 20)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

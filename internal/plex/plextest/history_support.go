package plextest

import (
	"fmt"
	"slices"
	"sync"
)

// Helpers for playlist history and restore tests: the ways a library loses
// its rating keys in real life (a re-match or re-add gives a track a new
// key; a rebuilt server gives every track one) and a server that answers a
// playlist create with 200 but keeps fewer items than it was sent.

// RekeyTrack gives a track a new rating key, as a re-add or re-match does:
// the track is removed (and with it from dumb playlists) and added again
// with the same metadata, guids and file. It returns the new key.
func (s *Server) RekeyTrack(ratingKey string) string {
	old, ok := s.Track(ratingKey)
	if !ok {
		panic(fmt.Sprintf("plextest: RekeyTrack: %s has no track with rating key %q", s.name, ratingKey))
	}
	nk := s.AddTrack(old.AlbumRatingKey, old.Title)
	s.EditTrack(nk, func(t *Track) { copyTrackMetadata(t, &old) })
	s.RemoveTrack(ratingKey)
	return nk
}

func copyTrackMetadata(dst, src *Track) {
	c := cloneTrack(*src)
	dst.Title, dst.TitleSort, dst.OriginalTitle, dst.GUID = c.Title, c.TitleSort, c.OriginalTitle, c.GUID
	dst.Index, dst.ParentIndex, dst.Duration, dst.Guids, dst.Media = c.Index, c.ParentIndex, c.Duration, c.Guids, c.Media
}

// CopyTracks adds copies of src's tracks (by rating key, in order) to this
// server's first music section, as a rebuilt server would hold them: same
// artist and album names, title, guids, duration and file, new rating keys.
// Artists are made by renaming this server's artists, one per distinct
// source artist, so the section needs as many. It returns the new keys.
func (s *Server) CopyTracks(src *Server, keys []string) []string {
	var music string
	for _, sec := range s.Sections() {
		if sec.Type == kindMusic {
			music = sec.Key
			break
		}
	}
	artists := s.Artists(music)
	artistOf := map[string]string{}
	albumOf := map[[2]string]string{}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		t, ok := src.Track(k)
		if !ok {
			panic(fmt.Sprintf("plextest: CopyTracks: %s has no track with rating key %q", src.name, k))
		}
		ar, ok := artistOf[t.ArtistTitle]
		if !ok {
			if len(artistOf) == len(artists) {
				panic(fmt.Sprintf("plextest: CopyTracks: %s has only %d artists to rename", s.name, len(artists)))
			}
			ar = artists[len(artistOf)].RatingKey
			s.RenameArtist(ar, t.ArtistTitle)
			artistOf[t.ArtistTitle] = ar
		}
		al, ok := albumOf[[2]string{t.ArtistTitle, t.AlbumTitle}]
		if !ok {
			al = s.AddAlbum(ar, t.AlbumTitle, 0)
			albumOf[[2]string{t.ArtistTitle, t.AlbumTitle}] = al
		}
		nk := s.AddTrack(al, t.Title)
		s.EditTrack(nk, func(d *Track) { copyTrackMetadata(d, &t) })
		out = append(out, nk)
	}
	return out
}

// dropOnCreate holds, per server, how many items later playlist creates
// silently leave out, and whether they reverse the order they were sent.
var dropOnCreate struct {
	mu      sync.Mutex
	n       map[*Server]int
	reverse map[*Server]bool
}

// ReverseItemsOnCreate makes later playlist creates keep the items in the
// reverse of the order they were sent, still answering 200.
func (s *Server) ReverseItemsOnCreate(on bool) {
	dropOnCreate.mu.Lock()
	defer dropOnCreate.mu.Unlock()
	if dropOnCreate.reverse == nil {
		dropOnCreate.reverse = map[*Server]bool{}
	}
	dropOnCreate.reverse[s] = on
}

// DropItemsOnCreate makes the server keep n fewer items than it is sent
// (the last n of the create request's uri) on every later playlist create,
// while still answering 200; 0 restores normal behaviour.
func (s *Server) DropItemsOnCreate(n int) {
	dropOnCreate.mu.Lock()
	defer dropOnCreate.mu.Unlock()
	if dropOnCreate.n == nil {
		dropOnCreate.n = map[*Server]int{}
	}
	dropOnCreate.n[s] = n
}

// droppedOnCreate applies DropItemsOnCreate to a create request's items.
func (s *Server) droppedOnCreate(keys []int64) []int64 {
	dropOnCreate.mu.Lock()
	n, reverse := dropOnCreate.n[s], dropOnCreate.reverse[s]
	dropOnCreate.mu.Unlock()
	keys = keys[:max(len(keys)-n, 0)]
	if reverse {
		keys = slices.Clone(keys)
		slices.Reverse(keys)
	}
	return keys
}

// ReplacePlaylistItem puts another track at position pos (0-based) of a dumb
// playlist, as removing one item and adding one in its place does: only
// that entry gets a new playlistItemID.
func (s *Server) ReplacePlaylistItem(ratingKey string, pos int, trackRatingKey string) {
	s.playlistMutate(func(now int64) {
		p := s.mustDumb("ReplacePlaylistItem", ratingKey)
		if pos < 0 || pos >= len(p.items) {
			panic(fmt.Sprintf("plextest: ReplacePlaylistItem: position %d outside playlist %q of %d items", pos, ratingKey, len(p.items)))
		}
		k := s.mustTrackKeys("ReplacePlaylistItem", []string{trackRatingKey})[0]
		p.items[pos] = plItem{id: s.allocItemID(), rk: k}
		p.updatedAt = now
	})
}

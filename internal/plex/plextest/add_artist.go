package plextest

import "fmt"

// AddArtist adds an artist with no albums yet to a music section, as a
// PMS scan of a new folder does, and returns its rating key. Give it albums
// with AddAlbum and tracks with AddTrack: together they put any name, in
// any script, into the library (the query tests use them for names with
// accents, combining marks, CJK and emoji).
func (s *Server) AddArtist(sectionKey, title string) string {
	var rk int64
	s.mutate(func(now int64) {
		sec := s.section(sectionKey)
		if sec == nil || sec.Type != "artist" {
			panic(fmt.Sprintf("plextest: AddArtist: %s has no music section %q", s.name, sectionKey))
		}
		rk = s.allocRK()
		// Rating keys only grow, so appending keeps the records sorted.
		sec.artists = append(sec.artists, artistRec{rk: rk, title: title, titleSort: sortTitle(title), addedAt: now, updatedAt: now})
		sec.touch(now, true)
	})
	return rkString(rk)
}

package plextest

import "iter"

// iterChunk is how many tracks AllTracks materialises per read lock.
const iterChunk = 1000

// AllTracks yields the tracks of a section in rating-key order, like Tracks,
// but materialises them a chunk at a time: comparing a mirror of a
// million-track library with Tracks would hold a million models at once.
// The read lock is not held while the loop body runs, so the body may call
// any method of the fake; a mutation made meanwhile is seen by the chunks
// after it.
func (s *Server) AllTracks(sectionKey string) iter.Seq[Track] {
	return func(yield func(Track) bool) {
		var after int64
		buf := make([]Track, 0, iterChunk)
		for {
			buf = buf[:0]
			s.f.mu.RLock()
			if sec := s.section(sectionKey); sec != nil {
				i, _ := sec.trackIdx(after + 1)
				for ; i < len(sec.tracks) && len(buf) < iterChunk; i++ {
					buf = append(buf, s.trackModel(sec, &sec.tracks[i], true))
					after = sec.tracks[i].rk
				}
			}
			s.f.mu.RUnlock()
			for _, t := range buf {
				if !yield(t) {
					return
				}
			}
			if len(buf) < iterChunk {
				return
			}
		}
	}
}

// Counts returns how many artists, albums and tracks a section has now.
func (s *Server) Counts(sectionKey string) (artists, albums, tracks int) {
	s.f.mu.RLock()
	defer s.f.mu.RUnlock()
	sec := s.section(sectionKey)
	if sec == nil {
		return 0, 0, 0
	}
	return len(sec.artists), len(sec.albums), len(sec.tracks)
}

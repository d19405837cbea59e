package plextest

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// Library mutation helpers. Each one changes the model the way PMS would and
// moves the change signals a client may watch: the item's updatedAt (and its
// parents' when their children change), the section's updatedAt and
// contentChangedAt (+1; on edits not with Options.SectionStampsIgnoreEdits),
// album leafCount. Playlists that contain a changed
// track keep their updatedAt: only playlist edits move it. The helpers panic
// on keys that do not exist: that is a bug in the calling test.

// mutate runs fn under the write lock with the stamp of this mutation.
func (s *Server) mutate(fn func(now int64)) {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	fn(s.f.clock.mutation())
	s.gen++
}

// touchEdit is touch for a metadata edit, which moves the section's stamps
// only when the fake is not told otherwise (Options.SectionStampsIgnoreEdits).
func (sec *section) touchEdit(now int64) {
	if !sec.srv.f.opts.SectionStampsIgnoreEdits {
		sec.touch(now, false)
	}
}

func (sec *section) touch(now int64, scanned bool) {
	sec.UpdatedAt = now
	sec.ContentChangedAt++
	if scanned {
		sec.ScannedAt = now
	}
}

func (s *Server) mustItem(op, ratingKey string, typ int) item {
	it, ok := s.lookupKey(ratingKey)
	if !ok || it.typ != typ {
		panic(fmt.Sprintf("plextest: %s: %s has no %s with rating key %q", op, s.name, typeName(typ), ratingKey))
	}
	return it
}

func typeName(typ int) string {
	switch typ {
	case typeArtist:
		return "artist"
	case typeAlbum:
		return "album"
	case typeTrack:
		return "track"
	case typeMovie:
		return "movie"
	case typePlaylist:
		return "playlist"
	}
	return fmt.Sprintf("type %d", typ)
}

// AddTrack adds a track at the end of an album and returns its rating key.
func (s *Server) AddTrack(albumRatingKey, title string) string {
	var rk int64
	s.mutate(func(now int64) {
		it := s.mustItem("AddTrack", albumRatingKey, typeAlbum)
		rk = s.addTrack(it.sec, it.album, title, now, 0)
		it.sec.touch(now, true)
	})
	return rkString(rk)
}

// RestoreTrack puts back a track that was removed, under its old rating key,
// at the end of an album: PMS keeps an item's key when a file it had lost
// reappears before the trash is emptied. Its addedAt and updatedAt are now.
// It panics when the key names an item.
func (s *Server) RestoreTrack(ratingKey, albumRatingKey, title string) {
	rk, err := strconv.ParseInt(ratingKey, 10, 64)
	if err != nil {
		panic("plextest: RestoreTrack: bad rating key " + ratingKey)
	}
	s.mutate(func(now int64) {
		if _, ok := s.lookupKey(ratingKey); ok {
			panic("plextest: RestoreTrack: " + ratingKey + " exists")
		}
		it := s.mustItem("RestoreTrack", albumRatingKey, typeAlbum)
		s.addTrack(it.sec, it.album, title, now, rk)
		it.sec.touch(now, true)
	})
}

// addTrack adds a track to al under rk, or under a new key when rk is 0.
func (s *Server) addTrack(sec *section, al *albumRec, title string, now int64, rk int64) int64 {
	index := 0
	for i := range sec.tracks {
		t := &sec.tracks[i]
		if t.album == al.rk && int(t.index) > index {
			index = int(t.index)
		}
	}
	index++
	if rk == 0 {
		rk = s.allocRK()
	}
	dur := s.trackDuration(rk)
	var artist string
	if ar := sec.artist(al.artist); ar != nil {
		artist = ar.title
		ar.updatedAt = now
	}
	ext := &Track{
		Title: title, TitleSort: title, GUID: s.plexGUID("track", rk),
		Index: ptr(index), ParentIndex: ptr(1), Duration: ptr(dur),
		Guids: []string{"mbid://" + s.mbid(rk, saltMBID)},
		Media: s.genMedia(rk, now, dur, 0, fmt.Sprintf("/music/%s/%s/%02d - %s", pathName(artist), pathName(al.title), index, pathName(title))),
	}
	if sec.ext == nil {
		sec.ext = make(map[int64]*Track)
	}
	sec.ext[rk] = ext
	// Records stay sorted by rating key; a restored key goes back in place.
	at, _ := slices.BinarySearchFunc(sec.tracks, rk, func(t trackRec, k int64) int { return cmp.Compare(t.rk, k) })
	sec.tracks = slices.Insert(sec.tracks, at, trackRec{rk: rk, album: al.rk, addedAt: now, updatedAt: now,
		index: int16(min(index, 32767)), disc: 1, duration: int32(dur), viewCount: -1, skipCount: -1, rating: -1, flags: flagExt})
	al.tracks++
	al.updatedAt = now
	return rk
}

// AddAlbum adds an album with the given number of generated tracks to an
// artist and returns the album's rating key.
func (s *Server) AddAlbum(artistRatingKey, title string, tracks int) string {
	var rk int64
	s.mutate(func(now int64) {
		it := s.mustItem("AddAlbum", artistRatingKey, typeArtist)
		rk = s.allocRK()
		year := time.Unix(now, 0).UTC()
		it.sec.albums = append(it.sec.albums, albumRec{rk: rk, artist: it.artist.rk, title: title, titleSort: sortTitle(title),
			year: int16(year.Year()), month: uint8(year.Month()), day: uint8(year.Day()), addedAt: now, updatedAt: now})
		it.artist.albums++
		it.artist.updatedAt = now
		r := newRand(int64(s.seed), uint64(rk))
		for range tracks {
			al := it.sec.album(rk)
			s.addTrack(it.sec, al, randomTitle(r), now, 0)
		}
		it.sec.touch(now, true)
	})
	return rkString(rk)
}

// RemoveTrack deletes a track and drops it from dumb playlists (their
// leafCount and duration move, their updatedAt does not). An album left
// empty is deleted, and an artist left without albums too, as a PMS scan
// does.
func (s *Server) RemoveTrack(ratingKey string) {
	s.mutate(func(now int64) {
		it := s.mustItem("RemoveTrack", ratingKey, typeTrack)
		sec, rk, albumRK := it.sec, it.track.rk, it.track.album
		i, _ := sec.trackIdx(rk)
		sec.tracks = slices.Delete(sec.tracks, i, i+1)
		delete(sec.ext, rk)
		s.dropFromPlaylists(map[int64]bool{rk: true})
		if al := sec.album(albumRK); al != nil {
			al.tracks--
			if al.tracks <= 0 {
				s.removeAlbum(sec, al.rk, now)
			} else {
				al.updatedAt = now
				if ar := sec.artist(al.artist); ar != nil {
					ar.updatedAt = now
				}
			}
		}
		sec.touch(now, true)
	})
}

// RemoveAlbum deletes an album and its tracks (see RemoveTrack).
func (s *Server) RemoveAlbum(ratingKey string) {
	s.mutate(func(now int64) {
		it := s.mustItem("RemoveAlbum", ratingKey, typeAlbum)
		s.removeAlbum(it.sec, it.album.rk, now)
		it.sec.touch(now, true)
	})
}

func (s *Server) removeAlbum(sec *section, albumRK int64, now int64) {
	gone := make(map[int64]bool)
	sec.tracks = slices.DeleteFunc(sec.tracks, func(t trackRec) bool {
		if t.album == albumRK {
			gone[t.rk] = true
			return true
		}
		return false
	})
	for rk := range gone {
		delete(sec.ext, rk)
	}
	s.dropFromPlaylists(gone)
	i, ok := sec.albumIdx(albumRK)
	if !ok {
		return
	}
	artistRK := sec.albums[i].artist
	sec.albums = slices.Delete(sec.albums, i, i+1)
	if j, ok := sec.artistIdx(artistRK); ok {
		ar := &sec.artists[j]
		ar.albums--
		ar.updatedAt = now
		if ar.albums <= 0 {
			sec.artists = slices.Delete(sec.artists, j, j+1)
		}
	}
}

func (s *Server) dropFromPlaylists(gone map[int64]bool) {
	if len(gone) == 0 {
		return
	}
	for _, p := range s.playlists {
		if !p.smart {
			p.items = slices.DeleteFunc(p.items, func(it plItem) bool { return gone[it.rk] })
		}
	}
}

// EditTrack changes a track through edit, which gets a copy of the current
// model (call no Fake method from inside it). Derived fields (RatingKey,
// SectionKey, ArtistRatingKey, AlbumTitle, ArtistTitle, ParentYear) are
// ignored; a changed AlbumRatingKey moves the track to that album of the same
// section. A metadata change sets updatedAt to now (unless edit set UpdatedAt
// itself) and moves the section signals; a change of per-user fields only
// (ViewCount, SkipCount, UserRating, LastViewedAt) moves nothing, as PMS
// stores those apart from the metadata.
func (s *Server) EditTrack(ratingKey string, edit func(*Track)) {
	s.f.mu.RLock()
	it, ok := s.lookupKey(ratingKey)
	if !ok || it.typ != typeTrack {
		s.f.mu.RUnlock()
		panic(fmt.Sprintf("plextest: EditTrack: %s has no track with rating key %q", s.name, ratingKey))
	}
	before := s.trackModel(it.sec, it.track, true)
	s.f.mu.RUnlock()

	after := cloneTrack(before)
	edit(&after)

	s.mutate(func(now int64) {
		it := s.mustItem("EditTrack", ratingKey, typeTrack)
		sec, t := it.sec, it.track
		if after.AlbumRatingKey != before.AlbumRatingKey {
			to, ok := parseRK(after.AlbumRatingKey)
			dst := sec.album(to)
			if !ok || dst == nil {
				panic(fmt.Sprintf("plextest: EditTrack: section %s of %s has no album %q to move track %s to", sec.Key, s.name, after.AlbumRatingKey, ratingKey))
			}
			if src := sec.album(t.album); src != nil {
				src.tracks--
				src.updatedAt = now
			}
			dst.tracks++
			dst.updatedAt = now
			t.album = dst.rk
		}
		metadata := !reflect.DeepEqual(metadataOnly(before), metadataOnly(after))
		switch {
		case after.UpdatedAt != before.UpdatedAt:
			t.updatedAt = after.UpdatedAt
		case metadata:
			t.updatedAt = now
		}
		t.addedAt = after.AddedAt
		t.index = -1
		if after.Index != nil {
			t.index = int16(min(*after.Index, 32767))
		}
		stored := cloneTrack(after)
		stored.AlbumTitle, stored.ArtistTitle, stored.ParentYear = "", "", nil
		if sec.ext == nil {
			sec.ext = make(map[int64]*Track)
		}
		sec.ext[t.rk] = &stored
		t.flags |= flagExt
		if metadata {
			sec.touchEdit(now)
		}
	})
}

// metadataOnly blanks what EditTrack does not treat as a metadata change.
func metadataOnly(t Track) Track {
	t.RatingKey, t.SectionKey, t.ArtistRatingKey, t.AlbumTitle, t.ArtistTitle = "", "", "", "", ""
	t.ParentYear = nil
	t.UpdatedAt = 0
	t.ViewCount, t.SkipCount, t.UserRating, t.LastViewedAt = nil, nil, nil, nil
	return t
}

// RenameArtist changes an artist's title (and titleSort). Albums and tracks
// show the new name in later listings without their own updatedAt moving,
// exactly like PMS; files stay where they are, so file paths keep the old
// folder name.
func (s *Server) RenameArtist(ratingKey, title string) {
	s.mutate(func(now int64) {
		it := s.mustItem("RenameArtist", ratingKey, typeArtist)
		it.artist.dir = folder(it.artist.title, it.artist.dir)
		it.artist.title, it.artist.titleSort, it.artist.updatedAt = title, sortTitle(title), now
		it.sec.touchEdit(now)
	})
}

// RenameAlbum changes an album's title (see RenameArtist).
func (s *Server) RenameAlbum(ratingKey, title string) {
	s.mutate(func(now int64) {
		it := s.mustItem("RenameAlbum", ratingKey, typeAlbum)
		it.album.dir = folder(it.album.title, it.album.dir)
		it.album.title, it.album.titleSort, it.album.updatedAt = title, sortTitle(title), now
		it.sec.touchEdit(now)
	})
}

// RemoveSection deletes a library section and everything in it, as deleting
// a library in PMS does; its items also leave the dumb playlists holding them.
func (s *Server) RemoveSection(key string) {
	s.mutate(func(int64) {
		i := slices.IndexFunc(s.sections, func(sec *section) bool { return sec.Key == key })
		if i < 0 {
			panic(fmt.Sprintf("plextest: RemoveSection: %s has no section %q", s.name, key))
		}
		sec := s.sections[i]
		gone := make(map[int64]bool, len(sec.tracks)+len(sec.movies))
		for _, t := range sec.tracks {
			gone[t.rk] = true
		}
		for _, m := range sec.movies {
			gone[m.rk] = true
		}
		s.dropFromPlaylists(gone)
		s.sections = slices.Delete(s.sections, i, i+1)
	})
}

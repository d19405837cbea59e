package plextest

import (
	"math/rand/v2"
	"strings"
	"time"
)

// Every server numbers its own items from the same small integer, as real
// servers do: two servers of one account share many rating keys, of the
// same kinds even (each starts with an artist, then its album...), so any
// lookup or join that forgets the server finds the other server's rows.
const firstRK = 1000

// newRand returns the generator for one named stream of the seed.
func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// Streams of newRand.
const (
	streamOwned uint64 = iota + 0x5eed
	streamShared
	streamTokens
	streamOwnedToken
	streamSharedToken
	streamPINs
	streamSecond
)

// genLibrary fills an owned or shared server's library.
func (s *Server) genLibrary(opts Options) {
	r := newRand(opts.Seed, streamShared)
	if s.owned {
		r = newRand(opts.Seed, streamOwned)
	}
	s.nextRK = firstRK
	s.nextItemID = s.nextRK * 10
	if s.owned {
		music := s.newSection("1", kindMusic, "Music", r)
		s.genMusic(music, opts.Tracks, r)
		movies := s.newSection("2", kindMovie, "Movies", r)
		s.genMovies(movies, r)
		s.newSection("3", kindMusic, "Audiobooks", r)
		// A stream of its own keeps section 1 and the playlists' choices
		// independent of the second section's size.
		r2 := newRand(opts.Seed, streamSecond)
		second := s.newSection("4", kindMusic, "Vinyl Rips", r2)
		s.genMusic(second, opts.SecondTracks, r2)
		s.genOwnedPlaylists(music, second, movies, r)
	} else {
		music := s.newSection("1", kindMusic, "Friend's Music", r)
		s.genMusic(music, opts.SharedTracks, r)
		tr := music.tracks
		keys := make([]int64, 0, 10)
		for i := 0; i < 10 && i < len(tr); i++ {
			keys = append(keys, tr[(i*7)%len(tr)].rk)
		}
		s.genPlaylist(r, "Friend's Picks", "audio", "Songs a friend shares with you", keys)
	}
}

// stamp returns a generated epoch time: days before genBase.
func stamp(days float64) int64 {
	return genBase.Add(-time.Duration(days * float64(24*time.Hour))).Unix()
}

func (s *Server) newSection(key, kind, title string, r *rand.Rand) *section {
	sec := &section{srv: s, Section: Section{
		Key:              key,
		UUID:             uuidFrom(r.Uint64(), r.Uint64()),
		Type:             kind,
		Title:            title,
		Language:         "en-US",
		CreatedAt:        stamp(1500 + r.Float64()*300),
		ContentChangedAt: 40_000_000 + int64(r.IntN(2_000_000)),
	}}
	if kind == kindMusic {
		sec.Agent, sec.Scanner = "tv.plex.agents.music", "Plex Music"
	} else {
		sec.Agent, sec.Scanner = "tv.plex.agents.movie", "Plex Movie"
	}
	sec.ScannedAt = stamp(0.5 + r.Float64())
	sec.UpdatedAt = sec.ScannedAt + int64(r.IntN(600))
	s.sections = append(s.sections, sec)
	return sec
}

// genMusic generates n tracks: about 10 per album, 1–8 albums per artist.
// Rating keys are allocated artist, its first album, that album's tracks, …
// so each record slice is sorted by key as it grows.
func (s *Server) genMusic(sec *section, n int, r *rand.Rand) {
	special := make(map[int]int, len(specialTitles))
	for k := len(specialTitles) - 1; k >= 0; k-- {
		special[k*n/len(specialTitles)] = k
	}
	var arena strings.Builder
	arena.Grow(n * 22)
	sec.tracks = make([]trackRec, 0, n)
	const span = 1400.0 // days over which the library was added
	for artistNo := 0; len(sec.tracks) < n; artistNo++ {
		progress := float64(len(sec.tracks)) / float64(n)
		ar := artistRec{rk: s.allocRK(), addedAt: stamp(span*(1-progress) + 2 + r.Float64())}
		if artistNo%2 == 1 && artistNo/2 < len(specialArtists) {
			ar.title = specialArtists[artistNo/2]
		} else {
			ar.title = artistName(r)
		}
		ar.titleSort = sortTitle(ar.title)
		if r.IntN(3) > 0 {
			ar.summary = ar.title + " is a band that makes " + randomTitle(r) + " music."
		}
		if r.IntN(10) == 0 {
			ar.flags |= flagANoThumb
		}
		if r.IntN(12) == 0 {
			ar.flags |= flagANoGuids
		}
		ar.updatedAt = ar.addedAt + int64(r.IntN(86400*30))
		albums := 1 + r.IntN(8)
		for a := 0; a < albums && len(sec.tracks) < n; a++ {
			al := albumRec{rk: s.allocRK(), artist: ar.rk, addedAt: ar.addedAt + int64(a)*3600 + int64(r.IntN(3600))}
			if r.IntN(8) == 0 {
				al.title = "The " + randomTitle(r)
			} else {
				al.title = randomTitle(r)
			}
			al.titleSort = sortTitle(al.title)
			// The second album of the library never has a year; others
			// sometimes lack it, or lack only the exact date.
			if !(artistNo == 0 && a == 1) && r.IntN(10) > 0 {
				al.year = int16(1960 + r.IntN(65))
				if r.IntN(5) > 0 {
					al.month, al.day = uint8(1+r.IntN(12)), uint8(1+r.IntN(28))
				}
			}
			if r.IntN(6) == 0 {
				al.flags |= flagANoStudio
			}
			switch r.IntN(12) {
			case 0:
				al.flags |= flagANoGuids
			case 1:
				al.flags |= flagATwoGuids
			}
			count := min(5+r.IntN(11), n-len(sec.tracks))
			al.tracks = int32(count)
			al.updatedAt = al.addedAt + int64(r.IntN(86400*60))
			for i := range count {
				pos := len(sec.tracks)
				t := trackRec{rk: s.allocRK(), album: al.rk, addedAt: al.addedAt + int64(i), index: int16(i + 1),
					disc: 1, viewCount: -1, skipCount: -1, rating: -1}
				if count > 12 && i >= count/2 {
					t.disc = 2
				}
				t.updatedAt = t.addedAt + int64(r.IntN(86400*90))
				off := arena.Len()
				if k, ok := special[pos]; ok {
					arena.WriteString(specialTitles[k])
				} else {
					appendTitle(&arena, r)
				}
				t.titleOff, t.titleLen = uint32(off), uint16(arena.Len()-off)
				t.duration = int32(s.trackDuration(t.rk))
				t.flags = randomTrackFlags(r)
				if t.flags&flagNoIndexTmp != 0 {
					t.flags &^= flagNoIndexTmp
					t.index, t.disc = -1, -1
				}
				if r.IntN(4) == 0 {
					t.viewCount = int32(1 + r.IntN(60))
					t.lastViewedAt = t.addedAt + int64(r.IntN(86400*30))
					t.flags |= flagLastViewed
				}
				if r.IntN(10) == 0 {
					t.skipCount = int16(r.IntN(5))
				}
				if r.IntN(10) == 0 {
					t.rating = int8(r.IntN(11) * 10) // 0–10 in whole steps
				}
				if r.IntN(200) == 0 {
					t.duration = -1
				}
				sec.tracks = append(sec.tracks, t)
			}
			sec.albums = append(sec.albums, al)
			ar.albums++
		}
		sec.artists = append(sec.artists, ar)
	}
	sec.titles = arena.String()
	forceShapes(sec.tracks)
}

// flagNoIndexTmp marks, during generation only, a track without index.
const flagNoIndexTmp = flagLastViewed << 1

func randomTrackFlags(r *rand.Rand) uint16 {
	var f uint16
	x := r.IntN(1000)
	switch {
	case x < 50:
		f |= flagNoGuids
	case x < 100:
		f |= flagTwoGuids
	case x < 130:
		f |= flagLegacyGuid
	}
	y := r.IntN(1000)
	switch {
	case y < 30:
		f |= flagTwoMedia
	case y < 50:
		f |= flagTwoParts
	case y < 70:
		f |= flagNoBitrate
	}
	if r.IntN(20) == 0 {
		f |= flagOriginalTitle
	}
	if r.IntN(50) == 0 {
		f |= flagNoIndexTmp
	}
	return f
}

// forceShapes makes sure even a small section has every unusual shape,
// spread over the section.
func forceShapes(tr []trackRec) {
	n := len(tr)
	if n == 0 {
		return
	}
	shapes := []func(*trackRec){
		func(t *trackRec) { t.flags |= flagTwoMedia },
		func(t *trackRec) { t.flags |= flagTwoParts },
		func(t *trackRec) { t.flags = t.flags&^(flagTwoGuids|flagLegacyGuid) | flagNoGuids },
		func(t *trackRec) { t.flags = t.flags&^(flagNoGuids|flagLegacyGuid) | flagTwoGuids },
		func(t *trackRec) { t.flags = t.flags&^(flagNoGuids|flagTwoGuids) | flagLegacyGuid },
		func(t *trackRec) { t.index, t.disc = -1, -1 },
		func(t *trackRec) { t.flags |= flagOriginalTitle },
		func(t *trackRec) {
			t.viewCount, t.skipCount, t.rating = 7, 2, 80
			t.lastViewedAt = t.addedAt + 3600
			t.flags |= flagLastViewed
		},
		func(t *trackRec) { t.viewCount, t.skipCount, t.rating = -1, -1, -1; t.flags &^= flagLastViewed },
		func(t *trackRec) { t.duration = -1 },
		func(t *trackRec) { t.flags |= flagNoBitrate },
	}
	for k, shape := range shapes {
		shape(&tr[(k*n/len(shapes)+n/(2*len(shapes)))%n])
	}
}

func (s *Server) genMovies(sec *section, r *rand.Rand) {
	for i, title := range movieTitles {
		m := movieRec{rk: s.allocRK(), title: title, year: 1950 + r.IntN(75),
			duration: int64(5_400_000 + r.IntN(3_600_000)), addedAt: stamp(900 - float64(i)*100 + r.Float64())}
		m.updatedAt = m.addedAt + int64(r.IntN(86400))
		sec.movies = append(sec.movies, m)
	}
}

func (s *Server) genOwnedPlaylists(music, second, movies *section, r *rand.Rand) {
	tr := music.tracks
	n := len(tr)
	pick := func(count int) []int64 {
		keys := make([]int64, count)
		start := r.IntN(n)
		for i := range keys {
			keys[i] = tr[(start+i)%n].rk
		}
		return keys
	}
	s.genPlaylist(r, "Everything Long", "audio", "", pick(min(n, 2500)))
	a, b := tr[r.IntN(n)].rk, tr[r.IntN(n)].rk
	s.genPlaylist(r, "Same Song Twice", "audio", "", []int64{a, b, a})
	smart := s.genPlaylist(r, "Titles with A", "audio", "", nil)
	smart.smart = true
	smart.content = "library://x/directory/%2Flibrary%2Fsections%2F1%2Fall%3Ftype%3D10%26title%3Da"
	smart.rule = smartRule{section: "1", typ: typeTrack, filters: []filter{{field: "title", op: "=", text: "a"}}}
	s.genPlaylist(r, "Empty", "audio", "Nothing here yet", nil)
	var mk []int64
	for _, m := range movies.movies {
		mk = append(mk, m.rk)
	}
	s.genPlaylist(r, "Movie Night", "video", "", mk[:3])
	s.genPlaylist(r, "Road Trip 🚗", "audio", "Songs for the road", pick(min(n, 20)))
	s.genPlaylist(r, "Chill \"Evening\" / Late", "audio", "", pick(min(n, 12)))
	// Items from both music sections, interleaved, as a user builds them.
	var both []int64
	for i := range 8 {
		both = append(both, tr[(i*13)%n].rk, second.tracks[(i*5)%len(second.tracks)].rk)
	}
	s.genPlaylist(r, "Both Libraries", "audio", "From the main library and the vinyl rips", both)
}

func (s *Server) genPlaylist(r *rand.Rand, title, ptype, summary string, keys []int64) *playlist {
	p := &playlist{rk: s.allocRK(), title: title, ptype: ptype, summary: summary,
		guid: "com.plexapp.agents.none://" + uuidFrom(r.Uint64(), r.Uint64()), addedAt: stamp(200 + r.Float64()*100)}
	p.updatedAt = p.addedAt + int64(r.IntN(86400*100))
	for _, k := range keys {
		p.items = append(p.items, plItem{id: s.allocItemID(), rk: k})
	}
	s.playlists = append(s.playlists, p)
	return p
}

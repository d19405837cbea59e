package plextest

import "sync"

// Section kinds.
const (
	kindMusic = "artist"
	kindMovie = "movie"
)

// Metadata type numbers (docs/plex-api.md, "Item types").
const (
	typeMovie    = 1
	typeArtist   = 8
	typeAlbum    = 9
	typeTrack    = 10
	typePlaylist = 15
)

// section holds one library section. Each record slice is sorted by rating
// key; keys come from an increasing counter, so adding appends.
type section struct {
	Section
	srv     *Server
	artists []artistRec
	albums  []albumRec
	tracks  []trackRec
	movies  []movieRec
	// titles is an arena holding the generated track titles, so a track
	// record needs no pointer (a pointer-free slice is never scanned by the
	// garbage collector, which matters at a million tracks).
	titles string
	// ext holds the full model of tracks that were added or edited after
	// generation; their records carry flagExt.
	ext map[int64]*Track

	cacheMu sync.Mutex
	cache   map[orderKey]*orderCache
}

type artistRec struct {
	rk                 int64
	title, titleSort   string
	dir                string // folder of its files when renamed since the scan; "" = title
	summary            string // "" = absent
	addedAt, updatedAt int64
	albums             int32
	flags              uint8
}

type albumRec struct {
	rk, artist         int64
	title, titleSort   string
	dir                string // folder of its files when renamed since the scan; "" = title
	year               int16  // 0 = absent
	month, day         uint8  // 0 = no originallyAvailableAt
	addedAt, updatedAt int64
	tracks             int32
	flags              uint8
}

// trackRec has no pointers on purpose (see section.titles).
type trackRec struct {
	rk, album                        int64
	addedAt, updatedAt, lastViewedAt int64
	titleOff                         uint32
	titleLen                         uint16
	index                            int16 // -1 = absent
	duration                         int32 // -1 = absent
	viewCount                        int32 // -1 = absent
	skipCount                        int16 // -1 = absent
	disc                             int8  // -1 = absent
	rating                           int8  // userRating in tenths; -1 = absent
	flags                            uint16
}

type movieRec struct {
	rk                 int64
	title              string
	year               int
	duration           int64
	addedAt, updatedAt int64
}

// Shape flags of generated items.
const (
	flagExt           uint16 = 1 << iota // the full model is in section.ext
	flagNoGuids                          // no Guid array
	flagTwoGuids                         // mbid + legacy agent guid
	flagLegacyGuid                       // only a legacy agent guid
	flagTwoMedia                         // a second (mp3) Media
	flagTwoParts                         // the first Media has two Parts
	flagOriginalTitle                    // originalTitle set
	flagNoBitrate                        // Media without bitrate
	flagLastViewed                       // lastViewedAt set
)

// Artist/album flags.
const (
	flagANoGuids uint8 = 1 << iota
	flagANoThumb
	flagANoStudio
	flagATwoGuids
)

func (t *trackRec) title(sec *section) string {
	if t.flags&flagExt != 0 {
		return sec.ext[t.rk].Title
	}
	return sec.titles[t.titleOff : t.titleOff+uint32(t.titleLen)]
}

// titleSort of a track: PMS keeps it equal to the title unless edited.
func (t *trackRec) titleSort(sec *section) string {
	if t.flags&flagExt != 0 {
		return sec.ext[t.rk].TitleSort
	}
	return t.title(sec)
}

// findRec binary-searches records sorted by rating key. It is hand-written
// rather than slices.BinarySearchFunc so records are not copied per probe:
// rendering a page looks up every track's album and artist.
func findRec[T any](recs []T, rk int64, key func(*T) int64) (int, bool) {
	lo, hi := 0, len(recs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if key(&recs[m]) < rk {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(recs) && key(&recs[lo]) == rk
}

func (sec *section) artistIdx(rk int64) (int, bool) {
	return findRec(sec.artists, rk, func(a *artistRec) int64 { return a.rk })
}

func (sec *section) albumIdx(rk int64) (int, bool) {
	return findRec(sec.albums, rk, func(a *albumRec) int64 { return a.rk })
}

func (sec *section) trackIdx(rk int64) (int, bool) {
	return findRec(sec.tracks, rk, func(a *trackRec) int64 { return a.rk })
}

func (sec *section) movieIdx(rk int64) (int, bool) {
	return findRec(sec.movies, rk, func(a *movieRec) int64 { return a.rk })
}

func (sec *section) artist(rk int64) *artistRec {
	if i, ok := sec.artistIdx(rk); ok {
		return &sec.artists[i]
	}
	return nil
}

func (sec *section) album(rk int64) *albumRec {
	if i, ok := sec.albumIdx(rk); ok {
		return &sec.albums[i]
	}
	return nil
}

func (sec *section) track(rk int64) *trackRec {
	if i, ok := sec.trackIdx(rk); ok {
		return &sec.tracks[i]
	}
	return nil
}

func (sec *section) movie(rk int64) *movieRec {
	if i, ok := sec.movieIdx(rk); ok {
		return &sec.movies[i]
	}
	return nil
}

// item locates any library item by rating key.
type item struct {
	sec    *section
	typ    int
	artist *artistRec
	album  *albumRec
	track  *trackRec
	movie  *movieRec
}

func (s *Server) lookup(rk int64) (item, bool) {
	for _, sec := range s.sections {
		if t := sec.track(rk); t != nil {
			return item{sec: sec, typ: typeTrack, track: t}, true
		}
		if a := sec.album(rk); a != nil {
			return item{sec: sec, typ: typeAlbum, album: a}, true
		}
		if a := sec.artist(rk); a != nil {
			return item{sec: sec, typ: typeArtist, artist: a}, true
		}
		if m := sec.movie(rk); m != nil {
			return item{sec: sec, typ: typeMovie, movie: m}, true
		}
	}
	return item{}, false
}

func (s *Server) section(key string) *section {
	for _, sec := range s.sections {
		if sec.Key == key {
			return sec
		}
	}
	return nil
}

// folder is where a record's files live: renaming an item in Plex edits its
// metadata and leaves its files where they are.
func folder(title, dir string) string {
	if dir != "" {
		return dir
	}
	return title
}

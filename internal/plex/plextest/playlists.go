package plextest

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type playlist struct {
	rk                 int64
	title, ptype, guid string
	summary            string // "" = absent
	smart              bool
	content            string
	rule               smartRule
	items              []plItem // dumb playlists only
	addedAt, updatedAt int64

	// evalGen/eval cache the evaluation of a smart playlist for one
	// library generation (guarded by f.mu plus evalMu for the cache).
	evalGen uint64
	eval    []plItem
}

type plItem struct{ id, rk int64 }

// smartRule is a smart playlist's generator URI as the fake evaluates it:
// the section, the metadata type, the filters (all must hold; the string
// filters of listings, see filter) and a limit. sort is accepted and not
// evaluated: members come in the section's order. Any other parameter, a
// filter the fake does not model or a group (push/pop/or) is refused with
// 400, so that no test relies on a rule the fake would silently ignore.
type smartRule struct {
	section string
	typ     int
	filters []filter
	limit   int
}

// parseSmartRule reads "/library/sections/{key}/all?type=10&title=a".
func parseSmartRule(pathQuery string) (smartRule, error) {
	path, rawQuery, _ := strings.Cut(pathQuery, "?")
	rest, ok := strings.CutPrefix(path, "/library/sections/")
	key, tail, _ := strings.Cut(rest, "/")
	if !ok || key == "" || tail != "all" {
		return smartRule{}, fmt.Errorf("smart playlist uri must name /library/sections/{key}/all, got %q", path)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return smartRule{}, fmt.Errorf("smart playlist uri query %q: %w", rawQuery, err)
	}
	rule := smartRule{section: key, typ: typeTrack}
	if t := q.Get("type"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return smartRule{}, fmt.Errorf("smart playlist uri type %q is not a number", t)
		}
		rule.typ = n
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return smartRule{}, fmt.Errorf("smart playlist uri limit %q is not a count", l)
		}
		rule.limit = n
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a deterministic error and filter order
	for _, k := range keys {
		switch k {
		case "type", "limit", "sort":
			continue
		}
		for _, v := range q[k] {
			f, ok, _ := parseFilter(rule.typ, k, v, time.Time{})
			if !ok || f.op == ">>=" || f.op == "<<=" || f.field == "addedAt" || f.field == "lastViewedAt" {
				return smartRule{}, fmt.Errorf("smart playlist uri parameter %q=%q is not modelled by the fake", k, v)
			}
			rule.filters = append(rule.filters, f)
		}
	}
	return rule, nil
}

// playlistEntries returns the items of p now: stored for dumb playlists,
// evaluated (and cached per generation) for smart ones. Callers hold f.mu
// (read or write).
func (s *Server) playlistEntries(p *playlist) []plItem {
	if !p.smart {
		return p.items
	}
	s.f.evalMu.Lock()
	defer s.f.evalMu.Unlock()
	if p.eval != nil && p.evalGen == s.gen {
		return p.eval
	}
	var out []plItem
	sec := s.section(p.rule.section)
	if sec != nil && p.rule.typ == typeTrack {
		for i := range sec.tracks {
			if sec.matches(typeTrack, int32(i), p.rule.filters) {
				out = append(out, plItem{rk: sec.tracks[i].rk})
				if p.rule.limit > 0 && len(out) == p.rule.limit {
					break
				}
			}
		}
	}
	if out == nil {
		out = []plItem{}
	}
	p.eval, p.evalGen = out, s.gen
	return out
}

// containsFold reports whether s contains sub, ignoring case; ASCII needles
// are matched without allocating, since smart playlists are evaluated over
// whole sections.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	ascii := true
	for i := 0; i < len(sub); i++ {
		if sub[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
	}
	n := len(sub)
	lo, up := lowerASCII(sub[0]), upperASCII(sub[0])
	for i := 0; i+n <= len(s); {
		// Jump to the next occurrence of the first byte in either case.
		j := strings.IndexByte(s[i:len(s)-n+1], lo)
		if lo != up {
			if k := strings.IndexByte(s[i:len(s)-n+1], up); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j < 0 {
			return false
		}
		i += j
		k := 1
		for ; k < n; k++ {
			if lowerASCII(s[i+k]) != lowerASCII(sub[k]) {
				break
			}
		}
		if k == n {
			return true
		}
		i++
	}
	return false
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// playlistTotals returns leafCount and duration (ms) of p's current items.
func (s *Server) playlistTotals(p *playlist) (int, int64) {
	items := s.playlistEntries(p)
	var dur int64
	for _, it := range items {
		dur += s.itemDuration(it.rk)
	}
	return len(items), dur
}

// itemDuration is the duration PMS sums for a playlist entry.
func (s *Server) itemDuration(rk int64) int64 {
	it, ok := s.lookup(rk)
	if !ok {
		return 0
	}
	switch it.typ {
	case typeTrack:
		if it.track.flags&flagExt != 0 {
			if d := it.sec.ext[rk].Duration; d != nil {
				return *d
			}
			return 0
		}
		return int64(max(it.track.duration, 0))
	case typeMovie:
		return it.movie.duration
	}
	return 0
}

func (s *Server) playlistModel(p *playlist) Playlist {
	leaves, dur := s.playlistTotals(p)
	out := Playlist{
		RatingKey:    rkString(p.rk),
		Title:        p.title,
		PlaylistType: p.ptype,
		GUID:         p.guid,
		Smart:        p.smart,
		LeafCount:    leaves,
		Duration:     dur,
		AddedAt:      p.addedAt,
		UpdatedAt:    p.updatedAt,
	}
	if leaves > 0 {
		// The composite is a collage of the items' art: none without items.
		out.Composite = fmt.Sprintf("/playlists/%d/composite/%d", p.rk, p.updatedAt)
	}
	if p.summary != "" {
		out.Summary = ptr(p.summary)
	}
	if p.smart {
		out.Content = ptr(p.content)
	}
	return out
}

// insertPlaylist keeps s.playlists sorted by rating key.
func (s *Server) insertPlaylist(p *playlist) {
	i, _ := slices.BinarySearchFunc(s.playlists, p.rk, func(q *playlist, k int64) int { return cmpInt64(q.rk, k) })
	s.playlists = slices.Insert(s.playlists, i, p)
}

// playlistItemType is the metadata type a playlist of type ptype holds.
func playlistItemType(ptype string) int {
	if ptype == "video" {
		return typeMovie
	}
	return typeTrack
}

// expandKeys turns rating keys into playable entries of p's type, as PMS does
// when a playlist uri names an album or an artist: those stand for their
// tracks. Unknown keys and keys of the wrong type are skipped.
func (s *Server) expandKeys(ptype string, keys []int64) []int64 {
	want := playlistItemType(ptype)
	var out []int64
	for _, k := range keys {
		it, ok := s.lookup(k)
		if !ok {
			continue
		}
		switch {
		case it.typ == want:
			out = append(out, k)
		case want == typeTrack && it.typ == typeAlbum:
			out = append(out, it.sec.albumTrackKeys(k)...)
		case want == typeTrack && it.typ == typeArtist:
			for _, al := range it.sec.artistAlbumKeys(k) {
				out = append(out, it.sec.albumTrackKeys(al)...)
			}
		}
	}
	return out
}

func (sec *section) albumTrackKeys(album int64) []int64 {
	var keys []int64
	for i := range sec.tracks {
		if sec.tracks[i].album == album {
			keys = append(keys, sec.tracks[i].rk)
		}
	}
	return keys
}

func (sec *section) artistAlbumKeys(artist int64) []int64 {
	var keys []int64
	for i := range sec.albums {
		if sec.albums[i].artist == artist {
			keys = append(keys, sec.albums[i].rk)
		}
	}
	return keys
}

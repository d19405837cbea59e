package history

import (
	"sort"
	"strings"
)

// Track is a current track of the server a playlist is restored onto.
type Track struct {
	RatingKey  string
	GUID       string
	Guids      []string
	Title      string
	Artist     string
	Album      string
	DurationMS int64
}

// Catalog finds current tracks of the target server. Each method returns
// candidates; the matcher decides.
type Catalog interface {
	ByKey(ratingKey string) (Track, bool, error)
	ByGUID(guid string) ([]Track, error)
	// ByMBIDs returns, for each of the MusicBrainz ids, the tracks that
	// carry it; one call for the whole restore, so that a catalog can
	// answer it with one pass.
	ByMBIDs(mbids []string) (map[string][]Track, error)
	ByTitle(title string) ([]Track, error)
}

// How an item was matched, strongest first.
const (
	ByKey   = "rating key"
	ByGUID  = "guid"
	ByMBID  = "musicbrainz id"
	ByName  = "artist+album+title"
	NoMatch = "not found"
)

// DurationSlack is how far a name match's duration may be off.
const DurationSlack = 2000 // ms

// Match is the result for one saved item.
type Match struct {
	Item  Item
	By    string // one of the By* constants, or NoMatch
	Track Track  // valid unless By == NoMatch
}

// Matched reports whether the item was resolved.
func (m *Match) Matched() bool { return m.By != NoMatch }

// Resolve finds each item on the target server: the same rating key if it
// still carries the same guid, else the guid, else the MusicBrainz id, else
// artist + album + title with the duration within DurationSlack. Among
// several candidates the lowest rating key wins, so a result is stable.
func Resolve(items []Item, c Catalog) ([]Match, error) {
	out := make([]Match, len(items))
	var needMBID []int
	for i := range items {
		it := &items[i]
		out[i] = Match{Item: *it, By: NoMatch}
		if it.GUID != "" {
			t, ok, err := c.ByKey(it.RatingKey)
			if err != nil {
				return nil, err
			}
			if ok && t.GUID == it.GUID {
				out[i].By, out[i].Track = ByKey, t
				continue
			}
			ts, err := c.ByGUID(it.GUID)
			if err != nil {
				return nil, err
			}
			if len(ts) > 0 {
				out[i].By, out[i].Track = ByGUID, first(ts)
				continue
			}
		}
		needMBID = append(needMBID, i)
	}
	var rest []int
	if len(needMBID) > 0 {
		var ids []string
		for _, i := range needMBID {
			if id := items[i].MBID(); id != "" {
				ids = append(ids, id)
			}
		}
		var found map[string][]Track
		if len(ids) > 0 {
			var err error
			if found, err = c.ByMBIDs(ids); err != nil {
				return nil, err
			}
		}
		for _, i := range needMBID {
			if ts := found[items[i].MBID()]; items[i].MBID() != "" && len(ts) > 0 {
				out[i].By, out[i].Track = ByMBID, first(ts)
				continue
			}
			rest = append(rest, i)
		}
	}
	for _, i := range rest {
		it := &items[i]
		if it.Title == "" {
			continue
		}
		ts, err := c.ByTitle(it.Title)
		if err != nil {
			return nil, err
		}
		var hits []Track
		for _, t := range ts {
			if strings.EqualFold(t.Title, it.Title) && strings.EqualFold(t.Artist, it.Artist) &&
				strings.EqualFold(t.Album, it.Album) && closeDuration(t.DurationMS, it.DurationMS) {
				hits = append(hits, t)
			}
		}
		if len(hits) > 0 {
			out[i].By, out[i].Track = ByName, first(hits)
		}
	}
	return out, nil
}

// closeDuration: both known and within DurationSlack.
func closeDuration(a, b int64) bool {
	if a <= 0 || b <= 0 {
		return false
	}
	d := a - b
	return d >= -DurationSlack && d <= DurationSlack
}

// first is the candidate with the lowest rating key (numerically when the
// keys are numbers, as Plex's are).
func first(ts []Track) Track {
	sort.Slice(ts, func(i, j int) bool { return lessKey(ts[i].RatingKey, ts[j].RatingKey) })
	return ts[0]
}

func lessKey(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

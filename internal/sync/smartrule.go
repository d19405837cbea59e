package sync

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/plexm8/plexm8-sync/internal/db"
)

// A smart playlist's items are the tracks of one section that match its
// filters, sorted, perhaps cut to a limit. Its own signature (leafCount,
// duration, updatedAt) does not move when a track's edit reorders it or
// swaps one member for another, so a pass that changed the library must ask
// whether the change could have reached the playlist. It could only through
// a track that matches the filters before or after the change: a row that
// matches neither time is not a member either time, and the members'
// values, hence their order and which of them a limit keeps, are unchanged
// when none of them changed. The rows a pass touched, with their values
// before and after (touchedRows), settle that question without a request,
// whenever the rules are a conjunction of positive string filters on names
// the mirror holds. Anything else (other fields, negations, groups, a rule
// that does not parse) is answered "could": the items are refetched, as
// they were for every library change before.
//
// Per-user fields (plays, ratings) move no stamp and reach no touched row:
// a rule or sort on them waits for the scheduled full pass, as those fields
// themselves do. The sort is checked anyway, so that a sort on them is at
// least refetched whenever the library changed, as before.

// smartRule is the part of a smart playlist's rules that decides
// membership: the section and filters that are all to hold.
type smartRule struct {
	section string
	filters []stringFilter
}

// stringFilter is one positive string filter: field op any of values.
type stringFilter struct {
	fields []trackField // the column Plex compares, then others it might
	op     string       // "=", "==", "<=", ">="
	values []string     // folded; the filter holds if one of them matches
}

type trackField int

const (
	fieldTitle trackField = iota
	fieldAlbumTitle
	fieldArtistTitle
	fieldOriginalTitle
)

// errUnknownRule says a rule holds something the check does not evaluate.
var errUnknownRule = errors.New("smart playlist rule not evaluated")

func unknownRule(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUnknownRule, fmt.Sprintf(format, args...))
}

// filterFields maps the filter names the check evaluates to the mirrored
// columns they may compare. Each maps to at least the column Plex compares
// and possibly more: a wider match only costs a refetch. "title" on a track
// listing is the track's title (titleSort is a field of its own);
// "artist.title" is the album artist, and since Plex may also compare the
// track's own artist (originalTitle, set on compilations), that is tried too.
var filterFields = map[string][]trackField{
	"title":        {fieldTitle},
	"track.title":  {fieldTitle},
	"album.title":  {fieldAlbumTitle},
	"artist.title": {fieldArtistTitle, fieldOriginalTitle},
}

// sortFields are the sorts whose order depends only on the metadata of the
// track, its album and its artist: any change to those moves the stamp of
// the track or of its parent (delta.go's A1), and the touched rows hold
// every track of a changed parent. A sort on per-user fields (viewCount,
// lastViewedAt, userRating) or random is not among them.
var sortFields = map[string]bool{
	"title": true, "titleSort": true, "index": true, "parentIndex": true, "duration": true,
	"addedAt": true, "updatedAt": true, "originallyAvailableAt": true, "year": true, "id": true,
	"ratingKey": true,
}

// parseSmartRule reads a smart playlist's content URI,
// library://<uuid>/directory/<escaped /library/sections/N/all?type=10&…>.
// Filter names carry their operator (docs/plex-api.md, "Media queries"): "title=x" contains,
// "title==x" equals, "title<=x" begins with, "title>=x" ends with, and the
// operator may arrive URL-encoded in the name ("title%3D=x").
func parseSmartRule(content string) (smartRule, error) {
	rest, ok := strings.CutPrefix(content, "library://")
	if !ok {
		return smartRule{}, unknownRule("content %q is not a library:// URI", content)
	}
	_, dir, ok := strings.Cut(rest, "/directory/")
	if !ok {
		return smartRule{}, unknownRule("content %q names no directory", content)
	}
	pq, err := url.PathUnescape(dir)
	if err != nil {
		return smartRule{}, unknownRule("content %q: %v", content, err)
	}
	path, rawQuery, _ := strings.Cut(pq, "?")
	sec, ok := strings.CutPrefix(path, "/library/sections/")
	key, tail, _ := strings.Cut(sec, "/")
	if !ok || key == "" || tail != "all" {
		return smartRule{}, unknownRule("content path %q is not a section listing", path)
	}
	rule := smartRule{section: key}
	typed := false
	for _, pair := range strings.Split(rawQuery, "&") {
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(rawName)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			return smartRule{}, unknownRule("query %q does not decode", pair)
		}
		// "title==x" sent as is reads as the name "title" and the value
		// "=x": equals x, or contains "=x"? Neither reading covers the
		// other.
		if strings.HasPrefix(value, "=") {
			return smartRule{}, unknownRule("ambiguous operator in %q", pair)
		}
		field := strings.TrimRight(name, "!<>=")
		op := name[len(field):] + "="
		switch field {
		case "type":
			if op != "=" || value != "10" {
				return smartRule{}, unknownRule("type %q is not tracks", value)
			}
			typed = true
		case "limit":
			// A limit keeps a prefix of the sorted members: it changes
			// nothing the argument above needs.
			if n, err := strconv.Atoi(value); op != "=" || err != nil || n < 0 {
				return smartRule{}, unknownRule("limit %q", value)
			}
		case "sort":
			if op != "=" {
				return smartRule{}, unknownRule("sort operator %q", op)
			}
			for _, s := range strings.Split(value, ",") {
				s, _, _ = strings.Cut(s, ":") // :desc, :nullsLast
				_, s, _ = cutScope(s)
				if !sortFields[s] {
					return smartRule{}, unknownRule("sort on %q", s)
				}
			}
		default:
			fields, ok := filterFields[field]
			if !ok {
				return smartRule{}, unknownRule("filter on %q", field)
			}
			switch op {
			case "=", "==", "<=", ">=":
			default:
				return smartRule{}, unknownRule("operator %q on %s", op, field)
			}
			f := stringFilter{fields: fields, op: op}
			// Plex reads a comma as "or" between values; read as part of
			// one value, it is matched too (the whole value is a candidate).
			for _, v := range append(strings.Split(value, ","), value) {
				fv, ok := fold(v)
				if !ok {
					return smartRule{}, unknownRule("value %q holds characters the check does not fold", v)
				}
				f.values = append(f.values, fv)
			}
			rule.filters = append(rule.filters, f)
		}
	}
	if !typed {
		return smartRule{}, unknownRule("no type=10")
	}
	return rule, nil
}

// cutScope splits "track.title" into "track" and "title".
func cutScope(s string) (scope, field string, ok bool) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		switch s[:i] {
		case "track", "album", "artist":
			return s[:i], s[i+1:], true
		}
	}
	return "", s, false
}

// mayMatch reports whether the rule could select a track with these
// values: false only when some filter provably rejects it.
func (r smartRule) mayMatch(v *db.TrackVersion) bool {
	if v.Section != r.section {
		return false
	}
	for _, f := range r.filters {
		if !f.mayMatch(v) {
			return false
		}
	}
	return true
}

func (f stringFilter) mayMatch(v *db.TrackVersion) bool {
	for i, fl := range f.fields {
		var col = v.Title
		switch fl {
		case fieldAlbumTitle:
			col = v.AlbumTitle
		case fieldArtistTitle:
			col = v.ArtistTitle
		case fieldOriginalTitle:
			col = v.OriginalTitle
		}
		if !col.Valid {
			if i > 0 {
				continue // an extra column, compared only when present
			}
			// The mirror holds what Plex sent; Plex's own value behind
			// an absent one is not known here.
			return true
		}
		s, ok := fold(col.V)
		if !ok {
			return true
		}
		for _, want := range f.values {
			switch f.op {
			case "=":
				if strings.Contains(s, want) {
					return true
				}
			case "==":
				if s == want {
					return true
				}
			case "<=":
				if strings.HasPrefix(s, want) {
					return true
				}
			case ">=":
				if strings.HasSuffix(s, want) {
					return true
				}
			}
		}
	}
	return false
}

// fold lower-cases s and strips Latin diacritics, rune by rune. Matching
// folded strings can only find more matches than Plex's case- and
// accent-insensitive comparison, as long as fold equates whatever Plex does:
// a rune it has no rule for (other scripts, ligatures, ß, ø) fails it (ok
// false), and the caller assumes a match. Combining marks are dropped, so a
// decomposed "e\u0301" folds like "é".
func fold(s string) (string, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s), true
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteRune(r)
		case r >= 0x300 && r <= 0x36f: // combining diacritical marks
		case r >= 0xc0 && r < 0x180:
			base := latinBase[r-0xc0]
			if base == 0 {
				return "", false
			}
			b.WriteByte(base)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// latinBase is the lower-case base letter of U+00C0–U+017F where the letter
// is a base letter with diacritics (its canonical decomposition starts with
// an ASCII letter); 0 elsewhere (×, ÷, Æ, Ð, Ø, Þ, ß, æ, ð, ø, þ, Đ, đ, Ħ,
// ħ, ı, Ĳ, ĳ, ĸ, Ŀ, ŀ, Ł, ł, ŉ, Ŋ, ŋ, Œ, œ, Ŧ, ŧ, ſ).
var latinBase = func() [0xc0]byte {
	const rows = "" +
		"aaaaaa\x00c" + "eeeeiiii" + "\x00nooooo\x00" + "\x00uuuuy\x00\x00" + // U+00C0–U+00DF
		"aaaaaa\x00c" + "eeeeiiii" + "\x00nooooo\x00" + "\x00uuuuy\x00y" + // U+00E0–U+00FF
		"aaaaaaccccccccdd" + // U+0100–U+010F
		"\x00\x00eeeeeeeeeegggg" + // U+0110–U+011F
		"gggghh\x00\x00iiiiiiii" + // U+0120–U+012F
		"i\x00\x00\x00jjkk\x00llllll\x00" + // U+0130–U+013F
		"\x00\x00\x00nnnnnn\x00\x00\x00oooo" + // U+0140–U+014F
		"oo\x00\x00rrrrrrssssss" + // U+0150–U+015F
		"sstttt\x00\x00uuuuuuuu" + // U+0160–U+016F
		"uuuuwwyyyzzzzzz\x00" // U+0170–U+017F
	var t [0xc0]byte
	if len(rows) != len(t) {
		panic(fmt.Sprintf("latinBase has %d entries, want %d", len(rows), len(t)))
	}
	copy(t[:], rows)
	return t
}()

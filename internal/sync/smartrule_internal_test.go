package sync

import (
	"database/sql"
	"errors"
	"net/url"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/db"
)

// content builds a smart playlist's content URI the way PMS stores it.
func content(pathQuery string) string {
	return "library://5f2a/directory/" + url.QueryEscape(pathQuery)
}

func str(s string) sql.Null[string] { return sql.Null[string]{V: s, Valid: true} }

func TestParseSmartRuleRefusesWhatItCannotEvaluate(t *testing.T) {
	for _, c := range []string{
		"",
		"/library/sections/1/all?type=10&title=a", // not a library:// URI
		"library://x/item/%2Flibrary%2Fmetadata%2F5",
		"library://x/directory/%zz",
		content("/library/sections/1/all?title=a"),                // no type
		content("/library/sections/1/all?type=9&title=a"),         // albums
		content("/library/sections/1/search?type=10&title=a"),     // not /all
		content("/library/sections//all?type=10"),                 // no key
		content("/library/sections/1/all?type=10&title!=a"),       // does not contain
		content("/library/sections/1/all?type=10&title!==a"),      // not equal
		content("/library/sections/1/all?type=10&title==a"),       // ambiguous as sent
		content("/library/sections/1/all?type=10&genre=rock"),     // not mirrored
		content("/library/sections/1/all?type=10&userRating>>=8"), // per-user
		content("/library/sections/1/all?type=10&push=1&title=a&or=1&title=b&pop=1"),
		content("/library/sections/1/all?type=10&sort=viewCount:desc&limit=10"),
		content("/library/sections/1/all?type=10&sort=random"),
		content("/library/sections/1/all?type=10&limit=x"),
		content("/library/sections/1/all?type=10&title=%E6%97%A5"), // a script fold does not cover
		content("/library/sections/1/all?type=10&title=%zz"),
	} {
		if r, err := parseSmartRule(c); !errors.Is(err, errUnknownRule) {
			t.Errorf("parseSmartRule(%q) = %+v, %v; want errUnknownRule", c, r, err)
		}
	}
}

func TestSmartRuleMayMatch(t *testing.T) {
	track := func(section, title, album, artist string) *db.TrackVersion {
		return &db.TrackVersion{Section: section, Title: str(title), AlbumTitle: str(album),
			ArtistTitle: str(artist), OriginalTitle: str(artist)}
	}
	cases := []struct {
		rule  string
		track *db.TrackVersion
		want  bool
	}{
		{"type=10&title=a", track("1", "Blue", "X", "Y"), false},
		{"type=10&title=a", track("1", "BLACK", "X", "Y"), true},
		{"type=10&title=a", track("2", "Black", "X", "Y"), false}, // another section
		{"type=10&track.title=e", track("1", "Café", "X", "Y"), true},
		{"type=10&title=cafe", track("1", "CAFÉ", "X", "Y"), true},
		{"type=10&title=caf%C3%A9", track("1", "cafe", "X", "Y"), true},
		{"type=10&title=cafe", track("1", "cafe\u0301s", "X", "Y"), true}, // decomposed
		{"type=10&title=ss", track("1", "Straße", "X", "Y"), true},        // ß is not folded: assume a match
		{"type=10&title=x", track("1", "日本", "X", "Y"), true},
		{"type=10&title%3D=blue", track("1", "Blue", "X", "Y"), true}, // equals
		{"type=10&title%3D=blu", track("1", "Blue", "X", "Y"), false},
		{"type=10&title%3C=bl", track("1", "Blue", "X", "Y"), true}, // begins with
		{"type=10&title%3C=lu", track("1", "Blue", "X", "Y"), false},
		{"type=10&title%3E=ue", track("1", "Blue", "X", "Y"), true}, // ends with
		{"type=10&title%3E=bl", track("1", "Blue", "X", "Y"), false},
		{"type=10&title=zz,lu", track("1", "Blue", "X", "Y"), true}, // either value
		{"type=10&title%3D=a,b", track("1", "A,B", "X", "Y"), true}, // or the value whole
		{"type=10&artist.title=beat", track("1", "Blue", "X", "The Beatles"), true},
		{"type=10&artist.title=beat", track("1", "Beat It", "X", "Y"), false},
		{"type=10&album.title=abbey", track("1", "Blue", "Abbey Road", "Y"), true},
		{"type=10&album.title=abbey&title=z", track("1", "Blue", "Abbey Road", "Y"), false}, // both must hold
		{"type=10&album.title=abbey&sort=album.titleSort,track.index:desc&limit=5", track("1", "Blue", "Abbey Road", "Y"), true},
		{"type=10&title=a", &db.TrackVersion{Section: "1"}, true}, // names unknown
	}
	for _, c := range cases {
		r, err := parseSmartRule(content("/library/sections/1/all?" + c.rule))
		if err != nil {
			t.Errorf("parseSmartRule(%q): %v", c.rule, err)
			continue
		}
		if got := r.mayMatch(c.track); got != c.want {
			t.Errorf("%q may match %+v: %v, want %v", c.rule, *c.track, got, c.want)
		}
	}
}

func TestFoldLatin(t *testing.T) {
	for in, want := range map[string]string{
		"ÀÁÂÃÄÅàáâãäåĀāĂăĄą": "aaaaaaaaaaaaaaaaaa",
		"ÇçĆćĈĉĊċČč":         "cccccccccc",
		"ÑñŃńŅņŇň":           "nnnnnnnn",
		"ŠšŢţŤť":             "sstttt",
		"ŰűŲųŴŵŶŷŸŹźŻżŽž":    "uuuuwwyyyzzzzzz",
		"ÿÝý":                "yyy",
		"İĴĵĶķĹĺ":            "ijjkkll",
		"ŐőŔŕŘřŚś":           "oorrrrss",
		"Hello World":        "hello world",
	} {
		if got, ok := fold(in); !ok || got != want {
			t.Errorf("fold(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"Æ", "ß", "ø", "Œ", "ł", "ı", "ſ", "×", "Ω"} {
		if got, ok := fold(in); ok {
			t.Errorf("fold(%q) = %q, want not folded", in, got)
		}
	}
}

package db_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/db"
)

// symbolTracks are track titles with a symbol or emoji of every kind, each
// once: artist "DJ 🐙", album "🌊 Waves ♫".
var symbolTracks = []string{
	"🎸🔥 Fire Guitar 🔥🎸",     // astral emoji, a run of them
	"Fire🔥Guitar Solo",      // an emoji inside a word
	"Octo🦄Zebra",            // an emoji newer than unicode61's tables, inside a word
	"Plain Fire Song",       // words alone
	"👩‍👩‍👧 Family Portrait", // a ZWJ sequence
	"👩‍👩‍👧‍👦 Bigger Family", // a longer one
	"🏳️‍🌈 Pride",            // ZWJ with a variation selector
	"🇯🇵 Tokyo Drift",        // flags
	"🇫🇷 Paris",
	"👍🏽 Thumbs Medium", // skin tone
	"👍 Thumbs Plain",
	"1️⃣ Number One", // keycaps
	"#️⃣ Hashtag",
	"𝄞 Clef Song", // an astral symbol, not an emoji
	"★ Star ♥ Heart",
	"☂ Umbrella",
	"♫ Notes",
	"❤ Text Heart", // without and with U+FE0F
	"❤️ Emoji Heart",
	"Price €5",
}

// symbolDB is a database holding symbolTracks, written by hand (queued) and
// indexed by Open's drain, as rows the sqlite3 shell wrote would be.
func symbolDB(t *testing.T) *db.DB {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	d, err := db.Open(ctx, path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.W().Exec(`INSERT INTO servers (id, name, owned) VALUES ('s1', 'Home', 1);
		INSERT INTO artists (server_id, rating_key, section_key, title, hash) VALUES ('s1', 'ar', '1', 'DJ 🐙', 0);
		INSERT INTO albums (server_id, rating_key, section_key, artist_rating_key, title, artist_title, hash)
			VALUES ('s1', 'al', '1', 'ar', '🌊 Waves ♫', 'DJ 🐙', 0)`); err != nil {
		t.Fatal(err)
	}
	for i, title := range symbolTracks {
		if _, err := d.W().Exec(`INSERT INTO tracks (server_id, rating_key, section_key, album_rating_key, artist_rating_key,
			title, album_title, artist_title, track_number, hash) VALUES ('s1', ?, '1', 'al', 'ar', ?, '🌊 Waves ♫', 'DJ 🐙', ?, 0)`,
			"t"+title, title, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if d, err = db.Open(ctx, path, db.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func trackTitles(t *testing.T, d *db.DB, f db.TrackFilter) []string {
	t.Helper()
	ts, err := d.Tracks(context.Background(), f)
	if err != nil {
		t.Fatalf("tracks %+v: %v", f, err)
	}
	var out []string
	for _, tr := range ts {
		out = append(out, tr.Title.String)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string { return slices.Sorted(slices.Values(s)) }

// TestSearchSymbols: every kind of symbol and emoji is found where it is,
// inside words too; with words, both must match; an emoji without a skin
// tone finds it with any tone, one with a tone that tone only; and a
// variation selector (text or emoji style) makes no difference.
func TestSearchSymbols(t *testing.T) {
	d := symbolDB(t)
	all := slices.Sorted(slices.Values(symbolTracks))
	for _, c := range []struct {
		search string
		want   []string
	}{
		{"🔥", sorted("🎸🔥 Fire Guitar 🔥🎸", "Fire🔥Guitar Solo")},
		{"🔥🎸", sorted("🎸🔥 Fire Guitar 🔥🎸")},
		{"fire 🔥", sorted("🎸🔥 Fire Guitar 🔥🎸", "Fire🔥Guitar Solo")}, // not "Plain Fire Song"
		{"🔥 solo", sorted("Fire🔥Guitar Solo")},
		{"Fire🔥Guitar", sorted("🎸🔥 Fire Guitar 🔥🎸", "Fire🔥Guitar Solo")},
		{"guitar", sorted("🎸🔥 Fire Guitar 🔥🎸", "Fire🔥Guitar Solo")},
		{"zebra", sorted("Octo🦄Zebra")},
		{"🦄", sorted("Octo🦄Zebra")},
		{"octo🦄zeb", sorted("Octo🦄Zebra")},
		{"👩‍👩‍👧", sorted("👩‍👩‍👧 Family Portrait", "👩‍👩‍👧‍👦 Bigger Family")},
		{"👩‍👩‍👧‍👦", sorted("👩‍👩‍👧‍👦 Bigger Family")},
		{"👩‍👩‍👧 portrait", sorted("👩‍👩‍👧 Family Portrait")},
		{"🏳️‍🌈", sorted("🏳️‍🌈 Pride")},
		{"🏳‍🌈", sorted("🏳️‍🌈 Pride")}, // typed without U+FE0F
		{"🌈", sorted("🏳️‍🌈 Pride")},
		{"🇯🇵", sorted("🇯🇵 Tokyo Drift")},
		{"🇫🇷 paris", sorted("🇫🇷 Paris")},
		{"👍", sorted("👍🏽 Thumbs Medium", "👍 Thumbs Plain")},
		{"👍🏽", sorted("👍🏽 Thumbs Medium")},
		{"👍🏿", nil},
		{"1️⃣", sorted("1️⃣ Number One")},
		{"#️⃣", sorted("#️⃣ Hashtag")},
		{"#⃣ hashtag", sorted("#️⃣ Hashtag")},
		{"𝄞", sorted("𝄞 Clef Song")},
		{"★", sorted("★ Star ♥ Heart")},
		{"♥ star", sorted("★ Star ♥ Heart")},
		{"☂", sorted("☂ Umbrella")},
		{"♫", all}, // in the album's title
		{"🌊 ☂", sorted("☂ Umbrella")},
		{"❤", sorted("❤ Text Heart", "❤️ Emoji Heart")},
		{"❤️", sorted("❤ Text Heart", "❤️ Emoji Heart")},
		{"€", sorted("Price €5")},
		{"🐙", all},
		{"🚗", nil},
		{"star ☂", nil}, // both must match
		{"fire 🚗", nil},
	} {
		if got := trackTitles(t, d, db.TrackFilter{Search: c.search}); !slices.Equal(got, c.want) {
			t.Errorf("search %q found %q, want %q", c.search, got, c.want)
		}
	}
	// Filters take symbols too, and only in their column.
	if got := trackTitles(t, d, db.TrackFilter{Artist: "🐙", Search: "☂"}); !slices.Equal(got, []string{"☂ Umbrella"}) {
		t.Errorf("--artist 🐙 ☂: %q", got)
	}
	if got := trackTitles(t, d, db.TrackFilter{Artist: "🌊"}); len(got) != 0 {
		t.Errorf("--artist 🌊 (the album's emoji): %q", got)
	}
	if got := trackTitles(t, d, db.TrackFilter{Album: "waves ♫", Search: "🇯🇵"}); !slices.Equal(got, []string{"🇯🇵 Tokyo Drift"}) {
		t.Errorf("--album 'waves ♫' 🇯🇵: %q", got)
	}
	ctx := context.Background()
	ar, err := d.Artists(ctx, db.ArtistFilter{Search: "🐙"})
	if err != nil || len(ar) != 1 || ar[0].Title.String != "DJ 🐙" {
		t.Errorf("artists 🐙: %v %v", ar, err)
	}
	if ar, err := d.Artists(ctx, db.ArtistFilter{Search: "dj 🌊"}); err != nil || len(ar) != 0 {
		t.Errorf("artists 'dj 🌊': %v %v", ar, err)
	}
	al, err := d.Albums(ctx, db.AlbumFilter{Search: "🌊 ♫"})
	if err != nil || len(al) != 1 || al[0].Title.String != "🌊 Waves ♫" {
		t.Errorf("albums '🌊 ♫': %v %v", al, err)
	}
	if al, err := d.Albums(ctx, db.AlbumFilter{Search: "waves", Artist: "🐙"}); err != nil || len(al) != 1 {
		t.Errorf("albums waves --artist 🐙: %v %v", al, err)
	}
}

// TestSearchSymbolsSyntax: what is typed next to a symbol is never FTS5 or
// LIKE syntax.
func TestSearchSymbolsSyntax(t *testing.T) {
	d := symbolDB(t)
	for _, search := range []string{`★"`, `"★ OR ☂"`, `★* NOT ☂`, `☂%`, `%☂`, `_☂`, `🔥"🎸`, `👩‍👩‍👧" OR "x`, `{title}:★`, `NEAR(★ ☂)`} {
		got, err := d.Tracks(context.Background(), db.TrackFilter{Search: search})
		if err != nil {
			t.Errorf("search %q: %v", search, err)
			continue
		}
		for _, tr := range got {
			if !strings.ContainsAny(tr.Title.String, "★☂🔥👩") {
				t.Errorf("search %q found %q", search, tr.Title.String)
			}
		}
	}
	if got := trackTitles(t, d, db.TrackFilter{Search: `"☂"`}); !slices.Equal(got, []string{"☂ Umbrella"}) {
		t.Errorf(`search "☂" (quoted): %q`, got)
	}
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// update (service_test.go) rewrites the golden files in testdata.

// showcase holds the rating keys of the tracks addShowcase put into the
// owned server.
type showcase struct {
	beyonce, zoe, utada, unicornios string // artists
	tracks                          []string
}

// addShowcase adds to the fake, through its own mutations, names a rune
// counting or ASCII-only search gets wrong: a composed accent (Beyoncé), a
// combining mark (Zoe + U+0308), Japanese without spaces, Thai, emoji and a
// ZWJ sequence. Their durations are fixed so golden output does not depend
// on the generator. The playlist "Unicode ✓" holds them all, in order.
func addShowcase(t *testing.T, f *plextest.Fake) showcase {
	t.Helper()
	s := f.Owned()
	var sc showcase
	add := func(artist, album string, titles ...string) string {
		ar := s.AddArtist("1", artist)
		al := s.AddAlbum(ar, album, 0)
		for i, title := range titles {
			rk := s.AddTrack(al, title)
			d := int64(60_000*(i+2) + 1_000*(len(sc.tracks)+7))
			s.EditTrack(rk, func(tr *plextest.Track) { tr.Duration = &d })
			sc.tracks = append(sc.tracks, rk)
		}
		return ar
	}
	sc.beyonce = add("Beyoncé", "Lemonade", "Formation", "Hold Up")
	sc.zoe = add("Zoe\u0308 Keating", "Into the Trees", "Cre\u0300me bru\u0302le\u0301e", "ขอบใจจริงๆ")
	sc.utada = add("宇多田ヒカル", "初恋", "初恋", "誰かの願いが叶うころ", "花束を君に")
	sc.unicornios = add("Los 🦄 Unicornios", "🎸 Guitarras", "Fiesta 🎉", "👨‍👩‍👧‍👦 Familia")
	s.CreatePlaylist("Unicode ✓", sc.tracks)
	return sc
}

// queryEnv is a fake Plex (with the showcase) mirrored by the CLI's own sync.
type queryEnv struct {
	fake *plextest.Fake
	sc   showcase
	env  map[string]string
	db   string
}

func newQueryEnv(t *testing.T, o plextest.Options) *queryEnv {
	t.Helper()
	f, err := plextest.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	q := &queryEnv{fake: f, sc: addShowcase(t, f)}
	dir := t.TempDir()
	cfg := fmt.Sprintf("state_dir: %q\nplex:\n  tv_url: %q\n  clients_url: %q\n  requests_per_second: 1000\n", dir, f.TVURL(), f.ClientsURL())
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	q.db = filepath.Join(dir, "plexm8.db")
	q.env = map[string]string{"PLEXM8_CONFIG": path, "PLEXM8_TOKEN": f.AccountToken()}
	q.sync(t)
	return q
}

func (q *queryEnv) sync(t *testing.T, args ...string) {
	t.Helper()
	if r := run(t, q.env, append([]string{"sync"}, args...)...); r.code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// ok runs a command that must succeed.
func (q *queryEnv) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := run(t, q.env, args...)
	if r.code != 0 {
		t.Fatalf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// jsonRows runs a list command with --json and parses its array.
func (q *queryEnv) jsonRows(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	out := q.ok(t, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%q --json is not a JSON array: %v\n%s", args, err, out)
	}
	return rows
}

func titles(rows []map[string]any, key string) []string {
	var out []string
	for _, r := range rows {
		s, _ := r[key].(string)
		out = append(out, s)
	}
	return out
}

func TestSearchFindsAcrossScripts(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 400})
	for _, c := range []struct {
		search string
		want   []string // titles, best first when ordered
		order  bool
	}{
		{"beyonce", []string{"Formation", "Hold Up"}, false},                             // composed é
		{"BEYONCÉ formation", []string{"Formation"}, true},                               // case, accent, two words
		{"form", []string{"Formation"}, true},                                            // a prefix
		{"zoe keating", []string{"Cre\u0300me bru\u0302le\u0301e", "ขอบใจจริงๆ"}, false}, // combining mark in the name
		{"creme brulee", []string{"Cre\u0300me bru\u0302le\u0301e"}, true},
		{"初恋", []string{"初恋", "誰かの願いが叶うころ", "花束を君に"}, false},  // two CJK characters: album and title
		{"願いが叶う", []string{"誰かの願いが叶うころ"}, true},               // inside a longer run (trigrams)
		{"ヒカル", []string{"初恋", "誰かの願いが叶うころ", "花束を君に"}, false}, // end of the artist's name
		{"宇多田 花束", []string{"花束を君に"}, true},                   // two spaceless terms
		{"ใจจริง", []string{"ขอบใจจริงๆ"}, true},              // Thai
		{"🦄", []string{"Fiesta 🎉", "👨‍👩‍👧‍👦 Familia"}, false}, // an emoji is a word
		{"unicornios fiesta", []string{"Fiesta 🎉"}, true},
		{"keating ใจ", []string{"ขอบใจจริงๆ"}, true}, // a word and a short Thai run
	} {
		rows := q.jsonRows(t, "tracks", "--search", c.search, "--limit", "0")
		got := titles(rows, "title")
		want := slices.Clone(c.want)
		if !c.order {
			sort.Strings(got)
			sort.Strings(want)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("search %q found %q, want %q", c.search, got, want)
		}
	}
	// Ranking: a title hit outranks an album hit.
	rows := q.jsonRows(t, "tracks", "初恋", "--limit", "1")
	if len(rows) != 1 || rows[0]["title"] != "初恋" {
		t.Errorf("best hit for 初恋 is %v, want the track titled so", titles(rows, "title"))
	}
	if r := run(t, q.env, "tracks", "--search", "-- & !"); r.code != 2 || !strings.Contains(r.stderr, "letter") {
		t.Errorf("punctuation search: exit %d %q", r.code, r.stderr)
	}
}

// TestSearchFindsSymbolsAndEmoji: `tracks`, `albums` and `artists` find
// symbols and emoji of every kind (in the fake's own titles too, such as
// "🎸🔥 Fire Guitar 🔥🎸"), inside words as well; a search of words and
// emoji needs both. Each search is checked against the fake: the tracks
// whose names hold every symbol run (ignoring variation selectors) and
// start a word with every word.
func TestSearchFindsSymbolsAndEmoji(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 400})
	s := q.fake.Owned()
	al := s.AddAlbum(s.AddArtist("1", "DJ 🐙"), "🌊 Waves ♫", 0)
	for _, title := range []string{"Fire🔥Guitar Solo", "Octo🦄Zebra", "👩‍👩‍👧 Family Portrait", "👩‍👩‍👧‍👦 Bigger Family",
		"🏳️‍🌈 Pride", "🇯🇵 Tokyo Drift", "🇫🇷 Paris", "👍🏽 Thumbs Medium", "👍 Thumbs Plain", "1️⃣ Number One",
		"#️⃣ Hashtag", "𝄞 Clef", "★ Star ♥ Heart", "☂ Umbrella", "❤️ Heart Emoji", "❤ Heart Text"} {
		s.AddTrack(al, title)
	}
	q.sync(t)
	noVS := strings.NewReplacer("\ufe0e", "", "\ufe0f", "")
	for _, c := range []struct {
		search    string
		subs      []string // symbol runs every hit holds
		words     []string // words every hit has a word starting with
		has, hasn string   // a title among the hits, and one not
	}{
		{"🔥", []string{"🔥"}, nil, "🎸🔥 Fire Guitar 🔥🎸", "Octo🦄Zebra"},
		{"🎸", []string{"🎸"}, nil, "🎸🔥 Fire Guitar 🔥🎸", ""},
		{"fire 🔥", []string{"🔥"}, []string{"fire"}, "Fire🔥Guitar Solo", ""},
		{"Fire🔥Guitar", []string{"🔥"}, []string{"fire", "guitar"}, "🎸🔥 Fire Guitar 🔥🎸", ""},
		{"zebra", nil, []string{"zebra"}, "Octo🦄Zebra", ""},
		{"🦄", []string{"🦄"}, nil, "Octo🦄Zebra", "Fire🔥Guitar Solo"},
		{"👩‍👩‍👧", []string{"👩‍👩‍👧"}, nil, "👩‍👩‍👧 Family Portrait", "Octo🦄Zebra"},
		{"👩‍👩‍👧‍👦", []string{"👩‍👩‍👧‍👦"}, nil, "👩‍👩‍👧‍👦 Bigger Family", "👩‍👩‍👧 Family Portrait"},
		{"🏳️‍🌈", []string{"🏳‍🌈"}, nil, "🏳️‍🌈 Pride", ""},
		{"🇯🇵", []string{"🇯🇵"}, nil, "🇯🇵 Tokyo Drift", "🇫🇷 Paris"},
		{"👍", []string{"👍"}, nil, "👍🏽 Thumbs Medium", ""}, // any skin tone
		{"👍🏽", []string{"👍🏽"}, nil, "👍🏽 Thumbs Medium", "👍 Thumbs Plain"},
		{"1️⃣", []string{"1⃣"}, nil, "1️⃣ Number One", ""},
		{"#️⃣", []string{"#⃣"}, nil, "#️⃣ Hashtag", ""},
		{"𝄞", []string{"𝄞"}, nil, "𝄞 Clef", ""},
		{"★", []string{"★"}, nil, "★ Star ♥ Heart", ""},
		{"♥ star", []string{"♥"}, []string{"star"}, "★ Star ♥ Heart", ""},
		{"☂", []string{"☂"}, nil, "☂ Umbrella", ""},
		{"♫", []string{"♫"}, nil, "☂ Umbrella", ""}, // the album's
		{"❤️", []string{"❤"}, nil, "❤ Heart Text", ""},
		{"🚗", []string{"🚗"}, nil, "", ""},
		{"star ☂", []string{"☂"}, []string{"star"}, "", "☂ Umbrella"},
	} {
		want := map[string]bool{}
		for _, srv := range q.fake.Servers() {
			for _, sec := range srv.Sections() {
				if sec.Type != "artist" {
					continue
				}
				for _, tr := range srv.Tracks(sec.Key) {
					text := noVS.Replace(tr.Title + " " + tr.ArtistTitle + " " + tr.AlbumTitle)
					hit := true
					for _, sub := range c.subs {
						hit = hit && strings.Contains(text, sub)
					}
					all := words(text)
					for _, w := range c.words {
						hit = hit && slices.ContainsFunc(all, func(x string) bool { return strings.HasPrefix(x, w) })
					}
					if hit {
						want[srv.MachineID()+"/"+tr.RatingKey] = true
					}
				}
			}
		}
		rows := q.jsonRows(t, "tracks", "--search", c.search, "--limit", "0")
		got := map[string]bool{}
		for _, r := range rows {
			got[r["server_id"].(string)+"/"+r["rating_key"].(string)] = true
		}
		found := titles(rows, "title")
		if !reflect.DeepEqual(got, want) || (c.has != "") != slices.Contains(found, c.has) || slices.Contains(found, c.hasn) {
			t.Errorf("search %q: %d tracks %q, the fake has %d matching", c.search, len(got), found, len(want))
		}
	}
	if got := titles(q.jsonRows(t, "artists", "🐙"), "title"); !reflect.DeepEqual(got, []string{"DJ 🐙"}) {
		t.Errorf("artists 🐙: %q", got)
	}
	if got := titles(q.jsonRows(t, "artists", "--search", "🦄"), "title"); !reflect.DeepEqual(got, []string{"Los 🦄 Unicornios"}) {
		t.Errorf("artists 🦄: %q", got)
	}
	if got := titles(q.jsonRows(t, "albums", "🌊 ♫"), "title"); !reflect.DeepEqual(got, []string{"🌊 Waves ♫"}) {
		t.Errorf("albums '🌊 ♫': %q", got)
	}
	if got := titles(q.jsonRows(t, "albums", "waves", "--artist", "🐙"), "title"); !reflect.DeepEqual(got, []string{"🌊 Waves ♫"}) {
		t.Errorf("albums waves --artist 🐙: %q", got)
	}
	if rows := q.jsonRows(t, "albums", "guitarras 🌊"); len(rows) != 0 {
		t.Errorf("albums 'guitarras 🌊': %q", titles(rows, "title"))
	}
	if got := titles(q.jsonRows(t, "tracks", "--artist", "🐙", "☂"), "title"); !reflect.DeepEqual(got, []string{"☂ Umbrella"}) {
		t.Errorf("tracks --artist 🐙 ☂: %q", got)
	}
}

// words splits s the way the word index does, for ASCII queries.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

func TestSearchMatchesTheFake(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 400})
	for _, search := range []string{"love", "night star", "the", "ghost", "echo wild"} {
		want := map[string]bool{}
		for _, srv := range q.fake.Servers() {
			for _, sec := range srv.Sections() {
				if sec.Type != "artist" {
					continue
				}
				for _, tr := range srv.Tracks(sec.Key) {
					all := words(tr.Title + " " + tr.ArtistTitle + " " + tr.AlbumTitle)
					hit := true
					for _, w := range strings.Fields(search) {
						hit = hit && slices.ContainsFunc(all, func(x string) bool { return strings.HasPrefix(x, w) })
					}
					if hit {
						want[srv.MachineID()+"/"+tr.RatingKey] = true
					}
				}
			}
		}
		rows := q.jsonRows(t, "tracks", "--search", search, "--limit", "0")
		got := map[string]bool{}
		for _, r := range rows {
			got[r["server_id"].(string)+"/"+r["rating_key"].(string)] = true
		}
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("search %q: %d results, the fake has %d matching tracks", search, len(got), len(want))
		}
	}
}

func TestTracksFilters(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 400})
	s := q.fake.Owned()

	rows := q.jsonRows(t, "tracks", "--artist", "beyonce")
	if got := titles(rows, "title"); !reflect.DeepEqual(got, []string{"Formation", "Hold Up"}) {
		t.Errorf("--artist beyonce: %q", got)
	}
	// Whole words: "key" is not "Keating".
	if rows := q.jsonRows(t, "tracks", "--artist", "keat"); len(rows) != 0 {
		t.Errorf("--artist matched a word prefix: %q", titles(rows, "title"))
	}
	rows = q.jsonRows(t, "tracks", "--album", "into trees", "--artist", "zoe")
	if len(rows) != 2 {
		t.Errorf("--album and --artist: %q", titles(rows, "title"))
	}
	rows = q.jsonRows(t, "tracks", "--playlist", "unicode ✓")
	if len(rows) != len(q.sc.tracks) {
		t.Fatalf("--playlist: %d tracks, want %d", len(rows), len(q.sc.tracks))
	}
	for i, r := range rows {
		if r["rating_key"] != q.sc.tracks[i] || r["position"] != float64(i) {
			t.Fatalf("--playlist entry %d: %v", i, r)
		}
	}
	rows = q.jsonRows(t, "tracks", "--playlist", "Unicode ✓", "--search", "familia")
	if len(rows) != 1 || rows[0]["position"] != float64(len(q.sc.tracks)-1) {
		t.Errorf("--playlist with --search: %v", rows)
	}
	if r := run(t, q.env, "tracks", "--playlist", "nope"); r.code != 1 || !strings.Contains(r.stderr, "Unicode ✓") {
		t.Errorf("unknown playlist: exit %d %q", r.code, r.stderr)
	}
	if r := run(t, q.env, "tracks", "--server", "nope"); r.code != 1 || !strings.Contains(r.stderr, "Home Server") {
		t.Errorf("unknown server: exit %d %q", r.code, r.stderr)
	}
	home := q.jsonRows(t, "tracks", "--server", "home server", "--limit", "0")
	friend := q.jsonRows(t, "tracks", "--server", q.fake.Shared().MachineID(), "--limit", "0")
	if len(friend) != len(q.fake.Shared().Tracks("1")) || len(home)+len(friend) != len(q.jsonRows(t, "tracks", "--limit", "0")) {
		t.Errorf("--server: home %d, friend %d", len(home), len(friend))
	}

	// --limit cuts and says so on stderr, keeping stdout data.
	r := run(t, q.env, "tracks", "--limit", "3", "--csv")
	if recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll(); err != nil || len(recs) != 4 || !strings.Contains(r.stderr, "--limit 0") {
		t.Errorf("--limit 3: %d records, %v, stderr %q", len(recs), err, r.stderr)
	}

	// A track removed from Plex leaves the list and shows with --removed;
	// a renamed one is found under its new name only.
	s.RemoveTrack(q.sc.tracks[0])
	s.EditTrack(q.sc.tracks[1], func(tr *plextest.Track) { tr.Title = "Sorry" })
	q.sync(t)
	if got := titles(q.jsonRows(t, "tracks", "beyonce"), "title"); !reflect.DeepEqual(got, []string{"Sorry"}) {
		t.Errorf("after the sync, beyonce finds %q", got)
	}
	if rows := q.jsonRows(t, "tracks", "hold up"); len(rows) != 0 {
		t.Errorf("the old title is still found: %v", rows)
	}
	rows = q.jsonRows(t, "tracks", "--removed", "--limit", "0")
	if len(rows) != 1 || rows[0]["title"] != "Formation" || rows[0]["removed_at"] == nil {
		t.Errorf("--removed: %v", rows)
	}
	if out := q.ok(t, "tracks", "--removed"); !strings.Contains(out, "REMOVED") || !strings.Contains(out, time.Now().Format("2006-01-02")) {
		t.Errorf("--removed table:\n%s", out)
	}
}

// TestUnicodeGolden pins the table of the showcase playlist: every column
// starts at the same display column, whatever the script.
func TestUnicodeGolden(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 100})
	got := q.ok(t, "tracks", "--playlist", "Unicode ✓")
	golden := filepath.Join("testdata", "tracks_unicode.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("got:\n%s\nwant (%s):\n%s", got, golden, want)
	}
}

func TestListJSONAndCSVAgree(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 300})
	owned, shared := q.fake.Owned(), q.fake.Shared()
	count := func(f func(srv *plextest.Server, section string) int) int {
		n := 0
		for _, srv := range []*plextest.Server{owned, shared} {
			for _, sec := range srv.Sections() {
				if sec.Type == "artist" {
					n += f(srv, sec.Key)
				}
			}
		}
		return n
	}
	audio := 0
	for _, srv := range []*plextest.Server{owned, shared} {
		for _, p := range srv.Playlists() {
			if p.PlaylistType == "audio" {
				audio++
			}
		}
	}
	for _, c := range []struct {
		args []string
		keys []string
		rows int
	}{
		{[]string{"tracks", "--limit", "0"}, []string{"server_id", "server", "rating_key", "position", "title", "artist", "album",
			"disc", "track", "year", "duration_ms", "added_at", "updated_at", "removed_at"},
			count(func(s *plextest.Server, k string) int { return len(s.Tracks(k)) })},
		{[]string{"artists", "--limit", "0"}, []string{"server_id", "server", "rating_key", "title", "albums", "tracks", "added_at", "updated_at"},
			count(func(s *plextest.Server, k string) int { return len(s.Artists(k)) })},
		{[]string{"albums", "--limit", "0"}, []string{"server_id", "server", "rating_key", "title", "artist", "year", "tracks",
			"duration_ms", "added_at", "updated_at"},
			count(func(s *plextest.Server, k string) int { return len(s.Albums(k)) })},
		{[]string{"playlists"}, []string{"server_id", "server", "rating_key", "title", "type", "smart", "items", "duration_ms",
			"added_at", "updated_at", "versions"}, audio},
		{[]string{"sql", "SELECT title, artist_title AS artist, duration_ms, NULL AS absent FROM current_tracks ORDER BY server_id, rating_key"},
			[]string{"title", "artist", "duration_ms", "absent"},
			count(func(s *plextest.Server, k string) int { return len(s.Tracks(k)) })},
	} {
		rows := q.jsonRows(t, c.args...)
		if len(rows) != c.rows {
			t.Errorf("%s --json: %d rows, want %d", c.args[0], len(rows), c.rows)
		}
		out := q.ok(t, append(c.args, "--csv")...)
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%s --csv does not read back: %v", c.args[0], err)
		}
		if !reflect.DeepEqual(recs[0], c.keys) {
			t.Errorf("%s --csv header %q, want %q", c.args[0], recs[0], c.keys)
		}
		if len(recs)-1 != len(rows) {
			t.Fatalf("%s: %d CSV records, %d JSON objects", c.args[0], len(recs)-1, len(rows))
		}
		for i, obj := range rows {
			keys := make([]string, 0, len(obj))
			for k := range obj {
				keys = append(keys, k)
			}
			if sort.Strings(keys); !slices.Equal(keys, slices.Sorted(slices.Values(c.keys))) {
				t.Fatalf("%s --json object %d has keys %q, want %q", c.args[0], i, keys, c.keys)
			}
			for j, k := range c.keys {
				if got, want := recs[i+1][j], csvCell(obj[k]); got != want {
					t.Fatalf("%s row %d %s: CSV %q, JSON %q", c.args[0], i, k, got, want)
				}
			}
		}
		// Names with quotes, commas, newlines and tabs survive both.
		if c.args[0] == "tracks" {
			all := strings.Join(titles(rows, "title"), "|")
			for _, s := range []string{"Line one\nLine two", "Tab\tseparated <b>&amp;</b>", `Don't Stop "Believin'"`, "Cre\u0300me bru\u0302le\u0301e"} {
				if !strings.Contains(all, s) {
					t.Errorf("tracks --json lost %q", s)
				}
			}
		}
	}
	if r := run(t, q.env, "tracks", "--json", "--csv"); r.code != 2 {
		t.Errorf("--json --csv: exit %d", r.code)
	}
}

// csvCell is how a JSON value reads in the CSV: null is empty.
func csvCell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprint(v)
}

func TestArtistsAlbumsPlaylistsStats(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 300, Now: time.Now})
	rows := q.jsonRows(t, "artists", "beyonce")
	if len(rows) != 1 || rows[0]["title"] != "Beyoncé" || rows[0]["albums"] != 1.0 || rows[0]["tracks"] != 2.0 {
		t.Errorf("artists beyonce: %v", rows)
	}
	if got := titles(q.jsonRows(t, "artists", "--search", "ヒカル"), "title"); !reflect.DeepEqual(got, []string{"宇多田ヒカル"}) {
		t.Errorf("artists ヒカル: %q", got)
	}
	rows = q.jsonRows(t, "albums", "--artist", "zoe keating")
	if len(rows) != 1 || rows[0]["title"] != "Into the Trees" || rows[0]["tracks"] != 2.0 {
		t.Errorf("albums --artist: %v", rows)
	}
	// The album's time adds up its tracks (2:09 and 3:10).
	if d := rows[0]["duration_ms"]; d != float64(129_000+190_000) {
		t.Errorf("album duration %v", d)
	}
	if got := titles(q.jsonRows(t, "albums", "guitarras"), "title"); !reflect.DeepEqual(got, []string{"🎸 Guitarras"}) {
		t.Errorf("albums guitarras: %q", got)
	}
	if out := q.ok(t, "artists", "--limit", "2"); strings.Count(out, "\n") != 3 {
		t.Errorf("artists --limit 2:\n%s", out)
	}

	pls := q.jsonRows(t, "playlists", "--type", "all")
	var unicode map[string]any
	for _, p := range pls {
		if p["title"] == "Unicode ✓" {
			unicode = p
		}
	}
	// One sync saw its items: version 1. A video playlist's items are not
	// fetched, so it has no history.
	if unicode == nil || unicode["items"] != float64(len(q.sc.tracks)) || unicode["smart"] != false || unicode["type"] != "audio" ||
		unicode["versions"] != float64(1) {
		t.Errorf("playlists: %v", unicode)
	}
	for _, p := range pls {
		if p["type"] == "video" && p["versions"] != float64(0) {
			t.Errorf("video playlist with history: %v", p)
		}
	}
	if video := q.jsonRows(t, "playlists", "--type", "video"); len(video) == 0 || len(video) >= len(pls) {
		t.Errorf("--type video: %d of %d", len(video), len(pls))
	}
	if r := run(t, q.env, "playlists", "--type", "films"); r.code != 2 {
		t.Errorf("--type films: exit %d", r.code)
	}
	out := q.ok(t, "playlists")
	for _, want := range []string{"PLAYLIST", "ITEMS", "SMART", "CHANGED", "VERSIONS", "Unicode ✓", "Friend's Server"} {
		if !strings.Contains(out, want) {
			t.Errorf("playlists table lacks %q:\n%s", want, out)
		}
	}

	// Two tracks go; the stats see them gone this week, and the rest.
	s := q.fake.Owned()
	s.RemoveTrack(q.sc.tracks[0])
	s.RemoveTrack(q.sc.tracks[1])
	q.sync(t)
	var st statsDoc
	if err := json.Unmarshal([]byte(q.ok(t, "stats", "--json", "--top", "3")), &st); err != nil {
		t.Fatal(err)
	}
	tracks := len(s.MusicTracks()) + len(q.fake.Shared().MusicTracks())
	if st.Totals.Tracks != int64(tracks) || len(st.Servers) != 2 {
		t.Errorf("stats totals %+v, want %d tracks", st.Totals, tracks)
	}
	if st.Changes.Tracks.Removed != 2 || st.Changes.Artists.Removed != 1 || st.Changes.Syncs < 4 || st.Changes.Days != 7 {
		t.Errorf("stats changes %+v", st.Changes)
	}
	// The fake's clock is the wall clock: the showcase was added this week.
	if st.Changes.Tracks.Added < int64(len(q.sc.tracks)-2) {
		t.Errorf("stats added %+v", st.Changes.Tracks)
	}
	if len(st.TopArtists) != 3 || st.TopArtists[0].Tracks < st.TopArtists[2].Tracks || len(st.LargestPlaylists) != 3 {
		t.Errorf("stats tops: %+v %+v", st.TopArtists, st.LargestPlaylists)
	}
	out = q.ok(t, "stats")
	for _, want := range []string{"Home Server", "(all)", "Artists with the most tracks", "Largest playlists", "Changes in the last 7 days", "sync runs:"} {
		if !strings.Contains(out, want) {
			t.Errorf("stats lacks %q:\n%s", want, out)
		}
	}
}

func fileState(t *testing.T, dir, db string) string {
	t.Helper()
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The database file's bytes, the files beside it, and the WAL's size:
	// readers leave -wal and -shm behind but never write the WAL (the -shm
	// holds their read marks, so it is not compared).
	names := ""
	for _, e := range ents {
		names += e.Name() + " "
		if strings.HasSuffix(e.Name(), "-wal") {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			names += fmt.Sprintf("(%d bytes) ", info.Size())
		}
	}
	return fmt.Sprintf("%x %s", sha256.Sum256(b), names)
}

func TestSQLRefusesWrites(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 100})
	dir := filepath.Dir(q.db)
	q.ok(t, "sql", "SELECT 1") // the first reader creates -wal and -shm
	before := fileState(t, dir, q.db)
	other := filepath.Join(dir, "other.db")
	for _, stmt := range []string{
		"INSERT INTO tracks (server_id, rating_key, section_key, hash) VALUES ('x', 'y', 'z', 0)",
		"UPDATE tracks SET title = 'pwned'",
		"DELETE FROM tracks",
		"ATTACH '" + other + "' AS other",
		"ATTACH 'file:" + other + "?mode=rwc' AS other",
		"ATTACH ':memory:' AS mem",
		"PRAGMA writable_schema=1",
		"PRAGMA writable_schema = ON",
		"VACUUM INTO '" + other + "'",
		"VACUUM",
		"PRAGMA user_version = 99",
		"PRAGMA journal_mode = DELETE",
		"PRAGMA query_only = 0",
		"CREATE TABLE x (a)",
		"CREATE TEMP TABLE x (a)",
		"DROP VIEW current_tracks",
		"INSERT INTO track_search (track_search) VALUES ('rebuild')",
		"WITH x AS (SELECT 1) DELETE FROM tracks",
		"REINDEX",
		"ANALYZE",
	} {
		r := run(t, q.env, "sql", stmt)
		if r.code != 1 || !strings.Contains(r.stderr, "readonly") {
			t.Errorf("sql %q: exit %d, stdout %q, stderr %q", stmt, r.code, r.stdout, r.stderr)
		}
	}
	// A write behind a read is not run at all: one statement only.
	if r := run(t, q.env, "sql", "SELECT 1; DELETE FROM tracks"); r.code != 2 || !strings.Contains(r.stderr, "runs exactly one") {
		t.Errorf("sql with a second statement: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if after := fileState(t, dir, q.db); after != before {
		t.Fatalf("the database directory changed:\nbefore %s\nafter  %s", before, after)
	}
	// Reading is all allowed, the search tables and introspection included.
	for _, stmt := range []string{
		"SELECT count(*) FROM track_search WHERE track_search MATCH 'formation'",
		"SELECT title FROM track_search_cjk WHERE title LIKE '%初恋%'",
		"PRAGMA table_info(tracks)",
		"SELECT name FROM pragma_table_info('current_tracks')",
		"PRAGMA user_version",
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT i FROM n",
	} {
		if r := run(t, q.env, "sql", stmt); r.code != 0 {
			t.Errorf("sql %q: exit %d %q", stmt, r.code, r.stderr)
		}
	}
	if out := q.ok(t, "sql", "SELECT count(*) AS n FROM track_search WHERE track_search MATCH 'formation'"); !strings.Contains(out, "\n1\n") {
		t.Errorf("search through sql:\n%s", out)
	}
	if after := fileState(t, dir, q.db); after != before {
		t.Fatalf("reading changed the database directory:\nbefore %s\nafter  %s", before, after)
	}
}

// TestQueriesWhileSyncWrites runs readers in a loop while syncs write: a
// full sync that rewrites every track (all artists renamed), then
// incremental syncs of further changes (new tracks, a renamed and a
// reordered playlist). Two readers run the CLI's queries, a third keeps one
// read-only DB open and reads history through it, as a long-lived reader
// would; every read must answer, none may see SQLITE_BUSY, and afterwards
// the search knows the new names only.
func TestQueriesWhileSyncWrites(t *testing.T) {
	q := newQueryEnv(t, plextest.Options{Seed: 5, Tracks: 500})
	s := q.fake.Owned()
	for i, a := range s.Artists("1") {
		s.RenameArtist(a.RatingKey, fmt.Sprintf("Renamed Zyxw %d", i))
	}
	const incremental = 3
	done := make(chan struct{})
	syncErr := make(chan error, 1)
	go func() {
		defer close(done)
		for i := 0; i <= incremental; i++ {
			args := []string{"sync"}
			if i == 0 {
				args = append(args, "--full")
			} else {
				al := s.Albums("1")[i]
				s.AddTrack(al.RatingKey, fmt.Sprintf("Added Zyxw %d", i))
				ps := s.Playlists()
				s.RenamePlaylist(ps[0].RatingKey, fmt.Sprintf("Renamed playlist %d", i))
				s.MovePlaylistItem(ps[1].RatingKey, 0, 1)
			}
			if r := run(t, q.env, args...); r.code != 0 {
				syncErr <- fmt.Errorf("%q: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
				return
			}
		}
	}()
	queries := [][]string{
		{"tracks", "--search", "love", "--json"},
		{"tracks", "--search", "zyxw", "--limit", "5"},
		{"artists", "--csv"},
		{"stats", "--json"},
		{"sql", "SELECT count(*) FROM current_tracks"},
		{"playlists"},
		{"history", "--json"},
		{"tracks", "--playlist", "Unicode ✓", "--json"},
	}
	stopped := func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	counts := make([]int, 3)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for n := w; !stopped(); n++ {
				args := queries[n%len(queries)]
				r := run(t, q.env, args...)
				if r.code != 0 || strings.Contains(r.stderr, "busy") || strings.Contains(r.stderr, "locked") {
					t.Errorf("%q during a sync: exit %d %q", args, r.code, r.stderr)
					return
				}
				counts[w]++
			}
		})
	}
	wg.Go(func() {
		d, err := db.Open(context.Background(), q.db, db.Options{ReadOnly: true})
		if err != nil {
			t.Error(err)
			return
		}
		defer d.Close()
		for !stopped() {
			ps, err := d.HistoryPlaylists(context.Background(), "")
			if err == nil && len(ps) > 0 {
				_, err = d.VersionItems(context.Background(), ps[0].ServerID, ps[0].RatingKey, ps[0].Latest)
			}
			if err != nil {
				t.Errorf("history read during a sync: %v", err)
				return
			}
			counts[2]++
		}
	})
	wg.Wait()
	select {
	case err := <-syncErr:
		t.Fatal(err)
	default:
	}
	t.Logf("reads answered during %d syncs: %v", incremental+1, counts)
	for i, n := range counts {
		if n == 0 {
			t.Errorf("reader %d read nothing during the syncs", i)
		}
	}
	rows := q.jsonRows(t, "tracks", "--search", "zyxw", "--server", "Home Server", "--limit", "0")
	if want := len(s.Tracks("1")); len(rows) != want {
		t.Fatalf("search for the new names found %d tracks, want %d", len(rows), want)
	}
}

// A new user's first query, before any sync, is told how to get a mirror,
// not to run a maintenance command.
func TestQueryBeforeFirstSync(t *testing.T) {
	_, env := fakeConfig(t, 10)
	for _, args := range [][]string{{"tracks", "x"}, {"playlists"}, {"stats"}, {"sql", "SELECT 1"}, {"history"}} {
		r := run(t, env, args...)
		if r.code != exitFailed || !strings.Contains(r.stderr, `nothing has been synced yet: sign in with "plexm8-sync login", then run "plexm8-sync sync"`) {
			t.Errorf("%v before the first sync: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}

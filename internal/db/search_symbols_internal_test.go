package db

import (
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/plexm8/plexm8-sync/migrations"
)

// TestParseTermsSymbols: symbols and emoji are terms of their own, cut from
// the words around them, with what belongs to them (ZWJ sequences, flags,
// skin tones, keycaps, tags) and without variation selectors.
func TestParseTermsSymbols(t *testing.T) {
	for _, c := range []struct {
		search string
		want   terms
	}{
		{"🔥", terms{short: []string{"🔥"}}},
		{"fire 🔥", terms{words: []string{`"fire"*`}, short: []string{"🔥"}}},
		{"Fire🔥Guitar", terms{words: []string{`"Fire"*`, `"Guitar"*`}, short: []string{"🔥"}}},
		{"🎸🔥", terms{short: []string{"🎸🔥"}}},
		{"🔥🔥🔥", terms{cjk: []string{`"🔥🔥🔥"`}}},
		{"👩‍👩‍👧", terms{cjk: []string{`"👩‍👩‍👧"`}}},
		{"🏳️‍🌈 pride", terms{words: []string{`"pride"*`}, cjk: []string{`"🏳‍🌈"`}}},
		{"🇯🇵", terms{short: []string{"🇯🇵"}}},
		{"👍🏽", terms{short: []string{"👍🏽"}}},
		{"1️⃣", terms{short: []string{"1⃣"}}},
		{"#️⃣ *⃣", terms{short: []string{"#⃣", "*⃣"}}},
		{"1 #1 #", terms{words: []string{`"1"*`, `"#1"*`}}},
		{"🏴󠁧󠁢󠁳󠁣󠁴󠁿", terms{cjk: []string{`"🏴󠁧󠁢󠁳󠁣󠁴󠁿"`}}}, // Scotland: a flag with tags
		{"𝄞 ★♥ ☂ ♫", terms{short: []string{"𝄞", "★♥", "☂", "♫"}}},
		{"❤️ ❤", terms{short: []string{"❤", "❤"}}},
		{"東京🗼", terms{short: []string{"東京", "🗼"}}}, // spaceless text and symbols are separate runs
		{"ℓove ①", terms{words: []string{`"ℓove"*`, `"①"*`}}},
		{"AC/DC $ + ´", terms{words: []string{`"AC/DC"*`}}}, // ASCII symbols and accents stay punctuation
		{`★"`, terms{short: []string{"★"}}},
		{`a"★"b`, terms{words: []string{`"a"""*`, `"""b"*`}, short: []string{"★"}}},
		{"क्\u200dष", terms{words: []string{"\"क्\u200dष\"*"}}}, // a ZWJ inside a word stays there
	} {
		if got := parseTerms(c.search, true); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseTerms(%q) = %+q, want %+q", c.search, got, c.want)
		}
	}
}

// TestSearchWords: the word index is given names with their symbols blanked
// out, so the words beside them stay words.
func TestSearchWords(t *testing.T) {
	for in, want := range map[string]string{
		"Octo🦄Zebra":         "Octo Zebra",
		"👍🏽Love":             "  Love", // the emoji, the skin tone
		"1️⃣ Number One":     "  Number One",
		"Plain":              "Plain",
		"Björk ❤️ Sigur Rós": "Björk   Sigur Rós",
		"क्\u200dष":          "क्\u200dष",
		"ℓ ① 東京":             "ℓ ① 東京",
	} {
		if got := searchWords(in); got != want {
			t.Errorf("searchWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSearchRuns: the trigram index is given only the runs a term can
// match, apart, without variation selectors.
func TestSearchRuns(t *testing.T) {
	for in, want := range map[string]string{
		"Untitled 東京の夜 (Tokyo)": "東京の夜",
		"東京🗼タワー":                "東京 🗼 タワー",
		"🎸🔥 Fire Guitar 🔥🎸":     "🎸🔥 🔥🎸",
		"Fire🔥Guitar":           "🔥",
		"❤️ #️⃣1️⃣ 🏳️‍🌈":        "❤ #⃣1⃣ 🏳\u200d🌈",
		"Plain Björk ℓ":         "",
	} {
		if got := searchRuns(in); got != want {
			t.Errorf("searchRuns(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSymbolClasses: isSymbol's search needs symbolRanges in order; every
// character that starts a symbol term (and the keycap) is one SQLite's GLOB
// of the drain's class puts in the trigram index, else that term could
// never be found; and the migration that re-queues rows uses the drain's
// class.
func TestSymbolClasses(t *testing.T) {
	for i := 1; i < len(symbolRanges); i++ {
		if symbolRanges[i][0] <= symbolRanges[i-1][1] || symbolRanges[i][0] > symbolRanges[i][1] {
			t.Fatalf("symbolRanges out of order at %x", symbolRanges[i])
		}
	}
	w := openPool("file::memory:", 1)
	defer w.Close()
	glob, err := w.Prepare(`SELECT 'x' || ? || 'y' GLOB '*` + trigramClass + `*'`)
	if err != nil {
		t.Fatal(err)
	}
	defer glob.Close()
	n := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !isSymbol(r) && r != 0x20E3 {
			continue
		}
		n++
		var in bool
		if err := glob.QueryRow(string(r)).Scan(&in); err != nil {
			t.Fatal(err)
		}
		if !in || spaceless(r) {
			t.Fatalf("symbol %q (%U) is outside the trigram class, or spaceless", r, r)
		}
	}
	if n < 4000 {
		t.Errorf("only %d symbols", n)
	}
	for _, r := range "★♥☂♫🔥🦄🇯🇵🏽𝄞€©™" {
		if !isSymbol(r) {
			t.Errorf("%q (%U) is not a symbol", r, r)
		}
	}
	for _, r := range "$+<^`´¨ℓ①a東" {
		if isSymbol(r) {
			t.Errorf("%q (%U) is a symbol", r, r)
		}
	}
	names, err := fs.Glob(migrations.FS, "*_search_symbols.sql")
	if err != nil || len(names) != 1 {
		t.Fatalf("symbols migration: %v %v", names, err)
	}
	body, err := fs.ReadFile(migrations.FS, names[0])
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(body), "GLOB '*"+trigramClass+"*'"); n != 3 {
		t.Errorf("%s has the drain's class %d times, want 3", names[0], n)
	}
}

package plextest

import (
	"math/rand/v2"
	"strings"
)

// Word lists for generated titles. Titles contain plenty of "a", which the
// seeded smart playlist (title contains "a") relies on to be non-empty.
var words = [...]string{
	"love", "night", "dream", "heart", "fire", "rain", "summer", "river", "shadow", "light",
	"blue", "gold", "silver", "moon", "star", "ocean", "city", "road", "home", "time",
	"wild", "broken", "electric", "golden", "lost", "secret", "velvet", "neon", "crystal", "silent",
	"dance", "song", "story", "memory", "garden", "winter", "echo", "storm", "paradise", "angel",
	"midnight", "morning", "highway", "train", "window", "letter", "mirror", "island", "desert", "valley",
	"again", "away", "alone", "forever", "tonight", "yesterday", "tomorrow", "never", "always", "almost",
	"radio", "machine", "stranger", "lover", "soldier", "sailor", "dancer", "dreamer", "rebel", "ghost",
	"sugar", "honey", "coffee", "whiskey", "cherry", "apple", "lemon", "orange", "paper", "glass",
}

var artistFirst = [...]string{
	"The", "Black", "Red", "Electric", "Silver", "Velvet", "Neon", "Arctic", "Crystal", "Golden",
	"Young", "Little", "Big", "Royal", "Savage", "Gentle", "Lunar", "Solar", "Hidden", "Broken",
}

var artistSecond = [...]string{
	"Keys", "Lions", "Wolves", "Foxes", "Machines", "Rivers", "Kings", "Queens", "Ghosts", "Engines",
	"Sparrows", "Tigers", "Pilots", "Strangers", "Dreamers", "Sailors", "Angels", "Giants", "Echoes", "Satellites",
}

// specialArtists exercise unicode, RTL scripts, emoji and characters that
// need escaping in JSON, XML and SQL.
var specialArtists = [...]string{
	"Björk", "Sigur Rós", "فيروز", "עומר אדם", "Кино", "坂本龍一", "The 🦄 Unicorns", `AC\DC "Live"`, "Guns N' Roses", "Motörhead",
}

// specialTitles are placed at spread-out positions of every generated music
// section, so even a 10-track library has most of them.
var specialTitles = [...]string{
	"ليلة حب (Arabic night)",
	"שיר לשלום",
	"🎸🔥 Fire Guitar 🔥🎸",
	"Don't Stop \"Believin'\"",
	`Back\slash \n not a newline`,
	"Line one\nLine two",
	"東京の夜 (Tokyo Night)",
	"Zwölf Bäume – Ölgemälde",
	"👨‍👩‍👧‍👦 Family",
	"Tab\tseparated <b>&amp;</b>",
	longTitle(),
	"Mixed עברית and العربية and English",
}

// longTitle is longer than 300 characters, like the odd classical track.
func longTitle() string {
	var b strings.Builder
	b.WriteString("Symphony No. 9 in D minor, Op. 125 \"Choral\": ")
	for i := 0; b.Len() <= 320; i++ {
		b.WriteString(words[i%len(words)])
		b.WriteString(" ")
	}
	b.WriteString("(Live at the Grand Hall, Remastered 2024)")
	return b.String()
}

func capitalize(w string) string {
	if w == "" || w[0] < 'a' || w[0] > 'z' {
		return w
	}
	return string(w[0]-'a'+'A') + w[1:]
}

// appendTitle appends 1–4 random capitalised words to b.
func appendTitle(b *strings.Builder, r *rand.Rand) {
	n := 1 + r.IntN(4)
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		w := words[r.IntN(len(words))]
		if i == 0 || r.IntN(3) > 0 {
			w = capitalize(w)
		}
		b.WriteString(w)
	}
}

func randomTitle(r *rand.Rand) string {
	var b strings.Builder
	appendTitle(&b, r)
	return b.String()
}

func artistName(r *rand.Rand) string {
	first := artistFirst[r.IntN(len(artistFirst))]
	return first + " " + artistSecond[r.IntN(len(artistSecond))]
}

// sortTitle derives titleSort the way PMS does for English: a leading
// article moves out of the way.
func sortTitle(title string) string {
	for _, art := range [...]string{"The ", "A ", "An "} {
		if len(title) > len(art) && strings.EqualFold(title[:len(art)], art) {
			return title[len(art):]
		}
	}
	return title
}

var studios = [...]string{"Warp Records", "Sub Pop", "Rough Trade", "Blue Note", "Deutsche Grammophon", "XL Recordings", "4AD", "Mute"}

var movieTitles = [...]string{"The Long Night", "Amélie", "七人の侍", "Heat", "Paprika"}

package db

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// spaceless reports whether r belongs to a script written without spaces
// between words. The ranges must match the GLOB in the migration, which
// decides which rows the trigram index holds.
func spaceless(r rune) bool {
	switch {
	case r < 0x0E00:
		return false
	case r <= 0x0FFF, // Thai, Lao, Tibetan
		r >= 0x1000 && r <= 0x109F,   // Myanmar
		r >= 0x1100 && r <= 0x11FF,   // Hangul Jamo
		r >= 0x1780 && r <= 0x17FF,   // Khmer
		r >= 0x2E80 && r <= 0x9FFF,   // CJK, kana, Bopomofo, Hangul compatibility
		r >= 0xA000 && r <= 0xA4CF,   // Yi
		r >= 0xAC00 && r <= 0xD7AF,   // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF,   // CJK compatibility ideographs
		r >= 0xFF00 && r <= 0xFFEF,   // half- and full-width forms
		r >= 0x20000 && r <= 0x3FFFF: // CJK extensions
		return true
	}
	return false
}

// symbolRanges are where the searchable symbols are: a row with a character
// in them goes to the trigram index. ASCII symbols ($, +, <) are not among
// them: they stay separators, as before, and all-ASCII text, the common
// case, never pays for the trigram index. Nor are the spacing accents (´ ¨),
// which people type for apostrophes.
var symbolRanges = [][2]rune{
	{0xA2, 0xA6},       // ¢ £ ¤ ¥ ¦
	{0xA9, 0xA9},       // ©
	{0xAC, 0xAC},       // ¬
	{0xAE, 0xAE},       // ®
	{0xB0, 0xB1},       // ° ±
	{0xD7, 0xD7},       // ×
	{0xF7, 0xF7},       // ÷
	{0x203C, 0x203C},   // ‼
	{0x2049, 0x2049},   // ⁉
	{0x20A0, 0x20CF},   // currency: € ₿
	{0x20E3, 0x20E3},   // the keycap of 1️⃣ #️⃣
	{0x2100, 0x214F},   // letterlike: ™ ℗ № (its letters stay words)
	{0x2190, 0x2BFF},   // arrows, maths, technical, shapes, symbols, dingbats: ★ ♥ ☂ ♫ ✈ ⭐
	{0xFE0E, 0xFE0F},   // variation selectors: ❤️ is ❤ + U+FE0F
	{0x1D000, 0x1D24F}, // musical symbols: 𝄞
	{0x1F000, 0x1FBFF}, // emoji, flags, skin tones, cards, ...: 🔥 🦄 🇯🇵 🏽
}

// symbolClass is symbolRanges as a GLOB class.
var symbolClass = globClass(symbolRanges)

func globClass(ranges [][2]rune) string {
	var b strings.Builder
	b.WriteByte('[')
	for _, r := range ranges {
		b.WriteRune(r[0])
		if r[1] != r[0] {
			b.WriteByte('-')
			b.WriteRune(r[1])
		}
	}
	b.WriteByte(']')
	return b.String()
}

// isSymbol reports whether r starts a symbol: a symbol in symbolRanges.
// Letters (ℓ) and numbers (①) there stay words.
func isSymbol(r rune) bool {
	if r < 0xA2 || !unicode.IsSymbol(r) {
		return false
	}
	for _, x := range symbolRanges {
		if r <= x[1] {
			return r >= x[0]
		}
	}
	return false
}

func isVariationSelector(r rune) bool { return r == 0xFE0E || r == 0xFE0F }

// symbolLen returns the length in bytes of the symbol at the start of s, with
// what belongs to it: variation selectors, a keycap, tags (the subdivision
// flags), and symbols joined with a zero-width joiner (👩‍👩‍👧); 0 when s
// does not start with one. A digit, # or * makes a keycap with U+20E3 after
// it (1️⃣). Skin tones and the halves of a flag are symbols themselves,
// so they join the run the emoji they follow is in.
func symbolLen(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	if !isSymbol(r) {
		if r != '#' && r != '*' && (r < '0' || r > '9') {
			return 0
		}
		if next, m := utf8.DecodeRuneInString(s[n:]); isVariationSelector(next) {
			n += m
		}
		if !strings.HasPrefix(s[n:], "\u20e3") {
			return 0
		}
		n += len("\u20e3")
	}
	for n < len(s) {
		r, m := utf8.DecodeRuneInString(s[n:])
		switch {
		case isVariationSelector(r), r == 0x20E3, r >= 0xE0020 && r <= 0xE007F:
			n += m
		case r == 0x200D:
			next, k := utf8.DecodeRuneInString(s[n+m:])
			if !isSymbol(next) {
				return n
			}
			n += m + k
		default:
			return n
		}
	}
	return n
}

// searchWords is a name as the word index is given it: its symbols blanked
// out, since the trigram index finds them. Run at every drain for names
// with characters outside ASCII (SQL function plexm8_search_words).
func searchWords(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isVariationSelector(r) {
			b.WriteString(s[last:i])
			i += n
			last = i
			continue
		}
		if n := symbolLen(s[i:]); n > 0 {
			b.WriteString(s[last:i])
			b.WriteByte(' ')
			i += n
			last = i
			continue
		}
		i += n
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// searchRuns is a name as the trigram index is given it: its runs of
// spaceless text and of symbols, without variation selectors, one space
// between them (so no term matches across two); "" when it has none. Run at
// every drain for the names the trigram index holds (SQL function
// plexm8_search_runs).
func searchRuns(s string) string {
	var b strings.Builder
	for _, field := range strings.Fields(dropVariationSelectors(s)) {
		for _, run := range splitRuns(field) {
			if run.kind == wordRun {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(run.text)
		}
	}
	return b.String()
}

// dropVariationSelectors removes U+FE0E and U+FE0F, which say whether a
// symbol is drawn as text or emoji (❤ or ❤️): both find both.
func dropVariationSelectors(s string) string {
	if !strings.ContainsAny(s, "\ufe0e\ufe0f") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isVariationSelector(r) {
			return -1
		}
		return r
	}, s)
}

// terms is a parsed search text.
type terms struct {
	words []string // FTS5 phrases for the word index, quoted
	cjk   []string // trigram phrases (3+ characters), quoted
	short []string // spaceless or symbol runs of 1-2 characters: too short for trigrams
}

func (t terms) empty() bool { return len(t.words)+len(t.cjk)+len(t.short) == 0 }

// parseTerms splits s at white space and at every change between spaceless
// scripts, symbols and other text. With prefix, each word phrase also
// matches longer words ("sig ros" finds "Sigur Rós"), for searching as one
// types; without it, whole words only (a filter such as --artist keys must
// not match "Keystone"). A run of spaceless text or of symbols is found
// anywhere inside the names, as typed: "👍" finds "👍🏽" too, and "👩"
// finds "👩‍👩‍👧", but "🔥🎸" needs the two side by side.
func parseTerms(s string, prefix bool) terms {
	var t terms
	for _, field := range strings.Fields(dropVariationSelectors(s)) {
		for _, run := range splitRuns(field) {
			switch {
			case run.kind != wordRun && utf8.RuneCountInString(run.text) >= 3:
				t.cjk = append(t.cjk, quote(run.text))
			case run.kind != wordRun:
				t.short = append(t.short, run.text)
			case indexable(run.text):
				q := quote(run.text)
				if prefix {
					q += "*"
				}
				t.words = append(t.words, q)
			}
		}
	}
	return t
}

type runKind uint8

const (
	wordRun runKind = iota
	spacelessRun
	symbolRun
)

type run struct {
	text string
	kind runKind
}

// splitRuns cuts s where it changes between spaceless text, symbols and
// other text.
func splitRuns(s string) []run {
	var runs []run
	start, prev := 0, wordRun
	for i := 0; i < len(s); {
		kind, n := wordRun, symbolLen(s[i:])
		if n > 0 {
			kind = symbolRun
		} else {
			var r rune
			r, n = utf8.DecodeRuneInString(s[i:])
			if spaceless(r) {
				kind = spacelessRun
			}
		}
		if i > start && kind != prev {
			runs = append(runs, run{s[start:i], prev})
			start = i
		}
		prev = kind
		i += n
	}
	if start < len(s) {
		runs = append(runs, run{s[start:], prev})
	}
	return runs
}

// indexable reports whether the word tokenizer keeps anything of s: a phrase
// of punctuation alone ("-", "&") would be an empty FTS5 phrase, which
// FTS5 drops from the query without a word.
func indexable(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.L, unicode.N, unicode.Co) {
			return true
		}
	}
	return false
}

// quote makes s one FTS5 string: inside double quotes only '"' is special.
func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

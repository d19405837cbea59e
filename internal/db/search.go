package db

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A search text becomes conditions on two FTS5 indexes per table (see
// migrations/0004_query.sql and 0007_search_symbols.sql): runs of ordinary
// text go to the word index as quoted phrases, so nothing the user types is
// FTS5 syntax; runs of a script written without spaces, and runs of symbols
// and emoji, go to the trigram index, which finds them inside longer runs.
//
// Symbols take the trigram route because unicode61, the word tokenizer,
// cannot index them: it treats the symbols its Unicode tables know as
// separators, and the emoji they do not know (newer than its tables) as
// letters glued to the word beside them. So the word index is given the
// names with every symbol blanked out (searchWords), and the trigram index
// only their spaceless and symbol runs (searchRuns), the only text a
// trigram or LIKE term can match, since a term is one run. Both happen at
// the drain. The trigram index then costs little more than the characters
// it is there for, and no other tokenizer is needed.

// ErrNothingToSearch is a search or filter text with no letter, digit or
// symbol in it: there is nothing to look for.
var ErrNothingToSearch = errors.New("the search has no letter, digit or symbol to look for")

// errNoTiers: a search without words for the word index has no title tier.
var errNoTiers = errors.New("no word terms to tier")

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

// match is the FTS5 expression for the word index, restricted to cols when
// given (the indexes' own column names), or "" when there are no words.
func (t terms) match(cols ...string) string { return matchOf(t.words, cols) }

// cjkMatch is the same for the trigram index.
func (t terms) cjkMatch(cols ...string) string { return matchOf(t.cjk, cols) }

func matchOf(phrases, cols []string) string {
	if len(phrases) == 0 {
		return ""
	}
	e := strings.Join(phrases, " ")
	if len(cols) > 0 {
		e = "{" + strings.Join(cols, " ") + "} : (" + e + ")"
	}
	return e
}

// likes returns a condition on the trigram table's text columns cols, and its
// arguments, that every short run occurs in one of them. The trigram index
// cannot answer those, so they scan that table, which holds only the rows
// with spaceless text or symbols. A run holds no ASCII but a keycap's digit,
// # or *, so nothing in it is a LIKE wildcard.
func (t terms) likes(cols ...string) (string, []any) {
	var conds []string
	var args []any
	for _, s := range t.short {
		var any []string
		for _, c := range cols {
			any = append(any, c+" LIKE ?")
			args = append(args, "%"+s+"%")
		}
		conds = append(conds, "("+strings.Join(any, " OR ")+")")
	}
	return strings.Join(conds, " AND "), args
}

// searchIndex names a table's two FTS5 indexes and their columns.
type searchIndex struct {
	words, cjk string
	cols       []string
	// weights are the bm25 column weights, in cols order: a hit in a
	// title counts more than one in an artist's name.
	weights string
}

var (
	trackIndex  = searchIndex{words: "track_search", cjk: "track_search_cjk", cols: []string{"title", "artist", "album"}, weights: "4.0, 2.0, 1.0"}
	albumIndex  = searchIndex{words: "album_search", cjk: "album_search_cjk", cols: []string{"title", "artist"}, weights: "3.0, 1.0"}
	artistIndex = searchIndex{words: "artist_search", cjk: "artist_search_cjk", cols: []string{"title"}, weights: "1.0"}
)

// clause is a search turned into SQL: a FROM item yielding (id, score) for
// the matching rowids, to join the searched table on, and its arguments.
type clause struct {
	from string
	args []any
}

// searchClause combines the search text (over every column, by prefix) and
// column filters (whole words) into one FROM item; ok is false when there is
// nothing to search for. Lower scores rank better (bm25). Text with nothing
// but punctuation is ErrNothingToSearch.
func (ix searchIndex) searchClause(search string, filters map[string]string) (c clause, ok bool, err error) {
	return ix.searchClauseFor(search, filters, allRows)
}

// A tier selects part of a search's rows, unscored: a search matching too
// many rows to rank lists those that match in the title first.
type tier int

const (
	allRows   tier = iota // every match, scored
	allRaw                // every match, unscored
	titleHits             // unscored: the search's words all in the title
	otherHits             // unscored: the other matches
)

func (ix searchIndex) searchClauseFor(search string, filters map[string]string, tr tier) (c clause, ok bool, err error) {
	var wordExprs, cjkExprs, likeConds []string
	var searchWords string
	var likeArgs []any
	add := func(t terms, cols []string) {
		if e := t.match(cols...); e != "" {
			wordExprs = append(wordExprs, "("+e+")")
		}
		if e := t.cjkMatch(cols...); e != "" {
			cjkExprs = append(cjkExprs, "("+e+")")
		}
		likeCols := cols
		if len(likeCols) == 0 {
			likeCols = ix.cols
		}
		if cond, args := t.likes(likeCols...); cond != "" {
			likeConds = append(likeConds, cond)
			likeArgs = append(likeArgs, args...)
		}
		ok = ok || !t.empty()
	}
	t := parseTerms(search, true)
	if t.empty() && strings.TrimSpace(search) != "" {
		return c, false, ErrNothingToSearch
	}
	searchWords = t.match()
	add(t, nil)
	for _, col := range ix.cols {
		if v, has := filters[col]; has {
			t := parseTerms(v, false)
			if t.empty() {
				// Punctuation alone must not turn into "everything".
				return c, false, ErrNothingToSearch
			}
			add(t, []string{col})
		}
	}
	if !ok {
		return c, false, nil
	}
	if tr == titleHits || tr == otherHits {
		if searchWords == "" {
			return c, false, errNoTiers
		}
		title := "({" + ix.cols[0] + "} : (" + searchWords + "))"
		if tr == titleHits {
			wordExprs = append(wordExprs, title)
		} else {
			// FTS5's NOT is binary: everything matched, less the title hits.
			wordExprs = []string{"(" + strings.Join(wordExprs, " AND ") + ") NOT " + title}
		}
	}
	score := func(table string) string {
		if tr != allRows {
			return "0.0"
		}
		return "bm25(" + table + ", " + ix.weights + ")"
	}
	var cjkWhere string
	var cjkArgs []any
	if len(cjkExprs) > 0 || len(likeConds) > 0 {
		var where []string
		if len(cjkExprs) > 0 {
			where = append(where, ix.cjk+" MATCH ?")
			cjkArgs = append(cjkArgs, strings.Join(cjkExprs, " AND "))
		}
		where = append(where, likeConds...)
		cjkArgs = append(cjkArgs, likeArgs...)
		cjkWhere = strings.Join(where, " AND ")
	}
	switch {
	case len(wordExprs) > 0 && cjkWhere == "":
		c.from = "(SELECT rowid AS id, " + score(ix.words) + " AS score FROM " + ix.words +
			" WHERE " + ix.words + " MATCH ?)"
		c.args = []any{strings.Join(wordExprs, " AND ")}
	case len(wordExprs) > 0:
		// Both kinds of terms: the word index's rows the trigram side
		// has too, ranked by their words. The trigram side is read once
		// into a list; the unary + keeps SQLite from handing the IN to
		// FTS5 as one rowid lookup per listed row. Joined instead, it was
		// probed for every word hit, after a lookup of the track (1M
		// tracks: 150 ms for "fire 🔥"; now 13 ms).
		c.from = "(SELECT rowid AS id, " + score(ix.words) + " AS score FROM " + ix.words +
			" WHERE +rowid IN (SELECT rowid FROM " + ix.cjk + " WHERE " + cjkWhere + ") AND " + ix.words + " MATCH ?)"
		c.args = append(cjkArgs, strings.Join(wordExprs, " AND "))
	default:
		sc := "0.0"
		if len(cjkExprs) > 0 {
			sc = score(ix.cjk)
		}
		c.from = "(SELECT rowid AS id, " + sc + " AS score FROM " + ix.cjk + " WHERE " + cjkWhere + ")"
		c.args = cjkArgs
	}
	return c, true, nil
}

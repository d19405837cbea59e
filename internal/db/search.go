package db

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A search text becomes conditions on two FTS5 indexes per table (see
// migrations/0004_query.sql): runs of ordinary text go to the word index as
// quoted phrases, so nothing the user types is FTS5 syntax; runs of a script
// written without spaces go to the trigram index, which finds them inside
// longer runs.

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

// terms is a parsed search text.
type terms struct {
	words []string // FTS5 phrases for the word index, quoted
	cjk   []string // trigram phrases (3+ characters), quoted
	short []string // spaceless runs of 1-2 characters: too short for trigrams
}

func (t terms) empty() bool { return len(t.words)+len(t.cjk)+len(t.short) == 0 }

// parseTerms splits s at white space and at every change between spaceless
// and other scripts. With prefix, each word phrase also matches longer words
// ("sig ros" finds "Sigur Rós"), for searching as one types; without it,
// whole words only (a filter such as --artist keys must not match "Keystone").
func parseTerms(s string, prefix bool) terms {
	var t terms
	for _, field := range strings.Fields(s) {
		for _, run := range splitScripts(field) {
			r, _ := utf8.DecodeRuneInString(run)
			switch {
			case spaceless(r) && utf8.RuneCountInString(run) >= 3:
				t.cjk = append(t.cjk, quote(run))
			case spaceless(r):
				t.short = append(t.short, run)
			case indexable(run):
				q := quote(run)
				if prefix {
					q += "*"
				}
				t.words = append(t.words, q)
			}
		}
	}
	return t
}

// splitScripts cuts s where it changes between spaceless and other text.
func splitScripts(s string) []string {
	var runs []string
	start, prev := 0, false
	for i, r := range s {
		sp := spaceless(r)
		if i > start && sp != prev {
			runs = append(runs, s[start:i])
			start = i
		}
		prev = sp
	}
	return append(runs, s[start:])
}

// indexable reports whether the word tokenizer keeps anything of s: a phrase
// of punctuation alone ("-", "&") would be an empty FTS5 phrase.
func indexable(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.L, unicode.N, unicode.So, unicode.Co) {
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
// with spaceless text.
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
	var cjk string
	var cjkArgs []any
	if len(cjkExprs) > 0 || len(likeConds) > 0 {
		var where []string
		if len(cjkExprs) > 0 {
			where = append(where, ix.cjk+" MATCH ?")
			cjkArgs = append(cjkArgs, strings.Join(cjkExprs, " AND "))
		}
		where = append(where, likeConds...)
		cjkArgs = append(cjkArgs, likeArgs...)
		sc := "0.0"
		if len(cjkExprs) > 0 {
			sc = score(ix.cjk)
		}
		cjk = "SELECT rowid AS id, " + sc + " AS score FROM " + ix.cjk + " WHERE " + strings.Join(where, " AND ")
	}
	switch {
	case len(wordExprs) > 0 && cjk == "":
		c.from = "(SELECT rowid AS id, " + score(ix.words) + " AS score FROM " + ix.words +
			" WHERE " + ix.words + " MATCH ?)"
		c.args = []any{strings.Join(wordExprs, " AND ")}
	case len(wordExprs) > 0:
		// Both kinds of terms: rows in both indexes, scores added.
		c.from = "(SELECT " + ix.words + ".rowid AS id, " + score(ix.words) + " + c.score AS score FROM " + ix.words +
			" JOIN (" + cjk + ") AS c ON c.id = " + ix.words + ".rowid WHERE " + ix.words + " MATCH ?)"
		c.args = append(cjkArgs, strings.Join(wordExprs, " AND "))
	default:
		c.from = "(" + cjk + ")"
		c.args = cjkArgs
	}
	return c, true, nil
}

package db

import (
	"errors"
	"strings"
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

package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// The search indexes are written in bulk: triggers (migrations/*_search_queue.sql)
// note in search_queue the rows whose names changed, and drainSearch moves
// them into the FTS5 indexes with one statement per index, in the same
// transaction, just before it commits. Row by row, FTS5 flushes its pending
// terms at every statement and writes one segment per row (5-6x the CPU).
//
// Every write transaction that can change tracks, albums or artists drains
// before COMMIT: Tx.Commit, ReplaceSections, each migration, and Open (for
// rows written by hand, e.g. with the sqlite3 shell, which enqueue but
// cannot drain). Until a drain, a search may miss such a row's new names;
// nothing is lost, the queue is durable.

// cjkClass is the GLOB class of the scripts written without spaces, the same
// ranges as spaceless and as the GLOB in *_query.sql (a test compares them).
const cjkClass = "[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u2e80-\u9fff" +
	"\ua000-\ua4cf\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]"

// trigramClass is the GLOB class of the rows the trigram indexes hold: those
// with spaceless text or symbols.
var trigramClass = cjkClass[:len(cjkClass)-1] + symbolClass[1:]

// searchWordsFunc and searchRunsFunc are the SQL names of searchWords and
// searchRuns. They are registered with the driver for every connection this
// process opens; the schema does not use them, so the sqlite3 shell still
// writes the tables (and the queue).
const (
	searchWordsFunc = "plexm8_search_words"
	searchRunsFunc  = "plexm8_search_runs"
)

func init() {
	for name, f := range map[string]func(string) string{searchWordsFunc: searchWords, searchRunsFunc: searchRuns} {
		sqlite.MustRegisterDeterministicScalarFunction(name, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if s, ok := args[0].(string); ok {
				return f(s), nil
			}
			return args[0], nil
		})
	}
}

// queued is one table whose rows the search indexes hold.
type queued struct {
	table, words, cjk string
	src, dst          []string // the table's name columns, the indexes' columns
}

var searchQueues = []queued{
	{"tracks", "track_search", "track_search_cjk", []string{"title", "artist_title", "album_title"}, []string{"title", "artist", "album"}},
	{"albums", "album_search", "album_search_cjk", []string{"title", "artist_title"}, []string{"title", "artist"}},
	{"artists", "artist_search", "artist_search_cjk", []string{"title"}, []string{"title"}},
}

// drainSQL is the statements that move one table's queue into its indexes.
func (q queued) drainSQL() []string {
	var words, runs, text []string
	for _, c := range q.src {
		c = "t." + c
		// Only text beyond ASCII can hold a symbol: the rest skips the call.
		words = append(words, "CASE WHEN octet_length("+c+") > length("+c+") THEN "+searchWordsFunc+"("+c+") ELSE "+c+" END")
		runs = append(runs, searchRunsFunc+"("+c+")")
		text = append(text, "coalesce("+c+", '')")
	}
	all := strings.Join(text, " || ' ' || ")
	cols := "rowid, " + strings.Join(q.dst, ", ")
	// CROSS JOIN keeps the queue the outer loop: rows go to FTS5 in rowid
	// order, and a small queue never scans the table.
	from := " FROM search_queue q CROSS JOIN " + q.table + " t ON t.rowid = q.id WHERE q.tbl = '" + q.table + "'"
	stale := "SELECT id FROM search_queue WHERE tbl = '" + q.table + "' AND indexed"
	return []string{
		"DELETE FROM " + q.words + " WHERE rowid IN (" + stale + ")",
		"DELETE FROM " + q.cjk + " WHERE rowid IN (" + stale + ")",
		"INSERT INTO " + q.words + " (" + cols + ") SELECT t.rowid, " + strings.Join(words, ", ") + from,
		// All-ASCII text (as many bytes as characters) skips the GLOB,
		// which costs as much as the insert.
		"INSERT INTO " + q.cjk + " (" + cols + ") SELECT t.rowid, " + strings.Join(runs, ", ") + from +
			" AND octet_length(" + all + ") > length(" + all + ") AND " + all + " GLOB '*" + trigramClass + "*'",
	}
}

// drainStmts are drainSQL of each table, in searchQueues' order.
var drainStmts = func() [][]string {
	out := make([][]string, len(searchQueues))
	for i, q := range searchQueues {
		out[i] = q.drainSQL()
	}
	return out
}()

// execQuerier is a write transaction (or the writer, in autocommit).
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// drainSearch moves the search queue into the indexes and empties it. An
// empty queue (a sync that changed no name) costs one probe and leaves the
// indexes untouched. Call it inside the transaction that wrote the rows.
func drainSearch(ctx context.Context, tx execQuerier) error {
	var pending [3]bool
	err := tx.QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM search_queue WHERE tbl = 'tracks'),
		EXISTS (SELECT 1 FROM search_queue WHERE tbl = 'albums'),
		EXISTS (SELECT 1 FROM search_queue WHERE tbl = 'artists')`).Scan(&pending[0], &pending[1], &pending[2])
	if err != nil {
		return fmt.Errorf("read search queue: %w", err)
	}
	wrote := false
	for i, q := range searchQueues {
		if !pending[i] {
			continue
		}
		wrote = true
		for _, s := range drainStmts[i] {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("index %s for search: %w", q.table, err)
			}
		}
	}
	if wrote {
		if _, err := tx.ExecContext(ctx, `DELETE FROM search_queue`); err != nil {
			return fmt.Errorf("empty search queue: %w", err)
		}
	}
	return nil
}

// hasSearchQueue reports whether the schema has the queue yet (a migration
// before *_search_queue.sql has none to drain).
func hasSearchQueue(ctx context.Context, tx execQuerier) (bool, error) {
	var ok bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'search_queue')`).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look for search queue: %w", err)
	}
	return ok, nil
}

// drainSearchPending drains in its own transaction what writes outside this
// package's transactions left in the queue.
func (db *DB) drainSearchPending(ctx context.Context) error {
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if ok, err := hasSearchQueue(ctx, tx); err != nil || !ok {
		return err
	}
	if err := drainSearch(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit search queue: %w", err)
	}
	return nil
}

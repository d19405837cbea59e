// Package db owns the SQLite mirror: opening it, migrating its schema,
// guarding it with a single-writer lock, and every SQL statement run on it.
// It never speaks HTTP.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// applicationID marks a file as ours ('PM8S') so a foreign SQLite database
// is recognised and refused instead of migrated.
const applicationID = 0x504d3853

const defaultReaders = 4

// Options tunes Open.
type Options struct {
	// Readers is the size of the read-only pool; 0 means 4.
	Readers int
	// ReadOnly opens only the reader pool: no lock file, no migrations, so
	// queries can run while the daemon holds the writer. The schema must
	// already be exactly the version this binary knows.
	ReadOnly bool
}

// DB is an open plexm8-sync database: one writer connection, a pool of
// read-only connections and, unless read-only, the writer lock.
type DB struct {
	path string
	w    *sql.DB
	r    *sql.DB
	lock *writerLock
	// applied lists the migrations Open ran, for "plexm8-sync migrate" to
	// report: by the time it holds a DB there is nothing left to apply.
	applied []int
	// stmts are the mirror's prepared statements, made when the writer
	// opens; nil on a read-only DB.
	stmts *mirrorStmts
}

// Open opens the database at path. Unless o.ReadOnly, it creates the parent
// directory (0700) and the file (0600) when missing, takes the writer lock
// (failing at once with *LockedError if another process holds it) and
// applies pending migrations.
func Open(ctx context.Context, path string, o Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: no path given; set database.path in the config or PLEXM8_DB")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	if o.Readers <= 0 {
		o.Readers = defaultReaders
	}
	var db *DB
	if o.ReadOnly {
		db, err = openReadOnly(ctx, abs, o)
	} else {
		db, err = openWriter(ctx, abs, o)
	}
	var le *LockedError
	if errors.As(err, &le) {
		return nil, err // already names the database and what to do
	}
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}
	return db, nil
}

func openWriter(ctx context.Context, path string, o Options) (_ *DB, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory: %w", err)
	}
	lock, err := acquireLock(path)
	if err != nil {
		return nil, err
	}
	db := &DB{path: path, lock: lock}
	defer func() {
		if err != nil {
			_ = db.Close()
		}
	}()

	// SQLite would create the file 0644; pre-creating it fixes the mode,
	// which SQLite then copies to the -wal and -shm files.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create database file: %w", err)
	}

	// Inspect through the read-only pool before the writer connects: the
	// writer's DSN switches the file to WAL, which must not happen to a
	// foreign or too-new database.
	db.r = openPool(readerDSN(path), o.Readers)
	st, err := readState(ctx, db.r)
	if err != nil {
		return nil, err
	}
	if err := st.check(LatestVersion()); err != nil {
		return nil, err
	}

	db.w = openPool(writerDSN(path), 1)
	if db.applied, err = Migrate(ctx, db.w); err != nil {
		return nil, err
	}
	if err := closeInterruptedRuns(ctx, db.w); err != nil {
		return nil, err
	}
	if err := db.drainSearchPending(ctx); err != nil {
		return nil, err
	}
	if db.stmts, err = prepareMirror(ctx, db.w); err != nil {
		return nil, err
	}
	return db, nil
}

func openReadOnly(ctx context.Context, path string, o Options) (_ *DB, err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, errorOf(ErrNeedsMigration, "nothing has been synced yet: sign in with \"plexm8-sync login\", then run \"plexm8-sync sync\" (it creates the database)")
	} else if err != nil {
		return nil, err
	}
	db := &DB{path: path, r: openPool(readerDSN(path), o.Readers)}
	defer func() {
		if err != nil {
			_ = db.Close()
		}
	}()
	st, err := readState(ctx, db.r)
	if err != nil {
		return nil, err
	}
	latest := LatestVersion()
	if err := st.check(latest); err != nil {
		return nil, err
	}
	if st.version < latest {
		return nil, errorOf(ErrNeedsMigration,
			"database schema is version %d but this plexm8-sync needs %d; run \"plexm8-sync migrate\" (or start the daemon, which migrates)",
			st.version, latest)
	}
	return db, nil
}

// openPool cannot fail: sql.Open only validates the driver name, and
// connections (with their pragmas) are made on first use.
func openPool(dsn string, maxConns int) *sql.DB {
	pool, _ := sql.Open("sqlite", dsn)
	pool.SetMaxOpenConns(maxConns)
	pool.SetMaxIdleConns(maxConns)
	return pool
}

// fileURI turns an absolute path into a SQLite URI. Escaping matters: the
// driver splits the DSN at the first '?', and SQLite ends the path at '#'
// and decodes '%'.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if p[0] != '/' {
		p = "/" + p // Windows drive letter: file:///C:/...
	}
	return "file://" + (&url.URL{Path: p}).EscapedPath()
}

// writerDSN: modernc sets no pragma by default, so every one is explicit.
// busy_timeout is applied first by the driver. cache_size is 16 MiB: bulk
// writes are much faster than with the 2 MiB default, and 64 MiB measured no
// faster here (at a million tracks the indexes outgrow any cache we can
// afford) while it cost most of the memory budget. temp_store is MEMORY for
// the statement journals: a statement that fires a trigger or writes many rows
// (the search-index drain moves a whole page of tracks into FTS5 at once)
// journals every page it touches, and past 64 KiB SQLite spills that journal
// to a temporary file. On a first full sync that was 1.3 million small
// writes, doubling the system time; in memory a journal lives only as long as
// its statement. The cost: a sort too large for the cache (CREATE INDEX on a
// big table in a migration) also stays in memory.
func writerDSN(path string) string {
	return fileURI(path) + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_pragma=cache_size(-16384)&_pragma=temp_store(MEMORY)&_txlock=immediate&_time_format=sqlite"
}

// readerDSN: mode=ro is honoured only because the name starts with file:.
// WAL lets these readers run beside the writer without blocking.
func readerDSN(path string) string {
	return fileURI(path) + "?mode=ro&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_time_format=sqlite"
}

// W returns the single writer (one connection, transactions BEGIN
// IMMEDIATE). It is nil when the database was opened ReadOnly.
func (db *DB) W() *sql.DB { return db.w }

// R returns the read-only pool.
func (db *DB) R() *sql.DB { return db.r }

// Applied returns the migration versions Open applied, in order; empty when
// the schema was already current or the DB is ReadOnly.
func (db *DB) Applied() []int { return slices.Clone(db.applied) }

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// Close closes both pools and then releases the writer lock. Readers close
// first so the writer, as the last connection, checkpoints and removes the
// WAL file.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	db.stmts.close()
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	errs = append(errs, db.lock.release())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database %q: %w", db.path, err)
	}
	return nil
}

// SchemaVersion returns the schema version recorded in the database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := db.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version of %q: %w", db.path, err)
	}
	return v, nil
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// dbState is what decides whether a file may be migrated or used.
type dbState struct {
	version    int
	appID      int32
	userTables int
}

func readState(ctx context.Context, q rowQuerier) (dbState, error) {
	var st dbState
	err := q.QueryRowContext(ctx, `SELECT
		(SELECT user_version FROM pragma_user_version),
		(SELECT application_id FROM pragma_application_id),
		(SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!')`,
	).Scan(&st.version, &st.appID, &st.userTables)
	if se := (*sqlite.Error)(nil); errors.As(err, &se) {
		// A file SQLite cannot read is either another kind of file at
		// database.path or our database with its first page destroyed;
		// nothing here can tell which, so the error matches both.
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return st, &kindError{kinds: []error{ErrForeignDatabase, ErrDamaged},
				msg: "the file is not an SQLite database: database.path (or PLEXM8_DB) names the wrong file, or the database is damaged; it was left untouched"}
		case sqlite3.SQLITE_CORRUPT:
			return st, &kindError{kinds: []error{ErrDamaged},
				msg: "the database file is damaged (SQLite: " + se.Error() + "); it was left untouched"}
		}
	}
	if err != nil {
		return st, fmt.Errorf("read schema state: %w", err)
	}
	return st, nil
}

// check refuses foreign and too-new databases. A fresh file (no id, no
// version, no tables) is fine: the first migration claims it.
func (st dbState) check(latest int) error {
	fresh := st.appID == 0 && st.version == 0 && st.userTables == 0
	if st.appID != applicationID && !fresh {
		return errorOf(ErrForeignDatabase,
			"the file is not a plexm8-sync database (application_id %#x, schema version %d, %d tables); it was left untouched: point database.path (or PLEXM8_DB) at a new file",
			uint32(st.appID), st.version, st.userTables)
	}
	if st.version > latest {
		return errorOf(ErrSchemaTooNew,
			"database schema is version %d but this plexm8-sync knows up to %d; upgrade plexm8-sync",
			st.version, latest)
	}
	return nil
}

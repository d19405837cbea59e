package db

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrSchemaTooNew is matched (errors.Is) by the error returned when the
// database was migrated by a newer plexm8-sync than this one. Such a database
// is never touched: the user must upgrade.
var ErrSchemaTooNew = errors.New("database schema is newer than this plexm8-sync")

// ErrNeedsMigration is matched by the error a read-only Open returns when the
// database is missing, empty or older than this binary: read-only commands
// cannot migrate, so the user must run "plexm8-sync migrate" first.
var ErrNeedsMigration = errors.New("database needs migrating")

// ErrForeignDatabase is matched by the error returned when the file is not a
// plexm8-sync database (another application's SQLite file, or not SQLite at
// all). It is refused rather than migrated so a mistyped path cannot damage
// someone else's data.
var ErrForeignDatabase = errors.New("not a plexm8-sync database")

// ErrDamaged is matched by the error returned when SQLite finds the file
// damaged (SQLITE_CORRUPT, "database disk image is malformed") or cannot read
// it as a database at all (SQLITE_NOTADB, "file is not a database"). Nothing
// plexm8-sync does can repair it: the way back is a backup. IsDamaged also
// recognises such errors when they come straight from a query.
var ErrDamaged = errors.New("the database file is damaged")

// IsDamaged reports whether err says the database file is damaged or not a
// database: ErrDamaged, or an SQLite error with either code anywhere in its
// chain. Corruption is often met only by the query that reads the bad page,
// long after Open, so callers ask this of any error.
func IsDamaged(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrDamaged) {
		return true
	}
	if se := (*sqlite.Error)(nil); errors.As(err, &se) {
		return damagedCode(se.Code())
	}
	// A driver error flattened to text on its way (a joined or %v-wrapped
	// error) still carries SQLite's wording.
	msg := err.Error()
	return strings.Contains(msg, "database disk image is malformed") || strings.Contains(msg, "file is not a database")
}

func damagedCode(code int) bool {
	switch code & 0xff {
	case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// kindError carries a full user-facing message while still matching the
// sentinels above it names, so the message need not repeat their text.
type kindError struct {
	kinds []error
	msg   string
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return slices.Contains(e.kinds, target) }

func errorOf(kind error, format string, args ...any) error {
	return &kindError{kinds: []error{kind}, msg: fmt.Sprintf(format, args...)}
}

// LockedError is returned by Open when another process (or another DB in
// this process) holds the writer lock on the database.
type LockedError struct {
	Path    string // the database file
	PID     int    // the holder's process id; 0 if it had not written it yet
	Command string // the holder's command line, as far as it was recorded
}

func (e *LockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = fmt.Sprintf("process %d", e.PID)
		if e.Command != "" {
			holder += " (" + e.Command + ")"
		}
	}
	return fmt.Sprintf("database %s is in use by %s; stop it first, or use read-only commands", e.Path, holder)
}

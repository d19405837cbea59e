package db

import (
	"errors"
	"fmt"
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

// kindError carries a full user-facing message while still matching one of
// the sentinels above, so the message need not repeat the sentinel's text.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }

func errorOf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
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

package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotReadOnly marks a user's statement that SQLite refused because it
// would write or reach beyond the mirror.
var ErrNotReadOnly = errors.New("the sql command only reads (readonly connection)")

// A user's SQL runs on a reader connection (mode=ro), so SQLite itself
// refuses writes to the mirror. A read-only connection still allows some
// things that write elsewhere or change the connection: ATTACH creates and
// writes other files, VACUUM INTO writes a copy, PRAGMA writable_schema=1
// and temporary tables work. SQLite's authorizer closes those: while the
// statement is compiled, SQLite presents every action it would take, and
// everything but reading is denied. The connection's attach limit is also
// set to 0, so ATTACH (and VACUUM INTO, which attaches its target) fail
// even if an action slipped past.

// readPragmas may be read by a user's query; none may be set. The ones
// taking an object name (table_info(tracks)) are introspection.
var readPragmas = map[string]bool{
	"application_id": true, "collation_list": true, "compile_options": true, "data_version": true,
	"database_list": true, "encoding": true, "foreign_key_check": true, "foreign_key_list": true,
	"foreign_keys": true, "freelist_count": true, "function_list": true, "index_info": true,
	"index_list": true, "index_xinfo": true, "integrity_check": true, "journal_mode": true,
	"module_list": true, "page_count": true, "page_size": true, "pragma_list": true, "quick_check": true,
	"schema_version": true, "table_info": true, "table_list": true, "table_xinfo": true, "user_version": true,
}

// pragmaTakesName lists the readPragmas whose argument names an object rather
// than a new value.
var pragmaTakesName = map[string]bool{
	"foreign_key_check": true, "foreign_key_list": true, "index_info": true, "index_list": true,
	"index_xinfo": true, "integrity_check": true, "quick_check": true, "table_info": true,
	"table_list": true, "table_xinfo": true,
}

var actionNames = map[sqlite.AuthorizerActionCode]string{
	sqlite.AuthInsert: "INSERT into", sqlite.AuthUpdate: "UPDATE of", sqlite.AuthDelete: "DELETE from",
	sqlite.AuthAttach: "ATTACH (or VACUUM INTO) of", sqlite.AuthDetach: "DETACH of", sqlite.AuthPragma: "PRAGMA",
	sqlite.AuthTransaction: "transaction", sqlite.AuthSavepoint: "SAVEPOINT", sqlite.AuthAlterTable: "ALTER TABLE",
	sqlite.AuthAnalyze: "ANALYZE", sqlite.AuthReindex: "REINDEX",
	sqlite.AuthCreateTable: "CREATE TABLE", sqlite.AuthCreateTempTable: "CREATE TEMP TABLE",
	sqlite.AuthCreateIndex: "CREATE INDEX", sqlite.AuthCreateTempIndex: "CREATE INDEX",
	sqlite.AuthCreateView: "CREATE VIEW", sqlite.AuthCreateTempView: "CREATE TEMP VIEW",
	sqlite.AuthCreateTrigger: "CREATE TRIGGER", sqlite.AuthCreateTempTrigger: "CREATE TEMP TRIGGER",
	sqlite.AuthCreateVTable: "CREATE VIRTUAL TABLE", sqlite.AuthDropTable: "DROP TABLE",
	sqlite.AuthDropTempTable: "DROP TABLE", sqlite.AuthDropIndex: "DROP INDEX", sqlite.AuthDropTempIndex: "DROP INDEX",
	sqlite.AuthDropView: "DROP VIEW", sqlite.AuthDropTempView: "DROP VIEW", sqlite.AuthDropTrigger: "DROP TRIGGER",
	sqlite.AuthDropTempTrigger: "DROP TRIGGER", sqlite.AuthDropVTable: "DROP TABLE",
}

// readOnlyPolicy returns the authorizer and a function naming the first
// action it denied.
func readOnlyPolicy() (sqlite.AuthorizerFn, func() string) {
	var denied string
	fn := func(action sqlite.AuthorizerActionCode, arg1, arg2, _, _ string) sqlite.AuthorizerReturnCode {
		switch action {
		case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive:
			return sqlite.AuthorizerOK
		case sqlite.AuthPragma:
			name := strings.ToLower(arg1)
			if readPragmas[name] && (arg2 == "" || pragmaTakesName[name]) {
				return sqlite.AuthorizerOK
			}
			if denied == "" {
				denied = "PRAGMA " + arg1
				if arg2 != "" {
					denied += " = " + arg2
				}
			}
			return sqlite.AuthorizerDeny
		}
		if denied == "" {
			what, ok := actionNames[action]
			if !ok {
				what = fmt.Sprintf("action %d", action)
			}
			denied = strings.TrimSpace(what + " " + arg1)
		}
		return sqlite.AuthorizerDeny
	}
	return fn, func() string { return denied }
}

// UserQuery runs one statement the user wrote and hands its rows to each.
// SQLite refuses anything but reading (ErrNotReadOnly); the database and
// every other file stay as they were.
func (db *DB) UserQuery(ctx context.Context, q string, each func(*sql.Rows) error) (err error) {
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer conn.Close()
	policy, denied := readOnlyPolicy()
	if err := setAuthorizer(conn, policy); err != nil {
		return err
	}
	oldLimit, err := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_ATTACHED, 0)
	if err != nil {
		return fmt.Errorf("query: limit attached databases: %w", err)
	}
	defer func() {
		// The connection goes back to the pool, where the library's own
		// queries may need what the user may not.
		_, lerr := sqlite.Limit(conn, sqlite3.SQLITE_LIMIT_ATTACHED, oldLimit)
		err = errors.Join(err, lerr, setAuthorizer(conn, nil))
	}()

	rows, err := conn.QueryContext(ctx, q)
	if err == nil {
		err = each(rows)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
	}
	switch {
	case err == nil:
		return nil
	case denied() != "":
		return fmt.Errorf("%w: SQLite refused %s; to experiment with writes, use a copy of the database file", ErrNotReadOnly, denied())
	case isReadOnlyError(err):
		return fmt.Errorf("%w: %v", ErrNotReadOnly, err)
	}
	return fmt.Errorf("query: %w", err)
}

func setAuthorizer(conn *sql.Conn, fn sqlite.AuthorizerFn) error {
	err := conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("driver connection %T has no authorizer", dc)
		}
		return r.RegisterAuthorizer(fn)
	})
	if err != nil {
		return fmt.Errorf("query: set the read-only policy: %w", err)
	}
	return nil
}

func isReadOnlyError(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_READONLY
}

package db

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// openTest opens path and closes it when the test ends.
func openTest(t *testing.T, path string, o Options) *DB {
	t.Helper()
	db, err := Open(t.Context(), path, o)
	if err != nil {
		t.Fatalf("Open(%q, %+v): %v", path, o, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// rawExec runs SQL through a plain connection that bypasses Open, to set up
// files Open must then judge.
func rawExec(t *testing.T, path, query string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(query); err != nil {
		t.Fatalf("raw exec %q: %v", query, err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func queryInt(t *testing.T, q rowQuerier, query string) int {
	t.Helper()
	var n int
	if err := q.QueryRowContext(t.Context(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestOpenMigratesEmptyDatabase(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "plexm8")
	path := filepath.Join(dir, "plexm8.db")
	db := openTest(t, path, Options{})

	if v, err := db.SchemaVersion(t.Context()); err != nil || v != LatestVersion() {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, LatestVersion())
	}
	var all []int
	for v := 1; v <= LatestVersion(); v++ {
		all = append(all, v)
	}
	if !slices.Equal(db.Applied(), all) {
		t.Errorf("Applied() = %v, want %v", db.Applied(), all)
	}
	if got := queryInt(t, db.R(), "PRAGMA application_id"); got != applicationID {
		t.Errorf("application_id = %#x, want %#x", got, applicationID)
	}
	rows, err := db.R().QueryContext(t.Context(), "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Later migrations add tables; these are the ones every version has.
	for _, want := range []string{"albums", "artists", "daemon_state", "job_runs", "playlist_items", "playlists", "sections", "servers", "sync_runs", "sync_state", "tracks"} {
		if !slices.Contains(tables, want) {
			t.Errorf("tables = %v, want %s among them", tables, want)
		}
	}

	for name, mode := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + ".lock": 0o600} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("mode of %s = %v, want %v", name, got, mode)
		}
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}

	applied, err := Migrate(t.Context(), db.W())
	if err != nil || len(applied) != 0 {
		t.Errorf("second Migrate = %v, %v; want nothing applied", applied, err)
	}
}

func TestOpenTwiceIsNoOp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.W().ExecContext(t.Context(), `INSERT INTO servers (id, name, owned) VALUES ('m1', 'Home', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openTest(t, path, Options{})
	if got := queryInt(t, db.R(), "SELECT count(*) FROM servers"); got != 1 {
		t.Errorf("servers after reopen = %d, want 1", got)
	}
	if v, _ := db.SchemaVersion(t.Context()); v != LatestVersion() {
		t.Errorf("version = %d, want %d", v, LatestVersion())
	}
	if len(db.Applied()) != 0 {
		t.Errorf("Applied() on reopen = %v, want none", db.Applied())
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	newer := LatestVersion() + 1
	rawExec(t, path, fmt.Sprintf("PRAGMA user_version = %d", newer))
	before := mustRead(t, path)

	for _, o := range []Options{{}, {ReadOnly: true}} {
		db, err := Open(t.Context(), path, o)
		if err == nil {
			db.Close()
			t.Fatalf("Open(%+v) of a version %d database succeeded", o, newer)
		}
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Errorf("Open(%+v) error %v does not match ErrSchemaTooNew", o, err)
		}
		want := fmt.Sprintf("database schema is version %d but this plexm8-sync knows up to %d; upgrade plexm8-sync", newer, LatestVersion())
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%+v) error = %q, want it to name %q and contain %q", o, err, path, want)
		}
	}

	// Migrate on its own refuses too, even with a writer that would succeed.
	w := openPool(writerDSN(path), 1)
	_, err = Migrate(t.Context(), w)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Migrate error = %v, want ErrSchemaTooNew", err)
	}
	if got := queryInt(t, w, "PRAGMA user_version"); got != newer {
		t.Errorf("user_version after refused Migrate = %d, want %d", got, newer)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, mustRead(t, path)) {
		t.Error("the refused database file was modified")
	}
}

func TestOpenRefusesForeignFile(t *testing.T) {
	cases := map[string]func(t *testing.T, path string){
		"tables without application id": func(t *testing.T, path string) {
			rawExec(t, path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')")
		},
		"other application id": func(t *testing.T, path string) {
			rawExec(t, path, "PRAGMA application_id = 1234")
		},
		"user_version without application id": func(t *testing.T, path string) {
			rawExec(t, path, "PRAGMA user_version = 1")
		},
		"not sqlite": func(t *testing.T, path string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("these are my holiday notes\n"), 200), 0o600); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			setup(t, path)
			before := mustRead(t, path)
			for _, o := range []Options{{}, {ReadOnly: true}} {
				db, err := Open(t.Context(), path, o)
				if err == nil {
					db.Close()
					t.Fatalf("Open(%+v) accepted a foreign file", o)
				}
				if !errors.Is(err, ErrForeignDatabase) {
					t.Errorf("Open(%+v) error %v does not match ErrForeignDatabase", o, err)
				}
				if !strings.Contains(err.Error(), "left untouched") {
					t.Errorf("Open(%+v) error %q does not say the file was left alone", o, err)
				}
			}
			if !bytes.Equal(before, mustRead(t, path)) {
				t.Error("the foreign file was modified")
			}
		})
	}
}

func TestOpenPathThatNeedsEscaping(t *testing.T) {
	dir := t.TempDir()
	name := "my music ?#%41&x=1.db"
	db, err := Open(t.Context(), filepath.Join(dir, name), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{name, name + ".lock"}
	if !slices.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
}

func TestWriterPragmas(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "plexm8.db"), Options{})
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "5000",
		"synchronous":  "1", // NORMAL
		"cache_size":   "-16384",
	} {
		var got string
		if err := db.W().QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("writer PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if got := db.W().Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want 1", got)
	}
	for pragma, want := range map[string]int{"foreign_keys": 1, "busy_timeout": 5000} {
		if got := queryInt(t, db.R(), "PRAGMA "+pragma); got != want {
			t.Errorf("reader PRAGMA %s = %d, want %d", pragma, got, want)
		}
	}
	if got := db.R().Stats().MaxOpenConnections; got != defaultReaders {
		t.Errorf("reader MaxOpenConnections = %d, want %d", got, defaultReaders)
	}
}

func TestWriterTransactionsAreImmediate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	db := openTest(t, path, Options{})
	tx, err := db.W().BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	// BEGIN IMMEDIATE takes the write lock at once, before any statement:
	// another connection cannot start writing even though tx has done
	// nothing yet.
	other := openPool(fileURI(path)+"?_pragma=busy_timeout(0)", 1)
	defer other.Close()
	_, err = other.ExecContext(t.Context(), `INSERT INTO servers (id, name, owned) VALUES ('x', 'x', 0)`)
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("write beside an idle immediate transaction: err = %v, want database is locked", err)
	}
}

func TestReaderSeesOldStateWhileWriterHoldsTransaction(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "plexm8.db"), Options{})
	ctx := t.Context()
	insert := `INSERT INTO sync_runs (kind, started_at, status) VALUES ('full', 1, 'ok')`
	if _, err := db.W().ExecContext(ctx, insert); err != nil {
		t.Fatal(err)
	}

	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for range 3 {
		if _, err := tx.ExecContext(ctx, insert); err != nil {
			t.Fatal(err)
		}
	}
	if got := queryInt(t, tx, "SELECT count(*) FROM sync_runs"); got != 4 {
		t.Fatalf("count inside the writer's transaction = %d, want 4", got)
	}

	// busy_timeout is 5 s: a reader that waited on the writer would miss
	// this deadline and fail instead of returning the old count.
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var n int
	if err := db.R().QueryRowContext(rctx, "SELECT count(*) FROM sync_runs").Scan(&n); err != nil {
		t.Fatalf("reader during an open write transaction: %v", err)
	}
	if n != 1 {
		t.Errorf("reader count = %d, want the committed 1", n)
	}

	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := queryInt(t, db.R(), "SELECT count(*) FROM sync_runs"); got != 4 {
		t.Errorf("reader count after commit = %d, want 4", got)
	}
}

func TestReadOnlyOpenBesideWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	w := openTest(t, path, Options{})
	if _, err := w.W().ExecContext(t.Context(), `INSERT INTO servers (id, name, owned) VALUES ('m1', 'Home', 1)`); err != nil {
		t.Fatal(err)
	}

	ro := openTest(t, path, Options{ReadOnly: true, Readers: 2})
	if ro.W() != nil {
		t.Error("W() of a read-only DB is not nil")
	}
	if got := ro.R().Stats().MaxOpenConnections; got != 2 {
		t.Errorf("reader MaxOpenConnections = %d, want 2", got)
	}
	if got := queryInt(t, ro.R(), "SELECT count(*) FROM servers"); got != 1 {
		t.Errorf("read-only count = %d, want 1", got)
	}
	_, err := ro.R().ExecContext(t.Context(), `INSERT INTO servers (id, name, owned) VALUES ('m2', 'Away', 0)`)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("write through the read-only pool: err = %v, want a readonly error", err)
	}
	if v, err := ro.SchemaVersion(t.Context()); err != nil || v != LatestVersion() {
		t.Errorf("read-only SchemaVersion = %d, %v", v, err)
	}
}

func TestReadOnlyOpenWithoutWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.W().ExecContext(t.Context(), `INSERT INTO servers (id, name, owned) VALUES ('m1', 'Home', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ro := openTest(t, path, Options{ReadOnly: true})
	if got := queryInt(t, ro.R(), "SELECT count(*) FROM servers"); got != 1 {
		t.Errorf("count = %d, want 1", got)
	}
	// A read-only DB must not take the writer lock.
	openTest(t, path, Options{})
}

func TestReadOnlyOpenNeedsMigratedDatabase(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"missing": filepath.Join(dir, "missing.db"), "empty": empty} {
		_, err := Open(t.Context(), path, Options{ReadOnly: true})
		if !errors.Is(err, ErrNeedsMigration) {
			t.Errorf("%s: error %v does not match ErrNeedsMigration", name, err)
		} else if want := map[string]string{"missing": `then run "plexm8-sync sync"`, "empty": `run "plexm8-sync migrate"`}[name]; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q does not say %s", name, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open created the missing database: %v", err)
	}
}

func TestOpenWithoutPath(t *testing.T) {
	if _, err := Open(t.Context(), "", Options{}); err == nil {
		t.Error("Open with an empty path succeeded")
	}
}

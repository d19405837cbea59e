package db

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/plexm8/plexm8-sync/migrations"
)

func TestEmbeddedMigrationsAreContiguous(t *testing.T) {
	ms, err := loadMigrations(migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.version != i+1 {
			t.Errorf("migration %d is %s", i+1, m.name)
		}
	}
	if LatestVersion() != len(ms) {
		t.Errorf("LatestVersion() = %d, want %d", LatestVersion(), len(ms))
	}
}

func TestLoadMigrationsRejectsBadSets(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("SELECT 1;")}
	cases := map[string]struct {
		files []string
		want  string
	}{
		"gap":       {[]string{"0001_a.sql", "0003_c.sql"}, "0003_c.sql: expected number 2"},
		"duplicate": {[]string{"0001_a.sql", "0002_b.sql", "0002_c.sql"}, "migrations 0002_b.sql and 0002_c.sql share number 2"},
		"no number": {[]string{"0001_a.sql", "init.sql"}, "migration init.sql: name must be"},
		"zero":      {[]string{"0000_a.sql"}, "migration 0000_a.sql: name must be"},
		"not first": {[]string{"0002_b.sql"}, "0002_b.sql: expected number 1"},
		"empty":     {nil, "no migrations"},
	}
	for name, c := range cases {
		fsys := fstest.MapFS{"README.md": file}
		for _, f := range c.files {
			fsys[f] = file
		}
		_, err := loadMigrations(fsys)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want it to contain %q", name, err, c.want)
		}
	}
}

// freshWriter is a writer pool on a new file, without Open's migration.
func freshWriter(t *testing.T) *sql.DB {
	t.Helper()
	w := openPool(writerDSN(filepath.Join(t.TempDir(), "plexm8.db")), 1)
	t.Cleanup(func() { w.Close() })
	return w
}

func tableNames(t *testing.T, q rowQuerier) string {
	t.Helper()
	var names sql.NullString
	if err := q.QueryRowContext(t.Context(),
		"SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name)").Scan(&names); err != nil {
		t.Fatal(err)
	}
	return names.String
}

func TestMigrateAppliesInOrderThenNothing(t *testing.T) {
	w := freshWriter(t)
	fsys := fstest.MapFS{
		"0002_b.sql": {Data: []byte("CREATE TABLE b (x REFERENCES a(x));")},
		"0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER PRIMARY KEY);")},
	}
	applied, err := migrateFS(t.Context(), w, fsys)
	if err != nil || !slices.Equal(applied, []int{1, 2}) {
		t.Fatalf("migrateFS = %v, %v; want [1 2]", applied, err)
	}
	if got := tableNames(t, w); got != "a,b" {
		t.Errorf("tables = %q, want a,b", got)
	}

	applied, err = migrateFS(t.Context(), w, fsys)
	if err != nil || len(applied) != 0 {
		t.Errorf("re-run = %v, %v; want nothing applied", applied, err)
	}

	fsys["0003_c.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE c (x);")}
	applied, err = migrateFS(t.Context(), w, fsys)
	if err != nil || !slices.Equal(applied, []int{3}) {
		t.Errorf("after adding 0003 = %v, %v; want [3]", applied, err)
	}
	if got := queryInt(t, w, "PRAGMA user_version"); got != 3 {
		t.Errorf("user_version = %d, want 3", got)
	}
}

func TestFailingMigrationRollsBackWhole(t *testing.T) {
	w := freshWriter(t)
	fsys := fstest.MapFS{
		"0001_a.sql":   {Data: []byte("CREATE TABLE a (x);")},
		"0002_bad.sql": {Data: []byte("CREATE TABLE b (x);\nINSERT INTO a VALUES (1);\nCREATE TABLE c (x);\nINSERT INTO missing VALUES (1);\n")},
	}
	applied, err := migrateFS(t.Context(), w, fsys)
	if err == nil || !strings.Contains(err.Error(), "apply migration 0002_bad.sql") || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("error = %v, want it to name 0002_bad.sql and the missing table", err)
	}
	if !slices.Equal(applied, []int{1}) {
		t.Errorf("applied = %v, want [1]", applied)
	}
	if got := queryInt(t, w, "PRAGMA user_version"); got != 1 {
		t.Errorf("user_version = %d, want 1", got)
	}
	if got := tableNames(t, w); got != "a" {
		t.Errorf("tables = %q, want only a", got)
	}
	if got := queryInt(t, w, "SELECT count(*) FROM a"); got != 0 {
		t.Errorf("rows in a = %d, want 0 (the insert was part of the failed file)", got)
	}

	fsys["0002_bad.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE b (x);")}
	applied, err = migrateFS(t.Context(), w, fsys)
	if err != nil || !slices.Equal(applied, []int{2}) {
		t.Errorf("after fixing 0002 = %v, %v; want [2]", applied, err)
	}
}

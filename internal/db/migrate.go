package db

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/plexm8/plexm8-sync/migrations"
)

// migration is one NNNN_name.sql file; its number becomes user_version.
type migration struct {
	version int
	name    string
}

// LatestVersion returns the highest migration number embedded in this
// binary, i.e. the schema version Open migrates to.
func LatestVersion() int {
	ms, err := loadMigrations(migrations.FS)
	if err != nil {
		// The embedded set is fixed at build time and tested; a bad one
		// is a programming error.
		panic(err)
	}
	return ms[len(ms)-1].version
}

// Migrate applies every pending embedded migration to w, each file in its own
// transaction together with its PRAGMA user_version, and returns the versions
// it applied (none when the schema is current). A foreign database is refused
// (ErrForeignDatabase), as is one newer than LatestVersion (ErrSchemaTooNew).
// w should be the writer from Open, so that transactions BEGIN IMMEDIATE.
func Migrate(ctx context.Context, w *sql.DB) (applied []int, err error) {
	return migrateFS(ctx, w, migrations.FS)
}

func migrateFS(ctx context.Context, w *sql.DB, fsys fs.FS) ([]int, error) {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return nil, err
	}
	var applied []int
	for {
		v, err := applyNext(ctx, w, fsys, ms)
		if err != nil || v == 0 {
			return applied, err
		}
		applied = append(applied, v)
	}
}

// applyNext applies the migration after the database's current version and
// returns its number, or 0 when there is none. The version is read inside
// the write transaction, so a concurrent migrator cannot apply a file twice.
func applyNext(ctx context.Context, w *sql.DB, fsys fs.FS, ms []migration) (int, error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin migration: %w", err)
	}
	defer func() { _ = tx.Rollback() }()

	st, err := readState(ctx, tx)
	if err != nil {
		return 0, err
	}
	if err := st.check(len(ms)); err != nil {
		return 0, err
	}
	if st.version == len(ms) {
		return 0, nil
	}
	m := ms[st.version]
	body, err := fs.ReadFile(fsys, m.name)
	if err != nil {
		return 0, fmt.Errorf("read migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return 0, fmt.Errorf("apply migration %s: %w", m.name, err)
	}
	// A migration that rewrites names (or backfills rows) enqueues them for
	// search like any write; its own transaction indexes them.
	if ok, err := hasSearchQueue(ctx, tx); err != nil {
		return 0, fmt.Errorf("migration %s: %w", m.name, err)
	} else if ok {
		if err := drainSearch(ctx, tx); err != nil {
			return 0, fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	// PRAGMA takes no bound parameters; both values are integers we format.
	stamp := fmt.Sprintf("PRAGMA user_version = %d; PRAGMA application_id = %d", m.version, applicationID)
	if _, err := tx.ExecContext(ctx, stamp); err != nil {
		return 0, fmt.Errorf("record migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("commit migration %s: %w", m.name, err)
	}
	return m.version, nil
}

// loadMigrations lists fsys's *.sql files and checks they are numbered 1..N
// with no gap or duplicate, since user_version alone says what was applied.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	ms := make([]migration, 0, len(names))
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql with NNNN >= 1", name)
		}
		ms = append(ms, migration{version: v, name: name})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations found")
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		switch {
		case i > 0 && m.version == ms[i-1].version:
			return nil, fmt.Errorf("migrations %s and %s share number %d", ms[i-1].name, m.name, m.version)
		case m.version != i+1:
			return nil, fmt.Errorf("migration %s: expected number %d; numbers must run 1, 2, 3... without gaps", m.name, i+1)
		}
	}
	return ms, nil
}

package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// itemStmts are the statements an upsert of one kind needs. A reconciling
// upsert reads the stored hashes of a page first (getMany), so that an
// unchanged row costs an index probe and no write, and so the caller learns
// whether a row was new. A loading upsert (load) is one statement: into a
// section that holds no current rows, nearly every row is new and the probe
// would be waste.
type itemStmts struct {
	getMany, insert, update, load *sql.Stmt
}

// mirrorStmts are the writer's prepared statements. They are made when the
// writer opens, with Open's context, and never later: made by the first pass
// that needs them, they would carry that pass's context, and a pass
// cancelled at its start would break every later one.
type mirrorStmts struct {
	items    map[Kind]*itemStmts
	seenMany *sql.Stmt
}

func getManySQL(table string) string {
	return `SELECT j.value, t.hash, t.removed_at IS NOT NULL FROM json_each(?) AS j
		CROSS JOIN ` + table + ` AS t ON t.server_id = ? AND t.rating_key = j.value`
}

// prepareItem returns what it prepared even on error, for the caller to
// close.
func prepareItem(ctx context.Context, w *sql.DB, table string, cols []string) (*itemStmts, error) {
	var s itemStmts
	var err error
	// getMany probes a whole page in one statement: the keys travel as one
	// JSON array, so the per-statement cost is paid once per page. CROSS
	// JOIN makes the page the outer loop; left to itself the planner may
	// scan the table and look each row up in the array.
	if s.getMany, err = w.PrepareContext(ctx, getManySQL(table)); err != nil {
		return &s, err
	}
	ins := "INSERT INTO " + table + " (server_id, rating_key, hash"
	vals := "?, ?, ?"
	upd := "UPDATE " + table + " SET hash = ?, removed_at = NULL"
	for _, c := range cols {
		ins += ", " + c
		vals += ", ?"
		upd += ", " + c + " = ?"
	}
	if s.insert, err = w.PrepareContext(ctx, ins+") VALUES ("+vals+")"); err != nil {
		return &s, err
	}
	if s.update, err = w.PrepareContext(ctx, upd+" WHERE server_id = ? AND rating_key = ?"); err != nil {
		return &s, err
	}
	set := "hash = excluded.hash, removed_at = NULL"
	for _, c := range cols {
		set += ", " + c + " = excluded." + c
	}
	load := ins + ") VALUES (" + vals + ") ON CONFLICT (server_id, rating_key) DO UPDATE SET " + set +
		" WHERE " + table + ".hash != excluded.hash OR " + table + ".removed_at IS NOT NULL"
	if s.load, err = w.PrepareContext(ctx, load); err != nil {
		return &s, err
	}
	return &s, nil
}

// prepareMirror creates the TEMP tables of the writer's connection and
// prepares the mirror's statements on it. On error it closes what it had
// prepared.
func prepareMirror(ctx context.Context, w *sql.DB) (_ *mirrorStmts, err error) {
	m := &mirrorStmts{items: map[Kind]*itemStmts{}}
	defer func() {
		if err != nil {
			m.close()
		}
	}()
	for kind, cols := range map[Kind][]string{KindArtist: artistCols, KindAlbum: albumCols, KindTrack: trackCols, KindPlaylist: playlistCols} {
		s, err := prepareItem(ctx, w, string(kind), cols)
		m.items[kind] = s
		if err != nil {
			return nil, fmt.Errorf("prepare %s statements: %w", kind, err)
		}
	}
	if _, err := w.ExecContext(ctx, seenTableSQL+";"+stagedTableSQL); err != nil {
		return nil, fmt.Errorf("create listing table: %w", err)
	}
	if m.seenMany, err = w.PrepareContext(ctx, `INSERT OR IGNORE INTO temp.seen (kind, rating_key) SELECT ?, value FROM json_each(?)`); err != nil {
		return nil, fmt.Errorf("prepare listing statement: %w", err)
	}
	return m, nil
}

func (m *mirrorStmts) close() {
	if m == nil {
		return
	}
	for _, s := range m.items {
		for _, st := range []*sql.Stmt{s.getMany, s.insert, s.update, s.load} {
			if st != nil {
				_ = st.Close()
			}
		}
	}
	if m.seenMany != nil {
		_ = m.seenMany.Close()
	}
}

// errReadOnly is what a write through a read-only DB returns.
var errReadOnly = errors.New("the database was opened read-only")

// mirror returns the statements prepared when the writer opened. It fails
// only on a read-only DB, which has no writer.
func (db *DB) mirror(context.Context) (*mirrorStmts, error) {
	if db.stmts == nil {
		return nil, errReadOnly
	}
	return db.stmts, nil
}

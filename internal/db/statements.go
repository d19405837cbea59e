package db

import (
	"context"
	"database/sql"
	"fmt"
	gosync "sync"
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

type mirrorStmts struct {
	once     gosync.Once
	err      error
	items    map[Kind]*itemStmts
	seenMany *sql.Stmt
}

func getManySQL(table string) string {
	return `SELECT j.value, t.hash, t.removed_at IS NOT NULL FROM json_each(?) AS j
		CROSS JOIN ` + table + ` AS t ON t.server_id = ? AND t.rating_key = j.value`
}

func prepareItem(ctx context.Context, w *sql.DB, table string, cols []string) (*itemStmts, error) {
	var s itemStmts
	var err error
	// getMany probes a whole page in one statement: the keys travel as one
	// JSON array, so the per-statement cost is paid once per page. CROSS
	// JOIN makes the page the outer loop; left to itself the planner may
	// scan the table and look each row up in the array.
	if s.getMany, err = w.PrepareContext(ctx, getManySQL(table)); err != nil {
		return nil, err
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
		return nil, err
	}
	if s.update, err = w.PrepareContext(ctx, upd+" WHERE server_id = ? AND rating_key = ?"); err != nil {
		return nil, err
	}
	set := "hash = excluded.hash, removed_at = NULL"
	for _, c := range cols {
		set += ", " + c + " = excluded." + c
	}
	load := ins + ") VALUES (" + vals + ") ON CONFLICT (server_id, rating_key) DO UPDATE SET " + set +
		" WHERE " + table + ".hash != excluded.hash OR " + table + ".removed_at IS NOT NULL"
	if s.load, err = w.PrepareContext(ctx, load); err != nil {
		return nil, err
	}
	return &s, nil
}

func (db *DB) mirror(ctx context.Context) (*mirrorStmts, error) {
	m := &db.stmts
	m.once.Do(func() {
		m.items = map[Kind]*itemStmts{}
		for kind, cols := range map[Kind][]string{KindArtist: artistCols, KindAlbum: albumCols, KindTrack: trackCols, KindPlaylist: playlistCols} {
			s, err := prepareItem(ctx, db.W(), string(kind), cols)
			if err != nil {
				m.err = fmt.Errorf("prepare %s statements: %w", kind, err)
				return
			}
			m.items[kind] = s
		}
		if _, err := db.W().ExecContext(ctx, seenTableSQL+";"+stagedTableSQL); err != nil {
			m.err = fmt.Errorf("create listing table: %w", err)
			return
		}
		m.seenMany, m.err = db.W().PrepareContext(ctx, `INSERT OR IGNORE INTO temp.seen (kind, rating_key) SELECT ?, value FROM json_each(?)`)
	})
	return m, m.err
}

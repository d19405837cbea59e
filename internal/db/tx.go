package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Tx is one write transaction of the mirror: a batch of upserts.
type Tx struct {
	tx    *sql.Tx
	m     *mirrorStmts
	bound map[*sql.Stmt]*sql.Stmt
	rows  int
	load  bool
	// touched, when set, collects the tracks the writes touch (touched.go).
	touched *Touched
}

// Begin starts a write transaction on the single writer.
func (db *DB) Begin(ctx context.Context) (*Tx, error) {
	m, err := db.mirror(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin write: %w", err)
	}
	return &Tx{tx: tx, m: m, bound: map[*sql.Stmt]*sql.Stmt{}}, nil
}

// BeginLoad starts a write transaction for loading a section that holds no
// current rows. Its upserts skip the probe for the stored row and report
// every row they write as Added (a row that existed, marked removed or from
// earlier in the same listing, is simply brought up to date).
func (db *DB) BeginLoad(ctx context.Context) (*Tx, error) {
	t, err := db.Begin(ctx)
	if t != nil {
		t.load = true
	}
	return t, err
}

// Rows is how many rows this transaction has written or probed.
func (t *Tx) Rows() int { return t.rows }

// Commit makes the batch durable, with the search indexes brought up to
// date in the same transaction.
func (t *Tx) Commit() error {
	// The transaction is bound to Begin's context already: cancelling that
	// fails these statements and rolls the batch back.
	if err := drainSearch(context.Background(), t.tx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Rollback abandons the batch; it is safe after Commit.
func (t *Tx) Rollback() { _ = t.tx.Rollback() }

func (t *Tx) stmt(ctx context.Context, s *sql.Stmt) *sql.Stmt {
	b, ok := t.bound[s]
	if !ok {
		b = t.tx.StmtContext(ctx, s)
		t.bound[s] = b
	}
	return b
}

// PutPage writes a page of rows of one kind and server, each only if it
// differs from the stored row, and says what it did to each. The stored rows
// are probed with one statement per page. With seen, the page's keys are
// also recorded in the current listing (StartListing) for removal marking.
func (t *Tx) PutPage(ctx context.Context, rows []Row, seen bool) ([]Change, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	kind, serverID := rows[0].kind, rows[0].args[0]
	keys := make([]string, len(rows))
	for i, row := range rows {
		keys[i] = row.Key()
	}
	keysJSON, err := json.Marshal(keys)
	if err != nil {
		return nil, err
	}
	var changes []Change
	if t.load {
		changes, err = t.loadPage(ctx, rows)
	} else {
		changes, err = t.reconcilePage(ctx, rows, string(keysJSON), serverID)
	}
	if err != nil {
		return nil, err
	}
	t.rows += len(rows)
	if seen {
		if _, err := t.stmt(ctx, t.m.seenMany).ExecContext(ctx, string(kind), string(keysJSON)); err != nil {
			return nil, fmt.Errorf("record listed %s: %w", kind, err)
		}
	}
	return changes, nil
}

// loadPage writes each row with the single upsert statement of a load.
func (t *Tx) loadPage(ctx context.Context, rows []Row) ([]Change, error) {
	s := t.m.items[rows[0].kind]
	changes := make([]Change, len(rows))
	for i, row := range rows {
		res, err := t.stmt(ctx, s.load).ExecContext(ctx, row.args...)
		if err != nil {
			return nil, fmt.Errorf("write %s %s: %w", row.kind, row.Key(), err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			changes[i] = Added
		}
	}
	return changes, nil
}

// reconcilePage probes the stored rows of a page, then inserts the new rows
// and updates the changed ones.
func (t *Tx) reconcilePage(ctx context.Context, rows []Row, keysJSON string, serverID any) ([]Change, error) {
	kind := rows[0].kind
	s := t.m.items[kind]
	changes := make([]Change, len(rows))
	have := make(map[string]stored, len(rows))
	res, err := t.stmt(ctx, s.getMany).QueryContext(ctx, keysJSON, serverID)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", kind, err)
	}
	for res.Next() {
		var k string
		var st stored
		if err := res.Scan(&k, &st.hash, &st.removed); err != nil {
			res.Close()
			return nil, fmt.Errorf("read %s: %w", kind, err)
		}
		have[k] = st
	}
	res.Close()
	if err := res.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", kind, err)
	}
	track := t.touched != nil && kind == KindTrack
	if track {
		// The values a changed current row holds now, before it is
		// overwritten: new and revived rows had none a rule could see.
		var keys []string
		for _, row := range rows {
			if st, ok := have[row.Key()]; ok && !st.removed && st.hash != row.args[2].(int64) {
				keys = append(keys, row.Key())
			}
		}
		if err := t.touchBefore(ctx, serverID, keys); err != nil {
			return nil, err
		}
	}
	for i, row := range rows {
		var prev *stored
		if st, ok := have[row.Key()]; ok {
			prev = &st
		}
		ch, err := t.write(ctx, s, row, prev)
		if err != nil {
			return nil, err
		}
		changes[i] = ch
		if track && ch != Unchanged {
			t.touched.Tracks = append(t.touched.Tracks, versionOf(row.args[3:]))
		}
		// A key listed twice in one page (a server bug) is seen as
		// written the second time.
		have[row.Key()] = stored{hash: row.args[2].(int64)}
	}
	return changes, nil
}

// stored is what a probe learns of a stored row.
type stored struct {
	hash    int64
	removed bool
}

// write inserts row (prev nil), or updates it if it differs from prev.
func (t *Tx) write(ctx context.Context, s *itemStmts, row Row, prev *stored) (Change, error) {
	if prev == nil {
		if _, err := t.stmt(ctx, s.insert).ExecContext(ctx, row.args...); err != nil {
			return 0, fmt.Errorf("insert %s %s: %w", row.kind, row.Key(), err)
		}
		return Added, nil
	}
	if prev.hash == row.args[2].(int64) && !prev.removed {
		return Unchanged, nil
	}
	// The update statement takes the hash and columns, then the key.
	upd := make([]any, 0, len(row.args))
	upd = append(upd, row.args[2:]...)
	upd = append(upd, row.args[0], row.args[1])
	if _, err := t.stmt(ctx, s.update).ExecContext(ctx, upd...); err != nil {
		return 0, fmt.Errorf("update %s %s: %w", row.kind, row.Key(), err)
	}
	if prev.removed {
		return Added, nil
	}
	return Updated, nil
}

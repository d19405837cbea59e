package db

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// The offline query commands' reads. They run on the read-only pool, so they
// answer while a sync writes (WAL) and never change the database. This file
// holds what every listing shares: the SELECT builder and the resolution of
// the server and playlist names a filter gives.

// NoMatchError says that a name given to select a server or a playlist
// matches nothing; Known lists what would have.
type NoMatchError struct {
	What, Name string
	Known      []string
}

func (e *NoMatchError) Error() string {
	msg := fmt.Sprintf("no %s named %q", e.What, e.Name)
	if len(e.Known) > 0 {
		msg += "; known: " + strings.Join(e.Known, ", ")
	}
	return msg
}

// query collects the parts of one SELECT.
type query struct {
	from  string
	where []string
	args  []any
}

func (q *query) and(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

func (q *query) sql(cols, order string, limit int) (string, []any) {
	s := "SELECT " + cols + " FROM " + q.from
	if len(q.where) > 0 {
		s += " WHERE " + strings.Join(q.where, " AND ")
	}
	if order != "" {
		s += " ORDER BY " + order
	}
	args := q.args
	if limit > 0 {
		s += " LIMIT ?"
		args = append(args[:len(args):len(args)], limit)
	}
	return s, args
}

// serverIDs resolves a server name or identifier; "" means every server.
func (db *DB) serverIDs(ctx context.Context, name string) ([]string, error) {
	if name == "" {
		return nil, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, id = ?1 OR name = ?1 COLLATE NOCASE FROM servers ORDER BY name`, name)
	if err != nil {
		return nil, fmt.Errorf("find server %q: %w", name, err)
	}
	defer rows.Close()
	var ids, known []string
	for rows.Next() {
		var id, n string
		var hit bool
		if err := rows.Scan(&id, &n, &hit); err != nil {
			return nil, fmt.Errorf("find server %q: %w", name, err)
		}
		if hit {
			ids = append(ids, id)
		}
		known = append(known, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find server %q: %w", name, err)
	}
	if len(ids) == 0 {
		return nil, &NoMatchError{What: "server", Name: name, Known: known}
	}
	return ids, nil
}

// inList is "col IN (?, ?)" with its arguments.
func inList(col string, vals []string) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return col + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ") + ")", args
}

// playlistKeys resolves a playlist title or rating key among the current
// playlists of the given servers (all when nil).
func (db *DB) playlistKeys(ctx context.Context, name string, servers []string) ([][2]string, error) {
	q := query{from: "playlists"}
	q.and("removed_at IS NULL")
	if servers != nil {
		q.and(inList("server_id", servers))
	}
	s, args := q.sql("server_id, rating_key, title, rating_key = ? OR title = ? COLLATE NOCASE", "title COLLATE NOCASE", 0)
	rows, err := db.r.QueryContext(ctx, s, append([]any{name, name}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("find playlist %q: %w", name, err)
	}
	defer rows.Close()
	var keys [][2]string
	var known []string
	for rows.Next() {
		var sid, rk string
		var title sql.NullString
		var hit bool
		if err := rows.Scan(&sid, &rk, &title, &hit); err != nil {
			return nil, fmt.Errorf("find playlist %q: %w", name, err)
		}
		if hit {
			keys = append(keys, [2]string{sid, rk})
		}
		if len(known) < 20 {
			known = append(known, strconv.Quote(title.String))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find playlist %q: %w", name, err)
	}
	if len(keys) == 0 {
		return nil, &NoMatchError{What: "playlist", Name: name, Known: known}
	}
	return keys, nil
}

// filters keeps the non-empty column filters.
func filters(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if strings.TrimSpace(kv[i+1]) != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

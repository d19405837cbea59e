package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// Status is what `plexm8-sync status` reports, read from one snapshot of the
// database so that the counts, runs and daemon state agree with each other.
// It reads through the read-only pool only: it works beside a running daemon
// and never needs the network.
type Status struct {
	SchemaVersion int
	// Bytes is the size of the database file plus its write-ahead log, which
	// holds recent writes until a checkpoint moves them into the file.
	Bytes   int64
	Servers []ServerStatus // every mirrored server, removed ones last
	Totals  MirrorCounts   // current rows of the servers that are not removed
	// Jobs holds the latest run of every daemon job that has run, by name.
	Jobs []JobRun
	// LastGoodBackup is the newest backup run that succeeded, or nil.
	LastGoodBackup *JobRun
	// RecentSyncs are the newest sync_runs rows, newest first.
	RecentSyncs []SyncRun
	// Token, Schedule and Daemon are what the daemon last recorded in
	// daemon_state; nil (or empty) when it never did.
	Token    *TokenState
	Schedule Schedule
	Daemon   *DaemonInfo
	// Problems lists daemon_state values that could not be decoded. They
	// are reported rather than failing the whole status: a status command
	// that breaks when something is odd is no use for finding out what.
	Problems []string
}

// MirrorCounts counts current (not removed) rows.
type MirrorCounts struct {
	Sections, Artists, Albums, Tracks, Playlists, PlaylistItems int64
}

// ServerStatus is one servers row with its counts and its latest sync.
type ServerStatus struct {
	ID, Name    string
	Owned       bool
	Connection  string // the connection the last sync used; "" if none yet
	RefreshedAt int64  // when plex.tv last listed it (unix), 0 if never
	RemovedAt   int64  // when plex.tv stopped listing it, 0 while current
	// LastContact is when a sync last finished talking to the server (a run
	// that ended ok or partial), 0 if never.
	LastContact int64
	Counts      MirrorCounts
	LastSync    *SyncRun
}

// SyncRun is a sync_runs row.
type SyncRun struct {
	ID                      int64
	Kind                    string // incremental | full
	ServerID, Server        string // Server is the name, "" for an all-servers run
	StartedAt, FinishedAt   int64  // FinishedAt is 0 while running or after a crash
	Status                  RunStatus
	Added, Updated, Removed int64
	Requests                int64
	Error                   string
}

// recentSyncs is how many sync_runs rows Status returns.
const recentSyncs = 5

// Status reads the whole status in one read transaction.
func (db *DB) Status(ctx context.Context) (*Status, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	// A read transaction has nothing to commit; rolling back ends the
	// snapshot.
	defer func() { _ = tx.Rollback() }()

	st := &Status{Schedule: Schedule{}}
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&st.SchemaVersion); err != nil {
		return nil, fmt.Errorf("read status: schema version: %w", err)
	}
	for _, step := range []struct {
		what string
		read func(context.Context, *sql.Tx, *Status) error
	}{
		{"servers", readServers},
		{"mirror counts", readCounts},
		{"sync runs", readSyncRuns},
		{"job runs", readJobRuns},
		{"daemon state", readDaemonState},
	} {
		if err := step.read(ctx, tx, st); err != nil {
			return nil, fmt.Errorf("read status: %s: %w", step.what, err)
		}
	}
	st.Bytes, err = db.fileBytes()
	if err != nil {
		return nil, fmt.Errorf("read status: %w", err)
	}
	return st, nil
}

func (db *DB) fileBytes() (int64, error) {
	var n int64
	for _, name := range []string{db.path, db.path + "-wal"} {
		fi, err := os.Stat(name)
		if errors.Is(err, os.ErrNotExist) && name != db.path {
			continue // no WAL: everything is checkpointed
		}
		if err != nil {
			return 0, fmt.Errorf("size of the database: %w", err)
		}
		n += fi.Size()
	}
	return n, nil
}

func readServers(ctx context.Context, tx *sql.Tx, st *Status) error {
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.name, s.owned, coalesce(s.connection_uri, ''),
		coalesce(s.refreshed_at, 0), coalesce(s.removed_at, 0),
		coalesce((SELECT max(finished_at) FROM sync_runs WHERE server_id = s.id AND status IN (?, ?)), 0)
		FROM servers s ORDER BY s.removed_at IS NOT NULL, s.name, s.id`, RunOK, RunPartial)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s ServerStatus
		if err := rows.Scan(&s.ID, &s.Name, &s.Owned, &s.Connection, &s.RefreshedAt, &s.RemovedAt, &s.LastContact); err != nil {
			return err
		}
		st.Servers = append(st.Servers, s)
	}
	return rows.Err()
}

// readCounts counts current rows per server with one grouped scan per table,
// rather than one count per server and table.
func readCounts(ctx context.Context, tx *sql.Tx, st *Status) error {
	byID := make(map[string]*ServerStatus, len(st.Servers))
	for i := range st.Servers {
		byID[st.Servers[i].ID] = &st.Servers[i]
	}
	for _, c := range []struct {
		query string
		field func(*MirrorCounts) *int64
	}{
		{`SELECT server_id, count(*) FROM sections WHERE removed_at IS NULL GROUP BY server_id`, func(m *MirrorCounts) *int64 { return &m.Sections }},
		{`SELECT server_id, count(*) FROM artists WHERE removed_at IS NULL GROUP BY server_id`, func(m *MirrorCounts) *int64 { return &m.Artists }},
		{`SELECT server_id, count(*) FROM albums WHERE removed_at IS NULL GROUP BY server_id`, func(m *MirrorCounts) *int64 { return &m.Albums }},
		{`SELECT server_id, count(*) FROM tracks WHERE removed_at IS NULL GROUP BY server_id`, func(m *MirrorCounts) *int64 { return &m.Tracks }},
		{`SELECT server_id, count(*) FROM playlists WHERE removed_at IS NULL GROUP BY server_id`, func(m *MirrorCounts) *int64 { return &m.Playlists }},
		// Items of a removed playlist are kept as they were; they are not
		// current, so they are not counted.
		{`SELECT i.server_id, count(*) FROM playlist_items i JOIN playlists p
			ON p.server_id = i.server_id AND p.rating_key = i.playlist_rating_key
			WHERE p.removed_at IS NULL GROUP BY i.server_id`, func(m *MirrorCounts) *int64 { return &m.PlaylistItems }},
	} {
		if err := countInto(ctx, tx, c.query, func(id string, n int64) {
			if s := byID[id]; s != nil {
				*c.field(&s.Counts) = n
				if s.RemovedAt == 0 {
					*c.field(&st.Totals) += n
				}
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

func countInto(ctx context.Context, tx *sql.Tx, query string, put func(string, int64)) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		put(id, n)
	}
	return rows.Err()
}

const syncRunColumns = `r.id, r.kind, coalesce(r.server_id, ''), coalesce(s.name, ''), r.started_at, coalesce(r.finished_at, 0),
	r.status, r.added, r.updated, r.removed, r.requests, coalesce(r.error, '')`

func scanSyncRun(sc interface{ Scan(...any) error }) (SyncRun, error) {
	var r SyncRun
	err := sc.Scan(&r.ID, &r.Kind, &r.ServerID, &r.Server, &r.StartedAt, &r.FinishedAt,
		&r.Status, &r.Added, &r.Updated, &r.Removed, &r.Requests, &r.Error)
	return r, err
}

func readSyncRuns(ctx context.Context, tx *sql.Tx, st *Status) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+syncRunColumns+`
		FROM sync_runs r LEFT JOIN servers s ON s.id = r.server_id ORDER BY r.id DESC LIMIT ?`, recentSyncs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanSyncRun(rows)
		if err != nil {
			return err
		}
		st.RecentSyncs = append(st.RecentSyncs, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	// The newest run of each server; ids grow with start time.
	last, err := tx.QueryContext(ctx, `SELECT `+syncRunColumns+`
		FROM sync_runs r LEFT JOIN servers s ON s.id = r.server_id
		WHERE r.id IN (SELECT max(id) FROM sync_runs WHERE server_id IS NOT NULL GROUP BY server_id)`)
	if err != nil {
		return err
	}
	defer last.Close()
	for last.Next() {
		r, err := scanSyncRun(last)
		if err != nil {
			return err
		}
		for i := range st.Servers {
			if st.Servers[i].ID == r.ServerID {
				st.Servers[i].LastSync = &r
			}
		}
	}
	return last.Err()
}

func readJobRuns(ctx context.Context, tx *sql.Tx, st *Status) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+jobRunColumns+` FROM job_runs
		WHERE id IN (SELECT max(id) FROM job_runs GROUP BY job) ORDER BY job`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanJobRun(rows)
		if err != nil {
			return err
		}
		st.Jobs = append(st.Jobs, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	r, err := scanJobRun(tx.QueryRowContext(ctx, `SELECT `+jobRunColumns+` FROM job_runs
		WHERE job = ? AND status = ? ORDER BY id DESC LIMIT 1`, JobBackup, RunOK))
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	default:
		st.LastGoodBackup = &r
	}
	return nil
}

func readDaemonState(ctx context.Context, tx *sql.Tx, st *Status) error {
	rows, err := tx.QueryContext(ctx, `SELECT key, value, updated_at FROM daemon_state WHERE key IN (?, ?, ?)`,
		stateToken, stateSchedule, stateDaemon)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var key, value string
		var updated int64
		if err := rows.Scan(&key, &value, &updated); err != nil {
			return err
		}
		switch key {
		case stateToken:
			st.Token, err = decodeState[TokenState](key, value)
		case stateSchedule:
			st.Schedule, err = decodeSchedule(value)
		case stateDaemon:
			st.Daemon, err = decodeDaemonInfo(value, updated)
		}
		if err != nil {
			st.Problems = append(st.Problems, err.Error())
		}
	}
	return rows.Err()
}

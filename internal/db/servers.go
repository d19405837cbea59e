package db

import (
	"context"
	"fmt"
	"strings"
)

// UpsertServer records a server plex.tv listed.
func (db *DB) UpsertServer(ctx context.Context, s Server) error {
	_, err := db.W().ExecContext(ctx, `INSERT INTO servers (id, name, owned, source_title, product_version, platform, connection_uri, refreshed_at, removed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, owned = excluded.owned, source_title = excluded.source_title,
			product_version = excluded.product_version, platform = excluded.platform,
			connection_uri = coalesce(excluded.connection_uri, servers.connection_uri),
			refreshed_at = excluded.refreshed_at, removed_at = NULL`,
		s.ID, s.Name, s.Owned, s.SourceTitle, s.ProductVersion, s.Platform, s.ConnectionURI, s.RefreshedAt)
	if err != nil {
		return fmt.Errorf("save server %q: %w", s.Name, err)
	}
	return nil
}

// KeepServers marks removed every server not in ids, a complete listing of
// the account's servers. Their libraries stay as they were last mirrored,
// queryable; the servers table says they are gone.
func (db *DB) KeepServers(ctx context.Context, ids []string, now int64) error {
	q := `UPDATE servers SET removed_at = ? WHERE removed_at IS NULL`
	args := []any{now}
	if len(ids) > 0 {
		q += ` AND id NOT IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	if _, err := db.W().ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("mark servers removed: %w", err)
	}
	return nil
}

// SetConnection remembers the connection that worked for a server.
func (db *DB) SetConnection(ctx context.Context, serverID, uri string) error {
	if _, err := db.W().ExecContext(ctx, `UPDATE servers SET connection_uri = ? WHERE id = ?`, uri, serverID); err != nil {
		return fmt.Errorf("save connection: %w", err)
	}
	return nil
}

// ReplaceSections stores a complete listing of a server's sections. A
// section missing from it was deleted on the server: it and its current
// artists, albums and tracks are marked removed (never deleted), and its
// sync state is forgotten so that a section coming back is listed whole.
// It returns the keys of the sections it marked removed.
func (db *DB) ReplaceSections(ctx context.Context, serverID string, secs []Section, now int64) (gone []string, err error) {
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	keys := make([]any, 0, len(secs)+2)
	keys = append(keys, now, serverID)
	marks := ""
	for i := range secs {
		s := &secs[i]
		args := []any{val(s.UUID), s.Type, val(s.Title), val(s.Agent), val(s.Scanner), val(s.Language),
			val(s.CreatedAt), val(s.UpdatedAt), val(s.ScannedAt), val(s.ContentChangedAt)}
		_, err := tx.ExecContext(ctx, `INSERT INTO sections (server_id, key, hash, uuid, type, title, agent, scanner, language,
				created_at, updated_at, scanned_at, content_changed_at, removed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (server_id, key) DO UPDATE SET hash = excluded.hash, uuid = excluded.uuid, type = excluded.type,
				title = excluded.title, agent = excluded.agent, scanner = excluded.scanner, language = excluded.language,
				created_at = excluded.created_at, updated_at = excluded.updated_at, scanned_at = excluded.scanned_at,
				content_changed_at = excluded.content_changed_at, removed_at = NULL
			WHERE sections.hash != excluded.hash OR sections.removed_at IS NOT NULL`,
			append([]any{serverID, s.Key, hashValues(args)}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("save section %q: %w", s.Key, err)
		}
		keys = append(keys, s.Key)
		if marks != "" {
			marks += ", "
		}
		marks += "?"
	}
	q := `UPDATE sections SET removed_at = ? WHERE server_id = ? AND removed_at IS NULL`
	if marks != "" {
		q += ` AND key NOT IN (` + marks + `)`
	}
	rows, err := tx.QueryContext(ctx, q+` RETURNING key`, keys...)
	if err != nil {
		return nil, fmt.Errorf("mark sections removed: %w", err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, fmt.Errorf("mark sections removed: %w", err)
		}
		gone = append(gone, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("mark sections removed: %w", err)
	}
	for _, k := range gone {
		for _, table := range []Kind{KindArtist, KindAlbum, KindTrack} {
			if _, err := tx.ExecContext(ctx, `UPDATE `+string(table)+` SET removed_at = ? WHERE server_id = ? AND section_key = ? AND removed_at IS NULL`,
				now, serverID, k); err != nil {
				return nil, fmt.Errorf("mark %s of removed section %q: %w", table, k, err)
			}
		}
		if err := forgetState(ctx, tx, serverID, SectionScope(k)); err != nil {
			return nil, fmt.Errorf("removed section %q: %w", k, err)
		}
	}
	// Removal marks leave the names, which is all the indexes hold, so
	// the queue is empty today; draining keeps that true should a trigger
	// ever watch removed_at.
	if err := drainSearch(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit sections: %w", err)
	}
	return gone, nil
}

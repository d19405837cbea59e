package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	gosync "sync"
)

// Kind names a mirrored item table.
type Kind string

// The mirrored item kinds, named as their tables.
const (
	KindArtist   Kind = "artists"
	KindAlbum    Kind = "albums"
	KindTrack    Kind = "tracks"
	KindPlaylist Kind = "playlists"
)

// Server is a row of the servers table.
type Server struct {
	ID, Name       string
	Owned          bool
	SourceTitle    sql.NullString
	ProductVersion sql.NullString
	Platform       sql.NullString
	ConnectionURI  sql.NullString
	RefreshedAt    int64
}

// Section is a row of the sections table.
type Section struct {
	ServerID, Key                                     string
	UUID                                              sql.NullString
	Type                                              string
	Title, Agent, Scanner, Language                   sql.NullString
	CreatedAt, UpdatedAt, ScannedAt, ContentChangedAt sql.NullInt64
}

// Artist is a row of the artists table.
type Artist struct {
	ServerID, RatingKey, SectionKey             string
	Title, TitleSort, GUID, Guids               sql.NullString
	Summary, Thumb                              sql.NullString
	AddedAt, UpdatedAt, ViewCount, LastViewedAt sql.NullInt64
	UserRating                                  sql.NullFloat64
}

// Album is a row of the albums table.
type Album struct {
	ServerID, RatingKey, SectionKey                         string
	ArtistRatingKey, Title, TitleSort, ArtistTitle          sql.NullString
	Year                                                    sql.NullInt64
	OriginallyAvailableAt, GUID, Guids, Studio              sql.NullString
	TrackCount, AddedAt, UpdatedAt, ViewCount, LastViewedAt sql.NullInt64
	UserRating                                              sql.NullFloat64
}

// Track is a row of the tracks table.
type Track struct {
	ServerID, RatingKey, SectionKey                                  string
	AlbumRatingKey, ArtistRatingKey, Title, TitleSort, OriginalTitle sql.NullString
	AlbumTitle, ArtistTitle                                          sql.NullString
	TrackNumber, DiscNumber, Year, DurationMS                        sql.NullInt64
	GUID, Guids, File                                                sql.NullString
	Size                                                             sql.NullInt64
	Codec                                                            sql.NullString
	Bitrate, AddedAt, UpdatedAt, ViewCount, SkipCount, LastViewedAt  sql.NullInt64
	UserRating                                                       sql.NullFloat64
}

// Playlist is a row of the playlists table.
type Playlist struct {
	ServerID, RatingKey                       string
	Title, Summary, GUID, PlaylistType        sql.NullString
	Smart                                     sql.NullBool
	Content                                   sql.NullString
	ItemCount, DurationMS, AddedAt, UpdatedAt sql.NullInt64
}

// PlaylistItem is a row of the playlist_items table; Position is implied by
// its index in the slice handed to ReplacePlaylistItems.
type PlaylistItem struct {
	TrackRatingKey string
	PlaylistItemID sql.NullInt64
}

// Change says what an upsert did to the mirror.
type Change int

// The outcomes of an upsert.
const (
	Unchanged Change = iota
	Added            // a new row, or one that had been marked removed
	Updated
)

// The column lists below are the single source for the SQL of each table:
// the insert and update statements and the argument order of args().
var (
	artistCols = []string{"section_key", "title", "title_sort", "guid", "guids", "summary", "thumb",
		"added_at", "updated_at", "view_count", "user_rating", "last_viewed_at"}
	albumCols = []string{"section_key", "artist_rating_key", "title", "title_sort", "artist_title", "year",
		"originally_available_at", "guid", "guids", "studio", "track_count", "added_at", "updated_at",
		"view_count", "user_rating", "last_viewed_at"}
	trackCols = []string{"section_key", "album_rating_key", "artist_rating_key", "title", "title_sort",
		"original_title", "album_title", "artist_title", "track_number", "disc_number", "year", "duration_ms",
		"guid", "guids", "file", "size", "codec", "bitrate", "added_at", "updated_at", "view_count",
		"skip_count", "user_rating", "last_viewed_at"}
	playlistCols = []string{"title", "summary", "guid", "playlist_type", "smart", "content", "item_count",
		"duration_ms", "added_at", "updated_at"}
)

// The args methods give a row's column values in the order of its column
// list, as plain driver values (see plain), built directly: boxing each
// sql.Null* first and unwrapping it after cost two allocations a field.

func (a *Artist) args() []any {
	return []any{a.SectionKey, vs(a.Title), vs(a.TitleSort), vs(a.GUID), vs(a.Guids), vs(a.Summary), vs(a.Thumb),
		vi(a.AddedAt), vi(a.UpdatedAt), vi(a.ViewCount), vf(a.UserRating), vi(a.LastViewedAt)}
}

func (a *Album) args() []any {
	return []any{a.SectionKey, vs(a.ArtistRatingKey), vs(a.Title), vs(a.TitleSort), vs(a.ArtistTitle), vi(a.Year),
		vs(a.OriginallyAvailableAt), vs(a.GUID), vs(a.Guids), vs(a.Studio), vi(a.TrackCount), vi(a.AddedAt), vi(a.UpdatedAt),
		vi(a.ViewCount), vf(a.UserRating), vi(a.LastViewedAt)}
}

func (t *Track) args() []any {
	return []any{t.SectionKey, vs(t.AlbumRatingKey), vs(t.ArtistRatingKey), vs(t.Title), vs(t.TitleSort),
		vs(t.OriginalTitle), vs(t.AlbumTitle), vs(t.ArtistTitle), vi(t.TrackNumber), vi(t.DiscNumber), vi(t.Year), vi(t.DurationMS),
		vs(t.GUID), vs(t.Guids), vs(t.File), vi(t.Size), vs(t.Codec), vi(t.Bitrate), vi(t.AddedAt), vi(t.UpdatedAt), vi(t.ViewCount),
		vi(t.SkipCount), vf(t.UserRating), vi(t.LastViewedAt)}
}

func (p *Playlist) args() []any {
	return []any{vs(p.Title), vs(p.Summary), vs(p.GUID), vs(p.PlaylistType), vb(p.Smart), vs(p.Content), vi(p.ItemCount),
		vi(p.DurationMS), vi(p.AddedAt), vi(p.UpdatedAt)}
}

func vs(v sql.NullString) any {
	if v.Valid {
		return v.String
	}
	return nil
}

func vi(v sql.NullInt64) any {
	if v.Valid {
		return v.Int64
	}
	return nil
}

func vf(v sql.NullFloat64) any {
	if v.Valid {
		return v.Float64
	}
	return nil
}

func vb(v sql.NullBool) any {
	if v.Valid {
		return v.Bool
	}
	return nil
}

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

// seen records the rating keys met during one listing, so that rows the
// listing did not meet can be marked removed once it is known complete. It is
// a TEMP table on the writer's only connection: it costs the library no Go
// memory, and a crash simply forgets it, which can only delay a removal.
const seenTableSQL = `CREATE TEMP TABLE IF NOT EXISTS seen (kind TEXT NOT NULL, rating_key TEXT NOT NULL, PRIMARY KEY (kind, rating_key)) WITHOUT ROWID`

// Tx is one write transaction of the mirror: a batch of upserts.
type Tx struct {
	tx    *sql.Tx
	m     *mirrorStmts
	bound map[*sql.Stmt]*sql.Stmt
	rows  int
	load  bool
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

// Commit makes the batch durable.
func (t *Tx) Commit() error {
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

// Row is an item made ready for writing: its values in statement order
// (server, key, hash, then the columns), as plain driver values, and its
// content hash. Building one costs more than writing it is worth keeping on
// the single writer, so callers build rows where they decode pages.
type Row struct {
	kind Kind
	args []any
}

// Key returns the row's rating key.
func (r Row) Key() string { return r.args[1].(string) }

func newRow(kind Kind, serverID, ratingKey string, cols []any) Row {
	args := make([]any, 0, len(cols)+3)
	args = append(args, serverID, ratingKey, nil)
	h := newHasher()
	for _, v := range cols {
		h.value(v)
		args = append(args, v)
	}
	args[2] = h.sum()
	return Row{kind: kind, args: args}
}

// plain turns sql.Null* into nil or the bare value: the driver then needs no
// Valuer call per argument, and NULL stays NULL.
func plain(v any) any {
	switch v := v.(type) {
	case sql.NullString:
		if v.Valid {
			return v.String
		}
	case sql.NullInt64:
		if v.Valid {
			return v.Int64
		}
	case sql.NullFloat64:
		if v.Valid {
			return v.Float64
		}
	case sql.NullBool:
		if v.Valid {
			return v.Bool
		}
	default:
		return v
	}
	return nil
}

// ArtistRow prepares a for Tx.PutPage.
func ArtistRow(a *Artist) Row { return newRow(KindArtist, a.ServerID, a.RatingKey, a.args()) }

// AlbumRow prepares a for Tx.PutPage.
func AlbumRow(a *Album) Row { return newRow(KindAlbum, a.ServerID, a.RatingKey, a.args()) }

// TrackRow prepares t for Tx.PutPage.
func TrackRow(t *Track) Row { return newRow(KindTrack, t.ServerID, t.RatingKey, t.args()) }

// PlaylistRow prepares p for Tx.PutPage.
func PlaylistRow(p *Playlist) Row { return newRow(KindPlaylist, p.ServerID, p.RatingKey, p.args()) }

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

// StartListing forgets the keys met by earlier listings of kinds. Listings of
// different kinds may run side by side; two of the same kind may not.
func (db *DB) StartListing(ctx context.Context, kinds ...Kind) error {
	if _, err := db.mirror(ctx); err != nil {
		return err
	}
	// Re-creating is a no-op on the writer's long-lived connection; should
	// database/sql ever replace that connection, the TEMP table comes back.
	if _, err := db.W().ExecContext(ctx, seenTableSQL); err != nil {
		return fmt.Errorf("create listing table: %w", err)
	}
	for _, k := range kinds {
		if _, err := db.W().ExecContext(ctx, `DELETE FROM temp.seen WHERE kind = ?`, string(k)); err != nil {
			return fmt.Errorf("reset listing of %s: %w", k, err)
		}
	}
	return nil
}

// SeenCount is how many distinct keys of kind the current listing met.
func (db *DB) SeenCount(ctx context.Context, kind Kind) (int, error) {
	var n int
	if err := db.W().QueryRowContext(ctx, `SELECT count(*) FROM temp.seen WHERE kind = ?`, string(kind)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count listed %s: %w", kind, err)
	}
	return n, nil
}

// CountCurrent counts the section's rows of kind not marked removed.
func (db *DB) CountCurrent(ctx context.Context, kind Kind, serverID, sectionKey string) (int, error) {
	var n int
	err := db.W().QueryRowContext(ctx, `SELECT count(*) FROM `+string(kind)+` WHERE server_id = ? AND section_key = ? AND removed_at IS NULL`,
		serverID, sectionKey).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", kind, err)
	}
	return n, nil
}

// HasCurrent reports whether the section holds any row not marked removed.
// A section without one cannot lose rows, so its listing need not track keys.
func (db *DB) HasCurrent(ctx context.Context, serverID, sectionKey string) (bool, error) {
	var ok bool
	err := db.W().QueryRowContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM artists WHERE server_id = ?1 AND section_key = ?2 AND removed_at IS NULL) OR
		EXISTS (SELECT 1 FROM albums  WHERE server_id = ?1 AND section_key = ?2 AND removed_at IS NULL) OR
		EXISTS (SELECT 1 FROM tracks  WHERE server_id = ?1 AND section_key = ?2 AND removed_at IS NULL)`,
		serverID, sectionKey).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check section %s: %w", sectionKey, err)
	}
	return ok, nil
}

// MarkUnseenRemoved sets removed_at on the section's current rows of kind
// that the listing did not meet. Call it only after a complete and consistent
// listing that tracked keys: it is the one place rows leave the mirror.
func (t *Tx) MarkUnseenRemoved(ctx context.Context, kind Kind, serverID, sectionKey string, now int64) (int, error) {
	q := `UPDATE ` + string(kind) + ` SET removed_at = ? WHERE server_id = ? AND section_key = ? AND removed_at IS NULL
		AND rating_key NOT IN (SELECT rating_key FROM temp.seen WHERE kind = ?)`
	args := []any{now, serverID, sectionKey, string(kind)}
	if kind == KindPlaylist {
		q = `UPDATE playlists SET removed_at = ? WHERE server_id = ? AND removed_at IS NULL
			AND rating_key NOT IN (SELECT rating_key FROM temp.seen WHERE kind = ?)`
		args = []any{now, serverID, string(kind)}
	}
	res, err := t.tx.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("mark removed %s: %w", kind, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SetState records the change signature of scope as of a complete reconcile.
func (t *Tx) SetState(ctx context.Context, serverID, scope, signature string, now int64) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO sync_state (server_id, scope, signature, synced_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (server_id, scope) DO UPDATE SET signature = excluded.signature, synced_at = excluded.synced_at`,
		serverID, scope, signature, now)
	if err != nil {
		return fmt.Errorf("record state of %s: %w", scope, err)
	}
	return nil
}

// State returns the signature stored for scope, or "" when there is none.
func (db *DB) State(ctx context.Context, serverID, scope string) (string, error) {
	var sig string
	err := db.R().QueryRowContext(ctx, `SELECT signature FROM sync_state WHERE server_id = ? AND scope = ?`, serverID, scope).Scan(&sig)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read state of %s: %w", scope, err)
	}
	return sig, nil
}

// ClearState forgets every signature of a server, so the next sync reconciles
// it whole. Full sync uses it.
func (db *DB) ClearState(ctx context.Context, serverID string) error {
	if _, err := db.W().ExecContext(ctx, `DELETE FROM sync_state WHERE server_id = ?`, serverID); err != nil {
		return fmt.Errorf("clear sync state: %w", err)
	}
	return nil
}

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
func (db *DB) ReplaceSections(ctx context.Context, serverID string, secs []Section, now int64) error {
	tx, err := db.W().BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	keys := make([]any, 0, len(secs)+2)
	keys = append(keys, now, serverID)
	marks := ""
	for i := range secs {
		s := &secs[i]
		args := []any{s.UUID, s.Type, s.Title, s.Agent, s.Scanner, s.Language, s.CreatedAt, s.UpdatedAt, s.ScannedAt, s.ContentChangedAt}
		_, err := tx.ExecContext(ctx, `INSERT INTO sections (server_id, key, hash, uuid, type, title, agent, scanner, language,
				created_at, updated_at, scanned_at, content_changed_at, removed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (server_id, key) DO UPDATE SET hash = excluded.hash, uuid = excluded.uuid, type = excluded.type,
				title = excluded.title, agent = excluded.agent, scanner = excluded.scanner, language = excluded.language,
				created_at = excluded.created_at, updated_at = excluded.updated_at, scanned_at = excluded.scanned_at,
				content_changed_at = excluded.content_changed_at, removed_at = NULL
			WHERE sections.hash != excluded.hash OR sections.removed_at IS NOT NULL`,
			append([]any{serverID, s.Key, hashArgs(args)}, args...)...)
		if err != nil {
			return fmt.Errorf("save section %q: %w", s.Key, err)
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
		return fmt.Errorf("mark sections removed: %w", err)
	}
	var gone []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return fmt.Errorf("mark sections removed: %w", err)
		}
		gone = append(gone, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("mark sections removed: %w", err)
	}
	for _, k := range gone {
		for _, table := range []Kind{KindArtist, KindAlbum, KindTrack} {
			if _, err := tx.ExecContext(ctx, `UPDATE `+string(table)+` SET removed_at = ? WHERE server_id = ? AND section_key = ? AND removed_at IS NULL`,
				now, serverID, k); err != nil {
				return fmt.Errorf("mark %s of removed section %q: %w", table, k, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sync_state WHERE server_id = ? AND scope = ?`, serverID, "section:"+k); err != nil {
			return fmt.Errorf("forget removed section %q: %w", k, err)
		}
	}
	return tx.Commit()
}

// hasher is FNV-1a over a row's values, with type tags and separators so that
// ("ab", "c") and ("a", "bc"), or NULL and "", never collide by construction.
type hasher uint64

func newHasher() hasher { return 14695981039346656037 }

func (h *hasher) byte(b byte) {
	*h ^= hasher(b)
	*h *= 1099511628211
}

func (h *hasher) str(s string) {
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
}

func (h *hasher) u64(v uint64) {
	for i := 0; i < 8; i++ {
		h.byte(byte(v >> (8 * i)))
	}
}

// value hashes one plain driver value (see plain).
func (h *hasher) value(v any) {
	switch v := v.(type) {
	case nil:
		h.byte('n')
	case string:
		h.byte('s')
		h.u64(uint64(len(v)))
		h.str(v)
	case int64:
		h.byte('i')
		h.u64(uint64(v))
	case float64:
		h.byte('f')
		h.u64(math.Float64bits(v))
	case bool:
		if v {
			h.byte('T')
		} else {
			h.byte('F')
		}
	default:
		panic(fmt.Sprintf("db: cannot hash %T", v))
	}
}

func (h *hasher) args(args []any) {
	for _, a := range args {
		h.value(plain(a))
	}
}

func (h hasher) sum() int64 { return int64(h) }

func hashArgs(args []any) int64 {
	h := newHasher()
	h.args(args)
	return h.sum()
}

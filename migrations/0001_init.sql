-- The mirror of a Plex account's music world. Users query these tables with
-- plain SQL, so their names and columns are a documented interface (README.md).
--
-- Conventions:
--   * timestamps are INTEGER epoch seconds (Plex's own, or ours for *_at we set);
--   * a value Plex omits is NULL, never 0 or '';
--   * text is stored exactly as received;
--   * rows gone from the server get removed_at set; "current" is removed_at IS NULL;
--   * hash is the sync engine's content fingerprint, so unchanged rows are not rewritten.

CREATE TABLE servers (
    id              TEXT PRIMARY KEY,        -- machineIdentifier (= resource clientIdentifier)
    name            TEXT NOT NULL,
    owned           INTEGER NOT NULL,        -- 1 when the account owns the server
    source_title    TEXT,                    -- owner's name for a shared server
    product_version TEXT,
    platform        TEXT,
    connection_uri  TEXT,                    -- last connection that worked (never holds a token)
    refreshed_at    INTEGER,                 -- when plex.tv last listed it
    removed_at      INTEGER
) STRICT;

CREATE TABLE sections (
    server_id          TEXT NOT NULL REFERENCES servers(id),
    key                TEXT NOT NULL,
    uuid               TEXT,
    type               TEXT NOT NULL,        -- artist (music), movie, show, photo
    title              TEXT,
    agent              TEXT,
    scanner            TEXT,
    language           TEXT,
    created_at         INTEGER,
    updated_at         INTEGER,
    scanned_at         INTEGER,
    content_changed_at INTEGER,              -- opaque change counter, not a time
    hash               INTEGER NOT NULL,
    removed_at         INTEGER,
    PRIMARY KEY (server_id, key)
) STRICT;

CREATE TABLE artists (
    server_id      TEXT NOT NULL,
    rating_key     TEXT NOT NULL,
    section_key    TEXT NOT NULL,
    title          TEXT,
    title_sort     TEXT,
    guid           TEXT,
    guids          TEXT,                     -- JSON array of Guid ids (mbid://…); NULL if none sent
    summary        TEXT,
    thumb          TEXT,
    added_at       INTEGER,
    updated_at     INTEGER,
    view_count     INTEGER,                  -- per-user fields: refreshed by full sync
    user_rating    REAL,
    last_viewed_at INTEGER,
    hash           INTEGER NOT NULL,
    removed_at     INTEGER,
    PRIMARY KEY (server_id, rating_key)
) STRICT;
CREATE INDEX artists_section ON artists (server_id, section_key);

CREATE TABLE albums (
    server_id         TEXT NOT NULL,
    rating_key        TEXT NOT NULL,
    section_key       TEXT NOT NULL,
    artist_rating_key TEXT,
    title             TEXT,
    title_sort        TEXT,
    artist_title      TEXT,
    year              INTEGER,
    originally_available_at TEXT,           -- YYYY-MM-DD as sent
    guid              TEXT,
    guids             TEXT,
    studio            TEXT,
    track_count       INTEGER,               -- leafCount
    added_at          INTEGER,
    updated_at        INTEGER,
    view_count        INTEGER,
    user_rating       REAL,
    last_viewed_at    INTEGER,
    hash              INTEGER NOT NULL,
    removed_at        INTEGER,
    PRIMARY KEY (server_id, rating_key)
) STRICT;
CREATE INDEX albums_section ON albums (server_id, section_key);
CREATE INDEX albums_artist ON albums (server_id, artist_rating_key);

CREATE TABLE tracks (
    server_id         TEXT NOT NULL,
    rating_key        TEXT NOT NULL,
    section_key       TEXT NOT NULL,
    album_rating_key  TEXT,
    artist_rating_key TEXT,
    title             TEXT,
    title_sort        TEXT,
    original_title    TEXT,
    album_title       TEXT,
    artist_title      TEXT,
    track_number      INTEGER,               -- index
    disc_number       INTEGER,               -- parentIndex
    year              INTEGER,               -- parentYear
    duration_ms       INTEGER,
    guid              TEXT,
    guids             TEXT,
    file              TEXT,                  -- first Media's first Part
    size              INTEGER,               -- bytes of that Part
    codec             TEXT,
    bitrate           INTEGER,
    added_at          INTEGER,
    updated_at        INTEGER,
    view_count        INTEGER,
    skip_count        INTEGER,
    user_rating       REAL,
    last_viewed_at    INTEGER,
    hash              INTEGER NOT NULL,
    removed_at        INTEGER,
    PRIMARY KEY (server_id, rating_key)
) STRICT;
CREATE INDEX tracks_section ON tracks (server_id, section_key);
CREATE INDEX tracks_album ON tracks (server_id, album_rating_key);

CREATE TABLE playlists (
    server_id     TEXT NOT NULL,
    rating_key    TEXT NOT NULL,
    title         TEXT,
    summary       TEXT,
    guid          TEXT,
    playlist_type TEXT,                      -- audio, video, photo
    smart         INTEGER,
    content       TEXT,                      -- smart playlists: the rules URI
    item_count    INTEGER,                   -- leafCount
    duration_ms   INTEGER,
    added_at      INTEGER,
    updated_at    INTEGER,
    hash          INTEGER NOT NULL,
    removed_at    INTEGER,
    PRIMARY KEY (server_id, rating_key)
) STRICT;

-- Items are replaced as a whole, in one transaction, after a complete fetch.
-- They hold only the track's key: its title, guids and the rest live in
-- tracks, whose rows are never deleted, so a join always finds them (and a
-- renamed artist cannot leave a stale copy here).
CREATE TABLE playlist_items (
    server_id           TEXT NOT NULL,
    playlist_rating_key TEXT NOT NULL,
    position            INTEGER NOT NULL,    -- 0-based order in the playlist
    track_rating_key    TEXT NOT NULL,
    playlist_item_id    INTEGER,             -- NULL for smart playlists
    PRIMARY KEY (server_id, playlist_rating_key, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX playlist_items_track ON playlist_items (server_id, track_rating_key);

CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,               -- full | incremental
    server_id   TEXT,                        -- NULL when the run covered every server
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    status      TEXT NOT NULL,               -- running | ok | partial | failed
    added       INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    removed     INTEGER NOT NULL DEFAULT 0,
    counts      TEXT,                        -- JSON: added/updated/removed per kind
    requests    INTEGER NOT NULL DEFAULT 0,
    retries     INTEGER NOT NULL DEFAULT 0,
    error       TEXT
) STRICT;

-- Bookkeeping for incremental sync: the change signature of a section (or a
-- playlist's items) as of its last complete reconcile.
CREATE TABLE sync_state (
    server_id TEXT NOT NULL,
    scope     TEXT NOT NULL,                 -- section:<key> | playlist:<ratingKey>
    signature TEXT NOT NULL,
    synced_at INTEGER NOT NULL,
    PRIMARY KEY (server_id, scope)
) STRICT, WITHOUT ROWID;

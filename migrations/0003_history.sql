-- Playlist history: every version of every audio playlist a sync has seen.
-- Users query these tables with plain SQL (README.md, "Playlist history").
--
-- A version is one row of playlist_versions. Its items are the rows of
-- playlist_version_items whose [first_version, last_version] range holds it
-- (last_version NULL: still in the newest version), in sort_key order. An
-- entry that stays from one version to the next is one row, so a one-item
-- change to a 5,000-item playlist writes one or two rows, not 5,000. The
-- portable description of each entry's track (guids, names, file) lives in
-- history_items, stored once however many versions and playlists use it.
--
-- Rebuilding version V of a playlist:
--   SELECT row_number() OVER (ORDER BY e.sort_key) - 1 AS position, i.*
--   FROM playlist_version_items e JOIN history_items i ON i.id = e.item_id
--   WHERE e.server_id = :server AND e.playlist_rating_key = :playlist
--     AND e.first_version <= :v AND (e.last_version IS NULL OR e.last_version >= :v)
--   ORDER BY e.sort_key;

CREATE TABLE playlist_versions (
    server_id           TEXT NOT NULL,
    playlist_rating_key TEXT NOT NULL,
    version             INTEGER NOT NULL,    -- 1, 2, 3… per playlist
    recorded_at         INTEGER NOT NULL,    -- when a sync saw this version
    state               TEXT NOT NULL,       -- present | deleted (gone from the server)
    title               TEXT,
    summary             TEXT,
    smart               INTEGER,
    content             TEXT,                -- smart playlists: the rules URI
    item_count          INTEGER NOT NULL,
    duration_ms         INTEGER,             -- sum of the items' durations
    added               INTEGER NOT NULL,    -- entries new since the previous version
    removed             INTEGER NOT NULL,    -- entries gone since the previous version
    moved               INTEGER NOT NULL,    -- entries kept, but out of their old order
    PRIMARY KEY (server_id, playlist_rating_key, version)
) STRICT, WITHOUT ROWID;

-- A track as a playlist held it: everything needed to find it again without
-- the server that held it. Rows are content-addressed (hash of every column,
-- server_id included) and never change.
CREATE TABLE history_items (
    id               INTEGER PRIMARY KEY,
    server_id        TEXT NOT NULL,
    hash             INTEGER NOT NULL,
    track_rating_key TEXT NOT NULL,
    guid             TEXT,                   -- plex://track/…
    guids            TEXT,                   -- JSON array: mbid://…, …
    title            TEXT,
    artist           TEXT,
    album            TEXT,
    track_number     INTEGER,
    disc_number      INTEGER,
    duration_ms      INTEGER,
    file             TEXT
) STRICT;
CREATE UNIQUE INDEX history_items_hash ON history_items (hash);

CREATE TABLE playlist_version_items (
    server_id           TEXT NOT NULL,
    playlist_rating_key TEXT NOT NULL,
    sort_key            TEXT NOT NULL,       -- orders a version's entries (byte order)
    first_version       INTEGER NOT NULL,
    last_version        INTEGER,             -- NULL: still in the newest version
    playlist_item_id    INTEGER,             -- NULL for smart playlists
    -- history_items.id. Not declared as a foreign key: with foreign_keys on,
    -- every insert would pay a lookup and pruning a scan per deleted row.
    item_id             INTEGER NOT NULL
) STRICT;
CREATE INDEX playlist_version_items_order ON playlist_version_items (server_id, playlist_rating_key, sort_key);

-- Restore finds a saved track again on a server by guid and by title.
CREATE INDEX tracks_guid ON tracks (server_id, guid);
CREATE INDEX tracks_title ON tracks (server_id, title COLLATE NOCASE);

-- One row per playlist that has history: for listings ("versions kept").
CREATE VIEW playlist_history AS
SELECT server_id, playlist_rating_key,
       count(*) AS versions,
       max(version) AS latest_version,
       max(recorded_at) AS last_change
FROM playlist_versions
GROUP BY server_id, playlist_rating_key;

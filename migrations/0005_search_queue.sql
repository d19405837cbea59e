-- Search indexes written in bulk, once per transaction.
--
-- 0004's triggers wrote the FTS5 indexes row by row. FTS5 flushes its pending
-- terms at every statement savepoint, and the sync writes one row per
-- statement, so each row became its own index segment: 5-6x the CPU of one
-- bulk insert (+77 % on a 100k-track first sync). These triggers only note
-- which rows' names changed, in search_queue; the writer moves the queue into
-- the indexes with one statement per index just before each COMMIT
-- (internal/db/search_queue.go), so the indexes still change in the same
-- transaction as the rows and readers never see them disagree. A transaction
-- rolled back takes its queue entries with it.
--
-- indexed says whether the indexes may hold the row as they were at the last
-- drain (so the drain deletes it before inserting it again). The first entry
-- for a row since the last drain wins (ON CONFLICT DO NOTHING): an insert
-- after a delete of the same rowid still deletes the old entry, an update
-- after an insert does not delete what was never there. Rowids never change
-- (see 0004), so the queue names rows by rowid.
--
-- Internal: not part of the documented schema.

CREATE TABLE search_queue (
    tbl     TEXT    NOT NULL, -- 'tracks', 'albums' or 'artists'
    id      INTEGER NOT NULL, -- the row's rowid
    indexed INTEGER NOT NULL, -- 1: delete the row from the indexes first
    PRIMARY KEY (tbl, id)
) WITHOUT ROWID;

DROP TRIGGER tracks_search_insert;
DROP TRIGGER tracks_search_update;
DROP TRIGGER tracks_search_delete;
DROP TRIGGER albums_search_insert;
DROP TRIGGER albums_search_update;
DROP TRIGGER albums_search_delete;
DROP TRIGGER artists_search_insert;
DROP TRIGGER artists_search_update;
DROP TRIGGER artists_search_delete;

CREATE TRIGGER tracks_search_insert AFTER INSERT ON tracks BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('tracks', new.rowid, 0) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER tracks_search_update AFTER UPDATE OF title, artist_title, album_title ON tracks
    WHEN old.title IS NOT new.title OR old.artist_title IS NOT new.artist_title OR old.album_title IS NOT new.album_title
BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('tracks', old.rowid, 1) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER tracks_search_delete AFTER DELETE ON tracks BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('tracks', old.rowid, 1) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER albums_search_insert AFTER INSERT ON albums BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('albums', new.rowid, 0) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER albums_search_update AFTER UPDATE OF title, artist_title ON albums
    WHEN old.title IS NOT new.title OR old.artist_title IS NOT new.artist_title
BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('albums', old.rowid, 1) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER albums_search_delete AFTER DELETE ON albums BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('albums', old.rowid, 1) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER artists_search_insert AFTER INSERT ON artists BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('artists', new.rowid, 0) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER artists_search_update AFTER UPDATE OF title ON artists
    WHEN old.title IS NOT new.title
BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('artists', old.rowid, 1) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER artists_search_delete AFTER DELETE ON artists BEGIN
    INSERT INTO search_queue (tbl, id, indexed) VALUES ('artists', old.rowid, 1) ON CONFLICT DO NOTHING;
END;

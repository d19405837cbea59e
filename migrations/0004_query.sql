-- Offline query: documented views over the current mirror, and full-text
-- search indexes over artist, album and track names.
--
-- Purely additive: no existing table or column changes, so every documented
-- name keeps working.

-- Views: the current state, for people writing SQL. Their names and columns
-- are a documented interface (README.md); t.* follows the table if a later
-- migration adds a column.

CREATE VIEW current_artists AS
    SELECT a.*, s.name AS server_name FROM artists a JOIN servers s ON s.id = a.server_id
    WHERE a.removed_at IS NULL;

CREATE VIEW current_albums AS
    SELECT a.*, s.name AS server_name FROM albums a JOIN servers s ON s.id = a.server_id
    WHERE a.removed_at IS NULL;

CREATE VIEW current_tracks AS
    SELECT t.*, s.name AS server_name FROM tracks t JOIN servers s ON s.id = t.server_id
    WHERE t.removed_at IS NULL;

CREATE VIEW current_playlists AS
    SELECT p.*, s.name AS server_name FROM playlists p JOIN servers s ON s.id = p.server_id
    WHERE p.removed_at IS NULL;

-- Every entry of every current playlist, in order, with what it is. A track
-- gone from Plex keeps its entry (track_removed_at says since when).
CREATE VIEW playlist_tracks AS
    SELECT i.server_id, s.name AS server_name, i.playlist_rating_key, p.title AS playlist_title,
           i.position, i.track_rating_key, t.title, t.artist_title, t.album_title, t.duration_ms,
           t.removed_at AS track_removed_at
    FROM playlist_items i
    JOIN playlists p ON p.server_id = i.server_id AND p.rating_key = i.playlist_rating_key
    JOIN servers s ON s.id = i.server_id
    LEFT JOIN tracks t ON t.server_id = i.server_id AND t.rating_key = i.track_rating_key
    WHERE p.removed_at IS NULL;

-- Search. Each searchable table has two FTS5 indexes, both keyed by the
-- table's rowid (tracks, albums and artists have secondary indexes, so even
-- VACUUM keeps their rowids; a test guards this):
--
--   *_search      words, case- and diacritics-insensitive ("beyonce" finds
--                 "Beyoncé", also when the accent is a combining mark);
--                 contentless, so it costs the index alone.
--   *_search_cjk  trigrams, for scripts written without spaces between
--                 words, where a word index only sees whole phrases. It holds
--                 only rows with such characters, with their text, so a
--                 query too short for trigrams scans those rows alone:
--   U+0E00-U+0EFF Thai, Lao
--   U+0F00-U+0FFF Tibetan
--   U+1000-U+109F Myanmar
--   U+1100-U+11FF Hangul Jamo
--   U+1780-U+17FF Khmer
--   U+2E80-U+9FFF CJK radicals, punctuation, kana, Bopomofo, Hangul compatibility, Ext A, unified ideographs
--   U+A000-U+A4CF Yi
--   U+AC00-U+D7AF Hangul syllables
--   U+F900-U+FAFF CJK compatibility ideographs
--   U+FF00-U+FFEF half- and full-width forms
--   U+20000-U+3FFFF CJK extensions B and later
--
-- The GLOB over a character class cost as much again as the row's own
-- insert (measured), so text that is all ASCII, the common case, is ruled
-- out first: it has as many bytes as characters.
--
-- Rows marked removed stay indexed (the query filters on removed_at). The
-- triggers keep both indexes current inside the sync's own transactions; an
-- update that leaves the names alone (most do) does not touch them.

CREATE VIRTUAL TABLE track_search USING fts5(title, artist, album,
    content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE track_search_cjk USING fts5(title, artist, album, tokenize='trigram remove_diacritics 1');

CREATE TRIGGER tracks_search_insert AFTER INSERT ON tracks BEGIN
    INSERT INTO track_search (rowid, title, artist, album) VALUES (new.rowid, new.title, new.artist_title, new.album_title);
    INSERT INTO track_search_cjk (rowid, title, artist, album) SELECT new.rowid, new.title, new.artist_title, new.album_title
        WHERE octet_length(coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '') || ' ' || coalesce(new.album_title, '')) > length(coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '') || ' ' || coalesce(new.album_title, ''))
        AND coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '') || ' ' || coalesce(new.album_title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
END;
CREATE TRIGGER tracks_search_update AFTER UPDATE OF title, artist_title, album_title ON tracks
    WHEN old.title IS NOT new.title OR old.artist_title IS NOT new.artist_title OR old.album_title IS NOT new.album_title
BEGIN
    DELETE FROM track_search WHERE rowid = old.rowid;
    INSERT INTO track_search (rowid, title, artist, album) VALUES (new.rowid, new.title, new.artist_title, new.album_title);
    DELETE FROM track_search_cjk WHERE rowid = old.rowid;
    INSERT INTO track_search_cjk (rowid, title, artist, album) SELECT new.rowid, new.title, new.artist_title, new.album_title
        WHERE octet_length(coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '') || ' ' || coalesce(new.album_title, '')) > length(coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '') || ' ' || coalesce(new.album_title, ''))
        AND coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '') || ' ' || coalesce(new.album_title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
END;
CREATE TRIGGER tracks_search_delete AFTER DELETE ON tracks BEGIN
    DELETE FROM track_search WHERE rowid = old.rowid;
    DELETE FROM track_search_cjk WHERE rowid = old.rowid;
END;

INSERT INTO track_search (rowid, title, artist, album) SELECT rowid, title, artist_title, album_title FROM tracks;
INSERT INTO track_search_cjk (rowid, title, artist, album) SELECT rowid, title, artist_title, album_title FROM tracks
    WHERE octet_length(coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, '')) > length(coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, ''))
        AND coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
INSERT INTO track_search (track_search) VALUES ('optimize');

CREATE VIRTUAL TABLE album_search USING fts5(title, artist,
    content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE album_search_cjk USING fts5(title, artist, tokenize='trigram remove_diacritics 1');

CREATE TRIGGER albums_search_insert AFTER INSERT ON albums BEGIN
    INSERT INTO album_search (rowid, title, artist) VALUES (new.rowid, new.title, new.artist_title);
    INSERT INTO album_search_cjk (rowid, title, artist) SELECT new.rowid, new.title, new.artist_title
        WHERE octet_length(coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '')) > length(coalesce(new.title, '') || ' ' || coalesce(new.artist_title, ''))
        AND coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
END;
CREATE TRIGGER albums_search_update AFTER UPDATE OF title, artist_title ON albums
    WHEN old.title IS NOT new.title OR old.artist_title IS NOT new.artist_title
BEGIN
    DELETE FROM album_search WHERE rowid = old.rowid;
    INSERT INTO album_search (rowid, title, artist) VALUES (new.rowid, new.title, new.artist_title);
    DELETE FROM album_search_cjk WHERE rowid = old.rowid;
    INSERT INTO album_search_cjk (rowid, title, artist) SELECT new.rowid, new.title, new.artist_title
        WHERE octet_length(coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '')) > length(coalesce(new.title, '') || ' ' || coalesce(new.artist_title, ''))
        AND coalesce(new.title, '') || ' ' || coalesce(new.artist_title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
END;
CREATE TRIGGER albums_search_delete AFTER DELETE ON albums BEGIN
    DELETE FROM album_search WHERE rowid = old.rowid;
    DELETE FROM album_search_cjk WHERE rowid = old.rowid;
END;

INSERT INTO album_search (rowid, title, artist) SELECT rowid, title, artist_title FROM albums;
INSERT INTO album_search_cjk (rowid, title, artist) SELECT rowid, title, artist_title FROM albums
    WHERE octet_length(coalesce(title, '') || ' ' || coalesce(artist_title, '')) > length(coalesce(title, '') || ' ' || coalesce(artist_title, ''))
        AND coalesce(title, '') || ' ' || coalesce(artist_title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
INSERT INTO album_search (album_search) VALUES ('optimize');

CREATE VIRTUAL TABLE artist_search USING fts5(title,
    content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE artist_search_cjk USING fts5(title, tokenize='trigram remove_diacritics 1');

CREATE TRIGGER artists_search_insert AFTER INSERT ON artists BEGIN
    INSERT INTO artist_search (rowid, title) VALUES (new.rowid, new.title);
    INSERT INTO artist_search_cjk (rowid, title) SELECT new.rowid, new.title
        WHERE octet_length(coalesce(new.title, '')) > length(coalesce(new.title, ''))
        AND coalesce(new.title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
END;
CREATE TRIGGER artists_search_update AFTER UPDATE OF title ON artists
    WHEN old.title IS NOT new.title
BEGIN
    DELETE FROM artist_search WHERE rowid = old.rowid;
    INSERT INTO artist_search (rowid, title) VALUES (new.rowid, new.title);
    DELETE FROM artist_search_cjk WHERE rowid = old.rowid;
    INSERT INTO artist_search_cjk (rowid, title) SELECT new.rowid, new.title
        WHERE octet_length(coalesce(new.title, '')) > length(coalesce(new.title, ''))
        AND coalesce(new.title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
END;
CREATE TRIGGER artists_search_delete AFTER DELETE ON artists BEGIN
    DELETE FROM artist_search WHERE rowid = old.rowid;
    DELETE FROM artist_search_cjk WHERE rowid = old.rowid;
END;

INSERT INTO artist_search (rowid, title) SELECT rowid, title FROM artists;
INSERT INTO artist_search_cjk (rowid, title) SELECT rowid, title FROM artists
    WHERE octet_length(coalesce(title, '')) > length(coalesce(title, ''))
        AND coalesce(title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿]*';
INSERT INTO artist_search (artist_search) VALUES ('optimize');

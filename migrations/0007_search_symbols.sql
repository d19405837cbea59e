-- Symbols and emoji become searchable.
--
-- The word indexes' tokenizer (unicode61) cannot index them: the symbols its
-- Unicode tables know (🔥 ★ ♥) are separators to it, so they were never
-- indexed, and the emoji newer than its tables (🦄, skin tones) are letters
-- to it, glued to the word beside them ("🦄Love" is one word). From now on
-- the word indexes are given the names with symbols blanked out, and the
-- trigram indexes (*_search_cjk) hold the rows with symbols as well as those
-- with spaceless scripts, without variation selectors (U+FE0E, U+FE0F). The
-- drain does both (internal/db/search_queue.go); the symbols are those of
-- symbolRanges in internal/db/search.go:
--
--   U+00A2-U+00A6, U+00A9, U+00AC, U+00AE, U+00B0-U+00B1, U+00D7, U+00F7
--   U+203C, U+2049, U+20A0-U+20CF currency, U+20E3 keycap
--   U+2100-U+214F letterlike, U+2190-U+2BFF arrows to misc symbols and arrows
--   U+FE0E-U+FE0F variation selectors
--   U+1D000-U+1D24F musical symbols, U+1F000-U+1FBFF emoji and pictographs
--
-- Here, only the rows with such a character, which the new form indexes
-- differently, go back into the search queue; the drain that ends this
-- migration's transaction indexes them again. All-ASCII rows (as many bytes
-- as characters) skip the GLOB. No table or trigger changes.

INSERT INTO search_queue (tbl, id, indexed)
    SELECT 'tracks', rowid, 1 FROM tracks
    WHERE octet_length(coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, '')) > length(coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, ''))
        AND coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, '') GLOB '*[¢-¦©¬®°-±×÷‼⁉₠-⃏⃣℀-⅏←-⯿︎-️𝀀-𝉏🀀-🯿]*'
    ON CONFLICT DO NOTHING;

INSERT INTO search_queue (tbl, id, indexed)
    SELECT 'albums', rowid, 1 FROM albums
    WHERE octet_length(coalesce(title, '') || ' ' || coalesce(artist_title, '')) > length(coalesce(title, '') || ' ' || coalesce(artist_title, ''))
        AND coalesce(title, '') || ' ' || coalesce(artist_title, '') GLOB '*[¢-¦©¬®°-±×÷‼⁉₠-⃏⃣℀-⅏←-⯿︎-️𝀀-𝉏🀀-🯿]*'
    ON CONFLICT DO NOTHING;

INSERT INTO search_queue (tbl, id, indexed)
    SELECT 'artists', rowid, 1 FROM artists
    WHERE octet_length(coalesce(title, '')) > length(coalesce(title, ''))
        AND coalesce(title, '') GLOB '*[¢-¦©¬®°-±×÷‼⁉₠-⃏⃣℀-⅏←-⯿︎-️𝀀-𝉏🀀-🯿]*'
    ON CONFLICT DO NOTHING;

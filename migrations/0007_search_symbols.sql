-- Symbols and emoji become searchable.
--
-- The word indexes' tokenizer (unicode61) cannot index them: the symbols its
-- Unicode tables know (🔥 ★ ♥) are separators to it, so they were never
-- indexed, and the emoji newer than its tables (🦄, skin tones) are letters
-- to it, glued to the word beside them ("🦄Love" is one word). They are
-- searched like the scripts written without spaces, in the trigram indexes
-- (*_search_cjk), which now hold the rows with symbols too.
--
-- What the drain (internal/db/search_queue.go) gives the indexes changes:
--   *_search      the names with their symbols blanked out
--                 (plexm8_search_words);
--   *_search_cjk  only the names' runs of spaceless text and of symbols,
--                 without variation selectors (plexm8_search_runs), no longer
--                 the whole names: a search term is one such run, so the
--                 rest was never matched, and it cost the trigrams of every
--                 word beside them.
-- It picks the trigram indexes' rows with 0004's ranges and those of
-- symbolRanges in internal/db/search_terms.go:
--
--   U+00A2-U+00A6, U+00A9, U+00AC, U+00AE, U+00B0-U+00B1, U+00D7, U+00F7
--   U+203C, U+2049, U+20A0-U+20CF currency, U+20E3 keycap
--   U+2100-U+214F letterlike, U+2190-U+2BFF arrows to misc symbols and arrows
--   U+FE0E-U+FE0F variation selectors
--   U+1D000-U+1D24F musical symbols, U+1F000-U+1FBFF emoji and pictographs
--
-- Here, the rows with such a character, which the indexes now hold in
-- another form, go back into the search queue; the drain that ends this
-- migration's transaction indexes them again. All-ASCII rows (as many bytes
-- as characters), which the change leaves alone, skip the GLOB. No table or
-- trigger changes.

INSERT INTO search_queue (tbl, id, indexed)
    SELECT 'tracks', rowid, 1 FROM tracks
    WHERE octet_length(coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, '')) > length(coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, ''))
        AND coalesce(title, '') || ' ' || coalesce(artist_title, '') || ' ' || coalesce(album_title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿¢-¦©¬®°-±×÷‼⁉₠-⃏⃣℀-⅏←-⯿︎-️𝀀-𝉏🀀-🯿]*'
    ON CONFLICT DO NOTHING;

INSERT INTO search_queue (tbl, id, indexed)
    SELECT 'albums', rowid, 1 FROM albums
    WHERE octet_length(coalesce(title, '') || ' ' || coalesce(artist_title, '')) > length(coalesce(title, '') || ' ' || coalesce(artist_title, ''))
        AND coalesce(title, '') || ' ' || coalesce(artist_title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿¢-¦©¬®°-±×÷‼⁉₠-⃏⃣℀-⅏←-⯿︎-️𝀀-𝉏🀀-🯿]*'
    ON CONFLICT DO NOTHING;

INSERT INTO search_queue (tbl, id, indexed)
    SELECT 'artists', rowid, 1 FROM artists
    WHERE octet_length(coalesce(title, '')) > length(coalesce(title, ''))
        AND coalesce(title, '') GLOB '*[฀-໿ༀ-࿿က-႟ᄀ-ᇿក-៿⺀-鿿ꀀ-꓏가-힯豈-﫿＀-￯𠀀-𿿿¢-¦©¬®°-±×÷‼⁉₠-⃏⃣℀-⅏←-⯿︎-️𝀀-𝉏🀀-🯿]*'
    ON CONFLICT DO NOTHING;

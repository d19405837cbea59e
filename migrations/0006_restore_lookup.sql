-- Restore no longer looks tracks up by guid or title through indexes: it
-- builds its lookup in one pass over the target server's tracks when a
-- restore runs. Two indexes on random text cost every sync's track writes
-- about 30 % of a first full sync, for a command that runs rarely.
DROP INDEX IF EXISTS tracks_guid;
DROP INDEX IF EXISTS tracks_title;

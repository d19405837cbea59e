-- The daemon's own bookkeeping, written by `run` and read by `status`.

-- One row per run of a scheduled job (or of `backup` from the command line).
-- Sync jobs also write sync_runs rows per server; this table says how the job
-- as a whole went and when, so `status` can show every job side by side.
CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT NOT NULL,               -- validate_token | refresh_resources | sync | full_sync | backup | maintenance
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,                     -- NULL while running, or when a crash ended it
    status      TEXT NOT NULL,               -- running | ok | partial | failed | skipped | paused
    error       TEXT,
    details     TEXT                         -- JSON: counts, backup file and size, ...
) STRICT;
CREATE INDEX job_runs_job ON job_runs (job, started_at);

-- Small facts the daemon keeps for `status` and for its next start: the token
-- state (ok | rejected since T), each job's next scheduled run, the daemon's
-- pid and start time. Values are JSON; keys are documented in README.
CREATE TABLE daemon_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

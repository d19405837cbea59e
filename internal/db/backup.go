package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent, compacted copy of the database to dst (mode
// 0600), replacing dst atomically: the copy is built in a temporary file in
// dst's directory and renamed over it only when complete, so a failed or
// interrupted backup never leaves a truncated file under dst's name. It reads
// through the read-only pool, so it works on a ReadOnly DB and does not stop
// the writer.
func (db *DB) Backup(ctx context.Context, dst string) (err error) {
	abs, err := filepath.Abs(dst)
	if err != nil {
		return fmt.Errorf("back up database to %q: %w", dst, err)
	}
	if abs == db.path {
		return fmt.Errorf("back up database to %q: that is the database itself; choose another file", dst)
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("back up database to %q: %w", abs, err)
		}
	}()

	// VACUUM INTO accepts an existing empty file and keeps its mode, so
	// CreateTemp's 0600 carries over to the backup.
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".*.tmp")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmpName)
		}
	}()
	if err := tmp.Close(); err != nil {
		return err
	}
	if _, err := db.r.ExecContext(ctx, "VACUUM INTO ?", tmpName); err != nil {
		return err
	}
	if err := syncFile(tmpName); err != nil {
		return err
	}
	if err := os.Rename(tmpName, abs); err != nil {
		return err
	}
	syncDir(filepath.Dir(abs))
	return nil
}

// syncFile flushes the copy before it takes dst's name: VACUUM INTO on a
// read-only connection gives no durability promise of its own.
func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// syncDir makes the rename durable. Best effort: directories cannot be
// opened for sync on every platform (Windows), and the backup is already
// complete under its final name.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// ErrCorrupt is matched by the error VerifyFile returns for a file that
// fails PRAGMA integrity_check or is not a plexm8-sync database.
var ErrCorrupt = errors.New("database copy failed its integrity check")

// VerifyFile opens the database file at path on its own, read-only, and runs
// PRAGMA integrity_check on it. A backup counts only once this passed.
func VerifyFile(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("verify %q: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return fmt.Errorf("verify %q: %w", abs, err)
	}
	// No WAL or shared memory for a check of a closed copy: immutable makes
	// SQLite read the file as it is and create nothing beside it.
	pool := openPool(fileURI(abs)+"?mode=ro&immutable=1", 1)
	defer pool.Close()
	st, err := readState(ctx, pool)
	if IsDamaged(err) {
		// readState's wording is about database.path; this file is a copy.
		return fmt.Errorf("verify %q: %w: it is damaged or not an SQLite database at all", abs, ErrCorrupt)
	}
	if err != nil {
		return fmt.Errorf("verify %q: %w: %w", abs, ErrCorrupt, err)
	}
	if st.appID != applicationID {
		return fmt.Errorf("verify %q: %w: not a plexm8-sync database", abs, ErrCorrupt)
	}
	rows, err := pool.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		return fmt.Errorf("verify %q: %w: %w", abs, ErrCorrupt, err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return fmt.Errorf("verify %q: %w: %w", abs, ErrCorrupt, err)
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify %q: %w: %w", abs, ErrCorrupt, err)
	}
	if len(msgs) != 1 || msgs[0] != "ok" {
		return fmt.Errorf("verify %q: %w: %s", abs, ErrCorrupt, strings.Join(msgs, "; "))
	}
	return nil
}

// BackupDetails are the details of a backup's job_runs row: the one shape
// written by whoever takes a backup and read by status.
type BackupDetails struct {
	File      string `json:"file"`
	Bytes     int64  `json:"bytes"`
	Integrity string `json:"integrity"` // "ok": VerifyFile passed on the copy
	Rotated   int    `json:"rotated"`   // older backups deleted to keep backup.keep
}

// IntegrityOK is the Integrity of a copy that passed VerifyFile, the only
// kind a backup run records.
const IntegrityOK = "ok"

// JSON encodes d for JobRun.Details.
func (d BackupDetails) JSON() json.RawMessage {
	b, _ := json.Marshal(d) // strings and integers always encode
	return b
}

// BackupDetails decodes the details of a backup run. Missing details leave
// it zero; details of another shape are an error, with whatever fields did
// decode kept.
func (r JobRun) BackupDetails() (BackupDetails, error) {
	var d BackupDetails
	if len(r.Details) == 0 {
		return d, nil
	}
	if err := json.Unmarshal(r.Details, &d); err != nil {
		return d, fmt.Errorf("details of job run %d: %w", r.ID, err)
	}
	return d, nil
}

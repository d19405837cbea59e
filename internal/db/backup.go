package db

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

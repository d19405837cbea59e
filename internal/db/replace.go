package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/plexm8/plexm8-sync/internal/atomicfile"
)

// Restore replaces the database at dbPath with the backup src. It takes the
// writer lock first, so it refuses (with *LockedError) while the daemon or
// a sync has the database open. The backup is verified before anything is
// touched; the replaced database is kept beside it as <dbPath>.before-restore.
func Restore(ctx context.Context, dbPath, src string) (err error) {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	lock, err := acquireLock(abs)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := lock.release(); err == nil {
			err = rerr
		}
	}()
	if err := VerifyFile(ctx, src); err != nil {
		return fmt.Errorf("restore: %w; the database was left as it was", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".restore.*.tmp")
	if err != nil {
		return fmt.Errorf("restore: cannot write %s: %w", abs, atomicfile.Cause(err))
	}
	defer os.Remove(tmp.Name())
	in, err := os.Open(src)
	if err != nil {
		tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	_, cerr := io.Copy(tmp, in)
	in.Close()
	if err := errors.Join(cerr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("restore: copy %s to %s: %w", src, abs, atomicfile.Cause(err))
	}
	if _, err := os.Stat(abs); err == nil {
		// A WAL left by a crash belongs to the old file and must not be
		// replayed into the restored one; the old file keeps it.
		if err := os.Rename(abs, abs+".before-restore"); err != nil {
			return fmt.Errorf("restore: keep the current database: %w", err)
		}
		for _, ext := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(abs + ext); err == nil {
				if err := os.Rename(abs+ext, abs+".before-restore"+ext); err != nil {
					return fmt.Errorf("restore: keep the current database's %s: %w", ext, err)
				}
			}
		}
	}
	if err := os.Rename(tmp.Name(), abs); err != nil {
		return fmt.Errorf("restore: cannot write %s: %w", abs, atomicfile.Cause(err))
	}
	syncDir(filepath.Dir(abs))
	return nil
}

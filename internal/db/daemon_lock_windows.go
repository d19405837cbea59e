//go:build windows

package db

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// tryLockShared takes the byte tryLock locks exclusively, shared.
func tryLockShared(f *os.File) error {
	ol := windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
		return errLockHeld
	}
	return err
}

package db

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// The daemon holds a lock of its own, beside the writer lock, for as long as
// it runs. The writer lock cannot answer "does the daemon run": a sync or a
// backup holds it too, and probing it would refuse a writer that starts at
// that moment. Nor can the pid in the daemon's record: pids are reused. The
// OS drops this lock when the process dies, so a crashed daemon reads as
// stopped.

// daemonLockPath is the daemon's lock file: one per database, as the daemon
// is.
func daemonLockPath(dbPath string) string { return dbPath + ".daemon" }

// DaemonLock is held by a running daemon; see HoldDaemonLock.
type DaemonLock struct {
	f *os.File
}

// daemonLockWait bounds how long HoldDaemonLock waits out probes: each holds
// its shared lock for an instant, so a lock that stays taken longer is held
// by something else.
const daemonLockWait = 2 * time.Second

// HoldDaemonLock marks a daemon as running on the database at dbPath until
// Release. Only one daemon can run on a database (it is the writer), so the
// lock is never contended by another daemon, only by DaemonRunning's probes.
func HoldDaemonLock(dbPath string) (*DaemonLock, error) {
	name := daemonLockPath(dbPath)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open daemon lock file %q: %w", name, err)
	}
	deadline := time.Now().Add(daemonLockWait)
	for {
		err = tryLock(f)
		if !errors.Is(err, errLockHeld) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock daemon lock file %q: %w", name, err)
	}
	return &DaemonLock{f: f}, nil
}

// Release drops the lock: from now on the daemon reads as stopped.
func (l *DaemonLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("release daemon lock: %w", err)
	}
	return nil
}

// DaemonRunning reports whether a daemon holds the lock of the database at
// dbPath, without waiting and without creating anything. The probe takes a
// shared lock for an instant, so probes never mistake each other for a
// daemon.
func DaemonRunning(dbPath string) (bool, error) {
	name := daemonLockPath(dbPath)
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // no daemon ever ran on this database
	}
	if err != nil {
		return false, fmt.Errorf("open daemon lock file %q: %w", name, err)
	}
	defer f.Close()
	switch err := tryLockShared(f); {
	case errors.Is(err, errLockHeld):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("probe daemon lock file %q: %w", name, err)
	}
	_ = unlock(f) // closing drops it as well
	return false, nil
}

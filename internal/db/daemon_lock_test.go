package db

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDaemonLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	running := func() bool {
		t.Helper()
		r, err := DaemonRunning(path)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if running() {
		t.Fatal("running before any daemon")
	}
	if _, err := os.Stat(daemonLockPath(path)); !os.IsNotExist(err) {
		t.Fatalf("the probe created the lock file: %v", err)
	}

	l, err := HoldDaemonLock(path)
	if err != nil {
		t.Fatal(err)
	}
	// Twice: a probe must leave the lock as it found it.
	for range 2 {
		if !running() {
			t.Fatal("not running while the lock is held")
		}
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if running() {
		t.Fatal("running after the lock was released")
	}

	// A probe that found it free does not stand in the next daemon's way.
	l, err = HoldDaemonLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if !running() {
		t.Fatal("not running after a second start")
	}
}

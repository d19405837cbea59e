package db

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "plexm8.db")
	d, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	insertServers(t, d, "old")
	saved := filepath.Join(dir, "backup.db")
	if err := d.Backup(t.Context(), saved); err != nil {
		t.Fatal(err)
	}
	insertServers(t, d, "newer")

	// Refused while the database is open for writing (the daemon).
	var le *LockedError
	if err := Restore(t.Context(), path, saved); !errors.As(err, &le) {
		t.Fatalf("Restore beside a writer = %v, want *LockedError", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	// A bad file is refused before anything is touched.
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, make([]byte, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	before := mustRead(t, path)
	if err := Restore(t.Context(), path, junk); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Restore of junk = %v, want ErrCorrupt", err)
	}
	if string(mustRead(t, path)) != string(before) {
		t.Fatal("a refused restore changed the database")
	}

	if err := Restore(t.Context(), path, saved); err != nil {
		t.Fatal(err)
	}
	d = openTest(t, path, Options{})
	var ids string
	if err := d.R().QueryRowContext(t.Context(), "SELECT group_concat(id) FROM servers").Scan(&ids); err != nil || ids != "old" {
		t.Errorf("restored servers = %q, %v; want old", ids, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("restored file: %v %v", fi.Mode(), err)
	}
	if _, err := os.Stat(path + ".before-restore"); err != nil {
		t.Errorf("the replaced database was not kept: %v", err)
	}
}

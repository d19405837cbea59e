package db

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func insertServers(t *testing.T, db *DB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := db.W().ExecContext(t.Context(), `INSERT INTO servers (id, name, owned) VALUES (?, ?, 1)`, id, "server "+id); err != nil {
			t.Fatal(err)
		}
	}
}

// checkBackup opens a backup on its own and returns its server ids.
func checkBackup(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode = %v, want 0600", fi.Mode().Perm())
	}
	b, err := sql.Open("sqlite", fileURI(path)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var check string
	if err := b.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	if got := queryInt(t, b, "PRAGMA user_version"); got != LatestVersion() {
		t.Errorf("backup user_version = %d, want %d", got, LatestVersion())
	}
	if got := queryInt(t, b, "PRAGMA application_id"); got != applicationID {
		t.Errorf("backup application_id = %#x", got)
	}
	var ids string
	if err := b.QueryRowContext(t.Context(), "SELECT group_concat(id, ',') FROM (SELECT id FROM servers ORDER BY id)").Scan(&ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestBackup(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "plexm8.db"), Options{})
	insertServers(t, db, "a", "b", "c")
	dir := t.TempDir()
	dst := filepath.Join(dir, "plexm8-backup.db")

	if err := db.Backup(t.Context(), dst); err != nil {
		t.Fatal(err)
	}
	if got := checkBackup(t, dst); got != "a,b,c" {
		t.Errorf("backup servers = %q, want a,b,c", got)
	}

	// A second backup replaces the first.
	insertServers(t, db, "d")
	if err := db.Backup(t.Context(), dst); err != nil {
		t.Fatal(err)
	}
	if got := checkBackup(t, dst); got != "a,b,c,d" {
		t.Errorf("second backup servers = %q, want a,b,c,d", got)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("backup dir holds %q, want only the backup", names)
	}
}

func TestBackupFromReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	w := openTest(t, path, Options{})
	insertServers(t, w, "a")
	ro := openTest(t, path, Options{ReadOnly: true})
	dst := filepath.Join(t.TempDir(), "b.db")
	if err := ro.Backup(t.Context(), dst); err != nil {
		t.Fatal(err)
	}
	if got := checkBackup(t, dst); got != "a" {
		t.Errorf("backup servers = %q, want a", got)
	}
}

func TestBackupRefusesItsOwnFileAndCleansUp(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "plexm8.db"), Options{})
	if err := db.Backup(t.Context(), db.Path()); err == nil || !strings.Contains(err.Error(), "the database itself") {
		t.Errorf("backup onto the database: err = %v", err)
	}

	// A destination that is a directory fails at the rename; the temp
	// copy must not be left behind.
	dir := t.TempDir()
	dst := filepath.Join(dir, "taken")
	if err := os.Mkdir(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(t.Context(), dst); err == nil {
		t.Error("backup over a non-empty directory succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("after a failed backup the directory holds %d entries, want only %q", len(entries), "taken")
	}
}

func TestVerifyFile(t *testing.T) {
	dir := t.TempDir()
	d := openTest(t, filepath.Join(dir, "plexm8.db"), Options{})
	insertServers(t, d, "a", "b")
	good := filepath.Join(dir, "good.db")
	if err := d.Backup(t.Context(), good); err != nil {
		t.Fatal(err)
	}
	if err := VerifyFile(t.Context(), good); err != nil {
		t.Errorf("good copy: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte("this is not sqlite at all, not even close......................................................................................"), 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "foreign.db")
	rawExec(t, foreign, "CREATE TABLE t (x)")
	for _, p := range []string{junk, foreign} {
		if err := VerifyFile(t.Context(), p); !errors.Is(err, ErrCorrupt) {
			t.Errorf("VerifyFile(%s) = %v, want ErrCorrupt", filepath.Base(p), err)
		}
	}
	for _, ext := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(good + ext); err == nil {
			t.Errorf("verifying left %s behind", ext)
		}
	}
}

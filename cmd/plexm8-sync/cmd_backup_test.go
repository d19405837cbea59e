package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/backup"
	"github.com/plexm8/plexm8-sync/internal/db"
)

func TestBackupCommands(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	dbPath := filepath.Join(dir, "plexm8.db")
	if err := os.WriteFile(cfg, []byte("state_dir: "+dir+"\nbackup:\n  keep: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PLEXM8_CONFIG": cfg}
	if r := run(t, env, "backup", "--list"); r.code != 0 || !strings.Contains(r.stdout, "No backups") {
		t.Fatalf("--list with none: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, "migrate"); r.code != 0 {
		t.Fatalf("migrate: %q", r.stderr)
	}
	for range 3 {
		if r := run(t, env, "backup"); r.code != 0 || !strings.Contains(r.stdout, "integrity ok") {
			t.Fatalf("backup: %d %q %q", r.code, r.stdout, r.stderr)
		}
	}
	r := run(t, env, "backup", "--list")
	if r.code != 0 || !strings.Contains(r.stdout, "2 backups (backup.keep is 2)") {
		t.Fatalf("--list: %d %q", r.code, r.stdout)
	}
	list, _ := filepath.Glob(filepath.Join(dir, "backups", "plexm8-*.db"))
	if len(list) != 2 {
		t.Fatalf("backups on disk: %v", list)
	}
	out := filepath.Join(dir, "copy.db")
	if r := run(t, env, "backup", "-o", out); r.code != 0 {
		t.Fatalf("backup -o: %q", r.stderr)
	}
	if err := db.VerifyFile(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "backup", "-o", out, "--list"); r.code != 2 {
		t.Errorf("-o with --list: exit %d, want 2", r.code)
	}

	// Restore refuses while the database is held (the daemon), and says
	// what to do.
	d, err := db.Open(context.Background(), dbPath, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.R().QueryRow(`SELECT count(*) FROM job_runs WHERE job = 'backup' AND status = 'ok'`).Scan(&n); err != nil || n != 4 {
		t.Errorf("recorded backup runs = %d, %v; want 4", n, err)
	}
	if r := run(t, env, "backup"); r.code != 0 || !strings.Contains(r.stdout, "not in its job history") {
		t.Errorf("backup beside the daemon: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// The backup just taken rotated the oldest away: restore the newest.
	kept, err := backup.List(filepath.Join(dir, "backups"))
	if err != nil || len(kept) != 2 {
		t.Fatalf("backups kept: %v %v", kept, err)
	}
	newest := kept[0].Path
	r = run(t, env, "backup", "restore", newest)
	if r.code != 1 || !strings.Contains(r.stderr, "stop the daemon") {
		t.Errorf("restore beside the daemon: %d %q", r.code, r.stderr)
	}
	d.Close()
	if r := run(t, env, "backup", "restore", newest); r.code != 0 || !strings.Contains(r.stdout, "before-restore") {
		t.Fatalf("restore: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, "backup", "restore"); r.code != 2 {
		t.Errorf("restore without FILE: exit %d, want 2", r.code)
	}
}

package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/plexm8/plexm8-sync/internal/backup"
	"github.com/plexm8/plexm8-sync/internal/config"
)

// garble overwrites page n (1-based) of the SQLite file at path with bytes
// that are no valid page, as a failing disk or a stray write would.
func garble(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	size := int(b[16])<<8 | int(b[17]) // the header's page size
	if size == 1 {
		size = 65536
	}
	if len(b) < n*size {
		t.Fatalf("%s has no page %d", path, n)
	}
	for i := (n - 1) * size; i < n*size; i++ {
		b[i] = byte(i*131 + 7)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// rootPage is the first page of a table, read before the file is damaged.
func rootPage(t *testing.T, path, table string) int {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int
	if err := d.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = ?`, table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// syncedWithBackup is a mirror with a good backup of it taken.
func syncedWithBackup(t *testing.T) (env map[string]string, dbPath, good string) {
	t.Helper()
	_, env = fakeConfig(t, 60)
	if r := run(t, env, "sync"); r.code != 0 {
		t.Fatalf("sync: %d %s", r.code, r.stderr)
	}
	if r := run(t, env, "backup"); r.code != 0 {
		t.Fatalf("backup: %d %s", r.code, r.stderr)
	}
	dir := filepath.Dir(env["PLEXM8_CONFIG"])
	list, err := backup.List(filepath.Join(dir, "backups"))
	if err != nil || len(list) != 1 {
		t.Fatalf("backups: %v %v", list, err)
	}
	return env, filepath.Join(dir, "plexm8.db"), list[0].Path
}

func wantRestoreAdvice(t *testing.T, what string, r result) {
	t.Helper()
	if r.code != 1 || !strings.Contains(r.stderr, "plexm8-sync backup --list") || !strings.Contains(r.stderr, "plexm8-sync backup restore") {
		t.Errorf("%s on a damaged database: exit %d, stderr does not lead to a backup:\n%s", what, r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "backup --list"); n > 1 {
		t.Errorf("%s: the advice is given %d times:\n%s", what, n, r.stderr)
	}
}

func TestDamagedDatabaseLeadsToBackups(t *testing.T) {
	env, dbPath, good := syncedWithBackup(t)

	// A damaged table is met only by the query that reads it, after the
	// database opened fine.
	garble(t, dbPath, rootPage(t, dbPath, "tracks"))
	wantRestoreAdvice(t, "tracks", run(t, env, "tracks"))

	// A destroyed first page makes the file unreadable as a database.
	garble(t, dbPath, 1)
	for _, args := range [][]string{{"status"}, {"tracks"}, {"sync"}, {"backup"}} {
		wantRestoreAdvice(t, strings.Join(args, " "), run(t, env, args...))
	}

	// The damaged database is no backup: restoring a copy of it is refused
	// with the advice for a bad backup, not for a bad database.path.
	bad := filepath.Join(t.TempDir(), "damaged-copy.db")
	b, _ := os.ReadFile(dbPath)
	if err := os.WriteFile(bad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database\n", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{garbage, bad} {
		r := run(t, env, "backup", "restore", f)
		if r.code != 1 || !strings.Contains(r.stderr, f+" is not a valid, intact PlexM8 database") ||
			!strings.Contains(r.stderr, "backup --list") || strings.Contains(r.stderr, "database.path") {
			t.Errorf("backup restore %s: exit %d\n%s", filepath.Base(f), r.code, r.stderr)
		}
	}

	// The way back works on the damaged database.
	if r := run(t, env, "backup", "restore", good); r.code != 0 {
		t.Fatalf("restore over a damaged database: %d %s", r.code, r.stderr)
	}
	if r := run(t, env, "tracks", "--limit", "1"); r.code != 0 {
		t.Fatalf("tracks after restore: %d %s", r.code, r.stderr)
	}
}

func TestBackupRestoreHelpShowsTheDefaultPath(t *testing.T) {
	r := run(t, nil, "backup", "restore", "--help")
	want := filepath.ToSlash(config.UserDefaults("~").Backup.Dir) + "/plexm8-"
	if r.code != 0 || !strings.Contains(r.stdout, "~/.local/state/plexm8/backups/plexm8-") || !strings.Contains(r.stdout, want) {
		t.Errorf("backup restore --help does not show the default backup.dir %q:\n%s", want, r.stdout)
	}
}

func TestBackupOutputRefusesAnExistingFile(t *testing.T) {
	env, _, _ := syncedWithBackup(t)
	out := filepath.Join(t.TempDir(), "notes.db")
	if err := os.WriteFile(out, []byte("my notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, env, "backup", "-o", out)
	if r.code != 1 || !strings.Contains(r.stderr, "--force") || !strings.Contains(r.stderr, out) {
		t.Errorf("backup -o over an existing file: exit %d\n%s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "my notes" {
		t.Fatal("backup -o replaced an existing file without --force")
	}
	if r := run(t, env, "backup", "-o", out, "--force"); r.code != 0 {
		t.Fatalf("backup -o --force: %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(out); string(b) == "my notes" {
		t.Fatal("--force did not replace the file")
	}
	if r := run(t, env, "backup", "--force"); r.code != 2 {
		t.Errorf("--force without -o: exit %d, want 2", r.code)
	}
}

func TestBackupJSONDescribesTheBackupTaken(t *testing.T) {
	env, _, _ := syncedWithBackup(t)
	r := run(t, env, "backup", "--json")
	var got struct {
		File     string   `json:"file"`
		Taken    int64    `json:"taken"`
		Bytes    int64    `json:"bytes"`
		Removed  []string `json:"removed"`
		Recorded bool     `json:"recorded"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil {
		t.Fatalf("backup --json: exit %d, stdout is not JSON:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(got.File); err != nil || fi.Size() != got.Bytes || got.Taken == 0 || !got.Recorded || got.Removed == nil {
		t.Errorf("backup --json = %+v (%v)", got, err)
	}
}

func TestBackupListFitsTheWidth(t *testing.T) {
	dir := "/srv/音乐备份/🎸 plexm8 backups of the living-room server"
	var list []backup.Info
	for i, n := range []int64{123, 45 << 20, 7 << 30} {
		at := time.Date(2026, 12, 1+i, 4, 30, 0, 0, time.UTC)
		list = append(list, backup.Info{Path: dir + "/" + backup.Name(at), Time: at, Bytes: n})
	}
	for _, width := range []int{60, 80} {
		var b bytes.Buffer
		if err := backupTable(&b, list, width); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if len(lines) != 4 {
			t.Fatalf("width %d: %d lines:\n%s", width, len(lines), b.String())
		}
		// FILE starts in the same cell on every line: alignment by
		// display width, not bytes.
		start := runewidth.StringWidth(lines[0][:strings.Index(lines[0], "FILE")])
		for _, l := range lines {
			if w := runewidth.StringWidth(l); w > width {
				t.Errorf("width %d: line of %d cells: %q", width, w, l)
			}
			if l == lines[0] {
				continue
			}
			if !strings.HasSuffix(l, "…") {
				t.Errorf("width %d: a path too long is not cut with …: %q", width, l)
			}
			if got := runewidth.StringWidth(l[:strings.Index(l, "/srv")]); got != start {
				t.Errorf("width %d: FILE at cell %d, header at %d:\n%s", width, got, start, b.String())
			}
		}
	}
}

func TestBackupWriteErrorNamesTheUsersFile(t *testing.T) {
	env, _, _ := syncedWithBackup(t)
	// A directory that cannot be written into (a file where a directory
	// should be: permissions do not stop root, this does).
	notDir := filepath.Join(t.TempDir(), "usb")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(notDir, "plexm8.db")
	for _, args := range [][]string{{"backup", "-o", out}, {"backup", "-o", out, "--force"}} {
		r := run(t, env, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "cannot write "+out+":") {
			t.Errorf("%v into a non-directory: exit %d\n%s", args, r.code, r.stderr)
		}
		if strings.Contains(r.stderr, ".tmp") || strings.Contains(r.stderr, ".unverified") {
			t.Errorf("%v: the error names an internal temporary file:\n%s", args, r.stderr)
		}
	}
}

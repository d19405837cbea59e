package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFile writes a file the demo must leave alone and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustContain(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s is gone: %v", path, err)
	}
	if string(b) != want {
		t.Fatalf("%s was changed: %q, want %q", path, b, want)
	}
}

// A directory holding anything the demo did not write is refused, with
// the way out, and nothing in it is touched: not by --keep, not by the
// clean-up of a demo without it.
func TestDemoRefusesADirectoryWithOtherFiles(t *testing.T) {
	for _, keep := range []bool{false, true} {
		dir := t.TempDir()
		precious := writeFile(t, dir, "precious.txt", "notes\n")
		args := []string{"demo", "--tracks", "20", "--dir", dir}
		if keep {
			args = append(args, "--keep")
		}
		r := run(t, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "precious.txt") || !strings.Contains(r.stderr, "new or empty directory") {
			t.Errorf("keep=%v: exit %d, want 1 naming the file and the way out:\n%s", keep, r.code, r.stderr)
		}
		mustContain(t, precious, "notes\n")
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("keep=%v: the demo wrote into a directory it refused: %v", keep, entries)
		}
	}
}

// An existing config.yaml is never overwritten in silence.
func TestDemoDoesNotOverwriteAConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "config.yaml", "state_dir: /srv/plexm8 # mine\n")
	r := run(t, nil, "demo", "--tracks", "20", "--dir", dir, "--keep")
	if r.code == 0 || !strings.Contains(r.stderr, "config.yaml") {
		t.Errorf("exit %d, want a refusal naming config.yaml:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, cfg, "state_dir: /srv/plexm8 # mine\n")
}

// "--dir ." in a folder with files is refused, and the folder survives.
func TestDemoDirDotIsSafe(t *testing.T) {
	dir := t.TempDir()
	precious := writeFile(t, dir, "precious.txt", "notes\n")
	t.Chdir(dir)
	r := run(t, nil, "demo", "--tracks", "20", "--dir", ".")
	if r.code != 1 || !strings.Contains(r.stderr, "--dir plexm8-demo") {
		t.Errorf("exit %d, want 1 suggesting a subdirectory:\n%s", r.code, r.stderr)
	}
	mustContain(t, precious, "notes\n")
}

// What the demo created it removes; a directory that was there before stays,
// and in a previous demo's directory only the demo's own files are
// replaced or removed.
func TestDemoRemovesOnlyWhatItCreated(t *testing.T) {
	root := t.TempDir()

	// Created, with a missing parent: both go.
	made := filepath.Join(root, "new", "demo")
	mustRun(t, nil, "demo", "--tracks", "20", "--dir", made)
	if _, err := os.Stat(filepath.Join(root, "new")); !os.IsNotExist(err) {
		t.Errorf("the directories the demo made are still there: %v", err)
	}

	// Empty before: it stays, empty.
	empty := filepath.Join(root, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	mustRun(t, nil, "demo", "--tracks", "20", "--dir", empty)
	if entries, err := os.ReadDir(empty); err != nil || len(entries) != 0 {
		t.Errorf("the empty directory: %v %v, want it there and empty", entries, err)
	}

	// A kept demo directory, to which the user added a file: a second
	// demo replaces the demo's files and removes them after, not the note.
	kept := filepath.Join(root, "kept")
	mustRun(t, nil, "demo", "--tracks", "20", "--dir", kept, "--keep")
	note := writeFile(t, kept, "my-notes.txt", "mine\n")
	r := mustRun(t, nil, "demo", "--tracks", "20", "--dir", kept, "--keep")
	if !strings.Contains(r.stdout, "First sync") || !strings.Contains(r.stdout, "(never reconciled)") {
		t.Errorf("the second demo did not start from an empty mirror:\n%s", r.stdout)
	}
	mustRun(t, nil, "demo", "--tracks", "20", "--dir", kept)
	mustContain(t, note, "mine\n")
	if entries, _ := os.ReadDir(kept); len(entries) != 1 {
		t.Errorf("left in the demo directory: %v, want only the user's note", entries)
	}
}

// The demo ignores the user's PLEXM8_* settings and touches none of the
// user's files: a bogus PLEXM8_TOKEN, a PLEXM8_CONFIG that would not even
// load and a PLEXM8_DB are all as if unset, and the real config, state and
// database directories stay as they were.
func TestDemoIsHermetic(t *testing.T) {
	home := t.TempDir()
	userCfg := writeFile(t, home, "config.yaml", "this is: [not a config\n")
	past := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(userCfg, past, past); err != nil {
		t.Fatal(err)
	}
	userDB := filepath.Join(home, "real.db")
	env := map[string]string{
		"PLEXM8_TOKEN":    "bogus-user-token",
		"PLEXM8_CONFIG":   userCfg,
		"PLEXM8_DB":       userDB,
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"XDG_STATE_HOME":  filepath.Join(home, "state"),
	}
	dir := filepath.Join(t.TempDir(), "demo")
	r := run(t, env, "demo", "--tracks", "30", "--dir", dir, "--keep")
	if r.code != 0 {
		t.Fatalf("demo with the user's PLEXM8_* set: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mustContain(t, userCfg, "this is: [not a config\n")
	if st, err := os.Stat(userCfg); err != nil || !st.ModTime().Equal(past) {
		t.Errorf("the user's config was touched: %v %v", st.ModTime(), err)
	}
	if entries, _ := os.ReadDir(home); len(entries) != 1 {
		t.Errorf("the demo wrote into the user's home: %v", entries)
	}
	if strings.Contains(r.stdout+r.stderr, "bogus-user-token") {
		t.Errorf("the user's token is shown")
	}
	// The kept demo is told apart from the user's environment, in words.
	if !strings.Contains(r.stdout, "unset PLEXM8_TOKEN PLEXM8_DB") {
		t.Errorf("the demo does not warn that the user's PLEXM8_TOKEN and PLEXM8_DB would override its config:\n%s", r.stdout)
	}
	// Its database holds the fake's library, not the user's.
	q := mustRun(t, map[string]string{"PLEXM8_CONFIG": filepath.Join(dir, "config.yaml")}, "sql", "SELECT name FROM servers ORDER BY name")
	if !strings.Contains(q.stdout, "Home Server") || !strings.Contains(q.stdout, "(2 rows)") {
		t.Errorf("the demo's database: %s", q.stdout)
	}
}

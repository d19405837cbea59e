package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoRunShowsTheDaemon(t *testing.T) {
	dir := t.TempDir()
	r := run(t, nil, "demo", "--run", "--tracks", "60", "--dir", dir, "--keep", "--log-level", "info")
	if r.code != 0 {
		t.Fatalf("demo --run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Arrived by itself", "(1 rows)", "Stopped cleanly"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo --run output lacks %q:\n%s", want, r.stdout)
		}
	}
	// The story tells of the start-up sync and the scheduled one.
	if n := strings.Count(r.stdout, "daemon: sync ok"); n < 2 {
		t.Errorf("%d syncs told, want the start-up one and a scheduled one:\n%s", n, r.stdout)
	}
	// Asked for with --log-level info, the daemon's log has its start-up
	// sync, the scheduled one and its stop.
	if n := strings.Count(r.stderr, `"job":"sync","status":"ok"`); n < 2 {
		t.Errorf("%d ok sync lines, want the start-up one and a scheduled one:\n%s", n, r.stderr)
	}
	if !strings.Contains(r.stderr, "daemon stopped") {
		t.Errorf("no clean stop in the log:\n%s", r.stderr)
	}
	// The demo's database is consistent and released: a writer can open it.
	if r := run(t, map[string]string{"PLEXM8_CONFIG": filepath.Join(dir, "config.yaml")}, "backup"); r.code != 0 {
		t.Errorf("backup after demo --run: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, nil, "demo", "--run", "--serve"); r.code != 2 {
		t.Errorf("--run --serve: exit %d, want 2", r.code)
	}
}

// In a directory it did not create, demo --run removes every file it and
// the daemon wrote (the daemon's lock file too), so the directory can take
// another demo or anything else.
func TestDemoRunLeavesNothingBehind(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, nil, "demo", "--run", "--tracks", "20", "--dir", dir); r.code != 0 {
		t.Fatalf("demo --run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left in %s: %v (%v)", dir, names, err)
	}
}

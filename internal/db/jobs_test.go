package db

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestJobRunsAndInterruptedOnes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	d, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := d.StartJob(t.Context(), "sync", 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.FinishJob(t.Context(), JobRecord{ID: id, FinishedAt: 105, Status: "ok", Details: `{"servers":1}`}); err != nil {
		t.Fatal(err)
	}
	if err := d.RecordJob(t.Context(), JobRecord{Job: "sync", StartedAt: 110, FinishedAt: 110, Status: "skipped", Error: "still running"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.StartJob(t.Context(), "full_sync", 120); err != nil { // the process "dies" here
		t.Fatal(err)
	}
	if err := d.SetDaemonState(t.Context(), "token", `{"state":"ok"}`, 1); err != nil {
		t.Fatal(err)
	}
	if err := d.SetDaemonState(t.Context(), "token", `{"state":"rejected"}`, 2); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = openTest(t, path, Options{})
	last, err := d.LastJobRuns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(last) != 2 || last[0].Job != "full_sync" || last[0].Status != "failed" || last[0].Error == "" || last[0].FinishedAt != 0 {
		t.Errorf("interrupted run = %+v, want failed with a reason and no end time", last)
	}
	if last[1].Job != "sync" || last[1].Status != "skipped" {
		t.Errorf("latest sync run = %+v", last[1])
	}
	v, ok, err := d.DaemonState(t.Context(), "token")
	if err != nil || !ok || v != `{"state":"rejected"}` {
		t.Errorf("token state = %q %v %v", v, ok, err)
	}
	if _, ok, _ := d.DaemonState(t.Context(), "nothing"); ok {
		t.Error("a missing key was found")
	}
	// Pruning keeps each job's latest run, however old.
	if n, err := d.PruneJobRuns(t.Context(), 1000); err != nil || n != 1 {
		t.Errorf("pruned %d, %v; want only the older sync run", n, err)
	}
	if last, _ := d.LastJobRuns(t.Context()); len(last) != 2 {
		t.Errorf("after pruning the latest runs are %+v", last)
	}
	if _, _, _, err := d.Checkpoint(t.Context()); err != nil {
		t.Error(err)
	}
	if err := d.Optimize(t.Context()); err != nil {
		t.Error(err)
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

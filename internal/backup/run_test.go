package backup

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plexm8/plexm8-sync/internal/db"
)

// jobRuns returns the job_runs rows of d, oldest first.
func jobRuns(t *testing.T, d *db.DB) []db.JobRun {
	t.Helper()
	rows, err := d.R().QueryContext(t.Context(), `SELECT job, started_at, finished_at, status, coalesce(error, ''), coalesce(details, '') FROM job_runs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []db.JobRun
	for rows.Next() {
		var r db.JobRun
		var details string
		if err := rows.Scan(&r.Job, &r.StartedAt, &r.FinishedAt, &r.Status, &r.Error, &details); err != nil {
			t.Fatal(err)
		}
		r.Details = json.RawMessage(details)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRunRecordsItsRun(t *testing.T) {
	d := openDB(t)
	dir := filepath.Join(t.TempDir(), "backups")
	now := clock()
	var res Result
	for range 3 {
		var err error
		if res, err = Run(t.Context(), d, dir, Options{Keep: 2, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	runs := jobRuns(t, d)
	if len(runs) != 3 {
		t.Fatalf("runs %+v, want one per backup", runs)
	}
	last := runs[2]
	got, err := last.BackupDetails()
	want := db.BackupDetails{File: res.Path, Bytes: res.Bytes, Integrity: "ok", Rotated: 1}
	if err != nil || got != want || last.Job != db.JobBackup || last.Status != db.RunOK || last.Error != "" {
		t.Errorf("last run %+v, details %+v (%v); want ok with %+v", last, got, err, want)
	}
	// Start and end are read from the clock around the backup, which reads
	// it once for its name: two steps apart.
	if last.FinishedAt-last.StartedAt != 120 {
		t.Errorf("run from %d to %d, want two clock steps apart", last.StartedAt, last.FinishedAt)
	}
	// The copy was taken before its row was written: it holds the earlier
	// runs only, none of them running.
	b, err := db.Open(t.Context(), res.Path, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if in := jobRuns(t, b); len(in) != 2 || in[0].Status != db.RunOK || in[1].Status != db.RunOK {
		t.Errorf("runs inside the copy %+v, want the two earlier ok ones", in)
	}

	// -o: a file outside the rotation, recorded the same way.
	out := filepath.Join(t.TempDir(), "copy.db")
	if res, err = Run(t.Context(), d, dir, Options{Keep: 2, File: out}); err != nil || res.Path != out || len(res.Removed) != 0 {
		t.Fatalf("Run to a file: %+v, %v", res, err)
	}
	if got, _ := jobRuns(t, d)[3].BackupDetails(); got.File != out || got.Rotated != 0 || got.Bytes == 0 {
		t.Errorf("details of a backup to a file %+v", got)
	}
	if list, _ := List(dir); len(list) != 2 {
		t.Errorf("a backup to a file touched the rotation: %v", names(list))
	}
}

func TestRunRecordsAFailure(t *testing.T) {
	d := openDB(t)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Run(t.Context(), d, filepath.Join(notADir, "backups"), Options{Now: clock()})
	if err == nil || errors.Is(err, ErrNotRecorded) {
		t.Fatalf("Run into a file's path = %v, want the failure", err)
	}
	runs := jobRuns(t, d)
	if len(runs) != 1 || runs[0].Status != db.RunFailed || runs[0].Error != err.Error() || len(runs[0].Details) != 0 {
		t.Errorf("runs %+v, want one failed run with the error and no details", runs)
	}
}

// A backup cut short by shutdown or Ctrl-C is recorded as interrupted,
// not as a fault of the backup.
func TestRunRecordsAnInterruption(t *testing.T) {
	d := openDB(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Run(ctx, d, filepath.Join(t.TempDir(), "backups"), Options{Now: clock()}); err == nil {
		t.Fatal("Run with a cancelled context succeeded")
	}
	runs := jobRuns(t, d)
	if len(runs) != 1 || runs[0].Status != db.RunFailed || !strings.HasPrefix(runs[0].Error, "interrupted: ") {
		t.Errorf("runs %+v, want one failed run whose error says it was interrupted", runs)
	}
}

// A backup whose row cannot be written is still a good backup, and Run
// says which of the two failed.
func TestRunThatCannotRecord(t *testing.T) {
	d := openDB(t)
	if _, err := d.W().ExecContext(t.Context(), `DROP TABLE job_runs`); err != nil {
		t.Fatal(err)
	}
	res, err := Run(t.Context(), d, filepath.Join(t.TempDir(), "backups"), Options{Now: clock()})
	if !errors.Is(err, ErrNotRecorded) || !strings.Contains(err.Error(), "job_runs") {
		t.Fatalf("Run without job_runs = %v, want ErrNotRecorded with the cause", err)
	}
	if verr := db.VerifyFile(t.Context(), res.Path); verr != nil {
		t.Errorf("the unrecorded copy: %v", verr)
	}
}

// Beside the daemon the command line has the database read-only: Take
// backs it up and records nothing.
func TestTakeOnAReadOnlyDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	w, err := db.Open(t.Context(), path, db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := db.Open(t.Context(), path, db.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := Take(t.Context(), r, filepath.Join(t.TempDir(), "backups"), Options{Now: clock()})
	if err != nil || db.VerifyFile(t.Context(), res.Path) != nil {
		t.Fatalf("Take on a read-only database = %+v, %v", res, err)
	}
	if runs := jobRuns(t, w); len(runs) != 0 {
		t.Errorf("runs %+v, want none", runs)
	}
}

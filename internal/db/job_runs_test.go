package db

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
)

func TestJobRunsAndInterruptedOnes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plexm8.db")
	d, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := d.StartJob(t.Context(), JobSync, 100)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.FinishJob(t.Context(), JobRun{ID: id, FinishedAt: 105, Status: RunOK, Details: json.RawMessage(`{"servers":1}`)}); err != nil {
		t.Fatal(err)
	}
	if err := d.RecordJob(t.Context(), JobRun{Job: JobSync, StartedAt: 110, FinishedAt: 110, Status: RunSkipped, Error: "still running"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.StartJob(t.Context(), JobFullSync, 120); err != nil { // the process "dies" here
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = openTest(t, path, Options{})
	st, err := d.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	last := st.Jobs // each job's latest run, by name
	if len(last) != 2 || last[0].Job != "full_sync" || last[0].Status != "failed" || last[0].Error == "" || last[0].FinishedAt != 0 {
		t.Errorf("interrupted run = %+v, want failed with a reason and no end time", last)
	}
	if last[1].Job != "sync" || last[1].Status != "skipped" {
		t.Errorf("latest sync run = %+v", last[1])
	}
	var details string
	if err := d.R().QueryRowContext(t.Context(), `SELECT details FROM job_runs WHERE id = ?`, id).Scan(&details); err != nil || details != `{"servers":1}` {
		t.Errorf("stored details %q, %v", details, err)
	}
	// Pruning keeps each job's latest run, however old.
	if n, err := d.PruneJobRuns(t.Context(), 1000); err != nil || n != 1 {
		t.Errorf("pruned %d, %v; want only the older sync run", n, err)
	}
	if st, err := d.Status(t.Context()); err != nil || len(st.Jobs) != 2 {
		t.Errorf("after pruning the latest runs are %+v (%v)", st, err)
	}
}

// The stored words are the ones docs/schema.md documents for job_runs and
// sync_runs; a database written by any version reads the same.
func TestJobNamesAndRunStatusesAreTheDocumentedWords(t *testing.T) {
	var names []string
	for _, n := range JobNames() {
		names = append(names, string(n))
	}
	if got, want := names, []string{"validate_token", "refresh_resources", "sync", "full_sync", "backup", "maintenance"}; !slices.Equal(got, want) {
		t.Errorf("JobNames() = %q, want %q", got, want)
	}
	for s, want := range map[RunStatus]string{RunRunning: "running", RunOK: "ok", RunPartial: "partial", RunFailed: "failed", RunSkipped: "skipped", RunPaused: "paused"} {
		if string(s) != want {
			t.Errorf("status %q, want %q", s, want)
		}
	}
}

func TestBackupDetails(t *testing.T) {
	d := BackupDetails{File: "/b/plexm8-20261201T043000Z.db", Bytes: 4096, Integrity: IntegrityOK, Rotated: 1}
	if got := string(d.JSON()); got != `{"file":"/b/plexm8-20261201T043000Z.db","bytes":4096,"integrity":"ok","rotated":1}` {
		t.Errorf("JSON() = %s", got)
	}
	// Rows written before rotated was recorded, and rows with no details.
	for raw, want := range map[string]BackupDetails{
		`{"file":"/x","bytes":2048,"integrity":"ok"}`:                {File: "/x", Bytes: 2048, Integrity: "ok"},
		`{"bytes":1646592,"file":"/y","integrity":"ok","rotated":1}`: {File: "/y", Bytes: 1646592, Integrity: "ok", Rotated: 1},
		``: {},
	} {
		got, err := JobRun{Details: json.RawMessage(raw)}.BackupDetails()
		if err != nil || got != want {
			t.Errorf("BackupDetails(%s) = %+v, %v; want %+v", raw, got, err, want)
		}
	}
	if _, err := (JobRun{Details: json.RawMessage(`[1]`)}).BackupDetails(); err == nil {
		t.Error("details of another shape decoded")
	}
}

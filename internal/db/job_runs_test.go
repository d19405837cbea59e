package db

import (
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

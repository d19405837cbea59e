package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/plexm8/plexm8-sync/internal/db"
)

// ErrNotRecorded is matched by Run's error when the backup was taken and
// verified but its job_runs row could not be written: the copy is good.
var ErrNotRecorded = errors.New("the backup is good but could not be recorded")

// Run is the backup job, for the daemon's schedule and for `plexm8-sync
// backup` alike: it takes a backup as Take does and records the run in
// job_runs with its details. The row is written once the copy is taken,
// never as "running" first, because the copy would then hold a running row
// of its own that reads as an interrupted backup once restored. It is
// written even when ctx is cancelled: that is how status learns the backup
// failed. d must be open for writing.
func Run(ctx context.Context, d *db.DB, dir string, o Options) (Result, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	start := o.Now()
	res, err := Take(ctx, d, dir, o)
	run := db.JobRun{Job: db.JobBackup, StartedAt: start.Unix(), FinishedAt: o.Now().Unix(), Status: db.RunOK}
	if err != nil {
		run.Status, run.Error = db.RunFailed, err.Error()
		if ctx.Err() != nil {
			// The daemon shutting down, or Ctrl-C: say so, as the runs the
			// scheduler records do, so status does not read it as a fault.
			run.Error = "interrupted: " + run.Error
		}
	} else {
		run.Details = res.Details().JSON()
	}
	if rerr := d.RecordJob(context.WithoutCancel(ctx), run); rerr != nil && err == nil {
		err = fmt.Errorf("%w: %w", ErrNotRecorded, rerr)
	}
	return res, err
}

// Details are what the run of a backup records, and status shows.
func (r Result) Details() db.BackupDetails {
	return db.BackupDetails{File: r.Path, Bytes: r.Bytes, Integrity: db.IntegrityOK, Rotated: len(r.Removed)}
}

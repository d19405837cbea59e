package main

import (
	"context"
	"fmt"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// demoSchedule is the short schedule of 'demo --run', appended to the
// demo's config.
const demoSchedule = `schedule:
  sync: "@every 2s"
  validate_token: "@every 1m"
  refresh_resources: ""
  full_sync: ""
  backup: ""
`

type demoRun struct {
	job     db.JobName
	status  db.RunStatus
	details map[string]any
}

// demoDaemon runs the daemon against the fake, waits for its start-up sync,
// changes the fake, waits for a scheduled sync to bring the change in, and
// stops the daemon the way SIGTERM would.
func (a *app) demoDaemon(ctx context.Context, f *plextest.Fake, step func(string)) error {
	runs := make(chan demoRun, 64)
	dctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	step("2. The daemon: 'plexm8-sync run' with the sync every 2 seconds (each job it finishes is shown)")
	go func() {
		done <- a.runDaemon(dctx, runOptions{poll: defaultCredentialsPoll, observe: func(job db.JobName, status db.RunStatus, details map[string]any) {
			select {
			case runs <- demoRun{job, status, details}:
			default: // the demo stopped listening
			}
		}})
	}()
	// wait returns the next finished sync that pred accepts.
	wait := func(pred func(demoRun) bool) error {
		for {
			select {
			case r := <-runs:
				a.showDemoRun(r)
				if r.job == db.JobSync && pred(r) {
					return nil
				}
			case err := <-done:
				if err == nil {
					err = ctx.Err()
				}
				return fmt.Errorf("the daemon stopped early: %w", err)
			}
		}
	}
	if err := wait(func(r demoRun) bool { return r.status == db.RunOK }); err != nil {
		return err
	}
	step("3. A track added on the server; nobody runs 'sync': the next scheduled one brings it in")
	s := f.Owned()
	title := "Arrived by itself"
	s.AddTrack(s.Albums("1")[0].RatingKey, title)
	if err := wait(func(r demoRun) bool { return r.status == db.RunOK && fmt.Sprint(r.details["added"]) != "0" }); err != nil {
		return err
	}
	q := fmt.Sprintf("SELECT title, album_title, artist_title FROM tracks WHERE title = '%s'", title)
	fmt.Fprintf(a.Stdout, "$ plexm8-sync sql %q\n", q)
	if err := a.dispatch(ctx, []string{"sql", q}); err != nil {
		return err
	}
	step("4. Stopping the daemon (what Ctrl-C or SIGTERM does)")
	stop()
	if err := <-done; err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, "Stopped cleanly. In real use: 'plexm8-sync run' in a terminal, or as a service; it logs each job to standard error.")
	return nil
}

// showDemoRun tells of one job the daemon finished, in place of its log
// line, which the demo keeps quiet so as not to break up the story.
func (a *app) showDemoRun(r demoRun) {
	line := fmt.Sprintf("  daemon: %s %s", r.job, r.status)
	if r.job == db.JobSync {
		line += fmt.Sprintf(" (added %v, updated %v, removed %v)", r.details["added"], r.details["updated"], r.details["removed"])
	}
	fmt.Fprintln(a.Stdout, line)
}

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

// demoServe runs the fake until ctx ends, with the control endpoint that
// 'demo change' uses, and tells how to use both from another terminal.
func (a *app) demoServe(ctx context.Context, f *plextest.Fake, d *demoDir, o demoOptions, userEnv func(string) string) error {
	ctl, err := startDemoControl(f, d)
	if err != nil {
		return err
	}
	defer ctl.Close()
	pl := "Road Trip"
	for _, p := range f.Owned().Playlists() {
		if p.PlaylistType == "audio" && !p.Smart {
			pl = p.Title
			break
		}
	}
	cfgPath := filepath.Join(d.path, "config.yaml")
	fmt.Fprintf(a.Stdout, "Fake Plex is running. Use it from another terminal with:\n\n  export PLEXM8_CONFIG=%s\n  plexm8-sync login\n  plexm8-sync sync\n\n", cfgPath)
	if note := demoEnvNote(userEnv); note != "" {
		fmt.Fprintf(a.Stdout, "%s\n", note)
	}
	fmt.Fprintf(a.Stdout, `Then change the library on the fake server and sync again to watch the mirror follow:

  plexm8-sync demo change add-track "A New Song"
  plexm8-sync demo change rename-playlist %[1]q %[2]q
  plexm8-sync demo change edit-playlist %[2]q --add "A New Song"
  plexm8-sync sync
  plexm8-sync history %[2]q

('plexm8-sync demo change --help' lists every change; 'plexm8-sync run' there
shows the daemon bringing them in by itself.)

The fake approves sign-ins itself. Ctrl-C stops it`, pl, pl+" 2")
	if o.keep {
		fmt.Fprintf(a.Stdout, "; the files stay in %s.\n", d.path)
	} else {
		fmt.Fprintf(a.Stdout, " and removes the demo's files (--keep keeps them).\n")
	}
	go autoClaim(ctx, f, o.pollEvery)
	<-ctx.Done()
	return nil
}

// autoClaim approves every PIN the fake hands out, standing in for a user
// clicking "Allow" in the browser.
func autoClaim(ctx context.Context, f *plextest.Fake, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.ClaimPendingPINs()
		}
	}
}

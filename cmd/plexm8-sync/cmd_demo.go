package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/plex"
	"github.com/plexm8/plexm8-sync/internal/plex/plextest"
)

func demoCommand() *command {
	return &command{
		name:    "demo",
		args:    "[--tracks N] [--dir DIR] [--keep] [--serve | --run]",
		summary: "try everything against a built-in fake Plex (no account needed)",
		help: `Starts a fake plex.tv and Plex Media Server on 127.0.0.1 with a generated music
library, then walks through what a real installation does: sign in with the PIN
flow, a first sync, some changes on the "server", an incremental sync, and
offline queries on the mirror. Nothing leaves this machine.

--keep leaves the config and database in --dir so you can keep querying them;
--serve only runs the fake server (with a config pointing at it) until Ctrl-C,
so you can try every command by hand against it. --run shows the daemon
instead of the manual syncs: 'plexm8-sync run' on a 2-second schedule picks
up a change made on the fake by itself, then stops cleanly.

Examples:
  plexm8-sync demo
  plexm8-sync demo --tracks 100000 --dir /tmp/plexm8-demo --keep
  plexm8-sync demo --serve --dir /tmp/plexm8-demo
  plexm8-sync demo --run`,
		setup: func(fs *flag.FlagSet) runFunc {
			tracks := fs.Int("tracks", 5000, "tracks in the fake library (10 to 1000000)")
			dir := fs.String("dir", "", "directory for the demo's config, state and database (default: a temporary one)")
			keep := fs.Bool("keep", false, "keep --dir afterwards")
			serve := fs.Bool("serve", false, "only run the fake server until interrupted")
			daemon := fs.Bool("run", false, "show the daemon: run it on a short schedule and watch a change arrive")
			seed := fs.Int64("seed", 1, "seed of the generated library")
			return func(ctx context.Context, a *app, args []string) error {
				if len(args) > 0 {
					return usageErrorf("demo takes no arguments")
				}
				if *tracks < 10 || *tracks > 1_000_000 {
					return usageErrorf("--tracks must be between 10 and 1000000")
				}
				if *serve && *daemon {
					return usageErrorf("--serve and --run do not go together")
				}
				return a.demo(ctx, demoOptions{tracks: *tracks, dir: *dir, keep: *keep || *serve, serve: *serve, seed: *seed, daemon: *daemon})
			}
		},
	}
}

type demoOptions struct {
	tracks    int
	dir       string
	keep      bool
	serve     bool
	seed      int64
	pollEvery time.Duration
	daemon    bool // --run
}

func (a *app) demo(ctx context.Context, o demoOptions) error {
	if o.dir == "" {
		d, err := os.MkdirTemp("", "plexm8-demo-")
		if err != nil {
			return err
		}
		o.dir = d
	}
	if !o.keep {
		defer os.RemoveAll(o.dir)
	}
	if o.pollEvery == 0 {
		o.pollEvery = 200 * time.Millisecond
	}
	fmt.Fprintf(a.Stdout, "Starting a fake Plex on 127.0.0.1 with %d tracks...\n", o.tracks)
	// The fake runs on the wall clock, so the PIN's expiry, the stamps of
	// the demo's edits and the run table all show today's time. Edits then
	// land in the second of the sync before them, as on a real server.
	f, err := plextest.Start(plextest.Options{Seed: o.seed, Tracks: o.tracks, Now: time.Now})
	if err != nil {
		return fmt.Errorf("start the fake Plex: %w", err)
	}
	defer f.Close()

	cfgPath := filepath.Join(o.dir, "config.yaml")
	cfg := fmt.Sprintf(`# Written by 'plexm8-sync demo': points at the fake Plex it runs.
state_dir: %q
database:
  path: %q
plex:
  tv_url: %q
  clients_url: %q
  requests_per_second: 1000
  page_size: 1000
`, o.dir, filepath.Join(o.dir, "plexm8.db"), f.TVURL(), f.ClientsURL())
	if o.daemon {
		cfg += demoSchedule
	}
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return err
	}
	a.configPath, a.cfg = cfgPath, nil
	conf, err := a.Config()
	if err != nil {
		return err
	}
	if o.serve {
		fmt.Fprintf(a.Stdout, "Fake Plex is running. Use it from another terminal with:\n\n  export PLEXM8_CONFIG=%s\n  plexm8-sync login\n  plexm8-sync sync\n\nThe fake approves sign-ins itself. Ctrl-C stops it.\n", cfgPath)
		go autoClaim(ctx, f, o.pollEvery)
		<-ctx.Done()
		return nil
	}
	a.plexOptions = append(a.plexOptions, func(po *plex.Options) { po.RootCAs = f.RootCAs() })
	client, err := a.newPlexClient(conf)
	if err != nil {
		return err
	}

	step := func(s string) { fmt.Fprintf(a.Stdout, "\n== %s\n", s) }
	step("1. Sign in with the PIN flow (the fake approves it at once)")
	if err := a.login(ctx, client, conf.StateDir, o.pollEvery, func(p plex.PIN) { _ = f.ClaimPIN(p.ID) }); err != nil {
		return err
	}
	if o.daemon {
		return a.demoDaemon(ctx, f, step)
	}
	step("2. First sync: everything is new")
	if err := a.syncOnce(ctx, false, nil); err != nil {
		return err
	}
	step("3. Changes on the server: a track added, one removed, a playlist renamed")
	s := f.Owned()
	albums := s.Albums("1")
	trs := s.Tracks("1")
	s.AddTrack(albums[0].RatingKey, "A track added during the demo")
	s.RemoveTrack(trs[len(trs)-1].RatingKey)
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart {
			s.RenamePlaylist(p.RatingKey, p.Title+" (renamed)")
			break
		}
	}
	step("4. Incremental sync: only what changed is fetched and written")
	if err := a.syncOnce(ctx, false, nil); err != nil {
		return err
	}
	step("5. Offline: status and SQL on the mirror")
	if err := a.dispatch(ctx, []string{"status"}); err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout)
	q := `SELECT artist_title AS artist, count(*) AS tracks FROM tracks WHERE removed_at IS NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`
	fmt.Fprintf(a.Stdout, "$ plexm8-sync sql %q\n", q)
	if err := a.dispatch(ctx, []string{"sql", q}); err != nil {
		return err
	}
	if err := a.demoHistory(ctx, f, o.dir, step); err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(a.Stdout, "\nThe demo's files are in %s. Query them with:\n  plexm8-sync --config %s sql \"SELECT title FROM playlists\"\n", o.dir, cfgPath)
	}
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

// demoHistory is the playlist history part of the tour: a playlist is
// edited on the server between two syncs, then history, diff and export
// show what the database kept.
func (a *app) demoHistory(ctx context.Context, f *plextest.Fake, dir string, step func(string)) error {
	s := f.Owned()
	var pl plextest.Playlist
	for _, p := range s.Playlists() {
		if p.PlaylistType == "audio" && !p.Smart && p.LeafCount >= 5 && p.LeafCount < 100 {
			pl = p
			break
		}
	}
	if pl.RatingKey == "" {
		return nil
	}
	step(fmt.Sprintf("6. Playlist history: %q is edited on the server, then synced", pl.Title))
	items := s.PlaylistItems(pl.RatingKey)
	s.MovePlaylistItem(pl.RatingKey, 0, len(items)-1)
	trs := s.Tracks("1")
	s.ReplacePlaylistItem(pl.RatingKey, 1, trs[len(trs)/2].RatingKey)
	if err := a.syncOnce(ctx, false, nil); err != nil {
		return err
	}
	for _, args := range [][]string{{"history", pl.Title}, {"diff", pl.Title}} {
		fmt.Fprintf(a.Stdout, "\n$ plexm8-sync %s %q\n", args[0], args[1])
		if err := a.dispatch(ctx, args); err != nil {
			return err
		}
	}
	out := filepath.Join(dir, "playlist.m3u8")
	fmt.Fprintf(a.Stdout, "\n$ plexm8-sync export %q --at 1 --format m3u8 -o %s\n", pl.Title, out)
	if err := a.dispatch(ctx, []string{"export", pl.Title, "--at", "1", "--format", "m3u8", "-o", out}); err != nil {
		return err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	lines := strings.SplitN(string(b), "\n", 6)
	fmt.Fprintf(a.Stdout, "%s\n…\n", strings.Join(lines[:min(len(lines), 5)], "\n"))
	fmt.Fprintf(a.Stdout, "Bring any version back with: plexm8-sync restore %q --at 1 --dry-run\n", pl.Title)
	return nil
}

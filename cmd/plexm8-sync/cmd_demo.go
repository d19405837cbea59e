package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/plexm8/plexm8-sync/internal/config"
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
offline queries on the mirror. Nothing leaves this machine, and the demo runs on
its own config: PLEXM8_TOKEN, PLEXM8_CONFIG and PLEXM8_DB are ignored, and your
real config, credentials and database are never read or touched.

The demo's files (config, credentials, database) go into --dir DIR, or a
temporary directory. DIR must be new, empty, or one an earlier demo wrote: the
demo never replaces or removes a file it did not create. When it ends it
removes what it created (DIR too, if it made it) unless --keep.

--keep leaves the config and database so you can keep querying them. --serve
only runs the fake server, with a config pointing at it, until Ctrl-C, so you
can try every command by hand against it; 'plexm8-sync demo change' then edits
its library (add a track, rename a playlist, ...) to watch the mirror follow.
--run shows the daemon instead of the manual syncs: 'plexm8-sync run' on a
2-second schedule picks up a change made on the fake by itself, then stops
cleanly.

The story is on standard output; the demo logs only warnings and errors
(--log-level info shows everything).

Examples:
  plexm8-sync demo
  plexm8-sync demo --tracks 100000 --dir /tmp/plexm8-demo --keep
  plexm8-sync demo --serve --dir /tmp/plexm8-demo
  plexm8-sync demo --run`,
		setup: func(fs *flag.FlagSet) runFunc {
			tracks := fs.Int("tracks", 5000, "tracks in the fake library (10 to 1000000)")
			dir := fs.String("dir", "", "directory for the demo's config, state and database (default: a temporary one)")
			keep := fs.Bool("keep", false, "keep the demo's files in --dir afterwards")
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
				return a.demo(ctx, demoOptions{tracks: *tracks, dir: *dir, keep: *keep, serve: *serve, seed: *seed, daemon: *daemon})
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
	// The demo is hermetic: it runs on its own config, and PLEXM8_TOKEN,
	// PLEXM8_DB or PLEXM8_CONFIG meant for the user's real installation
	// must neither steer nor break it. userEnv is kept to warn about them.
	userEnv := a.Getenv
	a.Getenv = demoGetenv(userEnv)
	// The story is on standard output; the demo's own log would interleave
	// with it line by line, so only warnings and errors show unless
	// --log-level asks for more.
	if a.logLevel == "" {
		a.logLevel = "warn"
	}
	a.log = nil
	d, err := prepareDemoDir(o.dir)
	if err != nil {
		return err
	}
	o.dir = d.path
	if !o.keep {
		defer func() {
			if err := d.cleanUp(); err != nil {
				a.Logger().Warn("the demo could not remove its files", "dir", d.path, "err", err)
			}
		}()
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
	if err := d.write("config.yaml", []byte(cfg)); err != nil {
		return err
	}
	a.configPath, a.cfg = cfgPath, nil
	conf, err := a.Config()
	if err != nil {
		return err
	}
	if o.serve {
		return a.demoServe(ctx, f, d, o, userEnv)
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
		if err := a.demoDaemon(ctx, f, step); err != nil {
			return err
		}
		a.demoNext(o, userEnv, "", step)
		return nil
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
	title, err := a.demoHistory(ctx, f, o, step)
	if err != nil {
		return err
	}
	a.demoNext(o, userEnv, title, step)
	return nil
}

// demoGetenv hides the user's PLEXM8_* variables from the demo.
func demoGetenv(getenv func(string) string) func(string) string {
	return func(k string) string {
		if strings.HasPrefix(k, "PLEXM8_") {
			return ""
		}
		return getenv(k)
	}
}

// demoEnvNote warns, when the user's environment sets variables that
// would override the demo's config in their shell, how to get rid of them
// there; "" when none is set.
func demoEnvNote(getenv func(string) string) string {
	var set []string
	for _, k := range []string{config.EnvToken, config.EnvDB} {
		if getenv(k) != "" {
			set = append(set, k)
		}
	}
	if len(set) == 0 {
		return ""
	}
	what := map[string]string{
		config.EnvToken: "a token that would be used instead of the demo's sign-in",
		config.EnvDB:    "a database that would be used instead of the demo's",
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Note: your environment sets")
	for i, k := range set {
		if i > 0 {
			b.WriteString(" and")
		}
		fmt.Fprintf(&b, " %s (%s)", k, what[k])
	}
	fmt.Fprintf(&b, ".\nThe demo ignores such variables; the commands you type would not. Run\n\n  unset %s\n\nin that shell first (or start each with 'env -u %s plexm8-sync ...').\n",
		strings.Join(set, " "), strings.Join(set, " -u "))
	return b.String()
}

// demoNext ends the tour: what is left behind (only what still exists
// after the demo exits) and where to go from here.
func (a *app) demoNext(o demoOptions, userEnv func(string) string, playlist string, step func(string)) {
	step("What next")
	w := a.Stdout
	if o.keep {
		cfgPath := filepath.Join(o.dir, "config.yaml")
		fmt.Fprintf(w, "The demo's config and database stay in %s; query them offline with:\n\n", o.dir)
		fmt.Fprintf(w, "  export PLEXM8_CONFIG=%s\n  plexm8-sync tracks --limit 5\n", cfgPath)
		if playlist != "" {
			fmt.Fprintf(w, "  plexm8-sync restore %q --at 1 --dry-run\n", playlist)
		}
		fmt.Fprintln(w, "\nThe fake server stopped with the demo: syncing or restoring for real needs 'demo --serve'.")
		fmt.Fprint(w, demoEnvNote(userEnv))
	} else {
		fmt.Fprintln(w, "The demo's files were removed with it; --keep --dir DIR keeps them to query afterwards.")
	}
	fmt.Fprint(w, `
  plexm8-sync demo --serve --dir plexm8-demo   keep the fake server running and try every command
                                               on it, changing its library with 'demo change'
  plexm8-sync demo --keep --dir plexm8-demo    keep the config and database of this tour
`)
	if !o.daemon {
		fmt.Fprintln(w, "  plexm8-sync demo --run                       watch the daemon bring a change in by itself")
	}
	fmt.Fprintln(w, "  plexm8-sync login                            the real thing: sign in to your Plex account")
}

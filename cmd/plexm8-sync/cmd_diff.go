package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/history"
)

func diffCommand() *command {
	return &command{
		name:    "diff",
		args:    "PLAYLIST [--from V|TIME] [--to V|TIME] [--server S] [--json]",
		summary: "show what changed in a playlist between two versions (offline)",
		help: `Compares two versions of a playlist and lists the items added (+), removed (-)
and moved (~, with old and new position), by artist and title, and a changed
title or smart playlist rules. Items are told apart by their playlist item, so
a track that is in the playlist twice counts twice.

--to defaults to the newest version and --from to the one before --to. Each
takes a version number (see 'plexm8-sync history PLAYLIST'), an RFC 3339 time
or a date: the version current then (a date means the end of that day).
When nothing comes before --to (a playlist with one version so far), there
is nothing to compare: diff says so and exits with 2.

Examples:
  plexm8-sync diff "Road Trip"
  plexm8-sync diff "Road Trip" --from 2026-05-01 --to 2026-06-01
  plexm8-sync diff 12345 --from 1 --json`,
		setup: func(fs *flag.FlagSet) runFunc {
			from := fs.String("from", "", "older version: `V|TIME` (default: the one before --to)")
			to := fs.String("to", "", "newer version: `V|TIME` (default: the newest)")
			server := fs.String("server", "", "the playlist's server (`name` or machine identifier), when titles or keys repeat")
			asJSON := fs.Bool("json", false, "print JSON")
			return func(ctx context.Context, a *app, args []string) error {
				args, err := a.positionals(fs, args)
				if err != nil {
					return err
				}
				if len(args) != 1 {
					return usageErrorf("diff takes one PLAYLIST (a title or rating key)")
				}
				d, err := a.openDB(ctx, true)
				if err != nil {
					return err
				}
				defer d.Close()
				p, err := findPlaylist(ctx, d, args[0], *server)
				if err != nil {
					return err
				}
				toV, err := versionOf(ctx, d, p, *to, "--to")
				if err != nil {
					return err
				}
				fromV := toV - 1
				if *from == "" && fromV < 1 {
					return firstVersionError(p, *to)
				}
				if *from != "" {
					if fromV, err = versionOf(ctx, d, p, *from, "--from"); err != nil {
						return err
					}
				}
				vs, err := d.Versions(ctx, p.ServerID, p.RatingKey)
				if err != nil {
					return err
				}
				fv, err := versionByNumber(vs, fromV)
				if err != nil {
					return err
				}
				tv, err := versionByNumber(vs, toV)
				if err != nil {
					return err
				}
				old, err := d.VersionItems(ctx, p.ServerID, p.RatingKey, fromV)
				if err != nil {
					return err
				}
				cur, err := d.VersionItems(ctx, p.ServerID, p.RatingKey, toV)
				if err != nil {
					return err
				}
				diff := history.Compare(old, cur)
				if *asJSON {
					return writeJSON(a, struct {
						Playlist history.Playlist `json:"playlist"`
						From     history.Version  `json:"from"`
						To       history.Version  `json:"to"`
						Added    []history.Change `json:"added"`
						Removed  []history.Change `json:"removed"`
						Moved    []history.Change `json:"moved"`
					}{p, fv, tv, nonNil(diff.Added), nonNil(diff.Removed), nonNil(diff.Moved)})
				}
				w := a.Stdout
				fmt.Fprintf(w, "%s — %s, rating key %s\n", p.Title, p.ServerName, p.RatingKey)
				fmt.Fprintf(w, "version %d (%s, %d items) → version %d (%s, %d items, %s)\n", fv.Number, format.Time(fv.RecordedAt), fv.ItemCount,
					tv.Number, format.Time(tv.RecordedAt), tv.ItemCount, tv.State)
				if fv.Title != tv.Title {
					fmt.Fprintf(w, "  title: %s → %s\n", strconv.Quote(fv.Title), strconv.Quote(tv.Title))
				}
				if fv.Content != tv.Content {
					fmt.Fprintf(w, "  smart rules: %s → %s\n", fv.Content, tv.Content)
				}
				for _, c := range diff.Removed {
					fmt.Fprintf(w, "- %5d  %s\n", c.From+1, history.OneLine(c.Item.Name()))
				}
				for _, c := range diff.Added {
					fmt.Fprintf(w, "+ %5d  %s\n", c.To+1, history.OneLine(c.Item.Name()))
				}
				for _, c := range diff.Moved {
					fmt.Fprintf(w, "~ %5d  %s (was %d)\n", c.To+1, c.Item.Name(), c.From+1)
				}
				fmt.Fprintf(w, "%d added, %d removed, %d moved\n", len(diff.Added), len(diff.Removed), len(diff.Moved))
				return nil
			}
		},
	}
}

// firstVersionError explains a diff with nothing before --to: the default
// --from does not exist, which is the caller's to change, like any version
// that does not exist.
func firstVersionError(p history.Playlist, to string) error {
	if p.Latest == 1 {
		return usageErrorf("playlist %q has only one version so far (recorded %s): nothing to compare yet. A sync records a new version when the playlist changes on the server; run diff again after that",
			p.Title, format.Time(p.LastChange))
	}
	return usageErrorf("--to %s is version 1, the first of playlist %q: nothing came before it. Compare it with a later one, as in --from 1 --to 2", to, p.Title)
}

func nonNil(c []history.Change) []history.Change {
	if c == nil {
		return []history.Change{}
	}
	return c
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/history"
)

func historyCommand() *command {
	return &command{
		name:    "history",
		args:    "[PLAYLIST] [--server S] [--json]",
		summary: "list playlists with their versions, or one playlist's versions (offline)",
		help: `Every sync that sees a playlist change (its items, their order, its title or a
smart playlist's rules) records a new version; nothing is ever overwritten.
Without an argument, lists every playlist with its number of versions and its
last change. With PLAYLIST (a title, ignoring case, or a rating key), lists its
versions: when each was recorded, its item count, and how many items were
added (+), removed (-) and moved (~) since the version before. A playlist that
was deleted on the server ends with a "deleted" version; its items are kept.

Reads only the database: works offline and beside a running sync.

Examples:
  plexm8-sync history
  plexm8-sync history "Road Trip"
  plexm8-sync history 12345 --server "Home Server" --json`,
		setup: func(fs *flag.FlagSet) runFunc {
			server := fs.String("server", "", "only playlists of this server (`name` or machine identifier)")
			asJSON := fs.Bool("json", false, "print JSON instead of a table")
			return func(ctx context.Context, a *app, args []string) error {
				args, err := positionals(fs, args)
				if err != nil {
					return err
				}
				if len(args) > 1 {
					return usageErrorf("history takes at most one PLAYLIST (quote a title with spaces)")
				}
				d, err := a.openDB(ctx, true)
				if err != nil {
					return err
				}
				defer d.Close()
				if len(args) == 0 {
					ps, err := d.HistoryPlaylists(ctx, *server)
					if err != nil {
						return err
					}
					if *asJSON {
						if ps == nil {
							ps = []history.Playlist{}
						}
						return writeJSON(a, ps)
					}
					if len(ps) == 0 {
						fmt.Fprintln(a.Stdout, "(no playlist history yet: run 'plexm8-sync sync')")
						return nil
					}
					tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
					fmt.Fprintln(tw, "SERVER\tRATING KEY\tPLAYLIST\tVERSIONS\tLAST CHANGE\tSTATE")
					for _, p := range ps {
						state := "current"
						if p.Deleted {
							state = "deleted"
						}
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", p.ServerName, p.RatingKey, history.OneLine(p.Title), p.Versions, format.Time(p.LastChange), state)
					}
					return tw.Flush()
				}
				p, err := findPlaylist(ctx, d, args[0], *server)
				if err != nil {
					return err
				}
				vs, err := d.Versions(ctx, p.ServerID, p.RatingKey)
				if err != nil {
					return err
				}
				if *asJSON {
					return writeJSON(a, struct {
						Playlist history.Playlist  `json:"playlist"`
						Versions []history.Version `json:"versions"`
					}{p, vs})
				}
				fmt.Fprintf(a.Stdout, "%s — %s, rating key %s\n", p.Title, p.ServerName, p.RatingKey)
				tw := tabwriter.NewWriter(a.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "VERSION\tRECORDED\tSTATE\tITEMS\tADDED\tREMOVED\tMOVED\tTITLE")
				for _, v := range vs {
					title := v.Title
					if v.Smart {
						title += " (smart)"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t+%d\t-%d\t~%d\t%s\n", v.Number, format.Time(v.RecordedAt), v.State, v.ItemCount, v.Added, v.Removed, v.Moved, history.OneLine(title))
				}
				return tw.Flush()
			}
		},
	}
}

func writeJSON(a *app, v any) error {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

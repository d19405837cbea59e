package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/plexm8/plexm8-sync/internal/format"
	"github.com/plexm8/plexm8-sync/internal/history"
	"github.com/plexm8/plexm8-sync/internal/table"
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
				args, err := a.positionals(fs, args)
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
					ids := make([]string, len(ps))
					for i, p := range ps {
						ids[i] = p.ServerID
					}
					return a.historyTable(playlistRefColumns(serverHeader(ids)), len(ps), func(i int) []any {
						return playlistRefRow(ps[i])
					})
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
				return a.historyTable([]table.Column{
					{Key: "version", Header: "VERSION", Right: true},
					{Key: "recorded_at", Header: "RECORDED"},
					{Key: "state", Header: "STATE"},
					{Key: "item_count", Header: "ITEMS", Right: true},
					{Key: "changes", Header: "CHANGES"},
					{Key: "title", Header: "TITLE", Flex: true},
				}, len(vs), func(i int) []any {
					v := vs[i]
					title := v.Title
					if v.Smart {
						title += " (smart)"
					}
					return []any{v.Number, format.Time(v.RecordedAt), v.State, v.ItemCount,
						fmt.Sprintf("+%d -%d ~%d", v.Added, v.Removed, v.Moved), history.OneLine(title)}
				})
			}
		},
	}
}

// historyTable writes n rows as a table fitted to the terminal.
func (a *app) historyTable(cols []table.Column, n int, row func(i int) []any) error {
	w := table.New(a.Stdout, cols, table.Options{Width: a.terminalWidth(a.Stdout)})
	for i := range n {
		if err := w.Row(row(i)...); err != nil {
			return err
		}
	}
	return w.Close()
}

func writeJSON(a *app, v any) error {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

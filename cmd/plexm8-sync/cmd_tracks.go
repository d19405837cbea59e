package main

import (
	"context"
	"flag"

	"github.com/plexm8/plexm8-sync/internal/db"
	"github.com/plexm8/plexm8-sync/internal/table"
)

func tracksCommand() *command {
	return &command{
		name:    "tracks",
		args:    "[--search TEXT | TEXT] [--artist A] [--album B] [--playlist P] [--server S] [--removed] [--limit N] [--json|--csv]",
		summary: "list and search tracks in the mirror (offline)",
		help: `Lists tracks from the local mirror: no network, read-only, fine while a sync
runs. --search (or words after the flags) finds tracks whose title, artist or
album contain words starting with those given, ignoring case and accents
("beyonce" finds "Beyoncé"), also in Chinese, Japanese, Korean or Thai titles,
best matches first (past 5,000 matches: title matches first, then the others).
--artist and --album keep tracks whose artist or album
name contains those whole words; --playlist lists a playlist in its order.
Without a search, tracks come by artist, album and track number.

A table is cut to fit the terminal; piped, nothing is cut. --json prints an
array of objects with the keys server_id, server, rating_key, position, title,
artist, album, disc, track, year, duration_ms, added_at, updated_at and
removed_at (times in epoch seconds, null when unknown); --csv the same columns.

Examples:
  plexm8-sync tracks sigur ros
  plexm8-sync tracks --search "東京"
  plexm8-sync tracks --artist "Björk" --album homogenic
  plexm8-sync tracks --playlist "Road trip" --json | jq -r '.[].title'
  plexm8-sync tracks --removed --limit 0 --csv > gone.csv`,
		setup: func(fs *flag.FlagSet) runFunc {
			var f db.TrackFilter
			var out outputFlags
			fs.StringVar(&f.Search, "search", "", "find tracks by `words` of their title, artist or album (ranked)")
			fs.StringVar(&f.Artist, "artist", "", "only tracks whose artist's name contains these `words`")
			fs.StringVar(&f.Album, "album", "", "only tracks whose album's title contains these `words`")
			fs.StringVar(&f.Playlist, "playlist", "", "list the playlist with this `title` or rating key, in order")
			fs.StringVar(&f.Server, "server", "", "only the server with this `name` or machine identifier")
			fs.BoolVar(&f.Removed, "removed", false, "list the tracks gone from Plex instead of the current ones")
			limitFlag(fs, &f.Limit, 100, "tracks")
			out.define(fs)
			return func(ctx context.Context, a *app, args []string) error {
				if err := a.searchWords(fs, args, &f.Search); err != nil {
					return err
				}
				return a.listTracks(ctx, f, out)
			}
		},
	}
}

func (a *app) listTracks(ctx context.Context, f db.TrackFilter, out outputFlags) error {
	pos, removed := "", ""
	if f.Playlist != "" {
		pos = "#"
	}
	if f.Removed {
		removed = "REMOVED"
	}
	return listRows(ctx, a, out, f.Limit, listing[db.TrackInfo]{
		what: "tracks",
		none: "(no tracks match)",
		fetch: func(ctx context.Context, d *db.DB, limit int) ([]db.TrackInfo, error) {
			f.Limit = limit
			return d.Tracks(ctx, f)
		},
		server: func(t db.TrackInfo) string { return t.ServerID },
		columns: func(server string) []table.Column {
			return []table.Column{
				{Key: "server_id"},
				{Key: "server", Header: server, Flex: true},
				{Key: "rating_key"},
				{Key: "position", Header: pos, Right: true, Show: showInt},
				{Key: "title", Header: "TITLE", Flex: true},
				{Key: "artist", Header: "ARTIST", Flex: true},
				{Key: "album", Header: "ALBUM", Flex: true},
				{Key: "disc"},
				{Key: "track", Header: "NO", Right: true, Show: showInt},
				{Key: "year", Header: "YEAR", Right: true, Show: showInt},
				{Key: "duration_ms", Header: "TIME", Right: true, Show: showDuration},
				{Key: "added_at"},
				{Key: "updated_at"},
				{Key: "removed_at", Header: removed, Show: showDate},
			}
		},
		row: func(t db.TrackInfo) []any {
			// Position is shown from 1 in a table; JSON keeps the stored 0-based one.
			p := nint(t.Position)
			if !out.json && !out.csv && t.Position.Valid {
				p = t.Position.Int64 + 1
			}
			return []any{t.ServerID, t.Server, t.RatingKey, p, nstr(t.Title), nstr(t.Artist), nstr(t.Album),
				nint(t.Disc), nint(t.Track), nint(t.Year), nint(t.DurationMS), nint(t.AddedAt), nint(t.UpdatedAt), nint(t.RemovedAt)}
		},
	})
}
